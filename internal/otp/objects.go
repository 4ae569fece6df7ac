package otp

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
)

// kind describes one kind of object (task flow, app, template) to the
// machinery every kind shares: create with settling, update, read with a
// confirmed "not found", list and find by name. A kind is one file that fills
// this in; nothing below knows which kind it serves.
type kind[T any] struct {
	noun string // "task flow": names the kind in errors
	path string // "/flow": the API's paths are path+"/add", path+"/update/{id}", …
	// listable: the API has path+"/list". Without it, lost creates cannot be
	// looked up and "not found" cannot be confirmed by a second source.
	listable bool
	// decode reads one object from an answer's data; ok is false when the
	// data carries no object.
	decode func(data json.RawMessage) (obj T, ok bool, err error)
	// decodeList reads a list answer.
	decodeList func(data json.RawMessage) ([]T, error)
	id         func(T) string    // "" when an answer carried none
	withID     func(T, string) T // the object with the id set
	name       func(T) string    // names are unique per kind and account
	same       func(stored, want T) bool
	// complete reports whether an object carries everything the server
	// assigns beyond the id (an app's createTime). nil: the id is all.
	complete   func(T) bool
	createBody func(in T) any
	updateBody func(id string, in T) any
}

// Objects is the API of one kind of object for one client. Get it from the
// client: c.Flows(), c.Apps(), c.Templates().
type Objects[T any] struct {
	c *Client
	k *kind[T]
}

// Listable reports whether the API can list every object of this kind.
func (o Objects[T]) Listable() bool { return o.k.listable }

// ID returns an object's id as a string.
func (o Objects[T]) ID(obj T) string { return o.k.id(obj) }

// Same reports whether an object of the account holds exactly what want
// asks for, as a create's settling and an adoption compare them.
func (o Objects[T]) Same(stored, want T) bool { return o.k.same(stored, want) }

// Name returns an object's name.
func (o Objects[T]) Name(obj T) string { return o.k.name(obj) }

// WithID returns obj with its id set: what a write stored, from its input.
func (o Objects[T]) WithID(obj T, id string) T { return o.k.withID(obj, id) }

func (o Objects[T]) idPath(verb, id string) string {
	return o.k.path + "/" + verb + "/" + url.PathEscape(id)
}

// Create creates an object (POST {path}/add).
//
// Creates are not idempotent and names are unique, so an attempt whose
// outcome is unknown (the connection broke, a 5xx or -18 came back after the
// request was sent) must not simply be repeated. For a listable kind the name
// is looked up first: an object with that name and exactly the requested
// content is the one the lost attempt stored. Otherwise the retry itself
// settles it: a -20 after a lost attempt means the object probably exists.
// An answer that does not say which id was assigned is settled the same way.
// Whenever the outcome stays unknown the error is an *UnconfirmedCreateError,
// never a plain failure, so the caller can tell the user how to adopt it.
func (o Objects[T]) Create(ctx context.Context, in T) (T, error) {
	k, name := o.k, o.k.name(in)
	op := fmt.Sprintf("create %s %q", k.noun, name)
	var zero T
	var adopted *T
	// mayHaveStored: some attempt may have stored the object. unsettled: the
	// latest such attempt has not been checked against the list.
	mayHaveStored, unsettled := false, false
	var lastLookupErr error
	looked := false // whether the latest unsettled attempt was looked up
	hooks := &callHooks{afterFailure: func(ctx context.Context, attempt int, aerr *attemptError) (bool, error) {
		switch {
		case IsNameTaken(aerr.err) && !mayHaveStored:
			// Nothing of ours can hold the name: a real conflict.
			return true, o.nameTaken(ctx, name, aerr.err)
		case IsNameTaken(aerr.err):
			found, err := o.settle(ctx, in, aerr.err, true)
			if found != nil {
				adopted = found
			}
			return true, err
		case aerr.maybeSent || hasCode(aerr.err, CodeSystemException):
			mayHaveStored, unsettled = true, true
			looked = aerr.maybeSent && k.listable
			if !looked {
				// -18 answered the request, or nothing can be looked up: the
				// retry tells (a stored object turns it into -20, settled
				// above), so a list now would be an extra call.
				return false, nil
			}
			existing, found, lookupErr := o.FindByName(ctx, name)
			switch {
			case lookupErr != nil:
				// Still unknown: a retry (or the final error) will say more.
				lastLookupErr = lookupErr
			case found && k.same(existing, in):
				o.c.logf(ctx, "OTP API create answer was lost, but the object was stored; adopting it",
					map[string]any{"kind": k.noun, "id": k.id(existing), "attempt": attempt + 1})
				adopted = &existing
				return true, nil
			default:
				// Ours is not there: the attempt stored nothing.
				unsettled, lastLookupErr = false, nil
			}
		}
		return false, nil
	}}
	env, err := o.c.do(ctx, call{op: op, method: http.MethodPost, path: k.path + "/add", body: k.createBody(in)}, hooks)
	switch {
	case adopted != nil:
		return *adopted, nil
	case err != nil && unsettled && !isVerdict(err):
		// The retries ran out while an attempt may have stored the object
		// (after a -18, nothing looked yet): one last look before saying so.
		if k.listable && !looked {
			existing, found, lookupErr := o.FindByName(ctx, name)
			switch {
			case lookupErr != nil:
				lastLookupErr = lookupErr
			case found && k.same(existing, in):
				return existing, nil
			case found:
				return zero, &NameTakenError{Kind: k.noun, Name: name, HolderID: k.id(existing), Err: err, holder: existing}
			default:
				return zero, err // nothing was stored
			}
		}
		return zero, &UnconfirmedCreateError{Kind: k.noun, Name: name, Listable: k.listable, LookupErr: lastLookupErr, Err: err}
	case err != nil:
		return zero, err
	}
	obj, ok, derr := k.decode(env.Data)
	if derr != nil || !ok || k.id(obj) == "" {
		// Success without a usable id: the object exists, but which is it?
		var cause error = &DecodeError{Operation: op, Err: errors.New("the API reported success, but its answer did not say which id was assigned")}
		if derr != nil {
			cause = &DecodeError{Operation: op, Err: fmt.Errorf("the API reported success, but its answer could not be read: %w", derr)}
		}
		found, serr := o.settle(ctx, in, cause, true)
		if found != nil {
			return *found, nil
		}
		return zero, serr
	}
	if k.name(obj) == "" {
		// Only the id came back: the object is what was sent, plus the id.
		obj = k.withID(in, k.id(obj))
	}
	if k.complete != nil && !k.complete(obj) {
		// The answer lacks what only the server knows; one read fills it.
		if full, gerr := o.Get(ctx, k.id(obj)); gerr == nil {
			return full, nil
		}
		o.c.logf(ctx, "OTP API create answer was incomplete and reading the object failed; the next refresh completes it",
			map[string]any{"kind": k.noun, "id": k.id(obj)})
	}
	return obj, nil
}

// settle decides what a create whose own answer cannot tell us did, from the
// list: our object (same name and content) is returned; another object of
// that name is a conflict; anything else stays unconfirmed. exists says the
// API has already told us that an object of that name exists.
func (o Objects[T]) settle(ctx context.Context, in T, cause error, exists bool) (*T, error) {
	k, name := o.k, o.k.name(in)
	unconfirmed := &UnconfirmedCreateError{Kind: k.noun, Name: name, Listable: k.listable, Exists: exists, Err: cause}
	if !k.listable {
		return nil, unconfirmed
	}
	existing, found, err := o.FindByName(ctx, name)
	switch {
	case err != nil:
		unconfirmed.LookupErr = err
		return nil, unconfirmed
	case found && k.same(existing, in):
		o.c.logf(ctx, "OTP API create outcome settled from the list", map[string]any{"kind": k.noun, "id": k.id(existing)})
		return &existing, nil
	case found:
		return nil, &NameTakenError{Kind: k.noun, Name: name, HolderID: k.id(existing), Err: cause, holder: existing}
	}
	return nil, unconfirmed
}

// nameTaken builds the error of a name held by another object, naming the
// holder when the kind can be listed.
func (o Objects[T]) nameTaken(ctx context.Context, name string, err error) error {
	nt := &NameTakenError{Kind: o.k.noun, Name: name, Err: err}
	if o.k.listable {
		// One lookup on this error path turns "some object" into one the
		// user can find; it costs nothing when writes succeed.
		if holder, found, lerr := o.FindByName(ctx, name); lerr == nil && found {
			nt.HolderID, nt.holder = o.k.id(holder), holder
		}
	}
	return nt
}

// Update replaces an object (PUT {path}/update/{id}): a full replacement, so
// retrying it is safe. When an attempt may have been applied although its
// answer was lost, a retry that answers -20 most likely met the object's own
// new name: the object is read back, and if it holds exactly the input the
// update is done.
func (o Objects[T]) Update(ctx context.Context, id string, in T) (T, error) {
	k := o.k
	op := fmt.Sprintf("update %s %s", k.noun, id)
	want := k.withID(in, id)
	var zero T
	var confirmed *T
	mayHaveApplied := false
	hooks := &callHooks{afterFailure: func(ctx context.Context, _ int, aerr *attemptError) (bool, error) {
		switch {
		case IsNameTaken(aerr.err) && mayHaveApplied:
			// The object holding its new name means the lost attempt was
			// applied; any other difference shows in the next refresh.
			if cur, err := o.Get(ctx, id); err == nil && k.name(cur) == k.name(want) {
				confirmed = &cur
				return true, nil
			}
			return true, o.nameTaken(ctx, k.name(in), aerr.err)
		case IsNameTaken(aerr.err):
			return true, o.nameTaken(ctx, k.name(in), aerr.err)
		case aerr.maybeSent || hasCode(aerr.err, CodeSystemException):
			mayHaveApplied = true
		}
		return false, nil
	}}
	env, err := o.c.do(ctx, call{op: op, method: http.MethodPut, path: o.idPath("update", id), body: k.updateBody(id, in)}, hooks)
	switch {
	case confirmed != nil:
		return *confirmed, nil
	case err != nil:
		return zero, err
	}
	obj, ok, derr := k.decode(env.Data)
	if derr != nil || !ok {
		// The status said the replacement was stored; it is the input.
		if derr != nil {
			o.c.logf(ctx, "OTP API update answer could not be read; the update succeeded and the input is what was stored",
				map[string]any{"kind": k.noun, "id": id, "error": derr.Error()})
		}
		return want, nil
	}
	if k.name(obj) == "" {
		return want, nil
	}
	if k.id(obj) == "" {
		obj = k.withID(obj, id)
	}
	return obj, nil
}

// Get reads one object (GET {path}/details/{id}). What the API answers for
// an unknown id is undocumented: -24 is taken as not found; an empty success,
// a -22 or a bare HTTP 404 is confirmed against the list, and only an id
// missing there is reported as not found (IsNotFound). A kind without a list
// takes an empty success as not found and reports -22 and 404 as errors.
func (o Objects[T]) Get(ctx context.Context, id string) (T, error) {
	return o.GetConfirmedBy(ctx, id, o.List)
}

// GetConfirmedBy is Get with the list used for confirmation supplied by the
// caller, so that a caller that already holds a current list (a refresh
// served from one list) pays no second list call.
func (o Objects[T]) GetConfirmedBy(ctx context.Context, id string, list func(context.Context) ([]T, error)) (T, error) {
	k := o.k
	op := fmt.Sprintf("read %s %s", k.noun, id)
	var zero T
	env, err := o.c.do(ctx, call{op: op, method: http.MethodGet, path: o.idPath("details", id)}, nil)
	ambiguous := hasCode(err, CodeParameter) || isHTTPNotFound(err)
	switch {
	case hasCode(err, CodeNotFound):
		return zero, &NotFoundError{Kind: k.noun, ID: id, Cause: err}
	case err != nil && (!ambiguous || !k.listable):
		return zero, err
	case err == nil:
		obj, ok, derr := k.decode(env.Data)
		if derr != nil {
			return zero, &DecodeError{Operation: op, Err: derr}
		}
		if ok {
			if k.id(obj) == "" {
				obj = k.withID(obj, id)
			}
			return obj, nil
		}
		if !k.listable {
			return zero, &NotFoundError{Kind: k.noun, ID: id, Cause: errors.New("the details answer was empty")}
		}
	}
	objs, lerr := list(ctx)
	if lerr != nil {
		if err != nil {
			return zero, err
		}
		return zero, fmt.Errorf("%s: the answer was empty, and the list to confirm it failed: %w", op, lerr)
	}
	for _, obj := range objs {
		if k.id(obj) == id {
			return obj, nil
		}
	}
	return zero, &NotFoundError{Kind: k.noun, ID: id, Listed: true, Cause: err}
}

// List returns every object of the kind (GET {path}/list); the API has no
// paging. A kind without a list answers ErrNoList without a request.
func (o Objects[T]) List(ctx context.Context) ([]T, error) {
	k := o.k
	if !k.listable {
		return nil, fmt.Errorf("list %ss: %w", k.noun, ErrNoList)
	}
	op := "list " + k.noun + "s"
	env, err := o.c.do(ctx, call{op: op, method: http.MethodGet, path: k.path + "/list"}, nil)
	if err != nil {
		return nil, err
	}
	objs, err := k.decodeList(env.Data)
	if err != nil {
		return nil, &DecodeError{Operation: op, Err: err}
	}
	return objs, nil
}

// FindByName returns the object with exactly that name, if any, from a
// fresh list: names are unique per kind and account, and the list is the
// only way to search.
func (o Objects[T]) FindByName(ctx context.Context, name string) (T, bool, error) {
	objs, err := o.List(ctx)
	if err != nil {
		var zero T
		return zero, false, err
	}
	obj, found := o.Named(objs, name)
	return obj, found, nil
}

// Holder returns the object that holds the name a *NameTakenError is about,
// as the lookup that named it found it (listable kinds only).
func (o Objects[T]) Holder(err error) (T, bool) {
	var nt *NameTakenError
	if errors.As(err, &nt) {
		if obj, ok := nt.holder.(T); ok {
			return obj, true
		}
	}
	var zero T
	return zero, false
}

// Named picks the object with exactly that name from a list.
func (o Objects[T]) Named(objs []T, name string) (T, bool) {
	for _, obj := range objs {
		if o.k.name(obj) == name {
			return obj, true
		}
	}
	var zero T
	return zero, false
}

// isVerdict reports an error that settles a create by itself: the name is
// taken by someone else, or the outcome was already classified.
func isVerdict(err error) bool {
	var unconfirmed *UnconfirmedCreateError
	return IsNameTaken(err) || errors.As(err, &unconfirmed)
}

// isHTTPNotFound reports an HTTP 404 without the vendor's envelope: a
// gateway's answer for a path it does not know, which may mean the id.
func isHTTPNotFound(err error) bool {
	var httpErr *HTTPError
	return errors.As(err, &httpErr) && httpErr.StatusCode == http.StatusNotFound
}
