package sandbox

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
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
	Answer string // the success status and what comes with it
	Errors string // the failures particular to the route, with their statuses
	// AllAccounts says a control route is about every account its
	// credentials reach: with the control token and no ?key=, every
	// account of the sandbox; signed, or with ?key=, that one account.
	AllAccounts bool
}

// Field describes a field of a JSON body by its API name, or a parameter.
type Field struct {
	Name   string
	Values string  // type, range, default and meaning
	Fields []Field // an object's fields, or those of each object of an array
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
	table = append(table, faultRoutes()...)
	for _, k := range kinds {
		table = append(table, k.consoleRoutes()...)
	}
	table = append(table, serviceControlRoutes()...)
	table = append(table, inboxRoutes()...)
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
		out[i] = clone(r.Route) // the kinds' field lists stay ours
	}
	return out
}

// ControlRoutes describes the control surface's routes, in the order they
// are mounted.
func ControlRoutes() []Route {
	return slices.DeleteFunc(Routes(), func(r Route) bool { return r.Auth != AuthControl })
}

// mount mounts every route of the table, and the answers for paths no
// route has: under the vendor prefix in the vendor's envelope, under
// /_sandbox/ as {"error": …}.
func (s *Server) mount(m router) {
	for _, rt := range routeTable() {
		switch rt.Auth {
		case AuthSigned:
			m.Handle(rt.Method+" "+s.opts.Prefix+rt.Path, s.vendor(rt))
		case AuthControl:
			m.Handle(rt.Method+" "+rt.Path, s.control(rt))
		default:
			h := rt.plain
			m.Handle(rt.Method+" "+exact(rt.Path), http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { h(s, w, r) }))
		}
	}
	m.Handle(s.opts.Prefix+"/", http.HandlerFunc(s.unknownVendorPath))
	m.Handle(controlPrefix, http.HandlerFunc(s.unknownControlPath))
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

// allowed are the methods the routes of auth take at path (the vendor's
// paths under the prefix), sorted.
func (s *Server) allowed(auth, path string) []string {
	var methods []string
	for _, rt := range routeTable() {
		full := rt.Path
		if rt.Auth == AuthSigned {
			full = s.opts.Prefix + rt.Path
		}
		if rt.Auth == auth && pathMatches(full, path) {
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
	if methods := s.allowed(AuthSigned, r.URL.Path); len(methods) > 0 {
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
	if methods := s.allowed(AuthControl, r.URL.Path); len(methods) > 0 {
		w.Header().Set("Allow", strings.Join(methods, ", "))
		controlError(w, http.StatusMethodNotAllowed, fmt.Errorf("%s takes %s, not %s", r.URL.Path, strings.Join(methods, " or "), r.Method))
		return
	}
	controlError(w, http.StatusNotFound, fmt.Errorf("no control route %s %s: otp-sandbox -h lists them", r.Method, r.URL.Path))
}
