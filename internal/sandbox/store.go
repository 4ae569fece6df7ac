package sandbox

import (
	"encoding/json"
	"fmt"
	"slices"
	"time"
)

// An account's objects (task flows, apps, templates), and everything the
// three kinds share: one list per kind with its index by id and name, the
// creates, updates and deletes that keep the list, the index and the
// journal together. Each kind's file fills in a kind[T] with only what the
// vendor documents differently for it.

// kind is everything that differs between flows, apps and templates. The
// routes, the store, the faults and the control surface are written once
// against it; each kind's file fills one in.
type kind[T any] struct {
	one, many string   // "flow" as in /flow/add; "flows" as in /_sandbox/flows and the state file
	idField   string   // the id's API field name, for reasons: "flowId"
	ids       idScheme // how ids are made and read
	// routes are the vendor routes the kind has, of those every kind
	// could: apps have no list.
	routes []op
	// fixed lists the API fields, besides the id, that no update changes
	// (keep carries them over); the console's PATCH refuses them rather
	// than ignore them silently.
	fixed []string
	// fields documents the add body's fields (all of T's but the id) for
	// the reference; a test holds it to T's JSON fields.
	fields []Field
	// usedBy names what users (below) looks for, for the reference:
	// "templates".
	usedBy string
	// updateID says an update's body carries the id too, as the path has
	// it (apps).
	updateID bool

	of    func(*objects) *list[T]
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
	refs func(o *objects, obj T) string
	// users says what still points to an object, which then stays.
	users func(o *objects, id string) string
}

// anyKind lets the server loop over kinds of different types.
type anyKind interface {
	journalKind() string
	load(s *Server, a *account, rec record) error
	snapshot(o *objects, key string) []record
	check(s *Server, a *account) error
	vendorRoutes() []route
	consoleRoutes() []route
	idScheme() idScheme
	// What an export needs (export.go).
	exportName() string
	exportJSON(o *objects) []byte
	idsIn(o *objects) []string
	holds(o *objects, id string) bool
}

var kinds = []anyKind{flowKind, appKind, templateKind}

// objects are an account's objects of every kind.
type objects struct {
	flows     list[Flow]
	apps      list[App]
	templates list[Template]
}

func newObjects() objects { return objects{} }

// clone copies the lists, for a snapshot: objects are replaced, never
// changed in place, so the copies share nothing that changes.
func (o *objects) clone() objects {
	return objects{flows: o.flows.clone(), apps: o.apps.clone(), templates: o.templates.clone()}
}

// list is an account's objects of one kind, in creation order, with an
// index by id and by name: at 10,000 objects, the name check of a create
// going through every object was 80 % of the create's time.
type list[T any] struct {
	objs   []T
	byID   map[string]int    // id → position in objs; nil until first used
	byName map[string]string // name → id
}

func (l *list[T]) clone() list[T] { return list[T]{objs: slices.Clone(l.objs)} }

// index is the list's index, built on first use.
func (k *kind[T]) index(l *list[T]) *list[T] {
	if l.byID == nil {
		l.byID, l.byName = make(map[string]int, len(l.objs)), make(map[string]string, len(l.objs))
		for i, obj := range l.objs {
			l.byID[k.id(obj)] = i
			l.byName[k.name(obj)] = k.id(obj)
		}
	}
	return l
}

// reindex drops the index, to be built again on next use: after any
// change of the list but those put makes.
func (l *list[T]) reindex() { l.byID, l.byName = nil, nil }

// put places obj at position i of the list (i at its end appends it),
// keeping the index.
func (k *kind[T]) put(l *list[T], i int, obj T) {
	k.index(l)
	if i == len(l.objs) {
		l.objs = append(l.objs, obj)
	} else {
		old := l.objs[i]
		if l.byName[k.name(old)] == k.id(old) {
			delete(l.byName, k.name(old))
		}
		l.objs[i] = obj
	}
	l.byID[k.id(obj)] = i
	l.byName[k.name(obj)] = k.id(obj)
}

// position is where id is in the account's list, or -1.
func (k *kind[T]) position(o *objects, id string) int {
	if i, found := k.index(k.of(o)).byID[id]; found {
		return i
	}
	return -1
}

// find is the account's object of id.
func (k *kind[T]) find(o *objects, id string) (T, bool) {
	var zero T
	i := k.position(o, id)
	if i < 0 {
		return zero, false
	}
	return k.of(o).objs[i], true
}

func (k *kind[T]) nameTaken(o *objects, name, except string) bool {
	id, taken := k.index(k.of(o)).byName[name]
	return taken && id != except
}

func (k *kind[T]) list(o *objects) []T {
	out := clone(k.of(o).objs)
	if out == nil {
		out = []T{} // answered as [], not null
	}
	slices.SortStableFunc(out, func(a, b T) int { return k.ids.compare(k.id(a), k.id(b)) })
	return out
}

func (k *kind[T]) missing(id string) string {
	return fmt.Sprintf("%s %s does not exist", k.idField, k.ids.show(id))
}

// The store's changes; the caller holds the account's lock. Each is made
// in memory, saved, and undone when the save fails.

// insert stores a validated object as a new one of the account.
func (k *kind[T]) insert(s *Server, a *account, obj T) (T, error) {
	var zero T
	o := &a.objects
	if k.refs != nil {
		if detail := k.refs(o, obj); detail != "" {
			return zero, refuse(codeNotFound, "%s", detail)
		}
	}
	if k.nameTaken(o, k.name(obj), "") {
		return zero, k.nameClash(obj)
	}
	if k.keep != nil {
		k.keep(&obj, nil, a.clock.Signing())
	}
	// A failed save below burns the id; ids are never given out twice.
	k.setID(&obj, s.nextID(k.one, k.ids, a.faults.idRNG))
	l := k.of(o)
	before := l.objs
	// Undone by putting back the slice header: the element appended past
	// its length is harmless, and copying the slice on every create would
	// make a create's cost grow with the account.
	k.put(l, len(before), obj)
	if err := s.save(a, k.putRecord(a.key, obj)); err != nil {
		l.objs = before
		l.reindex()
		return zero, err
	}
	return clone(obj), nil
}

// replace stores a validated object in place of the account's object id:
// a full replacement, but for what keep carries over.
func (k *kind[T]) replace(s *Server, a *account, id string, obj T) (T, error) {
	var zero T
	o := &a.objects
	i := k.position(o, id)
	if i < 0 {
		return zero, refuse(codeNotFound, "%s", k.missing(id))
	}
	// Keeping one's own name is no clash.
	if k.nameTaken(o, k.name(obj), id) {
		return zero, k.nameClash(obj)
	}
	l := k.of(o)
	old := l.objs[i]
	k.setID(&obj, id)
	if k.keep != nil {
		k.keep(&obj, &old, a.clock.Signing())
	}
	k.put(l, i, obj)
	if err := s.save(a, k.putRecord(a.key, obj)); err != nil {
		k.put(l, i, old)
		return zero, err
	}
	return clone(obj), nil
}

// remove deletes an object of the account, which the vendor API cannot
// do: only the console can.
func (k *kind[T]) remove(s *Server, a *account, id string) error {
	o := &a.objects
	i := k.position(o, id)
	if i < 0 {
		return k.notFound(id)
	}
	if k.users != nil {
		if who := k.users(o, id); who != "" {
			return fmt.Errorf("%w: %s %s %s", ErrInUse, k.one, k.ids.show(id), who)
		}
	}
	l := k.of(o)
	before := l.objs
	l.objs = slices.Delete(slices.Clone(before), i, i+1)
	l.reindex()
	if err := s.save(a, record{Op: opDelete, Key: a.key, Kind: k.one, ID: id}); err != nil {
		l.objs = before
		l.reindex()
		return err
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
