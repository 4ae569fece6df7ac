package otp

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
)

// ErrNotFound is matched by errors.Is for a flow that does not exist,
// whichever way the API said so.
var ErrNotFound = errors.New("not found")

// NotFoundError reports a flow that is absent from the account, established
// from an answer other than -24 (an empty details answer or -22) and
// confirmed by the list.
type NotFoundError struct {
	Operation string
	ID        int64
	// Cause is the details answer that prompted the check, if it was an error.
	Cause error
}

func (e *NotFoundError) Error() string {
	msg := fmt.Sprintf("%s: task flow %d does not exist in the account (it is not in the flow list)", e.Operation, e.ID)
	if e.Cause != nil {
		msg += "; the details request answered: " + e.Cause.Error()
	}
	return msg
}

// Is makes errors.Is(err, ErrNotFound) true.
func (e *NotFoundError) Is(target error) bool { return target == ErrNotFound }

// IsNotFound reports whether err says the flow does not exist: a -24 answer,
// or an absence confirmed by the list.
func IsNotFound(err error) bool { return hasCode(err, CodeNotFound) || errors.Is(err, ErrNotFound) }

// UnconfirmedCreateError is a create that failed after its request may have
// reached the API, where looking the name up could not settle whether the
// flow was stored. The caller cannot know; a later create of the same name
// will tell (it answers name-taken with the flow's id).
type UnconfirmedCreateError struct {
	Name string
	Err  error
}

func (e *UnconfirmedCreateError) Error() string {
	return e.Err.Error() + "; the request may have created the flow before it failed, and looking its name up could not confirm either way"
}

func (e *UnconfirmedCreateError) Unwrap() error { return e.Err }

// CreateFlow creates a task flow (POST /flow/add).
//
// Creates are not idempotent and names are unique, so a create whose outcome
// is unknown (the connection broke, or a 5xx or -18 came back after the
// request was sent) is settled by looking the name up before retrying or
// giving up: a flow with that name and exactly the requested nodes is the one
// we created. A -20 on a first attempt is a real conflict and is returned
// with the id of the flow that holds the name.
func (c *Client) CreateFlow(ctx context.Context, in FlowInput) (Flow, error) {
	op := fmt.Sprintf("create task flow %q", in.Name)
	var adopted *Flow
	// mayHaveStored: some attempt may have stored the flow. unsettled: the
	// latest such attempt has not been checked against the list.
	mayHaveStored, unsettled := false, false
	hooks := &callHooks{afterFailure: func(ctx context.Context, attempt int, aerr *attemptError) (bool, error) {
		switch {
		case IsNameTaken(aerr.err):
			existing, found, err := c.FindFlowByName(ctx, in.Name)
			if err != nil || !found {
				return true, aerr.err
			}
			if mayHaveStored && existing.Matches(in) {
				adopted = &existing
				return true, nil
			}
			var apiErr *APIError
			if errors.As(aerr.err, &apiErr) {
				apiErr.ExistingFlowID = existing.ID
			}
			return true, aerr.err
		case aerr.maybeSent || hasCode(aerr.err, CodeSystemException):
			mayHaveStored, unsettled = true, true
			if !aerr.maybeSent {
				// -18 answered the request: retrying will tell (a stored flow
				// turns the retry into -20, settled above), so a list now
				// would be an extra call on the common path.
				return false, nil
			}
			existing, found, lookupErr := c.FindFlowByName(ctx, in.Name)
			switch {
			case lookupErr != nil:
				// Still unknown: a retry (or the error) will say more.
			case found && existing.Matches(in):
				c.log(ctx, "OTP API create answer was lost, but the flow was stored; adopting it",
					map[string]any{"flow_id": existing.ID, "attempt": attempt + 1})
				adopted = &existing
				return true, nil
			default:
				// Our flow is not there (the name is free, or held by a
				// different flow): the attempt stored nothing.
				unsettled = false
			}
		}
		// A failed lookup is not the call's error: the retry loop goes on.
		return false, nil //nolint:nilerr // see above
	}}
	env, err := c.do(ctx, call{op: op, method: http.MethodPost, path: "/flow/add", body: in}, hooks)
	if err != nil {
		if unsettled && !IsNameTaken(err) {
			return Flow{}, &UnconfirmedCreateError{Name: in.Name, Err: err}
		}
		return Flow{}, err
	}
	if adopted != nil {
		return *adopted, nil
	}
	f, ok, err := decodeFlow(env.Data)
	if err != nil {
		return Flow{}, fmt.Errorf("%s: %w", op, err)
	}
	if !ok || f.ID == 0 {
		// The answer did not say which id was assigned; the name is unique,
		// so the list can.
		existing, found, err := c.FindFlowByName(ctx, in.Name)
		if err != nil {
			return Flow{}, fmt.Errorf("%s: the answer carried no flow id, and looking it up failed: %w", op, err)
		}
		if !found {
			return Flow{}, fmt.Errorf("%s: the API reported success but the flow is not in the account's list", op)
		}
		return existing, nil
	}
	return f, nil
}

// UpdateFlow replaces a task flow's name and nodes (PUT /flow/update/{id}).
// PUT is a full replacement, so retrying it is safe.
func (c *Client) UpdateFlow(ctx context.Context, id int64, in FlowInput) (Flow, error) {
	op := fmt.Sprintf("update task flow %d", id)
	env, err := c.do(ctx, call{op: op, method: http.MethodPut, path: "/flow/update/" + strconv.FormatInt(id, 10), body: in}, nil)
	if err != nil {
		return Flow{}, err
	}
	f, ok, err := decodeFlow(env.Data)
	if err != nil {
		return Flow{}, fmt.Errorf("%s: %w", op, err)
	}
	if !ok {
		// Success without the object: the replacement is exactly the
		// input, with the server's default for channel cut.
		f = Flow{ID: id, Name: in.Name, Nodes: make([]Node, 0, len(in.Nodes))}
		for _, n := range in.Nodes {
			n.ChannelCut = Int(n.Cut())
			f.Nodes = append(f.Nodes, n)
		}
	}
	if f.ID == 0 {
		f.ID = id
	}
	return f, nil
}

// GetFlow reads one task flow (GET /flow/details/{id}).
//
// What the API answers for an unknown id is undocumented. -24 is taken as
// not found; an empty success, a -22 or a bare HTTP 404 is checked against
// the list, and only an id missing there is reported as not found
// (IsNotFound).
func (c *Client) GetFlow(ctx context.Context, id int64) (Flow, error) {
	op := fmt.Sprintf("read task flow %d", id)
	env, err := c.do(ctx, call{op: op, method: http.MethodGet, path: "/flow/details/" + strconv.FormatInt(id, 10)}, nil)
	if err != nil && !hasCode(err, CodeParameter) && !isHTTPNotFound(err) {
		return Flow{}, err
	}
	if err == nil {
		f, ok, derr := decodeFlow(env.Data)
		if derr != nil {
			return Flow{}, fmt.Errorf("%s: %w", op, derr)
		}
		if ok {
			if f.ID == 0 {
				f.ID = id
			}
			return f, nil
		}
	}
	flows, lerr := c.ListFlows(ctx)
	if lerr != nil {
		if err != nil {
			return Flow{}, err
		}
		return Flow{}, fmt.Errorf("%s: the answer was empty, and the list to confirm it failed: %w", op, lerr)
	}
	for _, f := range flows {
		if f.ID == id {
			return f, nil
		}
	}
	return Flow{}, &NotFoundError{Operation: op, ID: id, Cause: err}
}

// ListFlows returns every task flow of the account (GET /flow/list); the
// API has no paging.
func (c *Client) ListFlows(ctx context.Context) ([]Flow, error) {
	const op = "list task flows"
	env, err := c.do(ctx, call{op: op, method: http.MethodGet, path: "/flow/list"}, nil)
	if err != nil {
		return nil, err
	}
	flows, err := decodeFlows(env.Data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	return flows, nil
}

// FindFlowByName returns the flow with exactly that name, if any. Names are
// unique per account, and the list is the only way to search.
func (c *Client) FindFlowByName(ctx context.Context, name string) (Flow, bool, error) {
	flows, err := c.ListFlows(ctx)
	if err != nil {
		return Flow{}, false, err
	}
	for _, f := range flows {
		if f.Name == name {
			return f, true, nil
		}
	}
	return Flow{}, false, nil
}

// isHTTPNotFound reports an HTTP 404 without the vendor's envelope: a
// gateway's answer for a path it does not know, which may mean the id.
func isHTTPNotFound(err error) bool {
	var httpErr *HTTPError
	return errors.As(err, &httpErr) && httpErr.StatusCode == http.StatusNotFound
}
