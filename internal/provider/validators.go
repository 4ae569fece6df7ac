package provider

import (
	"context"
	"fmt"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/schema/validator"

	"github.com/itniotech/terraform-provider-otp/internal/otp"
)

// baseURLValidator checks base_url at plan time with the client's own rule,
// so the two can never disagree.
type baseURLValidator struct{}

func (baseURLValidator) Description(context.Context) string {
	return "must be an absolute http:// or https:// URL without a query"
}

func (v baseURLValidator) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (baseURLValidator) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if _, err := otp.ParseBaseURL(req.ConfigValue.ValueString()); err != nil {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid OTP Base URL", err.Error())
	}
}

// durationValidator checks a Go duration string and its range.
type durationValidator struct{ min, max time.Duration }

func (v durationValidator) Description(context.Context) string {
	return fmt.Sprintf("must be a duration such as 30s, between %s and %s", v.min, v.max)
}

func (v durationValidator) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (v durationValidator) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if _, err := parseDuration(req.ConfigValue.ValueString(), v.min, v.max); err != nil {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid Duration", err.Error())
	}
}

// atLeastOneBlock requires at least one nested block and says so in the
// user's terms; the generic list validators speak of "elements" and "null".
type atLeastOneBlock struct{ block, what string }

func (v atLeastOneBlock) Description(context.Context) string {
	return fmt.Sprintf("at least one %s block is required", v.block)
}

func (v atLeastOneBlock) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (v atLeastOneBlock) ValidateList(_ context.Context, req validator.ListRequest, resp *validator.ListResponse) {
	if req.ConfigValue.IsUnknown() || (!req.ConfigValue.IsNull() && len(req.ConfigValue.Elements()) > 0) {
		return
	}
	resp.Diagnostics.AddAttributeError(req.Path, "Missing "+v.block+" Block",
		fmt.Sprintf("At least one %s block is required: %s. Add a block such as\n\n"+
			"  %s {\n    waiting_time = 60\n    status       = 1\n    channel      = \"sms\"\n  }", v.block, v.what, v.block))
}
