package provider

import (
	"context"
	"fmt"
	"slices"
	"strings"
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

// oneOf requires one of a set of values, case-sensitive as the API is, and
// names the value meant when only the case is wrong: "SMS" is "sms".
type oneOfValidator struct{ values []string }

func oneOf(values ...string) oneOfValidator { return oneOfValidator{values: values} }

func (v oneOfValidator) Description(context.Context) string {
	return fmt.Sprintf("value must be one of: %q (case-sensitive)", v.values)
}

func (v oneOfValidator) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (v oneOfValidator) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	got := req.ConfigValue.ValueString()
	if slices.Contains(v.values, got) {
		return
	}
	detail := fmt.Sprintf("Attribute %s value must be one of: %q, got: %q.", req.Path, v.values, got)
	for _, want := range v.values {
		if strings.EqualFold(want, strings.TrimSpace(got)) {
			detail += fmt.Sprintf(" Did you mean %q? Values are case-sensitive.", want)
			break
		}
	}
	resp.Diagnostics.AddAttributeError(req.Path, "Invalid Attribute Value Match", detail)
}

// requiresAll requires every named attribute of a block that is present. It
// reports a missing one on the block itself, which the CLI then shows at the
// block's own line, with a complete block to copy and what leaving the block
// out would do instead.
type requiresAll struct {
	names   []string
	example string // the body of a complete block
	absent  string // "remove the block to disable the limit"
}

func (v requiresAll) Description(context.Context) string {
	return fmt.Sprintf("when the block is present, %s are all required", strings.Join(v.names, ", "))
}

func (v requiresAll) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (v requiresAll) ValidateObject(_ context.Context, req validator.ObjectRequest, resp *validator.ObjectResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	attrs := req.ConfigValue.Attributes()
	var missing []string
	for _, name := range v.names {
		if a, ok := attrs[name]; !ok || a.IsNull() {
			missing = append(missing, name)
		}
	}
	if len(missing) == 0 {
		return
	}
	block := req.Path.String()
	// On the path of the missing attribute, not the block's: the CLI finds
	// no such attribute in the block and points at the block's own line,
	// where a path to the block itself would point at the resource's.
	resp.Diagnostics.AddAttributeError(req.Path.AtName(missing[0]), "Incomplete "+block+" Block",
		fmt.Sprintf("A %s block needs %s; this one lacks %s. Complete it, for example:\n\n  %s {\n%s\n  }\n\nor %s.",
			block, strings.Join(v.names, ", "), strings.Join(missing, " and "), block, v.example, v.absent))
}

// noEmptySenderID refuses an empty sender id, which the API would store as
// "no sender id" and answer as nothing, and says how to have none.
type noEmptySenderID struct{}

func (noEmptySenderID) Description(context.Context) string {
	return "must not be empty; leave it out for no sender id"
}

func (v noEmptySenderID) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (noEmptySenderID) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() || req.ConfigValue.ValueString() != "" {
		return
	}
	resp.Diagnostics.AddAttributeError(req.Path, "Empty Sender ID",
		"sender_id is an empty string. To send without a sender id, leave the attribute out (or set it to null): "+
			"the API keeps no empty sender id, so an empty one would show as a change on every plan.")
}
