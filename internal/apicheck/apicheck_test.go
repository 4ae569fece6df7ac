package apicheck

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// A small document: a vendor-like route whose failures are HTTP 200 with a
// status, and whose body has one rule.
const document = `{
  "openapi": "3.1.0",
  "info": {"title": "t", "version": "1"},
  "paths": {
    "/otp/thing/add": {
      "post": {
        "requestBody": {"required": true, "content": {"application/json": {"schema": {
          "type": "object", "required": ["n"], "properties": {"n": {"type": "integer", "minimum": 1, "maximum": 9}}}}}},
        "responses": {"200": {"description": "the envelope", "content": {"application/json": {"schema": {
          "type": "object", "additionalProperties": false, "required": ["status"],
          "properties": {"status": {"enum": ["0", "-22"]}, "n": {"type": "integer"}}}}}}}
      }
    },
    "/_sandbox/thing": {
      "post": {
        "x-unknown-query-parameters": "refused",
        "parameters": [{"name": "to", "in": "query", "schema": {"type": "string"}}],
        "responses": {
          "200": {"description": "ok", "content": {"application/json": {"schema": {"type": "object"}}}},
          "400": {"description": "refused", "content": {"application/json": {"schema": {"type": "object"}}}}
        }
      }
    }
  }
}`

// checked sends body through the check in front of handler, and returns
// what the check reported.
func checked(t *testing.T, handler http.HandlerFunc, path, body string) []string {
	t.Helper()
	var reports []string
	srv := httptest.NewServer(New(t, []byte(document), "/otp").wrap(func(s string) { reports = append(reports, s) }, handler))
	defer srv.Close()
	resp, err := http.Post(srv.URL+path, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return reports
}

// The check bites: a request the document refuses that the handler takes,
// an answer the document does not give, a route it does not have; and it
// lets through what holds.
func TestTheCheckBites(t *testing.T) {
	envelope := func(body string) http.HandlerFunc {
		return func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "application/json;charset=UTF-8")
			fmt.Fprint(w, body)
		}
	}
	for _, tt := range []struct {
		name, path, body, answer, report string
	}{
		{"holds", "/otp/thing/add", `{"n":3}`, `{"status":"0","n":3}`, ""},
		{"a refused request refused", "/otp/thing/add", `{"n":30}`, `{"status":"-22"}`, ""},
		{"a refused request taken", "/otp/thing/add", `{"n":30}`, `{"status":"0","n":30}`, "the document refuses the request"},
		{"a field the answer may not have", "/otp/thing/add", `{"n":3}`, `{"status":"0","extra":1}`, "is not one the document gives"},
		{"a status the route does not give", "/otp/thing/add", `{"n":3}`, `{"status":"-99"}`, "is not one the document gives"},
		{"a route the document does not have", "/otp/thing/remove", `{}`, `{"status":"0"}`, "the document has no POST /otp/thing/remove"},
		{"such a route refused", "/otp/thing/remove", `{}`, `{"status":"-22"}`, ""},
		// Query parameters an operation does not list: OpenAPI allows them,
		// unless the operation's x-unknown-query-parameters is "refused".
		{"an unlisted query parameter where they are not refused", "/otp/thing/add?cachebust=1", `{"n":3}`, `{"status":"0","n":3}`, ""},
		{"a listed query parameter", "/_sandbox/thing?to=1", ``, `200 {}`, ""},
		{"an unlisted query parameter refused", "/_sandbox/thing?too=1", ``, `400 {"error":"too"}`, ""},
		{"an unlisted query parameter taken", "/_sandbox/thing?to=1&too=1", ``, `200 {}`, `the operation does not list the query parameters ["too"]`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			handler := envelope(tt.answer)
			if status, body, control := strings.Cut(tt.answer, " "); control {
				handler = func(w http.ResponseWriter, _ *http.Request) {
					w.Header().Set("Content-Type", "application/json")
					w.WriteHeader(map[string]int{"200": http.StatusOK, "400": http.StatusBadRequest}[status])
					fmt.Fprint(w, body)
				}
			}
			reports := checked(t, handler, tt.path, tt.body)
			switch {
			case tt.report == "" && len(reports) > 0:
				t.Fatalf("reported %q", reports)
			case tt.report != "" && (len(reports) != 1 || !strings.Contains(reports[0], tt.report)):
				t.Fatalf("reported %q, want %q", reports, tt.report)
			}
		})
	}
}
