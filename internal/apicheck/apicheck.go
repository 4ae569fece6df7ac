// Package apicheck holds the sandbox to the OpenAPI document it
// publishes. Handler wraps the sandbox's handler for a test: every request
// the test sends and every answer it gets are checked against the document
// with kin-openapi's request and response validation, so that a route, a
// field or an answer that drifts from the document fails the test that
// meets it.
//
// The rules, for each request:
//
//   - a request the document allows is served, and its answer must be one
//     the document gives for it (status, content, schema);
//   - a request the document refuses (a broken field rule, a missing
//     header, a path or method it does not have, a query parameter the
//     operation does not list where its x-unknown-query-parameters says
//     "refused") must be refused: a
//     vendor route answers a status other than "0" (or an HTTP error), a
//     control route an HTTP error. A test that sends a broken request on
//     purpose meets this rule; a sandbox that takes what its document says
//     it refuses does not.
//
// It is for tests only: it imports kin-openapi, which nothing in
// otp-sandbox's build may (otp-sandbox builds from the standard library
// alone), and it imports nothing of the sandbox, so that the sandbox's own
// tests can use it.
package apicheck

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
)

// The answers that are not JSON are text, which their schemas say is a
// string: the bad-gateway fault's HTML page (as a proxy would answer),
// and the web inbox's page, style sheet, scripts and icon.
func init() {
	for _, media := range []string{"text/html", "text/css", "text/javascript", "image/svg+xml"} {
		openapi3filter.RegisterBodyDecoder(media, openapi3filter.PlainBodyDecoder)
	}
}

// Checker checks requests and answers against one document.
type Checker struct {
	router routers.Router
	// vendorPrefix is where the document's signed routes are (the paths
	// whose failures are HTTP 200 with a status).
	vendorPrefix string

	mu      sync.Mutex
	checked int
}

// New loads and validates a document; a document that does not validate
// fails the test.
func New(t testing.TB, document []byte, vendorPrefix string) *Checker {
	t.Helper()
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(document)
	if err != nil {
		t.Fatalf("apicheck: the OpenAPI document does not load: %v", err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatalf("apicheck: the OpenAPI document is not valid: %v", err)
	}
	// The routes are found by path alone, whatever address the test's
	// server has.
	doc.Servers = openapi3.Servers{{URL: "/"}}
	router, err := gorillamux.NewRouter(doc)
	if err != nil {
		t.Fatalf("apicheck: %v", err)
	}
	return &Checker{router: router, vendorPrefix: vendorPrefix}
}

// Handler wraps h, checking every request and answer against document,
// and failing t on the first that does not hold (t.Errorf: the request
// goes on).
func Handler(t testing.TB, document []byte, vendorPrefix string, h http.Handler) http.Handler {
	t.Helper()
	return New(t, document, vendorPrefix).Wrap(t, h)
}

// Checked is how many requests were checked, so that a test can show the
// checker was on the path.
func (c *Checker) Checked() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.checked
}

// Refuses says why the document refuses a request, or nil when it takes
// it, without sending it: for a test that holds the sandbox's refusals to
// the document's (the handler only sees that a request the document
// refuses is refused, not that one it takes is taken).
func (c *Checker) Refuses(r *http.Request) error {
	var body []byte
	if r.Body != nil {
		var err error
		if body, err = io.ReadAll(r.Body); err != nil {
			return err
		}
	}
	_, refused := c.checkRequest(r, body)
	return refused
}

// Wrap is Handler with a loaded document.
func (c *Checker) Wrap(t testing.TB, h http.Handler) http.Handler {
	return c.wrap(func(s string) { t.Error(s) }, h)
}

// wrap reports what does not hold to report.
func (c *Checker) wrap(report func(string), h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		input, refused := c.checkRequest(r, body)

		rec := &recorder{header: http.Header{}, status: http.StatusOK}
		h.ServeHTTP(rec, r) // a dropped answer panics through, unchecked: there is none
		for k, v := range rec.header {
			w.Header()[k] = v
		}
		w.WriteHeader(rec.status)
		_, _ = w.Write(rec.body.Bytes())

		c.mu.Lock()
		c.checked++
		c.mu.Unlock()
		what := r.Method + " " + r.URL.RequestURI()
		if refused != nil && !c.isRefusal(r, rec) {
			report(fmt.Sprintf("apicheck: %s: the document refuses the request (%s), but the sandbox answered HTTP %d %s",
				what, short(refused), rec.status, short(errors.New(rec.body.String()))))
		}
		if input == nil || r.Method == http.MethodHead {
			return
		}
		out := &openapi3filter.ResponseValidationInput{
			RequestValidationInput: input, Status: rec.status, Header: rec.header,
			Body:    io.NopCloser(bytes.NewReader(rec.body.Bytes())),
			Options: &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true},
		}
		if err := openapi3filter.ValidateResponse(r.Context(), out); err != nil {
			report(fmt.Sprintf("apicheck: %s: the answer (HTTP %d %s) is not one the document gives: %s",
				what, rec.status, short(errors.New(rec.body.String())), short(err)))
		}
	})
}

// checkRequest finds the request's operation and validates the request:
// input is nil when the document has no such operation; refused says why
// the document refuses the request, if it does.
func (c *Checker) checkRequest(r *http.Request, body []byte) (*openapi3filter.RequestValidationInput, error) {
	probe := r.Clone(context.Background())
	probe.Body = io.NopCloser(bytes.NewReader(body))
	if r.Method == http.MethodHead { // HTTP serves HEAD as GET, without the body
		probe.Method = http.MethodGet
	}
	if len(body) > 0 {
		// The sandbox reads every body as JSON, whatever its Content-Type
		// (curl -d sends a form's), and the document says so: it is the
		// body that is checked.
		probe.Header.Set("Content-Type", "application/json")
	}
	route, params, err := c.router.FindRoute(probe)
	if err != nil {
		return nil, fmt.Errorf("the document has no %s %s: %w", r.Method, r.URL.Path, err)
	}
	input := &openapi3filter.RequestValidationInput{
		Request: probe, PathParams: params, Route: route,
		Options: &openapi3filter.Options{MultiError: true, AuthenticationFunc: headersPresent},
	}
	err = openapi3filter.ValidateRequest(context.Background(), input)
	return input, errors.Join(err, unlisted(route, r.URL.Query()))
}

// unknownQuery is the document's extension that says what the server does
// with a query parameter an operation does not list: "refused", or
// anything else, which OpenAPI's own rule (such a parameter is allowed)
// leaves as it is.
const unknownQuery = "x-unknown-query-parameters"

// unlisted says why the document refuses the query parameters of a
// request that the operation does not list, when its unknownQuery says
// they are refused; nil otherwise.
func unlisted(route *routers.Route, query map[string][]string) error {
	if route.Operation.Extensions[unknownQuery] != "refused" {
		return nil
	}
	listed := map[string]bool{}
	for _, params := range []openapi3.Parameters{route.PathItem.Parameters, route.Operation.Parameters} {
		for _, p := range params {
			if p.Value != nil && p.Value.In == openapi3.ParameterInQuery {
				listed[p.Value.Name] = true
			}
		}
	}
	var unknown []string
	for name := range query {
		if !listed[name] {
			unknown = append(unknown, name)
		}
	}
	if len(unknown) == 0 {
		return nil
	}
	slices.Sort(unknown)
	return fmt.Errorf("the operation does not list the query parameters %q, and its %s is \"refused\"", unknown, unknownQuery)
}

// headersPresent holds a request to its security scheme's headers: that
// they are there, not that they are right (the sandbox answers a wrong
// signature, and the document says how).
func headersPresent(_ context.Context, in *openapi3filter.AuthenticationInput) error {
	s, h := in.SecurityScheme, in.RequestValidationInput.Request.Header
	switch {
	case s.Type == "apiKey" && s.In == "header":
		if h.Get(s.Name) == "" {
			return fmt.Errorf("no %s header", s.Name)
		}
	case s.Type == "http" && s.Scheme == "bearer":
		if a := h.Get("Authorization"); len(a) < 7 || !strings.EqualFold(a[:7], "Bearer ") {
			return errors.New("no Authorization: Bearer header")
		}
	default:
		return fmt.Errorf("apicheck does not know the security scheme %s", s.Type)
	}
	return nil
}

// isRefusal says whether an answer refuses its request: an HTTP error,
// or, on the vendor's routes, HTTP 200 with a status other than "0".
func (c *Checker) isRefusal(r *http.Request, rec *recorder) bool {
	if rec.status >= 400 {
		return true
	}
	if !strings.HasPrefix(r.URL.Path, c.vendorPrefix+"/") || rec.status != http.StatusOK {
		return false
	}
	var env struct {
		Status string `json:"status"`
	}
	return json.Unmarshal(rec.body.Bytes(), &env) == nil && env.Status != "" && env.Status != "0"
}

// short cuts an error to what a test's output can show.
func short(err error) string {
	s := strings.Join(strings.Fields(err.Error()), " ")
	if len(s) > 600 {
		s = s[:600] + "…"
	}
	return s
}

// recorder keeps an answer until it is checked.
type recorder struct {
	header http.Header
	status int
	wrote  bool
	body   bytes.Buffer
}

func (r *recorder) Header() http.Header { return r.header }

func (r *recorder) WriteHeader(status int) {
	if !r.wrote {
		r.status, r.wrote = status, true
	}
}

func (r *recorder) Write(b []byte) (int, error) {
	r.wrote = true
	return r.body.Write(b)
}
