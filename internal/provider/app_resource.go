package provider

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework/list"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/int64default"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/itniotech/terraform-provider-otp/internal/otp"
)

// NewAppResource returns the otp_app resource.
func NewAppResource() resource.Resource { return newObjectResource(appKind) }

// NewAppListResource returns the otp_app list resource: the apps that the
// account's templates use (the API has no list of apps).
func NewAppListResource() list.ListResource { return newObjectListResource(appKind) }

// Rules of the vendor API for an app, enforced at plan time.
const (
	codeExpiryMin     = 1
	codeExpiryMax     = 60
	codeExpiryDefault = 5
	periodMin         = 1
	periodMax         = 90
	sendLimitMax      = 10_000_000_000
	appIDMinChars     = 4
	appIDMaxChars     = 32
)

// limitUnits maps the unit names of the configuration to the API's codes.
var limitUnits = map[string]int{"day": otp.UnitDay, "hour": otp.UnitHour, "minute": otp.UnitMinute, "second": otp.UnitSecond}

// limitUnitNames are the unit names in the order the docs give them.
var limitUnitNames = []string{"day", "hour", "minute", "second"}

// appInfo names apps; templates name their parent with it.
var appInfo = kindInfo{
	typeName: "app", title: "App", noun: "app",
	idExample: "mRELxtHc", nameExample: "shop-login",
}

var appKind = &kind[appModel, otp.App]{
	kindInfo: appInfo,
	objects:  (*otp.Client).Apps,
	// The API cannot list apps; every template names its app, so the apps
	// that templates use can be found from the template list.
	discover: discoverThrough(templateKind, func(t otp.Template) string { return t.AppID }),
	parseID:  parseAppID,
	schema:   appSchema,
	model:    appStateModel,
	input:    appModel.app,
	written: func(plan appModel, a otp.App, prior appModel) appModel {
		plan.ID = types.StringValue(a.ID)
		switch {
		case !plan.CreateTime.IsNull() && !plan.CreateTime.IsUnknown() && plan.CreateTime.ValueString() != "":
			// The plan knew it (an update, an adoption): what the plan said
			// is what the apply must write.
		case a.CreateTime != "":
			plan.CreateTime = types.StringValue(a.CreateTime)
		case !prior.CreateTime.IsNull() && !prior.CreateTime.IsUnknown():
			plan.CreateTime = prior.CreateTime
		default:
			// The answer lacked it and reading it back failed: the next
			// refresh fills it in.
			plan.CreateTime = types.StringValue("")
		}
		return plan
	},
}

// appModel is the resource's state and the data source's result.
type appModel struct {
	ID         types.String    `tfsdk:"id"`
	Name       types.String    `tfsdk:"name"`
	CodeExpiry types.Int64     `tfsdk:"code_expiry"`
	TotalLimit *sendLimitModel `tfsdk:"period_total_send_limit"`
	PhoneLimit *sendLimitModel `tfsdk:"period_phone_send_limit"`
	CreateTime types.String    `tfsdk:"create_time"`
}

// sendLimitModel is a send limit block; an absent block (nil) is a disabled
// limit.
type sendLimitModel struct {
	Unit   types.String `tfsdk:"unit"`
	Period types.Int64  `tfsdk:"period"`
	Limit  types.Int64  `tfsdk:"limit"`
}

func (m appModel) objectID() types.String   { return m.ID }
func (m appModel) objectName() types.String { return m.Name }

// app is the object the model describes. CreateTime, which a create or an
// update ignores, comes along, so that what this process records of a write
// (the catalog) holds it too.
func (m appModel) app() otp.App {
	return otp.App{Name: m.Name.ValueString(), CodeExpiry: int(m.CodeExpiry.ValueInt64()), TotalLimit: m.TotalLimit.limit(),
		PhoneLimit: m.PhoneLimit.limit(), CreateTime: m.CreateTime.ValueString()}
}

func (l *sendLimitModel) limit() otp.SendLimit {
	if l == nil {
		return otp.SendLimit{}
	}
	return otp.SendLimit{Enabled: true, Unit: limitUnits[l.Unit.ValueString()], Period: int(l.Period.ValueInt64()), Limit: l.Limit.ValueInt64()}
}

func appStateModel(a otp.App) appModel {
	return appModel{
		ID: types.StringValue(a.ID), Name: types.StringValue(a.Name), CodeExpiry: types.Int64Value(int64(a.CodeExpiry)),
		TotalLimit: sendLimitState(a.TotalLimit), PhoneLimit: sendLimitState(a.PhoneLimit), CreateTime: types.StringValue(a.CreateTime),
	}
}

func sendLimitState(l otp.SendLimit) *sendLimitModel {
	if !l.Enabled {
		return nil
	}
	unit := fmt.Sprint(l.Unit) // a code this provider does not know shows as itself
	for name, code := range limitUnits {
		if code == l.Unit {
			unit = name
		}
	}
	return &sendLimitModel{Unit: types.StringValue(unit), Period: types.Int64Value(int64(l.Period)), Limit: types.Int64Value(l.Limit)}
}

// parseAppID checks an appId: the API assigns 4 to 32 characters (its
// sample is mRELxtHc); it is not a number.
func parseAppID(id string) (string, error) {
	id = strings.TrimSpace(id)
	n := utf8.RuneCountInString(id)
	bad := strings.IndexFunc(id, func(r rune) bool { return unicode.IsSpace(r) || !unicode.IsPrint(r) || strings.ContainsRune("/?#%", r) })
	if n < appIDMinChars || n > appIDMaxChars || bad >= 0 {
		return "", fmt.Errorf("%q is not an app id; an appId is %d to %d characters without spaces or slashes, such as mRELxtHc, as shown in the vendor console",
			id, appIDMinChars, appIDMaxChars)
	}
	return id, nil
}

// sendLimitBlock is a limit block. Its attributes are required when the
// block is present; they are Optional in the schema because the framework
// checks Required attributes of an absent single block too, and an absent
// block is how a limit is disabled.
//
// Their descriptions start with "Required" so that the docs generator lists
// them as required (tools/docsfix), and a missing one is reported on the
// block's own line (requiresAll), with what to write.
func sendLimitBlock(d docs, what string) schema.SingleNestedBlock {
	required := d.write("Required in the block. ")
	return schema.SingleNestedBlock{
		MarkdownDescription: what + d.write(" Omit the block to disable the limit; removing it later disables the limit in place. "+
			"`unit`, `period` and `limit` are all required in the block.") + d.read(" Null when the limit is disabled."),
		Validators: []validator.Object{requiresAll{names: []string{"unit", "period", "limit"}, example: "    unit   = \"day\"\n    period = 1\n    limit  = 1000",
			absent: "remove the block to disable the limit"}},
		Attributes: map[string]schema.Attribute{
			"unit": schema.StringAttribute{
				MarkdownDescription: required + "Unit of the period: `day`, `hour`, `minute` or `second`.",
				Optional:            true,
				Validators:          []validator.String{oneOf(limitUnitNames...)},
			},
			"period": schema.Int64Attribute{
				MarkdownDescription: required + fmt.Sprintf("Length of the period, %d to %d units.", periodMin, periodMax),
				Optional:            true,
				Validators:          []validator.Int64{int64validator.Between(periodMin, periodMax)},
			},
			"limit": schema.Int64Attribute{
				MarkdownDescription: required + fmt.Sprintf("Most sends allowed in one period, 1 to %d.", int64(sendLimitMax)),
				Optional:            true,
				Validators:          []validator.Int64{int64validator.Between(1, sendLimitMax)},
			},
		},
	}
}

func appSchema(d docs) schema.Schema {
	return schema.Schema{
		MarkdownDescription: "A verification-code app: how long a sent code stays valid, and how many codes may be sent. " +
			"Every code is sent for an app: pass its `id` as `appId` when sending, and to the templates of the app.\n\n" +
			"The OTP API cannot delete apps, nor list them: `terraform destroy` removes the app from the Terraform state only, " +
			"and an app can only be found again by its id, or through the templates that use it (`adopt_existing`, `terraform query`).",
		Attributes: map[string]schema.Attribute{
			"id":   idAttribute("app", "appId"),
			"name": nameAttribute(d, "app", "商城登录"),
			"code_expiry": schema.Int64Attribute{
				MarkdownDescription: fmt.Sprintf("Minutes a sent code stays valid, %d to %d.", codeExpiryMin, codeExpiryMax) +
					d.write(fmt.Sprintf(" Defaults to %d.", codeExpiryDefault)),
				Optional:   true,
				Computed:   true,
				Default:    int64default.StaticInt64(codeExpiryDefault),
				Validators: []validator.Int64{int64validator.Between(codeExpiryMin, codeExpiryMax)},
			},
			"create_time": schema.StringAttribute{
				MarkdownDescription: "When the app was created, as the API gives it (ISO 8601 with an offset, such as `2022-01-01T00:00:00+08:00`).",
				Computed:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
		},
		Blocks: map[string]schema.Block{
			"period_total_send_limit": sendLimitBlock(d, "Caps all sends of the app in a period; a send over the cap is refused with status -27."),
			"period_phone_send_limit": sendLimitBlock(d, "Caps the sends to one phone number in a period; a send over the cap is refused with status -28."),
		},
	}
}
