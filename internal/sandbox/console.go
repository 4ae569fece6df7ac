package sandbox

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"slices"
)

// The console: what the vendor's web console can do and its API cannot
// (list every kind, add, edit and delete objects out of band), as Go
// methods and as control routes (kind_routes.go). Every kind's file wraps
// these in typed methods.

// ErrNotFound is returned (wrapped, naming the kind and id) by the Edit and
// Delete methods for an id no account has. One sentinel serves every kind:
// errors.Is(err, ErrNotFound).
var ErrNotFound = errors.New("sandbox: no such object")

// ErrInUse is returned (wrapped) by DeleteApp for an app that templates
// still use.
var ErrInUse = errors.New("sandbox: still in use")

// anyAccount is the key the Go console methods, which take an id alone,
// look an object up with: ids are unique across the sandbox.
const anyAccount = ""

// inAccount runs f under the lock of the account of key (any account that
// has id when key is anyAccount).
func (k *kind[T]) inAccount(s *Server, key, id string, f func(a *account) error) error {
	if key != anyAccount {
		a, err := s.account(key)
		if err != nil {
			return fmt.Errorf("sandbox: %w", err)
		}
		if !a.lock() {
			return errForgotten
		}
		defer a.mu.Unlock()
		return f(a)
	}
	for _, a := range s.sortedAccounts() {
		if !a.lock() {
			continue
		}
		if k.position(&a.objects, id) >= 0 {
			defer a.mu.Unlock()
			return f(a)
		}
		a.mu.Unlock()
	}
	return k.notFound(id)
}

func (k *kind[T]) all(s *Server, key string) []T {
	a := s.lookup(key)
	if a == nil || !a.lock() {
		return []T{}
	}
	defer a.mu.Unlock()
	return k.list(&a.objects)
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
	if err := decodeStrictBytes(raw, &typed); err != nil {
		return zero, err
	}
	obj, reason := k.parse(raw, "")
	if reason != "" {
		return zero, fmt.Errorf("sandbox: invalid %s: %s", k.one, reason)
	}
	return k.consoleInsert(s, key, obj)
}

func (k *kind[T]) consoleInsert(s *Server, key string, obj T) (T, error) {
	var out T
	err := k.inAccount(s, key, "", func(a *account) error {
		var err error
		out, err = k.insert(s, a, obj)
		return err
	})
	return out, err
}

// consoleEdit runs edit on a copy of an object of the account of key (of
// any account when key is anyAccount), under the account's lock, so that
// no other change comes in between; what edit cannot change (the id, the
// fixed fields) it is put back before validation.
func (k *kind[T]) consoleEdit(s *Server, key, id string, edit func(*T) error) (T, error) {
	var out T
	err := k.inAccount(s, key, id, func(a *account) error {
		old, found := k.find(&a.objects, id)
		if !found {
			return k.notFound(id)
		}
		next := clone(old)
		if err := edit(&next); err != nil {
			return err
		}
		k.setID(&next, id)
		if k.keep != nil {
			k.keep(&next, &old, a.clock.Signing())
		}
		valid, err := k.validate(next)
		if err != nil {
			return err
		}
		out, err = k.replace(s, a, id, valid)
		return err
	})
	return out, err
}

// consoleDelete deletes an object of the account of key (of any account
// when key is anyAccount).
func (k *kind[T]) consoleDelete(s *Server, key, id string) error {
	return k.inAccount(s, key, id, func(a *account) error { return k.remove(s, a, id) })
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
	if err := decodeStrictBytes(b, &next); err != nil {
		return err
	}
	*obj = next
	return nil
}

// consoleStatus is the HTTP status of a console failure.
func consoleStatus(err error) int {
	switch {
	case errors.Is(err, ErrNotFound):
		return http.StatusNotFound
	case errors.Is(err, ErrInUse):
		return http.StatusConflict
	case errors.Is(err, errNotSaved):
		return http.StatusInternalServerError
	case errors.Is(err, errForgotten):
		return http.StatusServiceUnavailable
	default:
		return http.StatusBadRequest
	}
}
