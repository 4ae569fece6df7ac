// Package otp is a client for the Itniotech OTP API's task-flow endpoints.
//
// The vendor answers business errors as HTTP 200 with a string status code,
// signs every request with a timestamp, and has no delete endpoint. This
// package hides the first two (success is decided by the body, every attempt
// is re-signed) and exposes the third honestly: there is no DeleteFlow.
//
// It knows nothing of Terraform: the provider adapts it, and the sandbox in
// internal/sandbox is a separate reading of the same specification.
package otp
