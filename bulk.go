package scim

import (
	"bytes"
	"container/heap"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/scimkit/scim/internal/jsonenc"
	"github.com/scimkit/scim/internal/jsonparse"
	"github.com/scimkit/scim/resource"
)

// Bulk (RFC 7644 §3.7)
//
// POST /Bulk takes a BulkRequest and answers 200 with a BulkResponse that
// has one result per operation run: method, bulkId (as sent), version
// (the ETag of the operation's answer), location (the resource's URL;
// none for a failed POST) and status, a string; a failed operation's
// result also has response, the SCIM error its single request would
// have been answered with. A successful operation's body is not kept.
//
// Each operation is dispatched to the server's own routing as a request
// of its own (its method, its path, its data as the body, its version as
// If-Match), with the bulk request's authenticated context, so it is
// read, validated, written and answered exactly as the single request
// would be: IdP tolerances, PATCH fast paths, change events (each with
// the operation's method and the bulk request's RequestID), dry run.
// Each is atomic on its own; there is no transaction across operations.
// When requests are observed (Config.Observe, DEBUG logging), each
// dispatched operation is observed as a request of its own, and the
// /Bulk request once more; an operation refused by /Bulk itself (below)
// is reported only in the BulkResponse.
//
// Refused as a whole, before any operation runs: a body over
// Config.MaxBulkPayloadBytes (413; this, not MaxBodyBytes, bounds the
// /Bulk body, and each operation's data is still held to MaxBodyBytes by
// its single request's path), more operations than
// Config.MaxBulkOperations (413; RFC 7644 §3.7.4 gives no scimType for
// either), malformed JSON, a body that is not a BulkRequest (no schemas
// listing BulkRequestSchema, no Operations array, an operation that is
// not an object, a method, bulkId, version or path that is not a string:
// 400 invalidSyntax), a failOnErrors that is not a positive integer, and
// a bulkId given to two operations (400 invalidValue: references to it
// would be ambiguous). Message keys are case-insensitive (RFC 7643 §2.1).
//
// Refused per operation, 400 invalidValue, without being dispatched: a
// method other than POST, PUT, PATCH and DELETE; a path other than
// /Users or /Groups for a POST and /Users/{id} or /Groups/{id} for the
// others (so no nested /Bulk, no .search, no query); a POST without a
// bulkId; a reference to a bulkId no POST of the request has, or to one
// whose POST failed.
//
// References: a string value of an operation's data that is "bulkId:"
// followed by a bulkId, and a path whose id is, name the id the POST with
// that bulkId created (RFC 7644 §3.7.2). Operations run in request order,
// except that an operation waits for the POSTs it references, so a group
// that names a user created later in the request runs after it. POSTs
// whose references are circular (RFC 7644 §3.7.1, a POST naming itself
// included) are not run: each is answered 409, and an operation that
// references one of them fails as referencing a failed POST. Results are
// listed in request order.
//
// failOnErrors N stops after the N-th failed operation: the operations
// not run yet are neither run nor reported (RFC 7644 §3.7.3). Without it
// every operation runs. When the request's context ends, the operations
// not started are neither run nor reported either.
//
// Bounds: the body is at most MaxBulkPayloadBytes and is parsed once;
// there are at most MaxBulkOperations operations, each run once, with
// the data of one operation copied at a time (when it has references);
// the response holds a result per operation (no success body) and is
// written from those results, not copied into another buffer.
//
// In dry-run mode each operation is answered as it would be and nothing
// is written, so a resource a POST of the request would create is not
// there for a later operation that references it: that operation is
// answered as one naming an unknown id.

// The URNs of the Bulk messages (RFC 7644 §3.7).
const (
	BulkRequestSchema  = "urn:ietf:params:scim:api:messages:2.0:BulkRequest"
	BulkResponseSchema = "urn:ietf:params:scim:api:messages:2.0:BulkResponse"
)

// bulkDepth is the nesting a BulkRequest may have: an operation's data (a
// PATCH body at most, a resource's nesting plus three) inside the message
// object, the Operations array and the operation object.
const bulkDepth = resource.MaxDepth + 6

// bulkRefPrefix starts a reference to a bulkId.
const bulkRefPrefix = "bulkId:"

// bulkOp is one operation of a BulkRequest.
type bulkOp struct {
	method   string // upper case when it is one of the four; as sent otherwise
	bulkID   string
	version  string
	endpoint string // "Users" or "Groups", when the path is one
	id       string // the path's id; for a reference, the bulkId:... text
	pathRef  string // the bulkId the path's id names, "" for none
	refRef   bool   // the path's id is a reference
	data     []byte // nil when absent
	refs     []bulkRef
	refused  *Error // answered without being dispatched
	deps     []int  // the POSTs it references, distinct
}

// bulkRef is a "bulkId:" string of an operation's data: its JSON text is
// data[start:end].
type bulkRef struct {
	start, end int
	bulkID     string
}

// bulkRequest is a parsed BulkRequest.
type bulkRequest struct {
	ops          []bulkOp
	failOnErrors int // 0: no limit
	defs         map[string]int
}

func bulkSyntax(detail string) *Error {
	return NewError(http.StatusBadRequest, ScimTypeInvalidSyntax, detail)
}

func bulkValue(detail string) *Error {
	return NewError(http.StatusBadRequest, ScimTypeInvalidValue, detail)
}

// parseBulk reads a BulkRequest.
func (s *Server) parseBulk(body []byte) (*bulkRequest, error) {
	v, err := jsonparse.Parse(body, bulkDepth)
	if err != nil {
		e := err.(*jsonparse.Error)
		return nil, NewError(http.StatusBadRequest, e.ScimType, "the BulkRequest: "+e.Detail)
	}
	if v.Kind != jsonparse.Object {
		return nil, bulkSyntax("the body must be a BulkRequest: a JSON object with schemas and Operations (RFC 7644 §3.7)")
	}
	if err := checkBulkSchemas(v.Get("schemas")); err != nil {
		return nil, err
	}
	ops := v.Get("Operations")
	if ops == nil || ops.Kind == jsonparse.Null {
		return nil, bulkSyntax(`the BulkRequest has no "Operations" array (RFC 7644 §3.7)`)
	}
	if ops.Kind != jsonparse.Array {
		return nil, bulkSyntax(`"Operations" must be an array of operations (RFC 7644 §3.7)`)
	}
	if n := len(ops.Elems); n > s.cfg.MaxBulkOperations {
		return nil, NewError(http.StatusRequestEntityTooLarge, "", "the bulk request has "+strconv.Itoa(n)+
			" operations, more than the maxOperations ("+strconv.Itoa(s.cfg.MaxBulkOperations)+")")
	}
	req := &bulkRequest{ops: make([]bulkOp, len(ops.Elems)), defs: map[string]int{}}
	if f := v.Get("failOnErrors"); f != nil && f.Kind != jsonparse.Null {
		n, err := strconv.Atoi(f.Str)
		if f.Kind != jsonparse.Number || err != nil || n < 1 {
			return nil, bulkValue(`"failOnErrors" must be a positive integer, the number of errors after which the request stops`)
		}
		req.failOnErrors = n
	}
	named := make(map[string]int, len(ops.Elems))
	for i := range ops.Elems {
		op := &req.ops[i]
		if err := parseBulkOp(&ops.Elems[i], op); err != nil {
			err.Detail = "operation " + strconv.Itoa(i+1) + ": " + err.Detail
			return nil, err
		}
		if op.bulkID == "" {
			continue
		}
		if j, dup := named[op.bulkID]; dup {
			return nil, bulkValue("bulkId " + strconv.Quote(op.bulkID) + " is given to operations " + strconv.Itoa(j+1) + " and " +
				strconv.Itoa(i+1) + "; a bulkId must be unique within the request (RFC 7644 §3.7)")
		}
		named[op.bulkID] = i
		if op.method == http.MethodPost {
			req.defs[op.bulkID] = i
		}
	}
	req.order()
	return req, nil
}

// checkBulkSchemas checks that schemas lists BulkRequestSchema.
func checkBulkSchemas(v *jsonparse.Value) *Error {
	if v == nil || v.Kind == jsonparse.Null {
		return bulkSyntax(`the BulkRequest must list "` + BulkRequestSchema + `" in schemas (RFC 7644 §3.7)`)
	}
	list := []jsonparse.Value{*v}
	if v.Kind == jsonparse.Array {
		list = v.Elems
	}
	if len(list) > resource.MaxValues {
		return bulkValue(`"schemas" has ` + strconv.Itoa(len(list)) + " values, more than the limit of " + strconv.Itoa(resource.MaxValues))
	}
	for i := range list {
		if list[i].Kind != jsonparse.String {
			return bulkSyntax(`"schemas" must be an array of URNs`)
		}
		if strings.EqualFold(list[i].Str, BulkRequestSchema) {
			return nil
		}
	}
	return bulkSyntax(`"schemas" must list "` + BulkRequestSchema + `" (RFC 7644 §3.7)`)
}

// parseBulkOp reads one operation into op. A malformed operation fails
// the request; one that is well formed but cannot run gets op.refused.
func parseBulkOp(v *jsonparse.Value, op *bulkOp) *Error {
	if v.Kind != jsonparse.Object {
		return bulkSyntax("an operation must be a JSON object with method, path, bulkId, version and data")
	}
	var method, path string
	for _, f := range [...]struct {
		name string
		to   *string
	}{{"method", &method}, {"bulkId", &op.bulkID}, {"version", &op.version}, {"path", &path}} {
		m := v.Get(f.name)
		if m == nil || m.Kind == jsonparse.Null {
			continue
		}
		if m.Kind != jsonparse.String {
			return bulkSyntax(`"` + f.name + `" must be a string, not ` + m.Kind.String())
		}
		*f.to = m.Str
	}
	if d := v.Get("data"); d != nil && d.Kind != jsonparse.Null {
		op.data = d.Raw
		op.refs = collectRefs(d, d.Raw, nil)
	}
	op.method = method
	switch up := strings.ToUpper(method); up {
	case http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete:
		op.method = up
	case "":
		op.refused = bulkValue("the operation has no method; it must be POST, PUT, PATCH or DELETE")
		return nil
	default:
		op.refused = bulkValue("method " + strconv.Quote(method) + " is not allowed in a bulk request; it must be POST, PUT, PATCH or DELETE")
		return nil
	}
	if op.refused = op.parsePath(path); op.refused != nil {
		return nil
	}
	if op.method == http.MethodPost && op.bulkID == "" {
		op.refused = bulkValue("a POST must have a bulkId (RFC 7644 §3.7)")
	}
	return nil
}

// parsePath reads the operation's path: /Users or /Groups for a POST,
// /Users/{id} or /Groups/{id} for the other methods, the id possibly a
// reference ("bulkId:qwerty").
func (op *bulkOp) parsePath(path string) *Error {
	want := "/Users/{id} or /Groups/{id}"
	if op.method == http.MethodPost {
		want = "/Users or /Groups"
	}
	bad := bulkValue("path " + strconv.Quote(path) + " is not a path of this bulk request's " + op.method + ": it must be " + want)
	if strings.ContainsAny(path, "?#") {
		return bad
	}
	p, err := url.PathUnescape(path)
	if err != nil {
		return bad
	}
	endpoint, id, _ := strings.Cut(strings.TrimPrefix(p, "/"), "/")
	switch {
	case strings.EqualFold(endpoint, "Users"):
		op.endpoint = "Users"
	case strings.EqualFold(endpoint, "Groups"):
		op.endpoint = "Groups"
	default:
		return bad
	}
	if op.method == http.MethodPost {
		if id != "" {
			return bad
		}
		return nil
	}
	id = strings.TrimSuffix(id, "/")
	if id == "" || strings.Contains(id, "/") || strings.EqualFold(id, ".search") {
		return bad
	}
	op.id = id
	if ref, ok := strings.CutPrefix(id, bulkRefPrefix); ok {
		op.pathRef, op.refRef = ref, true
	}
	return nil
}

// collectRefs appends the references among the string values of v, whose
// text lies in data, in order.
func collectRefs(v *jsonparse.Value, data []byte, refs []bulkRef) []bulkRef {
	switch v.Kind {
	case jsonparse.String:
		if id, ok := strings.CutPrefix(v.Str, bulkRefPrefix); ok {
			// v.Raw and data are slices of the body that both run to its
			// end, so their capacities give v's offset in data.
			start := cap(data) - cap(v.Raw)
			refs = append(refs, bulkRef{start: start, end: start + len(v.Raw), bulkID: id})
		}
	case jsonparse.Array:
		for i := range v.Elems {
			refs = collectRefs(&v.Elems[i], data, refs)
		}
	case jsonparse.Object:
		for i := range v.Mems {
			refs = collectRefs(&v.Mems[i].Val, data, refs)
		}
	}
	return refs
}

// order finds the dependencies of the operations (the POSTs they
// reference) and refuses the POSTs whose references are circular.
func (req *bulkRequest) order() {
	added := make([]int, len(req.ops)) // added[j] == i+1: j is a dependency of i already
	for i := range req.ops {
		op := &req.ops[i]
		if op.refused != nil {
			continue
		}
		add := func(bulkID string) {
			j, ok := req.defs[bulkID]
			if !ok || added[j] == i+1 {
				return // an undefined reference is refused when the operation runs
			}
			added[j] = i + 1
			op.deps = append(op.deps, j)
		}
		if op.refRef {
			add(op.pathRef)
		}
		for _, r := range op.refs {
			add(r.bulkID)
		}
	}
	for i, c := range cyclic(req.ops) {
		if c {
			req.ops[i].refused = NewError(http.StatusConflict, "", "the bulkId references of this POST are circular: it references, directly or through "+
				"other POSTs of the request, a resource that can only be created after it (RFC 7644 §3.7.1)")
		}
	}
	for i := range req.ops {
		if req.ops[i].refused != nil {
			req.ops[i].deps = nil // runs, i.e. fails, without waiting
		}
	}
}

// cyclic reports the operations on a cycle of dependencies: Tarjan's
// strongly connected components, a component of more than one
// operation, or of one that depends on itself, being a cycle.
func cyclic(ops []bulkOp) []bool {
	n := len(ops)
	index, low := make([]int, n), make([]int, n) // index 0: not visited
	onStack, out := make([]bool, n), make([]bool, n)
	var stack []int
	next := 1
	var visit func(v int)
	visit = func(v int) {
		index[v], low[v] = next, next
		next++
		stack = append(stack, v)
		onStack[v] = true
		for _, w := range ops[v].deps {
			switch {
			case index[w] == 0:
				visit(w)
				low[v] = min(low[v], low[w])
			case onStack[w]:
				low[v] = min(low[v], index[w])
			}
		}
		if low[v] != index[v] {
			return
		}
		k := len(stack) - 1
		for stack[k] != v {
			k--
		}
		comp := stack[k:]
		for _, c := range comp {
			onStack[c] = false
			if len(comp) > 1 {
				out[c] = true
			}
		}
		for _, w := range ops[v].deps {
			out[v] = out[v] || w == v
		}
		stack = stack[:k]
	}
	for v := range n {
		if index[v] == 0 {
			visit(v)
		}
	}
	return out
}

// readyHeap is the indexes of the operations ready to run, least first.
type readyHeap []int

func (h readyHeap) Len() int           { return len(h) }
func (h readyHeap) Less(i, j int) bool { return h[i] < h[j] }
func (h readyHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *readyHeap) Push(x any)        { *h = append(*h, x.(int)) }
func (h *readyHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

// bulk answers POST /Bulk (RFC 7644 §3.7); see "Bulk" above.
func (s *Server) bulk(w http.ResponseWriter, r *http.Request) {
	body, err := s.readBodyLimit(w, r, s.cfg.MaxBulkPayloadBytes)
	if err != nil {
		var mb *http.MaxBytesError
		if errors.As(err, &mb) {
			err = &Error{Status: http.StatusRequestEntityTooLarge, Detail: "the size of the bulk request exceeds the maxPayloadSize (" +
				strconv.FormatInt(s.cfg.MaxBulkPayloadBytes, 10) + ")", Err: err}
		}
		s.writeError(w, r, err)
		return
	}
	req, err := s.parseBulk(body)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	run := newBulkRun(s, r)
	results := make([][]byte, len(req.ops)) // nil: not run
	created := make([]string, len(req.ops)) // the id each POST created
	dependents := make([][]int, len(req.ops))
	waiting := make([]int, len(req.ops))
	ready := make(readyHeap, 0, len(req.ops))
	for i := range req.ops {
		waiting[i] = len(req.ops[i].deps)
		for _, j := range req.ops[i].deps {
			dependents[j] = append(dependents[j], i)
		}
		if waiting[i] == 0 {
			ready = append(ready, i) // in index order: a heap already
		}
	}
	failures := 0
	for len(ready) > 0 && r.Context().Err() == nil {
		i := heap.Pop(&ready).(int)
		var status int
		results[i], status, created[i] = run.op(&req.ops[i], req, created)
		if status >= 400 {
			failures++
			if req.failOnErrors > 0 && failures >= req.failOnErrors {
				break
			}
		}
		for _, d := range dependents[i] {
			if waiting[d]--; waiting[d] == 0 {
				heap.Push(&ready, d)
			}
		}
	}
	writeBulkResponse(w, results)
}

// writeBulkResponse writes the BulkResponse of the results, in request
// order, straight from them.
func writeBulkResponse(w http.ResponseWriter, results [][]byte) {
	const head = `{"schemas":["` + BulkResponseSchema + `"],"Operations":[`
	const tail = `]}`
	n, first := len(head)+len(tail), true
	for _, res := range results {
		if res != nil {
			if !first {
				n++
			}
			n += len(res)
			first = false
		}
	}
	h := w.Header()
	h["Content-Type"] = []string{"application/scim+json; charset=utf-8"}
	h["Content-Length"] = []string{strconv.Itoa(n)}
	w.WriteHeader(http.StatusOK)
	io.WriteString(w, head)
	first = true
	for _, res := range results {
		if res != nil {
			if !first {
				io.WriteString(w, ",")
			}
			w.Write(res)
			first = false
		}
	}
	io.WriteString(w, tail)
}

// bulkRun dispatches the operations of one bulk request.
type bulkRun struct {
	s      *Server
	r      *http.Request // the bulk request
	base   string        // its base URL
	prefix string        // what http.StripPrefix removed from its path
	header http.Header   // the operations' request headers
	outer  *observer     // the bulk request's observer, nil when not observed
	w      opWriter
}

func newBulkRun(s *Server, r *http.Request) *bulkRun {
	b := &bulkRun{s: s, r: r, base: s.baseURL(r), header: r.Header.Clone(), w: opWriter{h: http.Header{}}}
	// The operations' paths replace the bulk request's below the prefix,
	// so that their base URL is derived alike (request.go, baseURL).
	uri := r.RequestURI
	if i := strings.IndexByte(uri, '?'); i >= 0 {
		uri = uri[:i]
	}
	b.prefix = strings.TrimSuffix(uri, r.URL.EscapedPath())
	b.outer, _ = r.Context().Value(observerKey{}).(*observer)
	b.header.Del("If-None-Match")
	b.header.Del("Transfer-Encoding")
	b.header["Content-Type"] = []string{"application/scim+json"}
	return b
}

// op runs one operation and returns its encoded result, its status and,
// for a POST that created a resource, the resource's id.
func (b *bulkRun) op(op *bulkOp, req *bulkRequest, created []string) (result []byte, status int, id string) {
	w := &b.w
	w.reset()
	id = op.id
	data := op.data
	err := op.refused
	if err == nil && op.refRef {
		id, err = req.resolve(op.pathRef, created)
	}
	if err == nil && len(op.refs) > 0 {
		data, err = req.substitute(op, created)
	}
	location := ""
	if err != nil {
		if op.refused == nil && !op.refRef && op.method != http.MethodPost {
			location = b.base + "/" + op.endpoint + "/" + id
		}
		writeError(w, b.r, err, b.s.log, b.s.retryAfter)
	} else {
		path := "/" + op.endpoint
		if op.method != http.MethodPost {
			path += "/" + id
			location = b.base + path
		}
		b.dispatch(op, path, data)
	}
	status = w.status
	if status == 0 {
		status = http.StatusOK // nothing written: net/http would answer 200
	}
	if op.method == http.MethodPost && status == http.StatusCreated {
		location = w.h.Get("Location")
		id = location[strings.LastIndexByte(location, '/')+1:]
		if p := b.base + "/" + op.endpoint + "/"; strings.HasPrefix(location, p) {
			id = location[len(p):]
		}
	} else {
		id = ""
	}
	return b.result(op, status, location), status, id
}

// resolve returns the id the POST with bulkId created.
func (req *bulkRequest) resolve(bulkID string, created []string) (string, *Error) {
	j, ok := req.defs[bulkID]
	if !ok {
		return "", bulkValue(strconv.Quote(bulkRefPrefix+bulkID) + " names no POST of this bulk request (RFC 7644 §3.7.2)")
	}
	if created[j] == "" {
		return "", bulkValue(strconv.Quote(bulkRefPrefix+bulkID) + " cannot be resolved: the POST with that bulkId (operation " +
			strconv.Itoa(j+1) + ") failed")
	}
	return created[j], nil
}

// substitute returns the operation's data with each reference replaced
// by the id it names.
func (req *bulkRequest) substitute(op *bulkOp, created []string) ([]byte, *Error) {
	out := make([]byte, 0, len(op.data)+len(op.refs)*16)
	at := 0
	for _, ref := range op.refs {
		id, err := req.resolve(ref.bulkID, created)
		if err != nil {
			return nil, err
		}
		out = append(out, op.data[at:ref.start]...)
		out = jsonenc.AppendString(out, id)
		at = ref.end
	}
	return append(out, op.data[at:]...), nil
}

// dispatch serves the operation as a request of its own: the server's
// routing, with the bulk request's context, an observer of its own when
// the bulk request is observed, and the would-be events of a dry run in
// that observation.
func (b *bulkRun) dispatch(op *bulkOp, path string, data []byte) {
	h := b.header
	if op.version != "" {
		h["If-Match"] = []string{op.version}
	} else {
		delete(h, "If-Match")
	}
	h["Content-Length"] = []string{strconv.Itoa(len(data))}
	sub := b.r.WithContext(b.r.Context()) // a shallow copy: Host, TLS, RemoteAddr
	sub.Method = op.method
	sub.URL = &url.URL{Path: path}
	sub.RequestURI = b.prefix + sub.URL.EscapedPath()
	sub.Header = h
	sub.Body = io.NopCloser(bytes.NewReader(data))
	sub.ContentLength = int64(len(data))
	sub.GetBody, sub.TransferEncoding, sub.Trailer = nil, nil, nil
	sub.Form, sub.PostForm, sub.MultipartForm = nil, nil, nil
	s, w := b.s, http.ResponseWriter(&b.w)
	var o *observer
	if b.outer != nil {
		o = &observer{ResponseWriter: w, start: time.Now(), dryRun: b.outer.dryRun}
		sub = sub.WithContext(o.bind(sub.Context()))
		w = o
		if _, ok := s.cfg.Events.(effectsOf); ok {
			d := *s // a dry run: this operation's effects are its observation's
			d.cfg.Events = effectsOf{o}
			s = &d
		}
	}
	defer func() {
		if v := recover(); v != nil {
			if v == http.ErrAbortHandler {
				panic(v)
			}
			s.log.ErrorContext(sub.Context(), "scim: panic serving a bulk operation", "method", sub.Method, "path", path, "panic", v)
			s.writeError(w, sub, NewError(http.StatusInternalServerError, "", "internal server error"))
		}
		if o != nil {
			s.done(o, sub)
		}
	}()
	s.route(w, sub)
}

// result encodes the result of an operation (RFC 7644 §3.7.3).
func (b *bulkRun) result(op *bulkOp, status int, location string) []byte {
	out := make([]byte, 0, 128+len(location)+len(b.w.body))
	out = append(out, `{"method":`...)
	out = jsonenc.AppendString(out, op.method)
	if op.bulkID != "" {
		out = append(out, `,"bulkId":`...)
		out = jsonenc.AppendString(out, op.bulkID)
	}
	if v := b.w.h.Get("ETag"); v != "" && status < 300 {
		out = append(out, `,"version":`...)
		out = jsonenc.AppendString(out, v)
	}
	if location != "" {
		out = append(out, `,"location":`...)
		out = jsonenc.AppendString(out, location)
	}
	out = append(out, `,"status":"`...)
	out = strconv.AppendInt(out, int64(status), 10)
	out = append(out, '"')
	if status >= 400 && len(b.w.body) > 0 {
		out = append(out, `,"response":`...)
		out = append(out, b.w.body...)
	}
	return append(out, '}')
}

// opWriter records an operation's answer: status and headers, and the
// body only of a failure (a SCIM error), which the result carries.
type opWriter struct {
	h      http.Header
	status int
	body   []byte
}

func (w *opWriter) reset() {
	clear(w.h)
	w.status, w.body = 0, w.body[:0]
}

// Header implements http.ResponseWriter.
func (w *opWriter) Header() http.Header { return w.h }

// WriteHeader implements http.ResponseWriter.
func (w *opWriter) WriteHeader(status int) {
	if w.status == 0 {
		w.status = status
	}
}

// Write implements http.ResponseWriter.
func (w *opWriter) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	if w.status >= 400 {
		w.body = append(w.body, p...)
	}
	return len(p), nil
}
