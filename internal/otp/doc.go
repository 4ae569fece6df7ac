// Package otp is a client for the Itniotech OTP API's configuration
// endpoints: task flows, apps and templates.
//
// The vendor answers business errors as HTTP 200 with a string status code,
// signs every request with a timestamp, and has no delete endpoint. This
// package hides the first two (success is decided by the body, every attempt
// is re-signed) and exposes the third honestly: there is no Delete.
//
// Every kind of object goes through one machinery (objects.go): a create
// whose outcome is unknown is settled before it could be repeated, "not
// found" is confirmed before it is reported, and names are looked up the same
// way. A kind is one file (flow.go, app.go, template.go) that describes its
// paths, bodies and answers.
//
// It knows nothing of Terraform: the provider adapts it, and the sandbox in
// internal/sandbox is a separate reading of the same specification.
package otp
