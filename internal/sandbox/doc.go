// Package sandbox is a local, stateful implementation of the Itniotech OTP
// API's task-flow endpoints, written from the vendor's documentation.
//
// It exists so that the provider can be run and tested end to end without
// an account. It deliberately imports neither the API client nor anything
// of Terraform: it is a second, independent reading of the specification,
// so a misreading in the client does not hide itself here.
//
// Besides the vendor paths it has a control surface under /_sandbox/ for
// tests: reset, request counters, fault injection and out-of-band edits
// that play the vendor's web console.
package sandbox
