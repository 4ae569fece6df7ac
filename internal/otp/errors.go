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
	// ExistingFlowID is set on a name-taken create: the id of the flow that
	// holds the name, so the caller can offer to adopt it.
	ExistingFlowID int64
}

func (e *APIError) Error() string {
	msg := fmt.Sprintf("%s: the OTP API answered status %s (%q)", e.Operation, e.Code, e.Reason)
	if e.ExistingFlowID != 0 {
		msg += fmt.Sprintf("; the name belongs to flow %d", e.ExistingFlowID)
	}
	return msg + ": " + Advice(e.Code)
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
	space := false
	n := 0
	for len(body) > 0 && n < snippetLimit {
		r, size := utf8.DecodeRune(body)
		body = body[size:]
		switch {
		case r == utf8.RuneError && size <= 1:
			r = '?'
		case unicode.IsSpace(r):
			space = b.Len() > 0
			continue
		case !unicode.IsPrint(r):
			r = '?'
		}
		if space {
			b.WriteByte(' ')
			n++
			space = false
		}
		b.WriteRune(r)
		n++
	}
	if len(body) > 0 {
		b.WriteString("…")
	}
	return b.String()
}
