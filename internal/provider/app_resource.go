package provider

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/objectvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/path"
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

var appKind = &kind[appModel, otp.App]{
	kindInfo: kindInfo{
		typeName: "app", title: "App", noun: "app",
		idExample: "mRELxtHc", nameExample: "shop-login",
	},
	objects: (*otp.Client).Apps,
	parseID: parseAppID,
	schema:  appSchema,
	model:   appStateModel,
	input:   appModel.app,
	written: func(plan appModel, a otp.App, prior appModel) appModel {
		plan.ID = types.StringValue(a.ID)
		switch {
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

func (m appModel) app() otp.App {
	return otp.App{Name: m.Name.ValueString(), CodeExpiry: int(m.CodeExpiry.ValueInt64()), TotalLimit: m.TotalLimit.limit(), PhoneLimit: m.PhoneLimit.limit()}
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
func sendLimitBlock(what string) schema.SingleNestedBlock {
	return schema.SingleNestedBlock{
		MarkdownDescription: what + " Omit the block to disable the limit; removing it later disables the limit in place. " +
			"`unit`, `period` and `limit` are all required in the block.",
		Validators: []validator.Object{objectvalidator.AlsoRequires(
			path.MatchRelative().AtName("unit"), path.MatchRelative().AtName("period"), path.MatchRelative().AtName("limit"))},
		Attributes: map[string]schema.Attribute{
			"unit": schema.StringAttribute{
				MarkdownDescription: "Unit of the period: `day`, `hour`, `minute` or `second`.",
				Optional:            true,
				Validators:          []validator.String{stringvalidator.OneOf("day", "hour", "minute", "second")},
			},
			"period": schema.Int64Attribute{
				MarkdownDescription: fmt.Sprintf("Length of the period, %d to %d units.", periodMin, periodMax),
				Optional:            true,
				Validators:          []validator.Int64{int64validator.Between(periodMin, periodMax)},
			},
			"limit": schema.Int64Attribute{
				MarkdownDescription: fmt.Sprintf("Most sends allowed in one period, 1 to %d.", int64(sendLimitMax)),
				Optional:            true,
				Validators:          []validator.Int64{int64validator.Between(1, sendLimitMax)},
			},
		},
	}
}

func appSchema() schema.Schema {
	return schema.Schema{
		MarkdownDescription: "A verification-code app: how long a sent code stays valid, and how many codes may be sent. " +
			"Every code is sent for an app: pass its `id` as `appId` when sending, and to the templates of the app.\n\n" +
			"The OTP API cannot delete apps, nor list them: `terraform destroy` removes the app from the Terraform state only, " +
			"and an app can only be found again by its id.",
		Attributes: map[string]schema.Attribute{
			"id":   idAttribute("app", "appId"),
			"name": nameAttribute("app", "商城登录"),
			"code_expiry": schema.Int64Attribute{
				MarkdownDescription: fmt.Sprintf("Minutes a sent code stays valid, %d to %d. Defaults to %d.", codeExpiryMin, codeExpiryMax, codeExpiryDefault),
				Optional:            true,
				Computed:            true,
				Default:             int64default.StaticInt64(codeExpiryDefault),
				Validators:          []validator.Int64{int64validator.Between(codeExpiryMin, codeExpiryMax)},
			},
			"create_time": schema.StringAttribute{
				MarkdownDescription: "When the app was created, as the API gives it (ISO 8601 with an offset, such as `2022-01-01T00:00:00+08:00`).",
				Computed:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
		},
		Blocks: map[string]schema.Block{
			"period_total_send_limit": sendLimitBlock("Caps all sends of the app in a period; a send over the cap is refused with status -27."),
			"period_phone_send_limit": sendLimitBlock("Caps the sends to one phone number in a period; a send over the cap is refused with status -28."),
		},
	}
}
