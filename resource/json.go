package resource

// MarshalJSON implements json.Marshaler with the registry of
// DefaultRegistry (core schemas and the enterprise extension; custom
// extensions are not encoded), using AppendUser: read-only attributes
// (id, groups, meta) are included, the password never.
func (u *User) MarshalJSON() ([]byte, error) {
	return defaultRegistry.AppendUser(nil, u, nil), nil
}

// UnmarshalJSON implements json.Unmarshaler with the registry of
// DefaultRegistry and the rules of DecodeUser, except that the read-only
// attributes id, groups and meta are kept, so that MarshalJSON and
// UnmarshalJSON round-trip. Custom extension attributes land in Extra.
func (u *User) UnmarshalJSON(data []byte) error {
	v, err := defaultRegistry.decodeUser(data, true)
	if err != nil {
		return err
	}
	*u = *v
	return nil
}

// MarshalJSON implements json.Marshaler like (*User).MarshalJSON.
func (g *Group) MarshalJSON() ([]byte, error) {
	return defaultRegistry.AppendGroup(nil, g, nil), nil
}

// UnmarshalJSON implements json.Unmarshaler like (*User).UnmarshalJSON.
func (g *Group) UnmarshalJSON(data []byte) error {
	v, err := defaultRegistry.decodeGroup(data, true)
	if err != nil {
		return err
	}
	*g = *v
	return nil
}
