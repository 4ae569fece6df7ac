// Package provider adapts the OTP API client to Terraform: schemas,
// validators, plan logic and diagnostics for the otp provider, the
// otp_task_flow resource and its data sources.
package provider
