// Package sandbox is a local, stateful implementation of the Itniotech OTP
// API's task-flow, app and template endpoints, written from the vendor's
// documentation.
//
// It exists so that the provider can be run and tested end to end without
// an account. It deliberately imports neither the API client nor anything
// of Terraform: it is a second, independent reading of the specification,
// so a misreading in the client does not hide itself here.
//
// The three kinds share one mechanism (routes, store, faults, control
// surface); each kind's file (flow.go, app.go, template.go) holds only what
// the vendor documents differently for it: its fields, its rules, its ids.
//
// Every API key is an account of its own (account.go): its objects, name
// spaces, request counters and faults are its alone, so that pipelines
// sharing one sandbox never meet; with open accounts, any key signed with
// a shared secret gets one on its first request. Ids are unique across
// the sandbox.
//
// Besides the vendor paths it has a control surface under /_sandbox/ for
// tests: reset, request counters, fault injection and out-of-band edits
// that play the vendor's web console. It requires the header
// "Authorization: Bearer <Options.ControlToken>" and is off when no token
// is set; the same operations are always available as Go methods.
// ControlRoutes describes its routes, from the table that mounts them.
package sandbox
