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
	"math/rand/v2"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// ErrNotFound is returned (wrapped, naming the kind and id) by the Edit and
// Delete methods for an id no account has. One sentinel serves every kind:
// errors.Is(err, ErrNotFound).
var ErrNotFound = errors.New("sandbox: no such object")

// ErrInUse is returned (wrapped) by DeleteApp for an app that templates
// still use.
var ErrInUse = errors.New("sandbox: still in use")

// Reset forgets every object, counter and fault, and saves the empty state.
// Ids start over, as in a new account. When the state cannot be saved,
// nothing is forgotten: memory keeps matching the file, as after any
// other failed change.
func (s *Server) Reset() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	prev := s.state
	s.state = newState()
	if err := s.persistLocked(); err != nil {
		s.state = prev
		return err
	}
	s.counts = map[string]int{}
	s.agents = map[string]bool{}
	s.setFaultsLocked(Faults{})
	return nil
}

// Counts returns the number of requests each vendor route has received
// (every request, including refused and faulted ones), by route name
// (RouteFlowAdd...).
func (s *Server) Counts() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return maps.Clone(s.counts)
}

// Total is the number of requests all vendor routes have received.
func (s *Server) Total() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, v := range s.counts {
		n += v
	}
	return n
}

// ResetCounts zeroes the request counters and forgets the user agents.
func (s *Server) ResetCounts() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.counts = map[string]int{}
	s.agents = map[string]bool{}
}

// UserAgents returns the distinct User-Agent headers seen since the last
// reset, sorted.
func (s *Server) UserAgents() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Sorted(maps.Keys(s.agents))
}

// SetFaults replaces the fault configuration and restarts its limits and
// random draws.
func (s *Server) SetFaults(f Faults) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.setFaultsLocked(f)
}

// CurrentFaults returns the fault configuration.
func (s *Server) CurrentFaults() Faults {
	s.mu.Lock()
	defer s.mu.Unlock()
	f := s.faults
	f.Routes = slices.Clone(f.Routes)
	return f
}

func (s *Server) setFaultsLocked(f Faults) {
	seed := f.Seed
	if seed == 0 {
		seed = uint64(time.Now().UnixNano())
	}
	f.Routes = slices.Clone(f.Routes)
	s.faults = f
	s.rng = rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))   //nolint:gosec // fault draws, not security
	s.idRNG = rand.New(rand.NewPCG(seed^0x5851f42d4c957f2d, seed)) //nolint:gosec // ids, not secrets
	s.injects = map[string]int{}
}

// Injected returns how many faults of each kind were injected since the
// faults were last set.
func (s *Server) Injected() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return maps.Clone(s.injects)
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
	if _, known := s.opts.Accounts[key]; !known {
		return zero, fmt.Errorf("sandbox: unknown API key %q", key)
	}
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	return k.insert(s, key, obj, now)
}

// consoleEdit runs edit on a copy of an object of any account, under the
// lock, so that no other change comes in between; what edit cannot change
// (the id, the fixed fields) it is put back before validation.
func (k *kind[T]) consoleEdit(s *Server, id string, edit func(*T) error) (T, error) {
	var zero T
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	key, i, found := k.locate(s.state, id)
	if !found {
		return zero, k.notFound(id)
	}
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
	return k.replace(s, key, id, valid, now)
}

func (k *kind[T]) consoleDelete(s *Server, id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return k.remove(s, id)
}

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
}

// Field describes a field of a JSON body by its API name, or a parameter.
type Field struct {
	Name   string
	Values string  // type, range, default and meaning
	Fields []Field // an object's fields, or those of each object of an array
}

// ControlConventions is what every control route has in common, for the
// same readers as ControlRoutes.
const ControlConventions = `Every route requires the header "Authorization: Bearer <control token>" ` +
	`and answers 401 without it (403 when the sandbox was started without a token). ` +
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

// controlRoute is a route's description and its handler.
type controlRoute struct {
	ControlRoute
	handle func(s *Server, w http.ResponseWriter, r *http.Request)
}

// controlRoutes mounts the control surface under /_sandbox/, away from the
// vendor paths, so that nothing a client does by mistake can reach it; and
// behind the control token, so that nothing on the network can either.
func (s *Server) controlRoutes(m router) {
	for _, route := range controlTable() {
		m.Handle(route.Method+" "+route.Path, s.control(func(w http.ResponseWriter, r *http.Request) { route.handle(s, w, r) }))
	}
}

func controlTable() []controlRoute {
	table := []controlRoute{
		{ControlRoute{
			Method: "POST", Path: "/_sandbox/reset",
			Does: "Forgets every object, request counter and fault of every account, and saves the empty state " +
				"(to the state file, if there is one). Ids start over, as in a new account.",
			Answer: "204",
		}, func(s *Server, w http.ResponseWriter, _ *http.Request) {
			if err := s.Reset(); err != nil {
				controlError(w, http.StatusInternalServerError, err)
				return
			}
			w.WriteHeader(http.StatusNoContent)
		}},
		{ControlRoute{
			Method: "GET", Path: "/_sandbox/requests",
			Does: "The requests each vendor route has received since the start or the last reset of the counters, " +
				"refused and faulted ones included; and the faults injected since the faults were last set, by fault (" +
				strings.Join(faultKinds, ", ") + ").",
			Answer: `200 and {"counts": {"<route>": <requests>}, "total": <requests>, "faultsInjected": {"<fault>": <injections>}}`,
		}, func(s *Server, w http.ResponseWriter, _ *http.Request) {
			controlJSON(w, http.StatusOK, map[string]any{"counts": s.Counts(), "total": s.Total(), "faultsInjected": s.Injected()})
		}},
		{ControlRoute{
			Method: "DELETE", Path: "/_sandbox/requests",
			Does:   "Zeroes the request counters (not the faults injected).",
			Answer: "204",
		}, func(s *Server, w http.ResponseWriter, _ *http.Request) {
			s.ResetCounts()
			w.WriteHeader(http.StatusNoContent)
		}},
		{ControlRoute{
			Method: "GET", Path: "/_sandbox/faults",
			Does:   "The fault configuration.",
			Answer: "200 and the faults, in the fields PUT takes",
		}, func(s *Server, w http.ResponseWriter, _ *http.Request) {
			controlJSON(w, http.StatusOK, s.CurrentFaults())
		}},
		{ControlRoute{
			Method: "PUT", Path: "/_sandbox/faults",
			Does: "Replaces the fault configuration, and restarts its limits and random draws. " +
				"A field left out is 0, which turns its fault off: {} turns every fault off. Every fault applies to every kind.",
			Body:   "a JSON object",
			Fields: faultFields(),
			Answer: "200 and the faults as set",
			Errors: "400 for a rate outside 0 to 1, a negative latencyMs or limit, or an unknown route name",
		}, func(s *Server, w http.ResponseWriter, r *http.Request) {
			var f Faults
			if err := decodeStrict(r.Body, &f); err != nil {
				controlError(w, http.StatusBadRequest, err)
				return
			}
			if err := checkFaults(f); err != nil {
				controlError(w, http.StatusBadRequest, err)
				return
			}
			s.SetFaults(f)
			controlJSON(w, http.StatusOK, f)
		}},
	}
	for _, k := range kinds {
		table = append(table, k.controlTable()...)
	}
	return table
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
		{Name: "clockSkewSeconds", Values: "integer, negative or positive: moves the sandbox's clock by that many seconds " +
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
	keyParam := Field{Name: "?key=", Values: "the API key of the account; may be left out when the sandbox has only one account"}
	idParam := Field{Name: "{id}", Values: fmt.Sprintf("the %s of %s of any account; it %s", k.idField, a(k.one), k.ids.rule())}
	fixed := append([]string{k.idField}, k.fixed...)
	unknownID := fmt.Sprintf("404 for an id no %s has", k.one)
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
			Params: []Field{keyParam},
			Answer: fmt.Sprintf("200 and a JSON array of %s, each in the fields POST takes and its %s ([] when there are none)", k.many, k.idField),
			Errors: "400 for an unknown key, or none when there are several accounts",
		}, func(s *Server, w http.ResponseWriter, r *http.Request) {
			key, err := s.controlKey(r)
			if err != nil {
				controlError(w, http.StatusBadRequest, err)
				return
			}
			controlJSON(w, http.StatusOK, k.all(s, key))
		}},
		{ControlRoute{
			Method: "POST", Path: base,
			Does: fmt.Sprintf("Adds %s to the account, as the vendor console would: the body of the vendor's %s, with its rules "+
				"and defaults, and a name no other %s of the account has. The sandbox assigns the %s (%s).",
				a(k.one), k.addRoute(), k.one, k.idField, k.ids.describe()),
			Params: []Field{keyParam},
			Body:   "a JSON object",
			Fields: k.fieldDocs(),
			Answer: fmt.Sprintf("201 and the %s as stored, with its %s", k.one, k.idField),
			Errors: "400 for an unknown key, invalid JSON, an unknown field, a broken rule or a name already taken (the error says which)",
		}, func(s *Server, w http.ResponseWriter, r *http.Request) {
			key, err := s.controlKey(r)
			if err != nil {
				controlError(w, http.StatusBadRequest, err)
				return
			}
			raw, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
			if err != nil {
				controlError(w, http.StatusBadRequest, err)
				return
			}
			created, err := k.consoleAddJSON(s, key, raw)
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
		}, func(s *Server, w http.ResponseWriter, r *http.Request) {
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
			edited, err := k.consoleEdit(s, id, func(obj *T) error { return k.patch(obj, fields) })
			if err != nil {
				controlError(w, consoleStatus(err), err)
				return
			}
			controlJSON(w, http.StatusOK, edited)
		}},
		{remove, func(s *Server, w http.ResponseWriter, r *http.Request) {
			id, valid := k.ids.parse(r.PathValue("id"))
			if !valid {
				controlError(w, http.StatusBadRequest, fmt.Errorf("the %s %s", k.idField, k.ids.rule()))
				return
			}
			if err := k.consoleDelete(s, id); err != nil {
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

// controlKey picks the account a control request means: the key query
// parameter, or the only account when there is one.
func (s *Server) controlKey(r *http.Request) (string, error) {
	if key := r.URL.Query().Get("key"); key != "" {
		if _, known := s.opts.Accounts[key]; !known {
			return "", fmt.Errorf("unknown API key %q", key)
		}
		return key, nil
	}
	if len(s.opts.Accounts) == 1 {
		for key := range s.opts.Accounts {
			return key, nil
		}
	}
	return "", errors.New("several accounts exist: name one with ?key=")
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
