package scim

import (
	"net/http"
	"slices"

	"github.com/scimkit/scim/event"
	"github.com/scimkit/scim/patch"
	"github.com/scimkit/scim/resource"
	"github.com/scimkit/scim/store"
)

// patchOptions returns the options of one PATCH request: the server's
// limits and the request's tolerances.
func (s *Server) patchOptions(r *http.Request) patch.Options {
	return patch.Options{MaxOperations: s.cfg.MaxPatchOperations, Disable: s.quirksOff(r.Context()), Limits: s.cfg.FilterLimits, Fired: firedSet(r.Context())}
}

// patch answers PATCH /Users/{id} and /Groups/{id} (RFC 7644 §3.5.2). The
// library applies the operations (package patch) in a read-modify-write
// conditioned on the version read, retried when a concurrent write wins;
// with If-Match the version is the client's and a mismatch is 412.
func (s *Server) patch(w http.ResponseWriter, r *http.Request, rt *resource.ResourceType, id string) {
	p, err := s.projection(r, rt)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	body, err := s.readBody(w, r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	opts := s.patchOptions(r)
	ops, err := patch.ParseRequest(body, opts)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if rt == s.reg.User {
		s.patchUser(w, r, id, ops, opts, p)
	} else {
		s.patchGroup(w, r, id, ops, opts, p)
	}
}

func (s *Server) patchUser(w http.ResponseWriter, r *http.Request, id string, ops []patch.Op, opts patch.Options, p *resource.Projection) {
	var userName string
	em := s.emitter(r)
	res, evs, err := update(r.Context(), "User", id, ifMatchVersion(r), s.cfg.Store.GetUser, userVersion,
		func(u *resource.User) (*resource.User, error) {
			held := resource.User{Roles: u.Roles, Entitlements: u.Entitlements} // ApplyUser replaces *u
			changed, err := patch.ApplyUser(s.reg, u, ops, opts)
			if err != nil || !changed {
				return nil, err
			}
			if err := s.checkAssignments(r.Context(), u, &held); err != nil {
				return nil, err
			}
			userName = u.UserName
			u.Groups = nil
			u.Meta.LastModified = s.cfg.Clock().UTC()
			return u, nil
		}, s.cfg.Store.ReplaceUser, em.userRecorder(true)) // ApplyUser changes the user read in place
	if err != nil {
		s.writeError(w, r, userConflict(err, userName))
		return
	}
	if evs != nil {
		em.deliver(r.Context(), evs, res.Meta.Version)
	}
	s.respondUser(w, r, http.StatusOK, res, p)
}

// patchGroup applies a group PATCH. A request that only adds and removes
// members (with, as Okta sends it, a rename to the current name) goes to
// the store's GroupMemberPatcher when it has one, and one that does not
// touch members to its GroupAttributesReplacer, so a 100k-member group is
// never loaded; otherwise the group is read, patched and replaced. Members
// the request adds are resolved before anything is written.
func (s *Server) patchGroup(w http.ResponseWriter, r *http.Request, id string, ops []patch.Op, opts patch.Options, p *resource.Projection) {
	ctx, ifMatch, em := r.Context(), ifMatchVersion(r), s.emitter(r)
	plan := patch.PlanGroup(id, ops, opts)
	if mp, ok := s.cfg.Store.(store.GroupMemberPatcher); ok {
		if plan.MembersOnly {
			done, err := s.patchMembersFast(w, r, em, mp, id, plan.Add, plan.Remove, plan.Rename, ifMatch, p)
			if done || err != nil {
				if err != nil {
					s.writeError(w, r, err)
				}
				return
			}
		}
	}
	// Operations that do not touch members go to the store's
	// GroupAttributesReplacer when it has one: the group is read and
	// written without its members, so a rename costs the same at 10 and
	// at 100,000 members.
	get, write := s.getGroupWithMembers, s.cfg.Store.ReplaceGroup
	ar, attrsOnly := s.cfg.Store.(store.GroupAttributesReplacer)
	if attrsOnly = attrsOnly && !plan.TouchesMembers; attrsOnly {
		get, write = s.getGroupWithoutMembers, ar.ReplaceGroupAttributes
	}
	sent := plan.Sent
	var name string
	res, evs, err := update(ctx, "Group", id, ifMatch, get, groupVersion,
		func(g *resource.Group) (*resource.Group, error) {
			old := make(map[string]string, len(g.Members))
			for _, m := range g.Members {
				old[m.Value] = m.Type
			}
			changed, err := plan.Apply(s.reg, g)
			if err != nil {
				return nil, err
			}
			if !changed {
				// Members sent again are still checked.
				return nil, s.resolveMembers(ctx, slices.Clone(sent))
			}
			name = g.DisplayName // the store refuses a taken one: ErrConflict below
			if err := s.resolveChangedMembers(ctx, g.Members, old, sent); err != nil {
				return nil, err
			}
			g.Meta.LastModified = s.cfg.Clock().UTC()
			return g, nil
		}, write, em.groupRecorder(true)) // plan.Apply changes the group read in place
	err = groupConflict(err, name)
	if err == nil && evs != nil {
		em.deliver(ctx, evs, res.Meta.Version)
	}
	if err == nil && attrsOnly && s.cfg.GroupPatchReturnsResource && wantsMembers(p) {
		res, err = s.cfg.Store.GetGroup(ctx, id, store.WithMembers)
		err = notFound(err, "Group", id)
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.respondGroupPatch(w, r, res, p)
}

// patchMembersFast applies a membership-only PATCH through the store's
// fast path. It reports done == false when the request also renames the
// group, which needs the general path.
func (s *Server) patchMembersFast(w http.ResponseWriter, r *http.Request, em *emitter, mp store.GroupMemberPatcher, id string, add []resource.Member, remove []string, rename *string, ifMatch string, p *resource.Projection) (done bool, err error) {
	ctx := r.Context()
	var g *resource.Group
	if rename != nil || (len(add) == 0 && len(remove) == 0) || s.cfg.GroupPatchReturnsResource {
		// Okta sends {"op":"replace","value":{"id":...,"displayName":...}}
		// with every membership change: a no-op unless the name changes.
		if g, err = s.cfg.Store.GetGroup(ctx, id, store.WithoutMembers); err != nil {
			return true, notFound(err, "Group", id)
		}
		if rename != nil && *rename != g.DisplayName {
			return false, nil
		}
		if ifMatch != "" && ifMatch != g.Meta.Version {
			return true, store.ErrPreconditionFailed
		}
	}
	version := ""
	if err := s.resolveMembers(ctx, add); err != nil {
		return true, err
	}
	if len(add) > 0 || len(remove) > 0 {
		var evs []event.Event
		if em != nil {
			ext := ""
			if g != nil {
				ext = g.ExternalID
			}
			evs = em.members(id, ext, add, remove)
		}
		if version, err = mp.PatchMembers(em.attach(ctx, evs), id, add, remove, ifMatch); err != nil {
			return true, notFound(err, "Group", id)
		}
		em.deliver(ctx, evs, version)
	} else if g != nil {
		version = g.Meta.Version
	}
	if s.cfg.GroupPatchReturnsResource {
		if g, err = s.cfg.Store.GetGroup(ctx, id, store.WithoutMembersIf(!wantsMembers(p))); err != nil {
			return true, notFound(err, "Group", id)
		}
		s.respondGroupPatch(w, r, g, p)
		return true, nil
	}
	w.Header().Set("ETag", etag(version))
	w.WriteHeader(http.StatusNoContent)
	return true, nil
}

// wantsMembers reports whether a group PATCH response should carry members:
// only when the request's attributes ask for them, because returning a
// large member list is what Entra's documentation warns against.
func wantsMembers(p *resource.Projection) bool {
	return p != nil && !p.Excludes("", "members")
}

// respondGroupPatch answers a group PATCH: 204 with the new ETag by default
// (what Entra expects), or 200 with the group, members left out unless
// asked for, when Config.GroupPatchReturnsResource is set.
func (s *Server) respondGroupPatch(w http.ResponseWriter, r *http.Request, g *resource.Group, p *resource.Projection) {
	if !s.cfg.GroupPatchReturnsResource {
		w.Header().Set("ETag", etag(g.Meta.Version))
		w.WriteHeader(http.StatusNoContent)
		return
	}
	if !wantsMembers(p) {
		g.Members = nil
	}
	s.respondGroup(w, r, http.StatusOK, g, p)
}
