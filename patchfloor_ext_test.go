package scim_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// BenchmarkEntraUserPatchFloor runs BenchmarkEntraUserPatch's requests
// against the library on its memory store ("library") and against a naive
// hand-written PATCH handler ("floor", naivePatchServer), side by side in
// one run, for the ratio of issue 13 (docs/benchmarks.md). Interleave runs
// by running the test binary several times with -count 1.
func BenchmarkEntraUserPatchFloor(b *testing.B) {
	b.Run("library", BenchmarkEntraUserPatch)
	b.Run("floor", func(b *testing.B) {
		runEntraUserPatch(b, newNaivePatchServer())
	})
}

// TestNaivePatchServer checks that the floor does the work the library
// does for BenchmarkEntraUserPatch's requests: each of the four
// operations lands, the boolean is read from Entra's "False", and the
// user is answered.
func TestNaivePatchServer(t *testing.T) {
	s := newNaivePatchServer()
	for i, want := range []bool{false, true} {
		req := httptest.NewRequest("PATCH", "/Users/u", strings.NewReader(entraUserPatchBodies[i]))
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			t.Fatalf("status %d: %s", rec.Code, rec.Body)
		}
		var got naiveUser
		if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil {
			t.Fatal(err)
		}
		n := strconv.Itoa(i)
		if got.Emails[0].Value != "updatedEmail"+n+"@microsoft.com" || got.Name.FamilyName != "updatedFamilyName"+n ||
			got.Name.GivenName != "Barbara" || got.Enterprise == nil || got.Enterprise.Department != "Engineering"+n ||
			got.Active == nil || *got.Active != want || got.Meta.Version != strconv.Itoa(i+2) {
			t.Errorf("request %d: got %s", i, rec.Body)
		}
	}
}

// naiveUser is the floor's user: a plain Go struct for encoding/json.
type naiveUser struct {
	Schemas    []string          `json:"schemas"`
	ID         string            `json:"id"`
	UserName   string            `json:"userName"`
	Name       *naiveName        `json:"name,omitempty"`
	Active     *bool             `json:"active,omitempty"`
	Emails     []naiveMultiValue `json:"emails,omitempty"`
	Enterprise *naiveEnterprise  `json:"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User,omitempty"`
	Meta       naiveMeta         `json:"meta"`
}

type naiveName struct {
	GivenName  string `json:"givenName,omitempty"`
	FamilyName string `json:"familyName,omitempty"`
}

type naiveMultiValue struct {
	Value   string `json:"value,omitempty"`
	Type    string `json:"type,omitempty"`
	Primary bool   `json:"primary,omitempty"`
}

type naiveEnterprise struct {
	Department string `json:"department,omitempty"`
}

type naiveMeta struct {
	ResourceType string    `json:"resourceType"`
	LastModified time.Time `json:"lastModified"`
	Version      string    `json:"version"`
}

// naivePatchServer is the floor of BenchmarkEntraUserPatchFloor: what an
// app writes by hand for Entra's user PATCH. It reads the body with
// encoding/json, applies the four paths Entra sends (the same semantics
// as the library for them: a filtered email's value, a name part, an
// enterprise attribute, active as a boolean or "True"/"False") to a copy
// of the user held in a map under a mutex, and answers the user with
// encoding/json.
type naivePatchServer struct {
	mu    sync.Mutex
	users map[string]*naiveUser
}

func newNaivePatchServer() *naivePatchServer {
	yes := true
	return &naivePatchServer{users: map[string]*naiveUser{"u": {
		Schemas:  []string{"urn:ietf:params:scim:schemas:core:2.0:User"},
		ID:       "u",
		UserName: "bjensen@example.com",
		Name:     &naiveName{GivenName: "Barbara", FamilyName: "Jensen"},
		Active:   &yes,
		Emails:   []naiveMultiValue{{Value: "bjensen@example.com", Type: "work", Primary: true}},
		Meta:     naiveMeta{ResourceType: "User", LastModified: time.Now().UTC(), Version: "1"},
	}}}
}

type naivePatchOp struct {
	Schemas    []string `json:"schemas"`
	Operations []struct {
		Op    string          `json:"op"`
		Path  string          `json:"path"`
		Value json.RawMessage `json:"value"`
	} `json:"Operations"`
}

func (s *naivePatchServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	id, ok := strings.CutPrefix(r.URL.Path, "/Users/")
	if !ok || r.Method != http.MethodPatch {
		http.NotFound(w, r)
		return
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	var msg naivePatchOp
	if err := json.Unmarshal(body, &msg); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	old := s.users[id]
	if old == nil {
		http.NotFound(w, r)
		return
	}
	u := *old
	u.Emails = append([]naiveMultiValue(nil), old.Emails...)
	if old.Name != nil {
		n := *old.Name
		u.Name = &n
	}
	if old.Enterprise != nil {
		e := *old.Enterprise
		u.Enterprise = &e
	}
	for _, op := range msg.Operations {
		if err := naiveApply(&u, strings.ToLower(op.Op), op.Path, op.Value); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
	}
	v, _ := strconv.Atoi(old.Meta.Version)
	u.Meta.Version = strconv.Itoa(v + 1)
	u.Meta.LastModified = time.Now().UTC()
	s.users[id] = &u
	out, err := json.Marshal(&u)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/scim+json")
	w.Header().Set("ETag", `W/"`+u.Meta.Version+`"`)
	w.WriteHeader(http.StatusOK)
	w.Write(out)
}

// naiveApply applies one replace or add of the paths the floor knows.
func naiveApply(u *naiveUser, op, path string, raw json.RawMessage) error {
	if op != "replace" && op != "add" {
		return errNaive("unsupported op " + op)
	}
	const ent = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:"
	switch {
	case strings.HasPrefix(path, `emails[type eq "`):
		typ, sub, ok := strings.Cut(path[len(`emails[type eq "`):], `"]`)
		if !ok || sub != ".value" {
			return errNaive("unsupported path " + path)
		}
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return err
		}
		found := false
		for i := range u.Emails {
			if strings.EqualFold(u.Emails[i].Type, typ) {
				u.Emails[i].Value, found = s, true
			}
		}
		if !found {
			u.Emails = append(u.Emails, naiveMultiValue{Type: typ, Value: s})
		}
	case strings.EqualFold(path, "name.familyName"), strings.EqualFold(path, "name.givenName"):
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return err
		}
		if u.Name == nil {
			u.Name = &naiveName{}
		}
		if strings.EqualFold(path, "name.familyName") {
			u.Name.FamilyName = s
		} else {
			u.Name.GivenName = s
		}
	case strings.EqualFold(path, ent+"department"):
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return err
		}
		if u.Enterprise == nil {
			u.Enterprise = &naiveEnterprise{}
		}
		u.Enterprise.Department = s
	case strings.EqualFold(path, "active"):
		var v any
		if err := json.Unmarshal(raw, &v); err != nil {
			return err
		}
		var b bool
		switch v := v.(type) {
		case bool:
			b = v
		case string:
			var err error
			if b, err = strconv.ParseBool(strings.ToLower(v)); err != nil {
				return err
			}
		default:
			return errNaive("active must be a boolean")
		}
		u.Active = &b
	default:
		return errNaive("unsupported path " + path)
	}
	return nil
}

type errNaive string

func (e errNaive) Error() string { return string(e) }
