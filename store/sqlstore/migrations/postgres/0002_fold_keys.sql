-- One folding rule (filter.Fold) for userName and group displayName, and
-- group displayName uniqueness in the database. The folded columns were
-- strings.ToLower, which disagrees with the library's comparisons (ſ, ς,
-- the Kelvin sign, İ); the "go:refold" step below recomputes them in Go
-- and fails, changing nothing, if two users of a tenant turn out to share
-- a userName. display_name_key is the folded name of a group that holds
-- its name (written while duplicates were not allowed), NULL for one
-- written with duplicates allowed; of groups already sharing a name, the
-- oldest holds it.
DROP INDEX scim_users_user_name;
ALTER TABLE scim_groups ADD COLUMN display_name_key text COLLATE "C";
-- go:refold
CREATE UNIQUE INDEX scim_users_user_name ON scim_users (tenant, user_name_folded);
CREATE UNIQUE INDEX scim_groups_display_name_key ON scim_groups (tenant, display_name_key);
