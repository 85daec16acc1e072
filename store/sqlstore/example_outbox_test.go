package sqlstore_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"

	_ "modernc.org/sqlite"

	"github.com/scimkit/scim"
	"github.com/scimkit/scim/store"
	"github.com/scimkit/scim/store/sqlstore"
)

// An app that acts on provisioning turns the outbox on: each write's
// change events are written in its transaction, and the app reads them
// with After (a poller, a reconciliation job) or drains them with Run (a
// handler called at least once per event, in order, under a lease).
func Example_outbox() {
	dir, _ := os.MkdirTemp("", "scim-example")
	defer os.RemoveAll(dir)
	db, _ := sql.Open("sqlite", "file:"+filepath.Join(dir, "scim.db")+"?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_txlock=immediate")
	defer db.Close()
	st, _ := sqlstore.New(db, sqlstore.SQLite, sqlstore.WithOutbox())
	srv, _ := scim.New(scim.Config{Store: st, Authenticate: func(r *http.Request) (context.Context, error) {
		return store.WithTenant(r.Context(), "acme"), nil
	}})
	send := func(method, path, body string) *httptest.ResponseRecorder {
		w := httptest.NewRecorder()
		srv.ServeHTTP(w, httptest.NewRequest(method, path, strings.NewReader(body)))
		return w
	}

	var created struct{ ID string }
	_ = json.Unmarshal(send("POST", "/Users", `{"userName":"ann@example.com","active":true}`).Body.Bytes(), &created)
	send("PATCH", "/Users/"+created.ID, `{"Operations":[{"op":"Replace","path":"active","value":"False"}]}`) // Entra's deactivation

	events, _, _ := st.Outbox().After(context.Background(), "acme", "", 10)
	for _, e := range events {
		fmt.Println(e.Type, e.ResourceID == created.ID, e.Attributes)
	}
	// Output:
	// user.created true [active userName]
	// user.deactivated true []
}
