// Package provider is the otp Terraform provider: the provider itself (its
// settings, credentials and logging), the resources otp_task_flow, otp_app
// and otp_template with their data sources, list resources, import and
// identity, and the sms_segments function. It turns the OTP API client's
// objects into Terraform's and back, and decides at plan what the API would
// refuse at apply. DESIGN.md says how the pieces fit.
package provider
