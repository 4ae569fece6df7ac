package provider

import (
	"context"
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/list"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/int64default"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/itniotech/terraform-provider-otp/internal/otp"
)

// NewTemplateResource returns the otp_template resource.
func NewTemplateResource() resource.Resource { return newObjectResource(templateKind) }

// NewTemplateListResource returns the otp_template list resource.
func NewTemplateListResource() list.ListResource { return newObjectListResource(templateKind) }

// Rules of the vendor API for a template, enforced at plan time.
const (
	textMaxChars       = 256
	codeLengthMin      = 4
	codeLengthMax      = 10
	codeLengthDefault  = 4
	speechRateMax      = 100
	speechRateDefault  = 50
	maxDurationMin     = 5
	maxDurationMax     = 599
	maxDurationDefault = 59
	repeatMin          = 1
	repeatMax          = 10
	repeatDefault      = 1
	languageDefault    = "EN"
	codeTypeDefault    = "numeric"
)

// codeTypes maps the code type names of the configuration to the API's codes.
var codeTypes = []struct {
	name string
	code int
}{{"numeric", otp.CodeTypeNumeric}, {"alpha", otp.CodeTypeAlpha}, {"alphanumeric", otp.CodeTypeAlphanumeric}, {"hex", otp.CodeTypeHex}}

var templateKind = &kind[templateModel, otp.Template]{
	kindInfo: kindInfo{
		typeName: "template", plural: "templates", title: "Template", noun: "template", canList: true,
		idExample: "20001", nameExample: "login-sms",
	},
	objects: (*otp.Client).Templates,
	parseID: func(id string) (string, error) { return parseIntID(id, "template", "templateId") },
	schema:  templateSchema,
	model:   templateStateModel,
	input:   templateModel.template,
	written: func(plan templateModel, t otp.Template, _ templateModel) templateModel {
		plan.ID = types.StringValue(formatIntID(t.ID))
		plan.SMSSegments = types.Int64Value(int64(smsSegments(plan.Text.ValueString(), int(plan.CodeLength.ValueInt64())).Segments))
		return plan
	},
	replaces:   appIDChanges,
	modifyPlan: templateModifyPlan,
	parent: &parentRef[templateModel, otp.Template]{attribute: "app_id", kind: appInfo,
		value: func(m templateModel) string { return m.AppID.ValueString() }, of: func(t otp.Template) string { return t.AppID }},
	filter: &listFilter[otp.Template]{
		attribute:   "app_id",
		description: "Only the templates of this app (an appId). Omit it for every template of the account.",
		validators:  []validator.String{appIDValidator},
		value:       func(t otp.Template) string { return t.AppID },
	},
}

// templateModel is the resource's state and the data sources' result.
type templateModel struct {
	ID          types.String `tfsdk:"id"`
	AppID       types.String `tfsdk:"app_id"`
	Name        types.String `tfsdk:"name"`
	Text        types.String `tfsdk:"text"`
	CodeType    types.String `tfsdk:"code_type"`
	CodeLength  types.Int64  `tfsdk:"code_length"`
	Language    types.String `tfsdk:"language"`
	SpeechRate  types.Int64  `tfsdk:"speech_rate"`
	MaxDuration types.Int64  `tfsdk:"max_duration"`
	RepeatCount types.Int64  `tfsdk:"repeat_count"`
	SenderID    types.String `tfsdk:"sender_id"`
	SMSSegments types.Int64  `tfsdk:"sms_segments"`
}

func (m templateModel) objectID() types.String   { return m.ID }
func (m templateModel) objectName() types.String { return m.Name }

func (m templateModel) template() otp.Template {
	t := otp.Template{
		AppID: m.AppID.ValueString(), Name: m.Name.ValueString(), Text: m.Text.ValueString(),
		CodeLength: int(m.CodeLength.ValueInt64()), Language: m.Language.ValueString(), SpeechRate: int(m.SpeechRate.ValueInt64()),
		MaxDuration: int(m.MaxDuration.ValueInt64()), RepeatCount: int(m.RepeatCount.ValueInt64()), SenderID: m.SenderID.ValueString(),
	}
	for _, c := range codeTypes {
		if c.name == m.CodeType.ValueString() {
			t.CodeType = c.code
		}
	}
	return t
}

func templateStateModel(t otp.Template) templateModel {
	codeType := fmt.Sprint(t.CodeType) // a code this provider does not know shows as itself
	for _, c := range codeTypes {
		if c.code == t.CodeType {
			codeType = c.name
		}
	}
	sender := types.StringNull() // the API answers "" (or nothing) for "unset"
	if t.SenderID != "" {
		sender = types.StringValue(t.SenderID)
	}
	return templateModel{
		ID: types.StringValue(formatIntID(t.ID)), AppID: types.StringValue(t.AppID), Name: types.StringValue(t.Name),
		Text: types.StringValue(t.Text), CodeType: types.StringValue(codeType), CodeLength: types.Int64Value(int64(t.CodeLength)),
		Language: types.StringValue(t.Language), SpeechRate: types.Int64Value(int64(t.SpeechRate)),
		MaxDuration: types.Int64Value(int64(t.MaxDuration)), RepeatCount: types.Int64Value(int64(t.RepeatCount)), SenderID: sender,
		SMSSegments: types.Int64Value(int64(smsSegments(t.Text, t.CodeLength).Segments)),
	}
}

// templateModifyPlan adds the template's own plan-time rules.
func templateModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse, replacing bool) {
	if replacing {
		templateCannotMove(ctx, req, resp)
	}
	if !resp.Diagnostics.HasError() {
		planSMSSegments(ctx, req, resp)
	}
}

// planSMSSegments fills sms_segments in at plan, so that a change of what a
// code costs shows in the plan, and warns when a create or a change of the
// text or the code length makes a code cost more than one SMS. An
// unchanged template costs nothing here: its planned value is its state's.
func planSMSSegments(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	var planned types.Int64
	resp.Diagnostics.Append(resp.Plan.GetAttribute(ctx, path.Root("sms_segments"), &planned)...)
	if resp.Diagnostics.HasError() || !planned.IsUnknown() {
		return
	}
	var text, name types.String
	var codeLength types.Int64
	resp.Diagnostics.Append(resp.Plan.GetAttribute(ctx, path.Root("text"), &text)...)
	resp.Diagnostics.Append(resp.Plan.GetAttribute(ctx, path.Root("code_length"), &codeLength)...)
	resp.Diagnostics.Append(resp.Plan.GetAttribute(ctx, path.Root("name"), &name)...)
	if resp.Diagnostics.HasError() || text.IsUnknown() || codeLength.IsUnknown() {
		return // known after apply
	}
	cost := smsSegments(text.ValueString(), int(codeLength.ValueInt64()))
	resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root("sms_segments"), int64(cost.Segments))...)
	if cost.Segments <= 1 {
		return
	}
	if !req.State.Raw.IsNull() {
		var priorText types.String
		var priorLength types.Int64
		resp.Diagnostics.Append(req.State.GetAttribute(ctx, path.Root("text"), &priorText)...)
		resp.Diagnostics.Append(req.State.GetAttribute(ctx, path.Root("code_length"), &priorLength)...)
		if priorText.Equal(text) && priorLength.Equal(codeLength) {
			return // the cost is not this change's
		}
	}
	who := "The template"
	if !name.IsUnknown() {
		who = fmt.Sprintf("Template %q", name.ValueString())
	}
	resp.Diagnostics.AddAttributeWarning(path.Root("text"), fmt.Sprintf("Template Text Takes %d SMS per Code", cost.Segments),
		fmt.Sprintf("%s will cost %d SMS for every code sent by SMS. %s\n\nThis counts the text alone, before anything the carrier adds.",
			who, cost.Segments, cost.Explain()))
}

// templateCannotMove turns the one change of app_id that can only fail at
// apply into an error at plan: a template cannot move to another app nor be
// deleted, so a new app_id means a new template, and the old one keeps its
// name in the account. Unless the name changes too, the new template's
// create is refused.
func templateCannotMove(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	var name, priorName, priorAppID, priorID, appID types.String
	resp.Diagnostics.Append(req.Plan.GetAttribute(ctx, path.Root("name"), &name)...)
	resp.Diagnostics.Append(req.Plan.GetAttribute(ctx, path.Root("app_id"), &appID)...)
	resp.Diagnostics.Append(req.State.GetAttribute(ctx, path.Root("name"), &priorName)...)
	resp.Diagnostics.Append(req.State.GetAttribute(ctx, path.Root("app_id"), &priorAppID)...)
	resp.Diagnostics.Append(req.State.GetAttribute(ctx, path.Root("id"), &priorID)...)
	if resp.Diagnostics.HasError() || name.IsUnknown() || !name.Equal(priorName) {
		return
	}
	to := fmt.Sprintf("%q", appID.ValueString())
	if appID.IsUnknown() {
		to = "a value known only after apply (an app created in this run)"
	}
	resp.Diagnostics.AddAttributeError(path.Root("app_id"), "Template Cannot Move to Another App",
		fmt.Sprintf("Template %s (%q) belongs to app %q, and app_id now says %s. The OTP API cannot move a template to another app, "+
			"nor delete one, so changing app_id replaces the template: a new one is created in the new app, and the old one stays "+
			"in the account with its name. Names are unique among the account's templates, so the new template cannot take the "+
			"name %q.\n\nTo move it, give the template a new name in the same change (the old template stays in the account, "+
			"outside Terraform, as after a destroy). Otherwise keep app_id as it is.",
			priorID.ValueString(), priorName.ValueString(), priorAppID.ValueString(), to, priorName.ValueString()))
}

// appIDChanges reports a plan that moves a template to another app, which
// replaces it. It reads app_id alone: most plans of templates change nothing.
func appIDChanges(ctx context.Context, plan tfsdk.Plan, state tfsdk.State, diags *diag.Diagnostics) bool {
	var appID, priorAppID types.String
	diags.Append(plan.GetAttribute(ctx, path.Root("app_id"), &appID)...)
	diags.Append(state.GetAttribute(ctx, path.Root("app_id"), &priorAppID)...)
	return !diags.HasError() && !appID.Equal(priorAppID)
}

// containsCode requires the code placeholder in a template's text.
type containsCode struct{}

func (containsCode) Description(context.Context) string {
	return "must contain " + otp.CodePlaceholder + ", where the code goes"
}

func (v containsCode) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (containsCode) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() || strings.Contains(req.ConfigValue.ValueString(), otp.CodePlaceholder) {
		return
	}
	resp.Diagnostics.AddAttributeError(req.Path, "Missing Code Placeholder",
		fmt.Sprintf("The text must contain %s where the code goes, for example \"%s is your login code\". Got: %q.",
			otp.CodePlaceholder, otp.CodePlaceholder, req.ConfigValue.ValueString()))
}

// appIDValidator checks an app_id with the appId rule.
var appIDValidator = idValidator{title: "App", parse: parseAppID}

func templateSchema(d docs) schema.Schema {
	names := make([]string, 0, len(codeTypes))
	for _, c := range codeTypes {
		names = append(names, c.name)
	}
	return schema.Schema{
		MarkdownDescription: "A verification-code template: the text of the message and the voice settings of a code. " +
			"It belongs to one app for good. Pass its `id` as `templateId` when sending a code.\n\n" +
			"The OTP API cannot delete templates, nor move one to another app: `terraform destroy` removes the template from " +
			"the Terraform state only, and changing `app_id` creates a new template (which needs a new name).",
		Attributes: map[string]schema.Attribute{
			"id": idAttribute("template", "templateId"),
			"app_id": schema.StringAttribute{
				MarkdownDescription: "The app the template belongs to (an appId" + d.write(", usually `otp_app.<name>.id`") + ")." +
					d.write(" A template cannot move: changing it creates a new template, and needs a new `name` in the same change, "+
						"since the old template keeps its name."),
				Required:      true,
				Validators:    []validator.String{appIDValidator},
				PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()},
			},
			"name": nameAttribute(d, "template", "登录短信"),
			"text": schema.StringAttribute{
				MarkdownDescription: fmt.Sprintf("The message, 1 to %d characters, with `%s` where the code goes.", textMaxChars, otp.CodePlaceholder),
				Required:            true,
				Validators:          []validator.String{stringvalidator.UTF8LengthBetween(1, textMaxChars), containsCode{}},
			},
			"code_type": schema.StringAttribute{
				MarkdownDescription: "The characters of the code: `numeric`" + d.write(" (the default)") + ", `alpha`, `alphanumeric` or `hex`.",
				Optional:            true, Computed: true, Default: stringdefault.StaticString(codeTypeDefault),
				Validators: []validator.String{oneOf(names...)},
			},
			"code_length": schema.Int64Attribute{
				MarkdownDescription: fmt.Sprintf("Length of the code, %d to %d.", codeLengthMin, codeLengthMax) + d.write(fmt.Sprintf(" Defaults to %d.", codeLengthDefault)),
				Optional:            true, Computed: true, Default: int64default.StaticInt64(codeLengthDefault),
				Validators: []validator.Int64{int64validator.Between(codeLengthMin, codeLengthMax)},
			},
			"language": schema.StringAttribute{
				MarkdownDescription: "Language of voice calls: `" + strings.Join(otp.Languages, "`, `") + "`." + d.write(" Defaults to `"+languageDefault+"`."),
				Optional:            true, Computed: true, Default: stringdefault.StaticString(languageDefault),
				Validators: []validator.String{oneOf(otp.Languages...)},
			},
			"speech_rate": schema.Int64Attribute{
				MarkdownDescription: fmt.Sprintf("Speed of voice calls, 0 to %d.", speechRateMax) + d.write(fmt.Sprintf(" Defaults to %d.", speechRateDefault)),
				Optional:            true, Computed: true, Default: int64default.StaticInt64(speechRateDefault),
				Validators: []validator.Int64{int64validator.Between(0, speechRateMax)},
			},
			"max_duration": schema.Int64Attribute{
				MarkdownDescription: fmt.Sprintf("Longest voice call, in seconds, %d to %d.", maxDurationMin, maxDurationMax) + d.write(fmt.Sprintf(" Defaults to %d.", maxDurationDefault)),
				Optional:            true, Computed: true, Default: int64default.StaticInt64(maxDurationDefault),
				Validators: []validator.Int64{int64validator.Between(maxDurationMin, maxDurationMax)},
			},
			"repeat_count": schema.Int64Attribute{
				MarkdownDescription: fmt.Sprintf("Times a voice call plays the code, %d to %d.", repeatMin, repeatMax) + d.write(fmt.Sprintf(" Defaults to %d.", repeatDefault)),
				Optional:            true, Computed: true, Default: int64default.StaticInt64(repeatDefault),
				Validators: []validator.Int64{int64validator.Between(repeatMin, repeatMax)},
			},
			"sms_segments": schema.Int64Attribute{
				MarkdownDescription: "How many SMS one code sent with this text takes, once `##code##` is replaced by a code of `code_length` " +
					"characters: 160 GSM-7 characters fit one SMS (153 per part when longer, the extension characters ^ { } \\ [ ~ ] | € " +
					"counting twice); one character outside GSM-7 (a Chinese character, a curly quote ’, an emoji) makes the whole " +
					"message UCS-2, where 70 fit one SMS (67 per part)." +
					d.write(" Known at plan, so a change of it shows there, and a create or a change of the text that takes more than "+
						"one SMS warns at plan.") +
					" This is the text alone, before anything the carrier adds. `provider::otp::sms_segments` computes the same for a " +
					"module's inputs.",
				Computed: true,
			},
			"sender_id": schema.StringAttribute{
				MarkdownDescription: "Sender id shown to the recipient, if the destination supports one. Null when unset (never an empty string)" +
					d.write("; leave the attribute out to send without one") + ".",
				Optional:   true,
				Validators: []validator.String{noEmptySenderID{}},
			},
		},
	}
}
