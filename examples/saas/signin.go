package main

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"time"
)

// This file is the end users' sign-in, the minimal one the example
// needs to show deprovisioning end a session: an account signs in with
// its email and a one-time code (POST /account/login), gets the cookie
// saas_account, and GET /account shows whom it is signed in as and its
// notices. Sessions are rows of account_sessions, so that revoking them
// survives a restart and holds on every replica; the cookie holds a
// random 256-bit value and the table its SHA-256 only.
//
// The one-time code stands in for the email with a magic link a real app
// sends: each active account has one in account_codes (kept in clear, so
// that the admin's users page can show the link /account/login?code=...),
// made when the users page is shown and replaced at each sign-in.
//
// Revocation is the event handler's (events.go): a user.deactivated or
// user.deleted event deletes every session of the account. Independently,
// GET /account refuses a session whose account is not active (disabled,
// removed by SCIM or gone), so that a session never outlives its account
// while the event waits in the outbox.

// accountCookie is the name of an end user's session cookie.
const accountCookie = "saas_account"

// accountSessionLifetime is how long an end user's sign-in lasts.
const accountSessionLifetime = 12 * time.Hour

// hashSession is the id_hash column of a session cookie's value.
func hashSession(v string) string {
	h := sha256.Sum256([]byte(v))
	return hex.EncodeToString(h[:])
}

// newCode returns a random one-time code: 128 bits, base64url.
func newCode() string {
	var b [16]byte
	rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// AccountSession is a row of account_sessions.
type AccountSession struct {
	TenantID, AccountID string
	Expires             time.Time
}

// revokeSessions deletes every session of the account, in tx, and
// returns how many there were. Its codes go too: a new one is made when
// the account is active again.
func (db *DB) revokeSessions(ctx context.Context, tx *sql.Tx, tenantID, accountID string) (int64, error) {
	res, err := tx.ExecContext(ctx, db.q(`DELETE FROM account_sessions WHERE tenant_id = ? AND account_id = ?`), tenantID, accountID)
	if err != nil {
		return 0, err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, err
	}
	_, err = tx.ExecContext(ctx, db.q(`DELETE FROM account_codes WHERE tenant_id = ? AND account_id = ?`), tenantID, accountID)
	return n, err
}

// SessionCount returns how many sessions the account has.
func (db *DB) SessionCount(ctx context.Context, tenantID, accountID string) (int, error) {
	var n int
	err := db.sql.QueryRowContext(ctx, db.q(`SELECT COUNT(*) FROM account_sessions WHERE tenant_id = ? AND account_id = ?`),
		tenantID, accountID).Scan(&n)
	return n, err
}

// addNotice queues a notice for the account, keyed by the event that
// caused it: a second notice for one event is not added.
func (db *DB) addNotice(ctx context.Context, q querier, eventID, tenantID, accountID, text string) error {
	_, err := q.ExecContext(ctx, db.q(`INSERT INTO notices (event_id, tenant_id, account_id, text, created_at)
		VALUES (?, ?, ?, ?, ?) ON CONFLICT (event_id) DO NOTHING`), eventID, tenantID, accountID, text, micros(db.now()))
	return err
}

// Notices returns the account's notices, oldest first.
func (db *DB) Notices(ctx context.Context, tenantID, accountID string) ([]string, error) {
	return queryRows(ctx, db.sql, func(sc interface{ Scan(...any) error }) (s string, err error) {
		return s, sc.Scan(&s)
	}, db.q(`SELECT text FROM notices WHERE tenant_id = ? AND account_id = ? ORDER BY seq`), tenantID, accountID)
}

// SignInCodes returns the one-time code of each active account of the
// tenant among accounts, making one for those that have none.
func (db *DB) SignInCodes(ctx context.Context, tenantID string, accounts []Account) (map[string]string, error) {
	out := map[string]string{}
	err := db.tx(ctx, func(tx *sql.Tx) error {
		rows, err := queryRows(ctx, tx, func(sc interface{ Scan(...any) error }) (kv [2]string, err error) {
			return kv, sc.Scan(&kv[0], &kv[1])
		}, db.q(`SELECT account_id, code FROM account_codes WHERE tenant_id = ?`), tenantID)
		if err != nil {
			return err
		}
		for _, kv := range rows {
			out[kv[0]] = kv[1]
		}
		for _, a := range accounts {
			if _, ok := out[a.ID]; ok || !a.active() {
				continue
			}
			code := newCode()
			if _, err := tx.ExecContext(ctx, db.q(`INSERT INTO account_codes (tenant_id, account_id, code, created_at) VALUES (?, ?, ?, ?)`),
				tenantID, a.ID, code, micros(db.now())); err != nil {
				return err
			}
			out[a.ID] = code
		}
		return nil
	})
	return out, err
}

// active reports whether the account may sign in: not disabled (which
// includes an account SCIM deactivated) and not removed by SCIM.
func (a *Account) active() bool { return !a.Disabled && a.SCIMRemovedAt.IsZero() }

// errSignIn is a refused sign-in: the code and email do not name an
// active account.
var errSignIn = errors.New("sign-in refused")

// SignIn checks the code and email, and starts a session for the
// account: in one transaction it consumes the code, makes the account a
// new one and inserts the session, whose cookie value it returns. A code
// that names no active account of that email is errSignIn.
func (db *DB) SignIn(ctx context.Context, code, email string) (Account, string, error) {
	var acc Account
	cookie := newCode() + newCode()
	err := db.tx(ctx, func(tx *sql.Tx) error {
		var tenantID, accountID string
		err := tx.QueryRowContext(ctx, db.q(`SELECT tenant_id, account_id FROM account_codes WHERE code = ?`), code).Scan(&tenantID, &accountID)
		if errors.Is(err, sql.ErrNoRows) {
			return errSignIn
		}
		if err != nil {
			return err
		}
		acc, err = scanAccount(tx.QueryRowContext(ctx, db.q(`SELECT `+accountCols+` FROM accounts WHERE tenant_id = ? AND id = ?`),
			tenantID, accountID))
		switch {
		case errors.Is(err, ErrNoRows):
			return errSignIn
		case err != nil:
			return err
		case !acc.active() || emailKey(acc.Email) != emailKey(strings.TrimSpace(email)):
			return errSignIn
		}
		now := db.now()
		if _, err := tx.ExecContext(ctx, db.q(`UPDATE account_codes SET code = ?, created_at = ? WHERE tenant_id = ? AND account_id = ?`),
			newCode(), micros(now), tenantID, accountID); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, db.q(`INSERT INTO account_sessions (id_hash, tenant_id, account_id, created_at, expires_at)
			VALUES (?, ?, ?, ?, ?)`), hashSession(cookie), tenantID, accountID, micros(now), micros(now.Add(accountSessionLifetime)))
		return err
	})
	if err != nil {
		return Account{}, "", err
	}
	return acc, cookie, nil
}

// SessionAccount returns the account of the session whose cookie value
// is v, and whether the session is live and its account active. A
// session that is not (expired, its account inactive or gone) is
// deleted.
func (db *DB) SessionAccount(ctx context.Context, v string) (Account, bool, error) {
	var s AccountSession
	var expires int64
	err := db.sql.QueryRowContext(ctx, db.q(`SELECT tenant_id, account_id, expires_at FROM account_sessions WHERE id_hash = ?`),
		hashSession(v)).Scan(&s.TenantID, &s.AccountID, &expires)
	if errors.Is(err, sql.ErrNoRows) {
		return Account{}, false, nil
	}
	if err != nil {
		return Account{}, false, err
	}
	acc, err := db.AccountByID(ctx, s.TenantID, s.AccountID)
	if err != nil && !errors.Is(err, ErrNoRows) {
		return Account{}, false, err
	}
	if err != nil || !acc.active() || micros(db.now()) >= expires {
		_, err := db.sql.ExecContext(ctx, db.q(`DELETE FROM account_sessions WHERE id_hash = ?`), hashSession(v))
		return Account{}, false, err
	}
	return acc, true, nil
}

// EndSession deletes the session whose cookie value is v.
func (db *DB) EndSession(ctx context.Context, v string) error {
	_, err := db.sql.ExecContext(ctx, db.q(`DELETE FROM account_sessions WHERE id_hash = ?`), hashSession(v))
	return err
}

// accountView is the end user's pages: the sign-in form and /account.
type accountView struct {
	Code     string
	Email    string
	Account  *Account
	Notices  []string
	LoggedIn bool
}

// accountLoginPage is GET /account/login[?code=CODE]: the sign-in form,
// the code filled in from the link.
func (a *App) accountLoginPage(w http.ResponseWriter, r *http.Request) {
	a.render(w, r, http.StatusOK, "account", pageData{Title: "Sign in", Heading: "Sign in to your account",
		Account: &accountView{Code: r.URL.Query().Get("code")}})
}

// accountLogin is POST /account/login (email, code): a session for the
// account, 303 to /account; a code and email that do not name an active
// account are 401 with the form again.
func (a *App) accountLogin(w http.ResponseWriter, r *http.Request) {
	code, email := r.PostFormValue("code"), r.PostFormValue("email")
	if len(code) > 100 || len(email) > 254 {
		code, email = "", ""
	}
	acc, cookie, err := a.DB.SignIn(r.Context(), code, email)
	if errors.Is(err, errSignIn) {
		a.log.WarnContext(r.Context(), "account sign-in refused")
		a.render(w, r, http.StatusUnauthorized, "account", pageData{Title: "Sign in", Heading: "Sign in to your account",
			Error: "This sign-in link or email is not valid, or the account is deactivated.", Account: &accountView{Code: code, Email: email}})
		return
	}
	if err != nil {
		a.fail(w, r, err)
		return
	}
	if c, err := r.Cookie(accountCookie); err == nil {
		_ = a.DB.EndSession(r.Context(), c.Value)
	}
	http.SetCookie(w, &http.Cookie{Name: accountCookie, Value: cookie, Path: "/", HttpOnly: true,
		SameSite: http.SameSiteLaxMode, Secure: a.secureCookies(r), MaxAge: int(accountSessionLifetime / time.Second)})
	a.log.InfoContext(r.Context(), "account signed in", slog.String("tenant", acc.TenantID), slog.String("account", acc.ID))
	http.Redirect(w, r, "/account", http.StatusSeeOther)
}

// accountPage is GET /account: "Signed in as NAME" and the account's
// notices; without a live session of an active account, 303 to
// /account/login.
func (a *App) accountPage(w http.ResponseWriter, r *http.Request) {
	c, err := r.Cookie(accountCookie)
	if err != nil {
		http.Redirect(w, r, "/account/login", http.StatusSeeOther)
		return
	}
	acc, ok, err := a.DB.SessionAccount(r.Context(), c.Value)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	if !ok {
		http.SetCookie(w, &http.Cookie{Name: accountCookie, Value: "", Path: "/", HttpOnly: true,
			SameSite: http.SameSiteLaxMode, Secure: a.secureCookies(r), MaxAge: -1})
		http.Redirect(w, r, "/account/login", http.StatusSeeOther)
		return
	}
	notices, err := a.DB.Notices(r.Context(), acc.TenantID, acc.ID)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	a.render(w, r, http.StatusOK, "account", pageData{Title: "Your account", Heading: "Your account",
		Account: &accountView{Account: &acc, Notices: notices, LoggedIn: true}})
}

// accountLogout is POST /account/logout.
func (a *App) accountLogout(w http.ResponseWriter, r *http.Request) {
	if c, err := r.Cookie(accountCookie); err == nil {
		if err := a.DB.EndSession(r.Context(), c.Value); err != nil {
			a.fail(w, r, err)
			return
		}
	}
	http.SetCookie(w, &http.Cookie{Name: accountCookie, Value: "", Path: "/", HttpOnly: true,
		SameSite: http.SameSiteLaxMode, Secure: a.secureCookies(r), MaxAge: -1})
	http.Redirect(w, r, "/account/login", http.StatusSeeOther)
}
