package sqlstore

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/scimkit/scim/resource"
)

// The data column holds a resource as a JSON object whose keys are the
// canonical SCIM attribute names (so that filters address them by name),
// with three exceptions: the enterprise extension is under "enterprise",
// custom extensions under "extensions" keyed by schema URN, and unknown
// attributes under "extra". Unassigned values are omitted (primary false
// is a value and is kept). Meta, groups and members live in columns and tables
// of their own; the password is never stored: an app that keeps
// credentials hashes them itself before the store sees the user.

type multiDoc struct {
	Value   string `json:"value,omitempty"`
	Display string `json:"display,omitempty"`
	Type    string `json:"type,omitempty"`
	Primary *bool  `json:"primary,omitempty"`
}

type addressDoc struct {
	Formatted     string `json:"formatted,omitempty"`
	StreetAddress string `json:"streetAddress,omitempty"`
	Locality      string `json:"locality,omitempty"`
	Region        string `json:"region,omitempty"`
	PostalCode    string `json:"postalCode,omitempty"`
	Country       string `json:"country,omitempty"`
	Type          string `json:"type,omitempty"`
	Primary       *bool  `json:"primary,omitempty"`
}

type nameDoc struct {
	Formatted       string `json:"formatted,omitempty"`
	FamilyName      string `json:"familyName,omitempty"`
	GivenName       string `json:"givenName,omitempty"`
	MiddleName      string `json:"middleName,omitempty"`
	HonorificPrefix string `json:"honorificPrefix,omitempty"`
	HonorificSuffix string `json:"honorificSuffix,omitempty"`
}

type managerDoc struct {
	Value       string `json:"value,omitempty"`
	Ref         string `json:"$ref,omitempty"`
	DisplayName string `json:"displayName,omitempty"`
}

type enterpriseDoc struct {
	EmployeeNumber string      `json:"employeeNumber,omitempty"`
	CostCenter     string      `json:"costCenter,omitempty"`
	Organization   string      `json:"organization,omitempty"`
	Division       string      `json:"division,omitempty"`
	Department     string      `json:"department,omitempty"`
	Manager        *managerDoc `json:"manager,omitempty"`
}

type userDoc struct {
	ExternalID        string                     `json:"externalId,omitempty"`
	UserName          string                     `json:"userName,omitempty"`
	Name              *nameDoc                   `json:"name,omitempty"`
	DisplayName       string                     `json:"displayName,omitempty"`
	NickName          string                     `json:"nickName,omitempty"`
	ProfileURL        string                     `json:"profileUrl,omitempty"`
	Title             string                     `json:"title,omitempty"`
	UserType          string                     `json:"userType,omitempty"`
	PreferredLanguage string                     `json:"preferredLanguage,omitempty"`
	Locale            string                     `json:"locale,omitempty"`
	Timezone          string                     `json:"timezone,omitempty"`
	Active            *bool                      `json:"active,omitempty"`
	Emails            []multiDoc                 `json:"emails,omitempty"`
	PhoneNumbers      []multiDoc                 `json:"phoneNumbers,omitempty"`
	IMs               []multiDoc                 `json:"ims,omitempty"`
	Photos            []multiDoc                 `json:"photos,omitempty"`
	Addresses         []addressDoc               `json:"addresses,omitempty"`
	Entitlements      []multiDoc                 `json:"entitlements,omitempty"`
	Roles             []multiDoc                 `json:"roles,omitempty"`
	X509Certificates  []multiDoc                 `json:"x509Certificates,omitempty"`
	Enterprise        *enterpriseDoc             `json:"enterprise,omitempty"`
	Extensions        map[string]json.RawMessage `json:"extensions,omitempty"`
	Extra             map[string]json.RawMessage `json:"extra,omitempty"`
}

type groupDoc struct {
	ExternalID  string                     `json:"externalId,omitempty"`
	DisplayName string                     `json:"displayName,omitempty"`
	Extensions  map[string]json.RawMessage `json:"extensions,omitempty"`
	Extra       map[string]json.RawMessage `json:"extra,omitempty"`
}

func multiToDoc(vs []resource.MultiValue) []multiDoc {
	if len(vs) == 0 {
		return nil
	}
	out := make([]multiDoc, len(vs))
	for i, v := range vs {
		out[i] = multiDoc(v)
	}
	return out
}

func multiFromDoc(vs []multiDoc) []resource.MultiValue {
	if len(vs) == 0 {
		return nil
	}
	out := make([]resource.MultiValue, len(vs))
	for i, v := range vs {
		out[i] = resource.MultiValue(v)
	}
	return out
}

// rawMap drops nil and empty raw values, which encoding/json refuses.
func rawMap(m map[string]json.RawMessage) map[string]json.RawMessage {
	if len(m) == 0 {
		return nil
	}
	out := make(map[string]json.RawMessage, len(m))
	for k, v := range m {
		if len(v) > 0 {
			out[k] = v
		}
	}
	return out
}

// encodeUser returns the data column of u.
func encodeUser(u *resource.User) (string, error) {
	d := userDoc{
		ExternalID: u.ExternalID, UserName: u.UserName, DisplayName: u.DisplayName,
		NickName: u.NickName, ProfileURL: u.ProfileURL, Title: u.Title, UserType: u.UserType,
		PreferredLanguage: u.PreferredLanguage, Locale: u.Locale, Timezone: u.Timezone,
		Active:       u.Active,
		Emails:       multiToDoc(u.Emails),
		PhoneNumbers: multiToDoc(u.PhoneNumbers),
		IMs:          multiToDoc(u.IMs),
		Photos:       multiToDoc(u.Photos),
		Entitlements: multiToDoc(u.Entitlements), Roles: multiToDoc(u.Roles),
		X509Certificates: multiToDoc(u.X509Certificates),
		Extensions:       rawMap(u.Extensions),
		Extra:            rawMap(u.Extra),
	}
	if u.Name != nil && *u.Name != (resource.Name{}) {
		n := nameDoc(*u.Name)
		d.Name = &n
	}
	for _, a := range u.Addresses {
		d.Addresses = append(d.Addresses, addressDoc(a))
	}
	if e := u.Enterprise; e != nil {
		d.Enterprise = &enterpriseDoc{EmployeeNumber: e.EmployeeNumber, CostCenter: e.CostCenter,
			Organization: e.Organization, Division: e.Division, Department: e.Department}
		if e.Manager != nil {
			m := managerDoc(*e.Manager)
			d.Enterprise.Manager = &m
		}
	}
	b, err := marshal(&d)
	if err != nil {
		return "", fmt.Errorf("sqlstore: encoding user %q: %w", u.ID, err)
	}
	return b, nil
}

// decodeUser fills u from the data column.
func decodeUser(data string, u *resource.User) error {
	var d userDoc
	if err := json.Unmarshal([]byte(data), &d); err != nil {
		return fmt.Errorf("sqlstore: decoding user %q: %w", u.ID, err)
	}
	u.ExternalID, u.UserName, u.DisplayName = d.ExternalID, d.UserName, d.DisplayName
	u.NickName, u.ProfileURL, u.Title, u.UserType = d.NickName, d.ProfileURL, d.Title, d.UserType
	u.PreferredLanguage, u.Locale, u.Timezone = d.PreferredLanguage, d.Locale, d.Timezone
	u.Active = d.Active
	u.Emails, u.PhoneNumbers, u.IMs = multiFromDoc(d.Emails), multiFromDoc(d.PhoneNumbers), multiFromDoc(d.IMs)
	u.Photos, u.Entitlements, u.Roles = multiFromDoc(d.Photos), multiFromDoc(d.Entitlements), multiFromDoc(d.Roles)
	u.X509Certificates = multiFromDoc(d.X509Certificates)
	u.Extensions, u.Extra = d.Extensions, d.Extra
	if d.Name != nil {
		n := resource.Name(*d.Name)
		u.Name = &n
	}
	for _, a := range d.Addresses {
		u.Addresses = append(u.Addresses, resource.Address(a))
	}
	if e := d.Enterprise; e != nil {
		u.Enterprise = &resource.EnterpriseUser{EmployeeNumber: e.EmployeeNumber, CostCenter: e.CostCenter,
			Organization: e.Organization, Division: e.Division, Department: e.Department}
		if e.Manager != nil {
			m := resource.Manager(*e.Manager)
			u.Enterprise.Manager = &m
		}
	}
	return nil
}

// marshal encodes v without escaping <, > and &, so that raw extension
// values round-trip as sent.
func marshal(v any) (string, error) {
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return "", err
	}
	return strings.TrimSuffix(b.String(), "\n"), nil
}

func encodeGroup(g *resource.Group) (string, error) {
	d := groupDoc{ExternalID: g.ExternalID, DisplayName: g.DisplayName, Extensions: rawMap(g.Extensions), Extra: rawMap(g.Extra)}
	b, err := marshal(&d)
	if err != nil {
		return "", fmt.Errorf("sqlstore: encoding group %q: %w", g.ID, err)
	}
	return b, nil
}

func decodeGroup(data string, g *resource.Group) error {
	var d groupDoc
	if err := json.Unmarshal([]byte(data), &d); err != nil {
		return fmt.Errorf("sqlstore: decoding group %q: %w", g.ID, err)
	}
	g.ExternalID, g.DisplayName, g.Extensions, g.Extra = d.ExternalID, d.DisplayName, d.Extensions, d.Extra
	return nil
}
