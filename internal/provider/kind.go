package provider

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/itniotech/terraform-provider-otp/internal/otp"
)

// kind is everything the shared resource and data-source machinery needs to
// know about one kind of object (task flow, app, template). Each kind is one
// file that fills this in; resource.go, data_source.go, catalog.go and
// diagnostics.go serve every kind alike.
//
// M is the Terraform model (the resource's state, and the data sources'
// result: their schemas are derived from the resource's), T the client's
// object.
type kind[M objectModel, T any] struct {
	kindInfo
	// objects is the client's API of this kind.
	objects func(*otp.Client) otp.Objects[T]
	// parseID checks an id before it is sent anywhere and returns it in
	// canonical form; the error says what an id of this kind looks like.
	parseID func(string) (string, error)
	// schema is the resource's schema. Its descriptions come from d: the
	// data sources derive their schemas from it, read-only, and a sentence
	// about writing (a default, an in-place update) is wrong there.
	schema func(d docs) schema.Schema
	// model turns an API object into state; input turns a plan into the
	// object to send.
	model func(T) M
	input func(M) T
	// written is the state after a create or update: the plan plus what the
	// server added (the id, and for apps the creation time, from the answer
	// or else from prior, the state before an update).
	written func(plan M, obj T, prior M) M
	// replaces, when set, reports a change that replaces the object (an
	// attribute with RequiresReplace changed). Terraform then plans the
	// resource a second time as a create, which checks the new name.
	replaces func(ctx context.Context, plan tfsdk.Plan, state tfsdk.State, diags *diag.Diagnostics) bool
	// modifyPlan, when set, adds the kind's own plan-time rules; replacing
	// is what replaces said of this plan (false for a create).
	modifyPlan func(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse, replacing bool)
	// filter, when set, is an optional attribute of the plural data source
	// that keeps only the objects whose value matches.
	filter *listFilter[T]
	// discover, for a kind without a list, finds its objects through what
	// refers to them (apps: the account's templates). An object nothing
	// refers to cannot be found.
	discover *discovery
	// parent, when set, is the object of another kind that this one is
	// created in (a template's app): a create that the API refuses as "not
	// found" means the parent does not exist, not that anything vanished.
	parent *parentRef[M, T]
}

// discovery finds the objects of a kind without a list through a listable
// kind whose objects refer to them.
type discovery struct {
	// ids returns the ids referred to, in id order, from the referring
	// kind's catalog.
	ids func(ctx context.Context, pd *providerData) ([]string, error)
	// refresh makes the next ids fetch the referring kind's list again.
	refresh func(pd *providerData)
}

// discoverThrough finds objects through the objects of from: ref is the id
// one of them refers to ("" for none).
func discoverThrough[M objectModel, T any](from *kind[M, T], ref func(T) string) *discovery {
	return &discovery{
		ids: func(ctx context.Context, pd *providerData) ([]string, error) {
			return referencedIDs(ctx, pd, from, ref)
		},
		refresh: func(pd *providerData) { catalogOf(pd, from).invalidate() },
	}
}

// parentRef names the attribute that points at the parent object.
type parentRef[M, T any] struct {
	attribute string // "app_id"
	kind      kindInfo
	value     func(M) string // in the configuration
	of        func(T) string // of an object of the account
}

// listFilter is an optional attribute of a plural data source and of the
// list resource.
type listFilter[T any] struct {
	attribute   string // "app_id"
	description string
	validators  []validator.String
	value       func(T) string
}

// objectModel is what the shared machinery reads from every model.
type objectModel interface {
	objectID() types.String
	objectName() types.String
}

// kindInfo names a kind in schemas and diagnostics.
type kindInfo struct {
	typeName string // "task_flow": otp_task_flow, and the data sources otp_task_flow and otp_task_flows
	plural   string // "flows": the list attribute of the plural data source ("" when the kind has no list)
	title    string // "Task Flow": in diagnostic summaries
	noun     string // "task flow": in diagnostic details
	// idExample and nameExample show what an id and a name look like.
	idExample, nameExample string
	// canList: the API lists every object of the kind (a test holds it to
	// the client's Listable).
	canList bool
}

// resourceType is the full resource type name, e.g. otp_task_flow.
func (i kindInfo) resourceType() string { return "otp_" + i.typeName }

// importNamePrefix marks an import id that is a name, not an id.
const importNamePrefix = "name:"

// Rules every kind shares.
const (
	nameMinChars = 4
	nameMaxChars = 32
)

// docs tells a kind's schema where its descriptions appear: in the
// resource, which the user writes, or in the data sources, which only read.
// One schema function per kind serves both, so the two cannot drift apart,
// and each sentence says which of the two it belongs to.
type docs struct{ data bool }

var (
	resourceDocs = docs{}
	dataDocs     = docs{data: true}
)

// write is a sentence about configuring the attribute (a default, how a
// change is applied): the resource's only.
func (d docs) write(s string) string {
	if d.data {
		return ""
	}
	return s
}

// read is a sentence for the data sources only.
func (d docs) read(s string) string {
	if d.data {
		return s
	}
	return ""
}

// idAttribute is the id of every resource: the API's id as a string, which
// never changes.
func idAttribute(noun, apiField string) schema.StringAttribute {
	return schema.StringAttribute{
		MarkdownDescription: fmt.Sprintf("The id the service assigned to the %s (`%s`), as a string. It never changes, not even when the %s is renamed.", noun, apiField, noun),
		Computed:            true,
		PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
	}
}

// nameAttribute is the name of every kind: 4 to 32 characters, unique among
// the account's objects of the kind.
func nameAttribute(d docs, noun, example string) schema.StringAttribute {
	return schema.StringAttribute{
		MarkdownDescription: fmt.Sprintf("Name of the %s, %d to %d characters (characters, not bytes: `%s` is valid). "+
			"Unique among the account's %ss", noun, nameMinChars, nameMaxChars, example, noun) +
			d.write("; a name stays taken even after `terraform destroy`, since the API cannot delete. Renaming updates the "+noun+" in place") + ".",
		Required:   true,
		Validators: []validator.String{stringvalidator.UTF8LengthBetween(nameMinChars, nameMaxChars)},
	}
}

// idValidator checks an id attribute of a data source with the kind's rule.
type idValidator struct {
	title string
	parse func(string) (string, error)
}

func (v idValidator) Description(context.Context) string {
	return "must be a valid " + v.title + " id"
}

func (v idValidator) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (v idValidator) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if _, err := v.parse(req.ConfigValue.ValueString()); err != nil {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid "+v.title+" ID", err.Error())
	}
}

// parseIntID reads the id of a kind whose ids are positive integers (flows,
// templates).
func parseIntID(id, noun, apiField string) (string, error) {
	n, err := strconv.ParseInt(strings.TrimSpace(id), 10, 64)
	if err != nil || n <= 0 {
		return "", fmt.Errorf("%q is not a %s id; a %s is a positive whole number such as 10001", id, noun, apiField)
	}
	return strconv.FormatInt(n, 10), nil
}

// formatIntID is the state's form of an integer id.
func formatIntID(id int64) string { return strconv.FormatInt(id, 10) }
