package sandbox

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// The one route table: every route the sandbox serves, the vendor's and
// the control surface's, with what it takes and answers, and the handler
// that serves it. The server mounts its routes from it, otp-sandbox -h and
// the README print their reference from it, and the tests hold the three
// to each other.

// How a route is authenticated (Route.Auth).
const (
	// AuthSigned is the vendor's signature: the Api-Key, Timestamp and
	// Sign headers, Sign the md5 of key, secret and timestamp.
	AuthSigned = "signed"
	// AuthControl is the control surface's: "Authorization: Bearer
	// <control token>", which reaches every account, or the account's own
	// signature as on the vendor routes, which reaches that account alone.
	AuthControl = "control"
	// AuthNone is none: the sna URLs, which a phone fetches.
	AuthNone = "none"
)

// Route names of the vendor API, as the request counters and Faults.Routes
// name them (Route.Name). Apps have no list route and no kind has a
// delete route: the vendor has none.
const (
	RouteFlowAdd     = "POST /flow/add"
	RouteFlowUpdate  = "PUT /flow/update"
	RouteFlowDetails = "GET /flow/details"
	RouteFlowList    = "GET /flow/list"

	RouteAppAdd     = "POST /app/add"
	RouteAppUpdate  = "PUT /app/update"
	RouteAppDetails = "GET /app/details"

	RouteTemplateAdd     = "POST /template/add"
	RouteTemplateUpdate  = "PUT /template/update"
	RouteTemplateDetails = "GET /template/details"
	RouteTemplateList    = "GET /template/list"

	RouteSend         = "POST /verification/send"
	RouteSendRule     = "POST /verification/sendRule"
	RouteVerify       = "POST /verification/verify"
	RouteResend       = "POST /verification/resend"
	RouteRecord       = "GET /verification/record"
	RouteOrderRecord  = "POST /verification/orderId/record"
	RouteBackfill     = "POST /postback/backfill"
	RouteBackfillRate = "POST /backfillRate"
)

// Route describes one route: enough for a person (otp-sandbox -h, the
// README) and for a program that walks the table (a generated API
// description).
type Route struct {
	Method string // "PATCH"
	// Path is the route's path: under the vendor API's prefix (/otp by
	// default) for signed routes ("/flow/update/{id}"), from the root for
	// the others ("/_sandbox/flows/{id}").
	Path string
	Auth string // AuthSigned, AuthControl or AuthNone
	// Name is a signed route's name, as the request counters and
	// Faults.Routes name it: "PUT /flow/update".
	Name string
	Does string // what the route does
	// Params are its path and query parameters: "{id}", "?key=".
	Params []Field
	// Body says what the request body is, "" for none; Fields are its
	// fields when it is an object of its own.
	Body   string
	Fields []Field
	// BodyOf is a value of the Go type the body is decoded into, for a
	// body that Fields do not describe (an import takes an export).
	BodyOf any
	// Replies are what the route answers: its success, and the failures
	// particular to it (those every route of its Auth shares are said
	// once, in the conventions). Answer and Errors say them in prose.
	Replies []Reply
	Answer  string // the success status and what comes with it, made from Replies
	Errors  string // the failures particular to the route, made from Replies
	// AllAccounts says a control route is about every account its
	// credentials reach: with the control token and no ?key=, every
	// account of the sandbox; signed, or with ?key=, that one account.
	AllAccounts bool
}

// Reply is one answer a route gives.
type Reply struct {
	// HTTP is the answer's HTTP status. A vendor route answers its
	// failures as it answers success: HTTP 200 and the envelope.
	HTTP int
	// Code is a vendor route's status code: "0" for success, "-22"...
	Code string
	// When says what comes with a success ("the flow as stored"), or
	// when a failure is given ("for an id no flow of the account has").
	When string
	// Data is a value of the Go type the answer carries (the envelope's
	// data on a vendor route, the body on the others); nil for none.
	Data any
	// Media are the content types of an answer that is not JSON (the web
	// inbox's page and files), whose body is text; empty, not nil, for an
	// answer without a body (a 304).
	Media []string
}

// success says whether the reply is a route's success.
func (r Reply) success() bool {
	if r.Code != "" {
		return r.Code == codeSuccess
	}
	return r.HTTP < 400 // a 304 (the page not modified) is no failure
}

// The replies the tables are written with.

// answers is a vendor route's success: status 0 and data of data's type.
func answers(when string, data any) Reply {
	return Reply{HTTP: http.StatusOK, Code: codeSuccess, When: when, Data: data}
}

// refuses is a vendor route's failure.
func refuses(code, when string) Reply { return Reply{HTTP: http.StatusOK, Code: code, When: when} }

// replies is a control route's answer, a success or a failure.
func replies(status int, when string, data any) Reply {
	return Reply{HTTP: status, When: when, Data: data}
}

// content is an answer that is not JSON: a body of one of these media
// types, or of none: no body.
func content(status int, when string, media ...string) Reply {
	return Reply{HTTP: status, When: when, Media: append([]string{}, media...)}
}

// prose says a route's replies as Answer and Errors do.
func prose(rs []Reply) (answer, errs string) {
	var oks, fails []string
	for _, r := range rs {
		head := strconv.Itoa(r.HTTP)
		if r.Code != "" {
			head = r.Code
		}
		if r.success() {
			if r.Code != "" {
				head = "status " + r.Code
			}
			if r.When != "" {
				head += " and " + r.When
			}
			oks = append(oks, head)
			continue
		}
		fails = append(fails, strings.TrimSpace(head+" "+r.When))
	}
	return strings.Join(oks, "; "), strings.Join(fails, "; ")
}

// route is a route's description and its handler, one of three by its
// Auth.
type route struct {
	Route
	// op is what a signed route does, for the drop faults.
	op op
	// vendor answers a signed request of the account (signed: the
	// signature was checked).
	vendor func(s *Server, a *account, r *http.Request, body []byte) answer
	// control answers a control request about the account.
	control func(s *Server, c call)
	// plain answers an unauthenticated request.
	plain func(s *Server, w http.ResponseWriter, r *http.Request)
	// opensLast says a control route opens a new key's account (open
	// mode) only when it succeeds: call.fresh is then an account not yet
	// in the map, which the route opens (an import, which may be refused).
	opensLast bool
}

// op is what a vendor route does; the drop faults depend on it.
type op int

const (
	opOther op = iota
	opAdd
	opUpdate
)

// router is what routes are mounted on: the server's *http.ServeMux, or a
// test's recorder.
type router interface {
	Handle(pattern string, h http.Handler)
}

// vendorRoutes are the vendor API's routes: each kind's, then the OTP
// service's.
func vendorRoutes() []route {
	var out []route
	for _, k := range kinds {
		out = append(out, k.vendorRoutes()...)
	}
	return append(out, serviceRoutes()...)
}

// routeTable is every route, in the order they are mounted.
func routeTable() []route {
	table := vendorRoutes()
	table = append(table, snaRoute())
	table = append(table, accountRoutes()...)
	table = append(table, exportRoutes()...)
	table = append(table, faultRoutes()...)
	for _, k := range kinds {
		table = append(table, k.consoleRoutes()...)
	}
	table = append(table, serviceControlRoutes()...)
	table = append(table, inboxRoutes()...)
	table = append(table, healthRoute(), openAPIRoute())
	return append(table, pageRoutes()...)
}

// routeNames are the vendor routes' names, for Faults.Routes.
func routeNames() []string {
	var out []string
	for _, r := range vendorRoutes() {
		out = append(out, r.Name)
	}
	return out
}

// vendorName is a signed route's name: its method and path without the id
// it takes last.
func vendorName(method, path string) string {
	if i := strings.LastIndex(path, "/{"); i >= 0 {
		path = path[:i]
	}
	return method + " " + path
}

// Routes describes every route the sandbox serves, in the order they are
// mounted.
func Routes() []Route {
	table := routeTable()
	out := make([]Route, len(table))
	for i, r := range table {
		out[i] = r.Route
		// Copies: the kinds' field lists stay ours.
		out[i].Params, out[i].Fields = describe(r.Params), describe(r.Fields)
		out[i].Replies = slices.Clone(r.Replies)
		out[i].Answer, out[i].Errors = prose(r.Replies)
	}
	return out
}

// ControlRoutes describes the control surface's routes (every route under
// /_sandbox/, the health route without authentication among them), in the
// order they are mounted.
func ControlRoutes() []Route {
	return slices.DeleteFunc(Routes(), func(r Route) bool { return !strings.HasPrefix(r.Path, controlPrefix) })
}

// QueryParams are the names of the query parameters the route takes: its
// own ("?to=" is "to"), then key on a control route (ControlConventions),
// which refuses any other (onlyItsParams).
func (r Route) QueryParams() []string {
	var names []string
	for _, p := range r.Params {
		if name, query := strings.CutPrefix(p.Name, "?"); query {
			names = append(names, strings.TrimSuffix(name, "="))
		}
	}
	if r.Auth == AuthControl {
		names = append(names, "key")
	}
	return names
}

// mount mounts every route of the table, and the answers for paths no
// route has: under the vendor prefix in the vendor's envelope, under
// /_sandbox/ as {"error": …}.
//
// Every route about an account's data (AuthControl) refuses a query
// parameter it does not take (onlyItsParams). The health and OpenAPI
// routes select nothing, and a probe or a proxy may add a parameter of its
// own (a cache buster). The vendor's routes take any and read none: the vendor
// documents no query parameter (ids are in the path, the rest in the
// body), signs none, and a client that adds one (a cache buster, a trace
// id) works against the vendor, so the sandbox must not refuse it. Nothing
// there is selected by the query, so a misspelt parameter cannot widen
// what a request does, which is the harm the refusal guards against on
// the control surface.
func (s *Server) mount(m router) {
	for _, rt := range routeTable() {
		var pattern string
		var h http.Handler
		switch rt.Auth {
		case AuthSigned:
			pattern, h = rt.Method+" "+s.opts.Prefix+rt.Path, s.vendor(rt)
		case AuthControl:
			pattern, h = rt.Method+" "+rt.Path, s.control(rt)
		default:
			plain := rt.plain
			pattern, h = rt.Method+" "+exact(rt.Path), http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { plain(s, w, r) })
		}
		if rt.Auth == AuthControl {
			h = onlyItsParams(rt.Route, h)
		}
		m.Handle(pattern, h)
	}
	m.Handle(s.opts.Prefix+"/", http.HandlerFunc(s.unknownVendorPath))
	m.Handle(controlPrefix, http.HandlerFunc(s.unknownControlPath))
}

// onlyItsParams refuses, with 400 and before anything else (the
// credentials included: the names are no secret), a request whose query
// has a parameter the route does not take, or cannot be read: the
// handlers read the parameters they know by name, so a misspelt filter
// (?too=) would select, or delete, every message, and a misspelt ?kye=
// reset a whole sandbox of one account.
func onlyItsParams(rt Route, h http.Handler) http.Handler {
	takes := rt.QueryParams()
	said := fmt.Sprintf("%s %s takes only key", rt.Method, rt.Path)
	if n := len(takes); n > 1 {
		said = fmt.Sprintf("%s %s takes %s and %s", rt.Method, rt.Path, strings.Join(takes[:n-1], ", "), takes[n-1])
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q, err := url.ParseQuery(r.URL.RawQuery)
		if err != nil {
			// Query() drops what it cannot read, as silently as an unknown name.
			controlError(w, http.StatusBadRequest, fmt.Errorf("the query %q cannot be read (%w): %s", r.URL.RawQuery, err, said))
			return
		}
		var unknown []string
		for name := range q {
			if !slices.Contains(takes, name) {
				unknown = append(unknown, strconv.Quote(name))
			}
		}
		if len(unknown) > 0 {
			slices.Sort(unknown)
			what := "an unknown query parameter"
			if len(unknown) > 1 {
				what = "unknown query parameters"
			}
			controlError(w, http.StatusBadRequest, fmt.Errorf("%s %s: %s", what, strings.Join(unknown, ", "), said))
			return
		}
		h.ServeHTTP(w, r)
	})
}

// exact is the mux pattern of a path that ends in "/" (the page's "/"):
// that path alone, where the mux would take every path under it (and
// "GET /" would clash with the vendor prefix's handler for every method).
func exact(path string) string {
	if strings.HasSuffix(path, "/") {
		return path + "{$}"
	}
	return path
}

// controlPrefix is where the control surface is mounted, away from the
// vendor paths, so that nothing a client does by mistake can reach it.
const controlPrefix = "/_sandbox/"

// allowed are the methods the vendor's routes (under the prefix), or the
// others, take at path, sorted.
func (s *Server) allowed(vendor bool, path string) []string {
	var methods []string
	for _, rt := range routeTable() {
		full := rt.Path
		if rt.Auth == AuthSigned {
			full = s.opts.Prefix + rt.Path
		}
		if (rt.Auth == AuthSigned) == vendor && pathMatches(full, path) {
			methods = append(methods, rt.Method)
		}
	}
	slices.Sort(methods)
	return slices.Compact(methods)
}

// pathMatches says whether path is one of pattern's, {name} standing for
// any one segment.
func pathMatches(pattern, path string) bool {
	ps, xs := strings.Split(pattern, "/"), strings.Split(path, "/")
	if len(ps) != len(xs) {
		return false
	}
	for i, p := range ps {
		if strings.HasPrefix(p, "{") && xs[i] != "" {
			continue
		}
		if p != xs[i] {
			return false
		}
	}
	return true
}

// unknownVendorPath answers a path under the prefix that no route has in
// the vendor's envelope (HTTP 404, status -22), so that a client that
// mistypes a path reads why; a known path asked with another method gets
// 405 and the methods it takes.
func (s *Server) unknownVendorPath(w http.ResponseWriter, r *http.Request) {
	status, reason := http.StatusNotFound, reasonOf(codeParameter)+": no route "+r.Method+" "+r.URL.Path
	if methods := s.allowed(true, r.URL.Path); len(methods) > 0 {
		status = http.StatusMethodNotAllowed
		reason = fmt.Sprintf("%s: %s takes %s, not %s", reasonOf(codeParameter), r.URL.Path, strings.Join(methods, " or "), r.Method)
		w.Header().Set("Allow", strings.Join(methods, ", "))
	}
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{"status": codeParameter, "reason": reason})
}

// unknownControlPath answers a path under /_sandbox/ that no route has,
// as every control failure is answered: {"error": …}, 404 or 405.
func (s *Server) unknownControlPath(w http.ResponseWriter, r *http.Request) {
	if methods := s.allowed(false, r.URL.Path); len(methods) > 0 {
		w.Header().Set("Allow", strings.Join(methods, ", "))
		controlError(w, http.StatusMethodNotAllowed, fmt.Errorf("%s takes %s, not %s", r.URL.Path, strings.Join(methods, " or "), r.Method))
		return
	}
	controlError(w, http.StatusNotFound, fmt.Errorf("no control route %s %s: otp-sandbox -h lists them", r.Method, r.URL.Path))
}
