package sandbox

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"net/http"
	"slices"
	"strconv"
	"time"
)

// kind is everything that differs between flows, apps and templates. The
// routes, the store, the faults and the control surface are written once
// against it; each kind's file fills one in.
type kind[T any] struct {
	one, many string     // "flow" as in /flow/add; "flows" as in /_sandbox/flows and the state file
	idField   string     // the id's API field name, for reasons: "flowId"
	ids       idScheme   // how ids are made and read
	endpoints []endpoint // the vendor routes the kind has
	// fixed lists the API fields, besides the id, that no update changes
	// (keep carries them over); the console's PATCH refuses them rather
	// than ignore them silently.
	fixed []string
	// fields documents the add body's fields (all of T's but the id) for
	// the control surface's reference; a test holds it to T's JSON fields.
	fields []Field
	// usedBy names what users (below) looks for, for the reference:
	// "templates".
	usedBy string

	coll  func(*state) *collection[T]
	id    func(T) string
	setID func(*T, string)
	name  func(T) string
	// parse validates an add body, or an update body when pathID (the id in
	// the path) is set, strictly typed, and gives absent optional fields
	// the vendor's defaults. It returns the reason for a -22 answer.
	parse func(body []byte, pathID string) (T, string)

	// Optional hooks.

	// keep fills what the server owns: prev is nil on create.
	keep func(next, prev *T, now time.Time)
	// zero gives the fields a Go caller left at zero their defaults, where
	// zero is not a valid value (JSON can leave a field out, Go cannot).
	zero func(*T)
	// refs says what a new object points to that does not exist (-24).
	refs func(st *state, key string, obj T) string
	// users says what still points to an object, which then stays.
	users func(st *state, key, id string) string
}

// anyKind lets the server loop over kinds of different types.
type anyKind interface {
	journaled
	init(*state)
	check(*state) error
	keys(*state) []string
	forget(st *state, key string) (undo func())
	routes() []string
	mountVendor(*Server, router)
	controlTable() []controlRoute
}

// router is what routes are mounted on: the server's *http.ServeMux, or a
// test's recorder.
type router interface {
	Handle(pattern string, h http.Handler)
}

var kinds = []anyKind{flowKind, appKind, templateKind}

// routeNames are every vendor route, for checking Faults.Routes.
func routeNames() []string {
	var out []string
	for _, k := range kinds {
		out = append(out, k.routes()...)
	}
	return append(out, serviceRoutes...)
}

func (k *kind[T]) routes() []string {
	out := make([]string, 0, len(k.endpoints))
	for _, e := range k.endpoints {
		out = append(out, e.route)
	}
	return out
}

// idScheme is how a kind numbers its objects. Ids are kept as strings (the
// path segment's canonical form) so that one store serves integer and
// string ids alike.
type idScheme interface {
	// parse reads an id from a path segment; valid is false when the
	// segment cannot be one (then rule says what it must be).
	parse(segment string) (id string, valid bool)
	rule() string
	// describe and order say how ids look and how lists are sorted, for
	// the control surface's reference.
	describe() string
	order() string
	next(st *idState, rng *rand.Rand) string
	// issued says why an id could not have come from next, or "".
	issued(st *idState, id string) string
	// note records that id was given out, as next did, for an id read
	// from the state file.
	note(st *idState, id string)
	show(id string) string
	compare(a, b string) int // list order
	init(st *idState)
}

// idState is what an id scheme remembers; it is saved with its kind.
type idState struct {
	NextID  int64           `json:"nextId,omitempty"`  // counter
	UsedIDs map[string]bool `json:"usedIds,omitempty"` // random: every id ever given out
}

// counter gives integer ids upwards from first. A first well above 1 makes
// ids look like the vendor's, so a client that confuses an id with an
// index or a count is caught.
type counter struct{ first int64 }

func (c counter) parse(segment string) (string, bool) {
	n, err := strconv.ParseInt(segment, 10, 64)
	if err != nil || n <= 0 {
		return "", false
	}
	return strconv.FormatInt(n, 10), true
}

func (counter) rule() string { return "must be a positive integer" }

func (c counter) describe() string {
	return fmt.Sprintf("an integer, given out upwards from %d", c.first)
}

func (counter) order() string { return "by id" }

func (c counter) next(st *idState, _ *rand.Rand) string {
	c.init(st)
	st.NextID++
	return strconv.FormatInt(st.NextID-1, 10)
}

func (counter) issued(st *idState, id string) string {
	if n, err := strconv.ParseInt(id, 10, 64); err != nil || n <= 0 || n >= st.NextID {
		return fmt.Sprintf("is not below nextId %d", st.NextID)
	}
	return ""
}

func (c counter) note(st *idState, id string) {
	c.init(st)
	if n, err := strconv.ParseInt(id, 10, 64); err == nil && n >= st.NextID {
		st.NextID = n + 1
	}
}

func (counter) show(id string) string { return id }

func (counter) compare(a, b string) int {
	x, _ := strconv.ParseInt(a, 10, 64)
	y, _ := strconv.ParseInt(b, 10, 64)
	return cmp.Compare(x, y)
}

func (c counter) init(st *idState) { st.NextID = max(st.NextID, c.first) }

// randomIDs gives ids of letters and digits like the vendor's app ids
// (sample "mRELxtHc"), never the same one twice.
type randomIDs struct{ length int }

const idAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

func (randomIDs) parse(segment string) (string, bool) { return segment, segment != "" }

func (randomIDs) rule() string { return "must not be empty" }

func (r randomIDs) describe() string {
	return fmt.Sprintf("%d letters and digits, made up at random", r.length)
}

func (randomIDs) order() string { return "in creation order" }

func (r randomIDs) next(st *idState, rng *rand.Rand) string {
	r.init(st)
	b := make([]byte, r.length)
	for {
		for i := range b {
			b[i] = idAlphabet[rng.IntN(len(idAlphabet))]
		}
		if id := string(b); !st.UsedIDs[id] {
			st.UsedIDs[id] = true
			return id
		}
	}
}

func (randomIDs) issued(st *idState, id string) string {
	if !st.UsedIDs[id] {
		return "is not among usedIds"
	}
	return ""
}

func (r randomIDs) note(st *idState, id string) {
	r.init(st)
	st.UsedIDs[id] = true
}

func (randomIDs) show(id string) string { return strconv.Quote(id) }

func (randomIDs) compare(string, string) int { return 0 } // creation order

func (randomIDs) init(st *idState) {
	if st.UsedIDs == nil {
		st.UsedIDs = map[string]bool{}
	}
}

// collection holds one kind's objects of every account, by API key, in
// creation order.
type collection[T any] struct {
	idState
	Accounts map[string][]T       `json:"accounts"`
	index    map[string]*objIndex // by API key; see objIndex
}

// state is everything that persists.
type state struct {
	Flows     collection[Flow]     `json:"flows"`
	Apps      collection[App]      `json:"apps"`
	Templates collection[Template] `json:"templates"`
}

func newState() *state {
	st := &state{}
	for _, k := range kinds {
		k.init(st)
	}
	return st
}

func (k *kind[T]) init(st *state) {
	c := k.coll(st)
	k.ids.init(&c.idState)
	if c.Accounts == nil {
		c.Accounts = map[string][]T{}
	}
	if c.index == nil {
		c.index = map[string]*objIndex{}
	}
}

func (k *kind[T]) missing(id string) string {
	return fmt.Sprintf("%s %s does not exist", k.idField, k.ids.show(id))
}

// The store's operations; the caller holds the server's lock.

// objIndex finds an account's objects of one kind by id and by name
// without going through them: at 10,000 objects, the name check of a
// create going through every object was 80 % of the create's time.
type objIndex struct {
	byID   map[string]int    // id → position in the account's objects
	byName map[string]string // name → id
}

// lookup is the account's index, built on first use.
func (k *kind[T]) lookup(st *state, key string) *objIndex {
	c := k.coll(st)
	if ix := c.index[key]; ix != nil {
		return ix
	}
	objs := c.Accounts[key]
	ix := &objIndex{byID: make(map[string]int, len(objs)), byName: make(map[string]string, len(objs))}
	for i, obj := range objs {
		ix.byID[k.id(obj)] = i
		ix.byName[k.name(obj)] = k.id(obj)
	}
	c.index[key] = ix
	return ix
}

// reindex drops the account's index, to be built again on next use: after
// any change of its objects but those store makes.
func (k *kind[T]) reindex(st *state, key string) { delete(k.coll(st).index, key) }

// store puts obj at position i of the account's objects (i at their end
// appends it), keeping the index.
func (k *kind[T]) store(st *state, key string, i int, obj T) {
	c := k.coll(st)
	ix := k.lookup(st, key)
	objs := c.Accounts[key]
	if i == len(objs) {
		c.Accounts[key] = append(objs, obj)
	} else {
		old := objs[i]
		if ix.byName[k.name(old)] == k.id(old) {
			delete(ix.byName, k.name(old))
		}
		objs[i] = obj
	}
	ix.byID[k.id(obj)] = i
	ix.byName[k.name(obj)] = k.id(obj)
}

func (k *kind[T]) index(st *state, key, id string) int {
	if i, found := k.lookup(st, key).byID[id]; found {
		return i
	}
	return -1
}

// locate finds an id in the account of key, or, when key is "", in any
// account: the Go console methods take an id alone, and ids are unique
// across the sandbox.
func (k *kind[T]) locate(st *state, key, id string) (owner string, i int, found bool) {
	if key != "" {
		i := k.index(st, key, id)
		return key, i, i >= 0
	}
	for key := range k.coll(st).Accounts {
		if i := k.index(st, key, id); i >= 0 {
			return key, i, true
		}
	}
	return "", -1, false
}

// keys are the API keys that have objects of the kind.
func (k *kind[T]) keys(st *state) []string {
	var out []string
	for key, objs := range k.coll(st).Accounts {
		if len(objs) > 0 {
			out = append(out, key)
		}
	}
	return out
}

// forget drops the account's objects of the kind; undo puts them back.
func (k *kind[T]) forget(st *state, key string) (undo func()) {
	c := k.coll(st)
	before, had := c.Accounts[key]
	delete(c.Accounts, key)
	k.reindex(st, key)
	return func() {
		if had {
			c.Accounts[key] = before
		}
		k.reindex(st, key)
	}
}

func (k *kind[T]) nameTaken(st *state, key, name, except string) bool {
	id, taken := k.lookup(st, key).byName[name]
	return taken && id != except
}

func (k *kind[T]) list(st *state, key string) []T {
	out := clone(k.coll(st).Accounts[key])
	if out == nil {
		out = []T{} // answered as [], not null
	}
	slices.SortStableFunc(out, func(a, b T) int { return k.ids.compare(k.id(a), k.id(b)) })
	return out
}

// insert stores a validated object as a new one of the account.
func (k *kind[T]) insert(s *Server, a *account, obj T) (T, error) {
	var zero T
	key, now := a.key, s.nowLocked(a)
	if k.refs != nil {
		if detail := k.refs(s.state, key, obj); detail != "" {
			return zero, refuse(codeNotFound, "%s", detail)
		}
	}
	if k.nameTaken(s.state, key, k.name(obj), "") {
		return zero, k.nameClash(obj)
	}
	if k.keep != nil {
		k.keep(&obj, nil, now)
	}
	c := k.coll(s.state)
	// A failed save below burns the id; ids are never given out twice.
	k.setID(&obj, k.ids.next(&c.idState, a.idRNG))
	before := c.Accounts[key]
	// Undone by putting back the slice header: the element appended past
	// its length is harmless, and copying the slice on every create would
	// make a create's cost grow with the account.
	k.store(s.state, key, len(before), obj)
	if err := s.save(k.put(key, obj)); err != nil {
		c.Accounts[key] = before
		k.reindex(s.state, key)
		return zero, err
	}
	return clone(obj), nil
}

// replace stores a validated object in place of the account's object id:
// a full replacement, but for what keep carries over.
func (k *kind[T]) replace(s *Server, a *account, id string, obj T) (T, error) {
	var zero T
	key, now := a.key, s.nowLocked(a)
	i := k.index(s.state, key, id)
	if i < 0 {
		return zero, refuse(codeNotFound, "%s", k.missing(id))
	}
	// Keeping one's own name is no clash.
	if k.nameTaken(s.state, key, k.name(obj), id) {
		return zero, k.nameClash(obj)
	}
	objs := k.coll(s.state).Accounts[key]
	old := objs[i]
	k.setID(&obj, id)
	if k.keep != nil {
		k.keep(&obj, &old, now)
	}
	k.store(s.state, key, i, obj)
	if err := s.save(k.put(key, obj)); err != nil {
		k.store(s.state, key, i, old)
		return zero, err
	}
	return clone(obj), nil
}

// remove deletes an object of the account of key (any account when key is
// ""), which the vendor API cannot do: only the console can.
func (k *kind[T]) remove(s *Server, key, id string) error {
	key, i, found := k.locate(s.state, key, id)
	if !found {
		return k.notFound(id)
	}
	if k.users != nil {
		if who := k.users(s.state, key, id); who != "" {
			return fmt.Errorf("%w: %s %s %s", ErrInUse, k.one, k.ids.show(id), who)
		}
	}
	c := k.coll(s.state)
	before := c.Accounts[key]
	c.Accounts[key] = slices.Delete(slices.Clone(before), i, i+1)
	k.reindex(s.state, key)
	if err := s.save(record{Op: opDelete, Key: key, Kind: k.one, ID: id}); err != nil {
		c.Accounts[key] = before
		k.reindex(s.state, key)
		return err
	}
	return nil
}

// What the journal needs of a kind (journal.go): records named by k.one.

func (k *kind[T]) journalKind() string { return k.one }

func (k *kind[T]) put(key string, obj T) record {
	b, err := json.Marshal(obj)
	if err != nil {
		panic(fmt.Sprintf("sandbox: %T does not encode: %v", obj, err))
	}
	return record{Op: opPut, Key: key, Kind: k.one, ID: k.id(obj), Obj: b}
}

func (k *kind[T]) load(s *Server, a *account, rec record) error {
	c := k.coll(s.state)
	if rec.Op == opIDs {
		var ids idState
		if err := decodeExact(rec.Obj, &ids); err != nil {
			return err
		}
		// At least what the record says: the order of records does not
		// matter, and ids are never given out twice.
		c.NextID = max(c.NextID, ids.NextID)
		for id := range ids.UsedIDs {
			k.ids.note(&c.idState, id)
		}
		return nil
	}
	if a == nil {
		return errors.New("the record names no account (key)")
	}
	switch rec.Op {
	case opPut:
		var obj T
		if err := decodeExact(rec.Obj, &obj); err != nil {
			return err
		}
		if got := k.id(obj); got != rec.ID {
			return fmt.Errorf("the object's %s is %s", k.idField, k.ids.show(got))
		}
		k.ids.note(&c.idState, rec.ID)
		i := k.index(s.state, a.key, rec.ID)
		if i < 0 {
			i = len(c.Accounts[a.key])
		}
		k.store(s.state, a.key, i, obj)
	case opDelete:
		i := k.index(s.state, a.key, rec.ID)
		if i < 0 {
			return fmt.Errorf("the account has no such %s", k.one)
		}
		c.Accounts[a.key] = slices.Delete(c.Accounts[a.key], i, i+1)
		k.reindex(s.state, a.key)
	default:
		return fmt.Errorf("unknown operation %q", rec.Op)
	}
	return nil
}

func (k *kind[T]) snapshot(s *Server, emit func(record) error) error {
	c := k.coll(s.state)
	ids, err := json.Marshal(c.idState)
	if err != nil {
		return err
	}
	if err := emit(record{Op: opIDs, Kind: k.one, Obj: ids}); err != nil {
		return err
	}
	for _, key := range slices.Sorted(maps.Keys(c.Accounts)) {
		for _, obj := range c.Accounts[key] {
			if err := emit(k.put(key, obj)); err != nil {
				return err
			}
		}
	}
	return nil
}

func (k *kind[T]) nameClash(obj T) error {
	return refuse(codeExisting, "name %q is already used by another %s of this account", k.name(obj), k.one)
}

func (k *kind[T]) notFound(id string) error {
	return fmt.Errorf("%w: %s %s", ErrNotFound, k.one, k.ids.show(id))
}

// validate applies the API's rules to an object built in Go, by sending it
// through the parser the add route uses.
func (k *kind[T]) validate(obj T) (T, error) {
	body, err := json.Marshal(obj)
	if err != nil {
		return obj, err
	}
	valid, reason := k.parse(body, "")
	if reason != "" {
		return obj, fmt.Errorf("sandbox: invalid %s: %s", k.one, reason)
	}
	return valid, nil
}

// clone deep-copies through JSON, which every stored type round-trips by
// design: answers and Go callers never share memory with the store.
func clone[T any](v T) T {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("sandbox: %T does not encode: %v", v, err))
	}
	var c T
	if err := json.Unmarshal(b, &c); err != nil {
		panic(fmt.Sprintf("sandbox: %T does not decode: %v", v, err))
	}
	return c
}

// check is the consistency check of a loaded state file: what the
// sandbox could not have written itself is refused.
func (k *kind[T]) check(st *state) error {
	k.init(st)
	c := k.coll(st)
	seen := map[string]bool{}
	for key, objs := range c.Accounts {
		names := map[string]bool{}
		for _, obj := range objs {
			id, name := k.id(obj), k.name(obj)
			what := fmt.Sprintf("%s %s of key %s", k.one, k.ids.show(id), key)
			if why := k.ids.issued(&c.idState, id); why != "" {
				return fmt.Errorf("%s %s", what, why)
			}
			if seen[id] {
				return fmt.Errorf("%s appears twice", what)
			}
			if names[name] {
				return fmt.Errorf("%s has the name %q of another %s", what, name, k.one)
			}
			seen[id], names[name] = true, true
			if _, err := k.validate(obj); err != nil {
				return fmt.Errorf("%s: %w", what, err)
			}
			if k.refs != nil {
				if detail := k.refs(st, key, obj); detail != "" {
					return fmt.Errorf("%s: %s", what, detail)
				}
			}
		}
	}
	return nil
}
