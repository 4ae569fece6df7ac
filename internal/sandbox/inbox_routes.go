package sandbox

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/itniotech/terraform-provider-otp/internal/sandbox/engine"
)

// The control routes the web inbox reads (inbox.go serves the page): one
// account's messages with their verifications' states and what happens
// next, waiting for the next change; and the accounts the page's
// credentials reach, for its switcher. Like every control route, they
// take the control token or an account's own signature, and a scripted
// test can read them as well as the page.

// Bounds of ?limit= on the inbox: a page shows the newest messages, never
// the whole retention at every change.
const (
	defaultInboxLimit = 100
	maxInboxLimit     = 1000
)

// inboxAnswer is what GET /_sandbox/inbox answers.
type inboxAnswer struct {
	engine.Inbox
	OffsetSeconds int64 `json:"offsetSeconds"`
}

// accountEntry is an account as GET /_sandbox/accounts lists it.
type accountEntry struct {
	Key string `json:"key"`
	// Origin is "configured" (named at start), "opened" (a key signed with
	// the shared secret of open accounts) or "state file" (only the state
	// file knows it: no request can sign in as it).
	Origin string `json:"origin"`
}

func (a *account) entry() accountEntry {
	switch {
	case a.configured:
		return accountEntry{a.key, "configured"}
	case a.secret == "":
		return accountEntry{a.key, "state file"}
	default:
		return accountEntry{a.key, "opened"}
	}
}

// inboxRoutes are the control routes of the web inbox.
func inboxRoutes() []route {
	routes := []route{
		{Route: Route{
			Method: "GET", Path: "/_sandbox/inbox",
			Does: "What the web inbox shows of the account: its newest messages first, each as GET /_sandbox/messages gives it, with " +
				`"doneAt" (when its outcome is, or was, known: a number's delay) and its verification's "verification": {"state": ` +
				`"waiting", "wrongCode" (a wrong code was tried, none right yet), "checked", "expired" or "replaced" (by a resend), ` +
				`"expiresAt", "verifiedAt", "replacedBy", "resendOf" (null when none), and "nextStep", the flow step it waits for ` +
				`(null when none): {"step", "steps", "dueAt" (the sandbox's clock), "channel" it would send by, "trigger" ` +
				`("failed": the node's status 1; "unchecked": status 2), "willSend" (whether its trigger holds when it falls due ` +
				`and the code has not expired by then, if nothing else happens first)}}; and "fixedCodes", the account's numbers ` +
				`that have a fixed code, with the code, whatever the parameters. Flow steps that fell due run first.`,
			Params: append(slices.Clone(filterParams),
				field("?limit=", TypeInteger).between(1, maxInboxLimit).def(defaultInboxLimit).means("the most messages to answer (total counts them all)"),
				field("?since=", TypeString).means("a version an earlier answer gave: with wait, hold the request until the account changes"),
				field("?wait=", TypeNumber).between(0, maxWaitSeconds).means("seconds: with since, while the version is still since, hold the request "+
					"until the account saves a change (a send, a check, a flow step falling due, a purge, an advance, a reset, an import) or the time "+
					"is up, then answer what there is; a sandbox that stops answers at once")),
			Replies: []Reply{
				replies(http.StatusOK, `{"version": "<opaque: pass it as since>", "now": "<the sandbox's clock, RFC 3339, UTC>", "offsetSeconds": <seconds>, `+
					`"total": <messages the parameters select>, "nextStepAt": "<the account's next flow step, whatever the parameters>" or null, `+
					`"fixedCodes": {"<to>": "<code>"}, "messages": […]}`,
					inboxAnswer{}),
				replies(http.StatusBadRequest, "for a bad parameter", nil),
			},
		}, control: func(s *Server, c call) {
			f, wait, ok := messageParams(c)
			if !ok {
				return
			}
			limit, err := limitParam(c.r)
			if err != nil {
				controlError(c.w, http.StatusBadRequest, err)
				return
			}
			since := c.r.URL.Query().Get("since")
			var ans inboxAnswer
			err = s.waitFor(c.r.Context(), c.a, wait, func(a *account) (bool, error) {
				view, err := a.svc.Inbox(a.config(), f, limit)
				ans = inboxAnswer{Inbox: view, OffsetSeconds: int64(a.clock.Offset() / time.Second)}
				return since == "" || view.Version != since, err
			})
			if err != nil {
				controlError(c.w, consoleStatus(err), err)
				return
			}
			controlJSON(c.w, http.StatusOK, ans)
		}},
		{Route: Route{
			Method: "GET", Path: "/_sandbox/accounts", AllAccounts: true,
			Does: "The accounts the request's credentials reach, by key: with the control token, every account of the sandbox " +
				"(no ?key= needed; with ?key=, that one); signed with an account's key and secret, that account alone. " +
				`Each: {"key", "origin": "configured" (named at start), "opened" (by open accounts) or "state file" ` +
				`(only the state file knows it: nobody can sign in as it)}. Without ?key=, the list opens no account and keeps none from going idle.`,
			Replies: []Reply{replies(http.StatusOK, "a JSON array of accounts, sorted by key ([] when none)", []accountEntry{})},
		}, control: func(s *Server, c call) {
			out := []accountEntry{}
			if c.a != nil {
				out = append(out, c.a.entry())
			} else {
				for _, a := range s.sortedAccounts() {
					out = append(out, a.entry())
				}
			}
			controlJSON(c.w, http.StatusOK, out)
		}},
	}
	for i := range routes {
		routes[i].Auth = AuthControl
	}
	return routes
}

// limitParam reads the inbox's ?limit=.
func limitParam(r *http.Request) (int, error) {
	v := r.URL.Query().Get("limit")
	if v == "" {
		return defaultInboxLimit, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > maxInboxLimit {
		return 0, fmt.Errorf("limit must be an integer from 1 to %d (got %q)", maxInboxLimit, v)
	}
	return n, nil
}
