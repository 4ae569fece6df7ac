package sandbox

import (
	"bytes"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// ErrNotFound is returned (wrapped, naming the kind and id) by the Edit and
// Delete methods for an id no account has. One sentinel serves every kind:
// errors.Is(err, ErrNotFound).
var ErrNotFound = errors.New("sandbox: no such object")

// ErrInUse is returned (wrapped) by DeleteApp for an app that templates
// still use.
var ErrInUse = errors.New("sandbox: still in use")

// Reset forgets every object, counter and fault of every account, and
// empties the state file. Ids start over, as in a new sandbox. When the
// state file cannot be written, nothing is forgotten: memory keeps matching
// the file, as after any other failed change.
func (s *Server) Reset() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	prev := s.state
	s.state = newState()
	if err := s.save(record{Op: opReset}); err != nil {
		s.state = prev
		return err
	}
	s.resetAllInMemoryLocked()
	return nil
}

func (s *Server) resetAllInMemoryLocked() {
	s.state = newState()
	for _, a := range s.accounts {
		a.resetLocked()
	}
	s.verificationIDs = verificationIDs{}
}

// resetAccountLocked forgets one account's objects, counters and faults,
// and saves that; ids keep counting, being the sandbox's.
func (s *Server) resetAccountLocked(a *account) error {
	var undo []func()
	for _, k := range kinds {
		undo = append(undo, k.forget(s.state, a.key))
	}
	if err := s.save(record{Op: opReset, Key: a.key}); err != nil {
		for _, u := range undo {
			u()
		}
		return err
	}
	a.resetLocked()
	return nil
}

func (s *Server) forgetAccountLocked(a *account) {
	for _, k := range kinds {
		k.forget(s.state, a.key)
	}
	a.resetLocked()
}

// The methods below without a key act on every account: on a sandbox of
// one account, on that one. Account(key) acts on one.

// Counts returns the number of requests each vendor route has received
// (every request, including refused and faulted ones), by route name
// (RouteFlowAdd...), summed over the accounts.
func (s *Server) Counts() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[string]int{}
	for _, a := range s.accounts {
		for route, n := range a.counts {
			out[route] += n
		}
	}
	return out
}

// Total is the number of requests all vendor routes have received.
func (s *Server) Total() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, a := range s.accounts {
		n += total(a.counts)
	}
	return n
}

// ResetCounts zeroes the request counters and forgets the user agents.
func (s *Server) ResetCounts() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, a := range s.accounts {
		a.resetCountsLocked()
	}
}

// UserAgents returns the distinct User-Agent headers seen since the last
// reset, sorted.
func (s *Server) UserAgents() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	seen := map[string]bool{}
	for _, a := range s.accounts {
		maps.Copy(seen, a.agents)
	}
	return slices.Sorted(maps.Keys(seen))
}

// SetFaults gives every account these faults, and restarts their limits
// and random draws (each account draws on its own). An account opened
// later starts without faults.
func (s *Server) SetFaults(f Faults) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, a := range s.accounts {
		a.setFaultsLocked(f)
	}
}

// CurrentFaults returns the fault configuration: on a sandbox of several
// accounts, that of the first account in key order (Account(key) gives
// each one's).
func (s *Server) CurrentFaults() Faults {
	s.mu.Lock()
	defer s.mu.Unlock()
	if all := s.sortedAccountsLocked(); len(all) > 0 {
		return all[0].currentFaultsLocked()
	}
	return Faults{}
}

// Injected returns how many faults of each kind were injected since the
// faults were last set, summed over the accounts.
func (s *Server) Injected() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[string]int{}
	for _, a := range s.accounts {
		for kind, n := range a.injects {
			out[kind] += n
		}
	}
	return out
}

// The console operations every kind shares; each kind's file wraps them in
// typed methods.

func (k *kind[T]) all(s *Server, key string) []T {
	s.mu.Lock()
	defer s.mu.Unlock()
	return k.list(s.state, key)
}

func (k *kind[T]) consoleAdd(s *Server, key string, obj T) (T, error) {
	var zero T
	if k.zero != nil {
		k.zero(&obj)
	}
	obj, err := k.validate(obj)
	if err != nil {
		return zero, err
	}
	return k.consoleInsert(s, key, obj)
}

// consoleAddJSON adds from a JSON body: decoded strictly, so that a
// misspelt field is an error, then read by the add route's parser, so that
// what the body leaves out takes the vendor's defaults, as in the vendor's
// add (a Go caller cannot leave a field out: zero stands in for that).
func (k *kind[T]) consoleAddJSON(s *Server, key string, raw []byte) (T, error) {
	var zero, typed T
	if err := decodeStrict(bytes.NewReader(raw), &typed); err != nil {
		return zero, err
	}
	obj, reason := k.parse(raw, "")
	if reason != "" {
		return zero, fmt.Errorf("sandbox: invalid %s: %s", k.one, reason)
	}
	return k.consoleInsert(s, key, obj)
}

func (k *kind[T]) consoleInsert(s *Server, key string, obj T) (T, error) {
	var zero T
	s.mu.Lock()
	defer s.mu.Unlock()
	a, err := s.accountLocked(key)
	if err != nil {
		return zero, fmt.Errorf("sandbox: %w", err)
	}
	return k.insert(s, a, obj)
}

// consoleEdit runs edit on a copy of an object of the account of key (of
// any account when key is ""), under the lock, so that no other change
// comes in between; what edit cannot change (the id, the fixed fields) it
// is put back before validation.
func (k *kind[T]) consoleEdit(s *Server, key, id string, edit func(*T) error) (T, error) {
	var zero T
	s.mu.Lock()
	defer s.mu.Unlock()
	key, i, found := k.locate(s.state, key, id)
	if !found {
		return zero, k.notFound(id)
	}
	a := s.holderLocked(key)
	now := s.nowLocked(a)
	old := k.coll(s.state).Accounts[key][i]
	next := clone(old)
	if err := edit(&next); err != nil {
		return zero, err
	}
	k.setID(&next, id)
	if k.keep != nil {
		k.keep(&next, &old, now)
	}
	valid, err := k.validate(next)
	if err != nil {
		return zero, err
	}
	return k.replace(s, a, id, valid)
}

// consoleDelete deletes an object of the account of key (of any account
// when key is "").
func (k *kind[T]) consoleDelete(s *Server, key, id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return k.remove(s, key, id)
}

// anyAccount is the key the Go console methods, which take an id alone,
// look an object up with: ids are unique across the sandbox.
const anyAccount = ""

func plain[T any](edit func(*T)) func(*T) error {
	return func(obj *T) error { edit(obj); return nil }
}

// patch applies a partial object in API field names: the fields it names
// replace the object's, the others stay. It decodes as strictly as the
// rest of the control surface.
func (k *kind[T]) patch(obj *T, fields map[string]json.RawMessage) error {
	cur, err := json.Marshal(*obj)
	if err != nil {
		return err
	}
	var merged map[string]json.RawMessage
	if err := json.Unmarshal(cur, &merged); err != nil {
		return err
	}
	for _, field := range slices.Sorted(maps.Keys(fields)) {
		if _, known := merged[field]; !known {
			return fmt.Errorf("sandbox: %s has no field %q", a(k.one), field)
		}
		if field == k.idField || slices.Contains(k.fixed, field) {
			return fmt.Errorf("sandbox: %s's %s cannot change", a(k.one), field)
		}
		merged[field] = fields[field]
	}
	b, err := json.Marshal(merged)
	if err != nil {
		return err
	}
	var next T
	if err := decodeStrict(bytes.NewReader(b), &next); err != nil {
		return err
	}
	*obj = next
	return nil
}

// ControlRoute describes one route of the control surface for people:
// otp-sandbox prints the table in its help, and the README carries it. The
// routes are mounted from the same table, so none can go undescribed.
type ControlRoute struct {
	Method string // "PATCH"
	Path   string // "/_sandbox/flows/{id}"
	Does   string // what the route does
	// Params are its path and query parameters: "{id}", "?key=".
	Params []Field
	// Body says what the request body is, "" for none; Fields are its
	// fields when it is an object of its own.
	Body   string
	Fields []Field
	Answer string // the success status and what comes with it
	Errors string // the failures particular to the route, with their statuses
	// Public routes need no token and are about no account: the health
	// check alone.
	Public bool
}

// Field describes a field of a JSON body by its API name, or a parameter.
type Field struct {
	Name   string
	Values string  // type, range, default and meaning
	Fields []Field // an object's fields, or those of each object of an array
}

// ControlConventions is what every control route has in common, for the
// same readers as ControlRoutes.
const ControlConventions = `Every route but GET ` + HealthPath + ` requires the header "Authorization: Bearer <control token>" ` +
	`and answers 401 without it (403 when the sandbox was started without a token). ` +
	`Every route is about one account, named by the query parameter ?key=<API key>: ` +
	`an account never sees or changes another's objects, counters, faults, messages or clock. ` +
	`The key may be left out when the sandbox has one account and no open accounts; ` +
	`with open accounts, a new key opens an empty account (so that a job can set its faults before its first request). ` +
	`400 for an unknown key, or for none where one is required. ` +
	`Bodies are JSON, decoded strictly: an unknown field is an error. ` +
	`A failure answers {"error": "<why>"}; 500 means the state file could not be written, and the change was undone.`

// ControlRoutes describes every route of the control surface, in the order
// they are mounted.
func ControlRoutes() []ControlRoute {
	table := controlTable()
	out := make([]ControlRoute, len(table))
	for i, r := range table {
		out[i] = clone(r.ControlRoute) // the kinds' field lists stay ours
	}
	return out
}

// controlRoute is a route's description and its handler, which gets the
// account the request is about.
type controlRoute struct {
	ControlRoute
	handle func(s *Server, a *account, w http.ResponseWriter, r *http.Request)
}

// controlRoutes mounts the control surface under /_sandbox/, away from the
// vendor paths, so that nothing a client does by mistake can reach it;
// behind the control token, so that nothing on the network can either;
// and behind controlKey, so that no route can forget which account it is
// about.
func (s *Server) controlRoutes(m router) {
	for _, route := range controlTable() {
		if route.Public {
			m.Handle(route.Method+" "+route.Path, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { route.handle(s, nil, w, r) }))
			continue
		}
		m.Handle(route.Method+" "+route.Path, s.control(func(w http.ResponseWriter, r *http.Request) {
			a, _, err := s.controlKey(r)
			if err != nil {
				controlError(w, http.StatusBadRequest, err)
				return
			}
			route.handle(s, a, w, r)
		}))
	}
}

func controlTable() []controlRoute {
	table := []controlRoute{
		{ControlRoute{
			Method: "POST", Path: "/_sandbox/reset",
			Does: "Forgets the account's objects, request counters and faults, and its OTP service's verifications, messages, " +
				"number outcomes and settings (its clock goes back to real time), and saves that (to the state file, if there is one); " +
				"other accounts keep everything. Ids keep counting: they are unique across the sandbox. " +
				"Without ?key=, on a sandbox of one account, forgets everything and empties the state file: ids start over, as in a new sandbox.",
			Answer: "204",
		}, func(s *Server, a *account, w http.ResponseWriter, r *http.Request) {
			var err error
			if r.URL.Query().Get("key") == "" { // controlKey let it through: one account
				err = s.Reset()
			} else {
				s.mu.Lock()
				err = s.resetAccountLocked(a)
				s.mu.Unlock()
			}
			if err != nil {
				controlError(w, http.StatusInternalServerError, err)
				return
			}
			w.WriteHeader(http.StatusNoContent)
		}},
		{ControlRoute{
			Method: "GET", Path: "/_sandbox/requests",
			Does: "The requests each vendor route has received from the account since the start or the last reset of the counters, " +
				"refused and faulted ones included; and the faults injected since the faults were last set, by fault (" +
				strings.Join(faultKinds, ", ") + ").",
			Answer: `200 and {"counts": {"<route>": <requests>}, "total": <requests>, "faultsInjected": {"<fault>": <injections>}}`,
		}, func(s *Server, a *account, w http.ResponseWriter, _ *http.Request) {
			s.mu.Lock()
			body := map[string]any{"counts": maps.Clone(a.counts), "total": total(a.counts), "faultsInjected": maps.Clone(a.injects)}
			s.mu.Unlock()
			controlJSON(w, http.StatusOK, body)
		}},
		{ControlRoute{
			Method: "DELETE", Path: "/_sandbox/requests",
			Does:   "Zeroes the account's request counters (not the faults injected).",
			Answer: "204",
		}, func(s *Server, a *account, w http.ResponseWriter, _ *http.Request) {
			s.mu.Lock()
			a.resetCountsLocked()
			s.mu.Unlock()
			w.WriteHeader(http.StatusNoContent)
		}},
		{ControlRoute{
			Method: "GET", Path: "/_sandbox/faults",
			Does:   "The account's fault configuration.",
			Answer: "200 and the faults, in the fields PUT takes",
		}, func(s *Server, a *account, w http.ResponseWriter, _ *http.Request) {
			s.mu.Lock()
			f := a.currentFaultsLocked()
			s.mu.Unlock()
			controlJSON(w, http.StatusOK, f)
		}},
		{ControlRoute{
			Method: "PUT", Path: "/_sandbox/faults",
			Does: "Replaces the account's fault configuration, and restarts its limits and random draws; other accounts keep theirs. " +
				"A field left out is 0, which turns its fault off: {} turns every fault off. Every fault applies to every kind.",
			Body:   "a JSON object",
			Fields: faultFields(),
			Answer: "200 and the faults as set",
			Errors: "400 for a rate outside 0 to 1, a negative latencyMs or limit, or an unknown route name",
		}, func(s *Server, a *account, w http.ResponseWriter, r *http.Request) {
			f, ok := controlBody(w, r, func(f *Faults) error { return checkFaults(*f) })
			if !ok {
				return
			}
			s.mu.Lock()
			a.setFaultsLocked(f)
			s.mu.Unlock()
			controlJSON(w, http.StatusOK, f)
		}},
	}
	for _, k := range kinds {
		table = append(table, k.controlTable()...)
	}
	return append(append(table, serviceControlTable()...), healthRoute())
}

// faultKinds are the names Injected counts faults by.
var faultKinds = []string{FaultSystemError, FaultBadGateway, FaultDropCreate, FaultDropUpdate}

// faultFields describes Faults in its JSON names; a test holds the two to
// each other.
func faultFields() []Field {
	quoted := make([]string, 0, len(routeNames()))
	for _, r := range routeNames() {
		quoted = append(quoted, strconv.Quote(r))
	}
	return []Field{
		{Name: "latencyMs", Values: "integer, 0 or more: milliseconds to wait before every vendor answer"},
		{Name: "systemErrorRate", Values: "0 to 1: the fraction of vendor requests answered status -18 (with HTTP 200), before anything is stored"},
		{Name: "badGatewayRate", Values: "0 to 1: the fraction of vendor requests answered HTTP 502 with an HTML page, as a proxy in front of the API would"},
		{Name: "dropCreateRate", Values: "0 to 1: the fraction of successful adds (of any kind) whose object is stored but whose answer is lost: " +
			"the connection closes without a response"},
		{Name: "dropUpdateRate", Values: "0 to 1: the same for updates: the update is applied, its answer lost"},
		{Name: "routes", Values: "array of route names: when not empty, only these routes get the -18 and 502 faults " +
			"(the drops ignore it: they have their own routes). The names: " + strings.Join(quoted, ", ")},
		{Name: "clockSkewSeconds", Values: "integer, negative or positive: moves the account's clock by that many seconds " +
			"(for the timestamp check, the Date header and apps' createTime)"},
		{Name: "limit", Values: "integer, 0 or more: at most this many injections of each fault (" + strings.Join(faultKinds, ", ") +
			"), counted separately; 0 is no cap. With a rate of 1 and a limit of N, exactly the first N requests that can get the fault get it"},
		{Name: "seed", Values: "integer, 0 or more: makes the random draws repeatable (which requests get faults, " +
			"and the appIds made from then on); 0 picks one"},
	}
}

func checkFaults(f Faults) error {
	for _, r := range []float64{f.SystemErrorRate, f.BadGatewayRate, f.DropCreateRate, f.DropUpdateRate} {
		if r < 0 || r > 1 {
			return errors.New("rates must be between 0 and 1")
		}
	}
	if f.LatencyMS < 0 || f.Limit < 0 {
		return errors.New("latencyMs and limit must not be negative")
	}
	known := routeNames()
	for _, r := range f.Routes {
		if !slices.Contains(known, r) {
			return fmt.Errorf("unknown route %q; the routes are %s", r, strings.Join(known, ", "))
		}
	}
	return nil
}

// controlTable is a kind's console: list and add per account, edit and
// delete by id.
func (k *kind[T]) controlTable() []controlRoute {
	base := "/_sandbox/" + k.many
	idParam := Field{Name: "{id}", Values: fmt.Sprintf("the %s of %s of the account; it %s", k.idField, a(k.one), k.ids.rule())}
	fixed := append([]string{k.idField}, k.fixed...)
	unknownID := fmt.Sprintf("404 for an id no %s of the account has", k.one)
	remove := ControlRoute{
		Method: "DELETE", Path: base + "/{id}",
		Does:   fmt.Sprintf("Deletes %s, which the vendor API cannot do (its web console can).", a(k.one)),
		Params: []Field{idParam},
		Answer: "204",
		Errors: "400 for an id that cannot be one; " + unknownID,
	}
	if k.usedBy != "" {
		remove.Does += fmt.Sprintf(" While %s use the %s, it stays: delete them first.", k.usedBy, k.one)
		remove.Errors += fmt.Sprintf("; 409 while %s use it", k.usedBy)
	}
	return []controlRoute{
		{ControlRoute{
			Method: "GET", Path: base,
			Does:   fmt.Sprintf("Lists the account's %s, %s.", k.many, k.ids.order()),
			Answer: fmt.Sprintf("200 and a JSON array of %s, each in the fields POST takes and its %s ([] when there are none)", k.many, k.idField),
		}, func(s *Server, a *account, w http.ResponseWriter, _ *http.Request) {
			controlJSON(w, http.StatusOK, k.all(s, a.key))
		}},
		{ControlRoute{
			Method: "POST", Path: base,
			Does: fmt.Sprintf("Adds %s to the account, as the vendor console would: the body of the vendor's %s, with its rules "+
				"and defaults, and a name no other %s of the account has. The sandbox assigns the %s (%s).",
				a(k.one), k.addRoute(), k.one, k.idField, k.ids.describe()),
			Body:   "a JSON object",
			Fields: k.fieldDocs(),
			Answer: fmt.Sprintf("201 and the %s as stored, with its %s", k.one, k.idField),
			Errors: "400 for invalid JSON, an unknown field, a broken rule or a name already taken (the error says which)",
		}, func(s *Server, a *account, w http.ResponseWriter, r *http.Request) {
			raw, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
			if err != nil {
				controlError(w, http.StatusBadRequest, err)
				return
			}
			created, err := k.consoleAddJSON(s, a.key, raw)
			if err != nil {
				controlError(w, consoleStatus(err), err)
				return
			}
			controlJSON(w, http.StatusCreated, created)
		}},
		{ControlRoute{
			Method: "PATCH", Path: base + "/{id}",
			Does: fmt.Sprintf("Changes %s as the vendor console would: each field sent replaces the %s's (an object or an array "+
				"as a whole), the others stay, and the result must pass the rules of an add. %s cannot change.",
				a(k.one), k.one, strings.Join(fixed, " and ")),
			Params: []Field{idParam},
			Body:   "a JSON object of some of the fields POST takes",
			Answer: fmt.Sprintf("200 and the changed %s", k.one),
			Errors: "400 for an id that cannot be one, invalid JSON, an unknown field, a field that cannot change, a broken rule " +
				"or a name already taken; " + unknownID,
		}, func(s *Server, acct *account, w http.ResponseWriter, r *http.Request) {
			id, valid := k.ids.parse(r.PathValue("id"))
			if !valid {
				controlError(w, http.StatusBadRequest, fmt.Errorf("the %s %s", k.idField, k.ids.rule()))
				return
			}
			var fields map[string]json.RawMessage
			if err := decodeStrict(r.Body, &fields); err != nil {
				controlError(w, http.StatusBadRequest, err)
				return
			}
			if fields == nil {
				controlError(w, http.StatusBadRequest, fmt.Errorf("the body must be a JSON object of %s fields", k.one))
				return
			}
			edited, err := k.consoleEdit(s, acct.key, id, func(obj *T) error { return k.patch(obj, fields) })
			if err != nil {
				controlError(w, consoleStatus(err), err)
				return
			}
			controlJSON(w, http.StatusOK, edited)
		}},
		{remove, func(s *Server, acct *account, w http.ResponseWriter, r *http.Request) {
			id, valid := k.ids.parse(r.PathValue("id"))
			if !valid {
				controlError(w, http.StatusBadRequest, fmt.Errorf("the %s %s", k.idField, k.ids.rule()))
				return
			}
			if err := k.consoleDelete(s, acct.key, id); err != nil {
				controlError(w, consoleStatus(err), err)
				return
			}
			w.WriteHeader(http.StatusNoContent)
		}},
	}
}

// a puts the indefinite article before a kind's name.
func a(one string) string {
	if strings.ContainsRune("aeiou", rune(one[0])) {
		return "an " + one
	}
	return "a " + one
}

// addRoute names the vendor route whose body the console's add takes.
func (k *kind[T]) addRoute() string {
	for _, e := range k.endpoints {
		if e.op == opAdd {
			return e.route
		}
	}
	panic("sandbox: the " + k.one + " kind has no add route")
}

// fieldDocs are the kind's fields as the reference shows them: what no
// edit changes says so, from the list the PATCH route enforces.
func (k *kind[T]) fieldDocs() []Field {
	docs := clone(k.fields)
	for i := range docs {
		if slices.Contains(k.fixed, docs[i].Name) {
			docs[i].Values += "; cannot change"
		}
	}
	return docs
}

// control guards a control route with the control token.
func (s *Server) control(h http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.opts.ControlToken == "" {
			controlError(w, http.StatusForbidden, errors.New("the control surface is disabled: start the sandbox with a control token (Options.ControlToken; otp-sandbox -control-token or $OTP_SANDBOX_CONTROL_TOKEN) to enable it"))
			return
		}
		if !tokenMatches(r.Header.Get("Authorization"), s.opts.ControlToken) {
			w.Header().Set("WWW-Authenticate", `Bearer realm="otp-sandbox control"`)
			controlError(w, http.StatusUnauthorized, errors.New(`the control surface requires the header "Authorization: Bearer <control token>"`))
			return
		}
		h(w, r)
	})
}

// tokenMatches compares in constant time; hashing first hides the lengths too.
func tokenMatches(header, token string) bool {
	const scheme = "Bearer "
	if len(header) < len(scheme) || !strings.EqualFold(header[:len(scheme)], scheme) {
		return false
	}
	got, want := sha256.Sum256([]byte(header[len(scheme):])), sha256.Sum256([]byte(token))
	return subtle.ConstantTimeCompare(got[:], want[:]) == 1
}

func consoleStatus(err error) int {
	switch {
	case errors.Is(err, ErrNotFound):
		return http.StatusNotFound
	case errors.Is(err, ErrInUse):
		return http.StatusConflict
	case errors.Is(err, errNotSaved):
		return http.StatusInternalServerError
	default:
		return http.StatusBadRequest
	}
}

// controlBody reads a control route's body strictly into a T and checks
// it (check may be nil); on failure it answers 400 and says so.
func controlBody[T any](w http.ResponseWriter, r *http.Request, check func(*T) error) (T, bool) {
	var v T
	err := decodeStrict(r.Body, &v)
	if err == nil && check != nil {
		err = check(&v)
	}
	if err != nil {
		controlError(w, http.StatusBadRequest, err)
		return v, false
	}
	return v, true
}

func decodeStrict(r io.Reader, v any) error {
	dec := json.NewDecoder(io.LimitReader(r, 1<<20))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("invalid JSON body: %w", err)
	}
	return nil
}

func controlJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false) // "<token>" reads better than "\u003ctoken\u003e" in a terminal
	_ = enc.Encode(v)
}

func controlError(w http.ResponseWriter, status int, err error) {
	controlJSON(w, status, map[string]string{"error": err.Error()})
}
