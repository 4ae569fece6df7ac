package otp

import (
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Status codes of the vendor's global table that the client gives meaning to.
const (
	CodeSuccess          = "0"
	CodeAuth             = "-1"
	CodeIPRestricted     = "-2"
	CodeTimestampExpired = "-16"
	CodeSystemException  = "-18"
	CodeDataExisting     = "-20"
	CodeValidation       = "-21"
	CodeParameter        = "-22"
	CodeDataCaps         = "-23"
	CodeNotFound         = "-24"
)

// APIError is an answer whose envelope carried a status other than "0".
type APIError struct {
	// Operation names what was attempted, e.g. "update task flow 10001".
	Operation string
	// Code is the vendor's status code as sent, e.g. "-24".
	Code string
	// Reason is the vendor's own text for the code.
	Reason string
	// HTTPStatus is the HTTP status the answer came with (normally 200).
	HTTPStatus int
	// NotSent is true when the request was not sent at all, because the
	// API had already refused the credentials (-1) or the address (-2) on
	// an earlier request of the same client.
	NotSent bool
}

func (e *APIError) Error() string {
	advice := Advice(e.Code)
	if e.Code == CodeNotFound && strings.HasPrefix(e.Operation, "create ") {
		// Nothing existed to be removed: what is missing is what the new
		// object refers to.
		advice = "something the new object refers to does not exist (for a template, its app)"
	}
	if e.NotSent {
		return fmt.Sprintf("%s: not sent, since the OTP API answered an earlier request with status %s (%q): %s", e.Operation, e.Code, e.Reason, advice)
	}
	return fmt.Sprintf("%s: the OTP API answered status %s (%q): %s", e.Operation, e.Code, e.Reason, advice)
}

// Advice says what a user should do about a status code, following the
// vendor's table.
func Advice(code string) string {
	switch code {
	case CodeAuth:
		return "authentication failed; check the API key and API secret"
	case CodeIPRestricted:
		return "this machine's IP address is not on the account's IP allow-list; add it in the vendor console"
	case CodeTimestampExpired:
		return "the request timestamp was rejected as expired; check that this machine's clock is correct (NTP)"
	case CodeSystemException:
		return "the vendor reported a system exception; this is usually transient, try again later"
	case CodeDataExisting:
		return "the name is already taken in this account; choose another name or adopt the existing object"
	case CodeValidation, CodeParameter:
		return "the request was rejected as invalid; correct the value the reason names"
	case CodeDataCaps:
		return "an account limit was reached; remove unused objects in the vendor console or ask the vendor to raise the limit"
	case CodeNotFound:
		return "the object does not exist; it may have been removed in the vendor console"
	}
	return "see the status code table of the OTP API documentation"
}

// DecodeError is a success answer whose data is not shaped as documented:
// the request worked, but what came back cannot be used.
type DecodeError struct {
	Operation string
	Err       error
}

func (e *DecodeError) Error() string {
	return fmt.Sprintf("%s: the OTP API's answer is not shaped as documented: %s", e.Operation, e.Err)
}

func (e *DecodeError) Unwrap() error { return e.Err }

// HTTPError is an answer that was not a JSON envelope: an HTTP error status,
// or a body from something in front of the API (a proxy's HTML page).
type HTTPError struct {
	Operation  string
	StatusCode int
	// Snippet is a short, printable excerpt of the body.
	Snippet string
}

func (e *HTTPError) Error() string {
	body := e.Snippet
	if body == "" {
		body = "empty body"
	}
	return fmt.Sprintf("%s: unexpected answer from the OTP API: HTTP %d: %s", e.Operation, e.StatusCode, body)
}

// ErrNotFound is matched by errors.Is for an object that does not exist,
// whichever way the API said so.
var ErrNotFound = errors.New("not found")

// ErrNoList is returned, without a request, when a kind has no list endpoint
// (apps).
var ErrNoList = errors.New("the OTP API has no list of this kind")

// NotFoundError reports an object absent from the account: a -24 answer, an
// ambiguous answer (empty, -22, HTTP 404) confirmed by the list, or, for a
// kind without a list, an empty answer.
type NotFoundError struct {
	Kind string // "task flow"
	ID   string
	// Listed is true when the list confirmed the absence.
	Listed bool
	// Cause is the details answer that said so, if it was an error.
	Cause error
}

func (e *NotFoundError) Error() string {
	msg := fmt.Sprintf("%s %s does not exist in the account", e.Kind, e.ID)
	if e.Listed {
		msg += " (it is not in the list either)"
	}
	if e.Cause != nil {
		msg += "; the API answered: " + e.Cause.Error()
	}
	return msg
}

// Is makes errors.Is(err, ErrNotFound) true.
func (e *NotFoundError) Is(target error) bool { return target == ErrNotFound }

// IsNotFound reports whether err says the object does not exist.
func IsNotFound(err error) bool { return hasCode(err, CodeNotFound) || errors.Is(err, ErrNotFound) }

// NameTakenError is a create or rename refused because another object of the
// same kind holds the name (-20).
type NameTakenError struct {
	Kind string
	Name string
	// HolderID is the id of the object that holds the name, when the kind
	// can be listed and the lookup succeeded; "" otherwise.
	HolderID string
	Err      error
	// holder is that object, as the lookup found it (Objects.Holder).
	holder any
}

func (e *NameTakenError) Error() string {
	if e.HolderID != "" {
		return fmt.Sprintf("%s; the name %q belongs to %s %s", e.Err, e.Name, e.Kind, e.HolderID)
	}
	return e.Err.Error()
}

func (e *NameTakenError) Unwrap() error { return e.Err }

// UnconfirmedCreateError is a create whose outcome could not be settled: an
// attempt may have stored the object (its answer was lost, or the answer did
// not say which id was assigned), and neither a retry nor the list could say
// which. The caller must not pretend nothing happened.
type UnconfirmedCreateError struct {
	Kind string
	Name string
	// Listable says the kind can be found by name (import by name works).
	Listable bool
	// Exists is true when the API said an object of that name exists (a
	// retry answered -20, or the create reported success): most likely the
	// one this create made.
	Exists bool
	// LookupErr is why the list could not settle it, when it was tried.
	LookupErr error
	Err       error
}

func (e *UnconfirmedCreateError) Error() string {
	msg := e.Err.Error()
	if e.Exists {
		msg += fmt.Sprintf("; %s named %q exists, most likely created by an attempt whose answer was lost", withArticle(e.Kind), e.Name)
	} else {
		msg += fmt.Sprintf("; the request may have created the %s before it failed", e.Kind)
	}
	switch {
	case e.LookupErr != nil:
		msg += ", and looking its name up failed: " + e.LookupErr.Error()
	case !e.Listable:
		msg += ", and the API has no list to look it up in"
	}
	return msg
}

func (e *UnconfirmedCreateError) Unwrap() error { return e.Err }

// withArticle puts "a" or "an" before a kind's noun ("an app").
func withArticle(noun string) string {
	if noun != "" && strings.ContainsRune("aeiou", rune(noun[0])) {
		return "an " + noun
	}
	return "a " + noun
}

func hasCode(err error, code string) bool {
	var apiErr *APIError
	return errors.As(err, &apiErr) && apiErr.Code == code
}

// IsNameTaken reports whether err says the name is already used (-20).
func IsNameTaken(err error) bool { return hasCode(err, CodeDataExisting) }

// IsAuth reports whether err is an authentication failure (-1).
func IsAuth(err error) bool { return hasCode(err, CodeAuth) }

// IsIPRestricted reports whether err is an IP allow-list refusal (-2).
func IsIPRestricted(err error) bool { return hasCode(err, CodeIPRestricted) }

// IsTimestampExpired reports whether err is an expired-timestamp refusal (-16).
func IsTimestampExpired(err error) bool { return hasCode(err, CodeTimestampExpired) }

// snippetLimit keeps error messages readable when a proxy sends a whole page.
const snippetLimit = 160

// snippet turns arbitrary bytes into a short single line that is safe to
// print: invalid UTF-8 and control characters are replaced, whitespace runs
// are folded, and the result is cut at snippetLimit runes.
func snippet(body []byte) string {
	var b strings.Builder
	space, cut := false, false
	n := 0
	for len(body) > 0 {
		r, size := utf8.DecodeRune(body)
		switch {
		case r == utf8.RuneError && size <= 1:
			r = '?'
		case unicode.IsSpace(r):
			body = body[size:]
			space = b.Len() > 0
			continue
		case !unicode.IsPrint(r):
			r = '?'
		}
		// A pending space and the rune must both fit within the limit.
		need := 1
		if space {
			need = 2
		}
		if n+need > snippetLimit {
			cut = true
			break
		}
		body = body[size:]
		if space {
			b.WriteByte(' ')
			space = false
		}
		b.WriteRune(r)
		n += need
	}
	if cut {
		b.WriteString("…")
	}
	return b.String()
}
