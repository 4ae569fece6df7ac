package provider

import (
	"context"
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/int64default"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/itniotech/terraform-provider-otp/internal/otp"
)

var (
	_ resource.Resource                = &taskFlowResource{}
	_ resource.ResourceWithConfigure   = &taskFlowResource{}
	_ resource.ResourceWithImportState = &taskFlowResource{}
)

// privateImported marks state that came from an import, so that Read can
// turn "not found" into an error instead of silently dropping the resource.
const privateImported = "imported"

// NewTaskFlowResource returns the otp_task_flow resource.
func NewTaskFlowResource() resource.Resource { return &taskFlowResource{} }

type taskFlowResource struct {
	client *otp.Client
}

func (r *taskFlowResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_task_flow"
}

// Rules of the vendor API, enforced at plan time.
const (
	nameMinChars   = 4
	nameMaxChars   = 32
	waitingTimeMin = 30
	waitingTimeMax = 120
)

func (r *taskFlowResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "A task flow: a named, ordered list of fallback steps that the OTP service follows when a " +
			"one-time password cannot be delivered or is not checked, for example \"retry by SMS after 60 seconds, then " +
			"call after 90\". Pass its `id` as `flowId` when sending a code.\n\n" +
			"The OTP API cannot delete task flows: `terraform destroy` removes the flow from the Terraform state only, " +
			"and it stays in the account until it is removed in the vendor console.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				MarkdownDescription: "The flowId the service assigned, as a string. It never changes, even when the name or steps do.",
				Computed:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"name": schema.StringAttribute{
				MarkdownDescription: fmt.Sprintf("Name of the task flow, %d to %d characters (characters, not bytes: `登录回退` is a valid name). "+
					"Unique within the account. Renaming updates the flow in place.", nameMinChars, nameMaxChars),
				Required:   true,
				Validators: []validator.String{stringvalidator.UTF8LengthBetween(nameMinChars, nameMaxChars)},
			},
		},
		Blocks: map[string]schema.Block{
			"flow": schema.ListNestedBlock{
				MarkdownDescription: "One fallback step. **At least one is required**; the steps run in the order written. " +
					"Adding, removing or reordering steps updates the flow in place.",
				Validators: []validator.List{atLeastOneBlock{block: "flow", what: "a task flow needs at least one fallback step"}},
				NestedObject: schema.NestedBlockObject{
					Attributes: map[string]schema.Attribute{
						"waiting_time": schema.Int64Attribute{
							MarkdownDescription: fmt.Sprintf("Seconds to wait before this step runs, %d to %d.", waitingTimeMin, waitingTimeMax),
							Required:            true,
							Validators:          []validator.Int64{int64validator.Between(waitingTimeMin, waitingTimeMax)},
						},
						"status": schema.Int64Attribute{
							MarkdownDescription: "What triggers this step: `1` when the send fails (the send itself or its delivery report), " +
								"`2` when the code is not checked (including a failed check).",
							Required:   true,
							Validators: []validator.Int64{int64validator.OneOf(otp.TriggerSendFailure, otp.TriggerNotChecked)},
						},
						"channel": schema.StringAttribute{
							MarkdownDescription: "How this step resends the code: `sms` or `call` (a voice call). Lower case.",
							Required:            true,
							Validators:          []validator.String{stringvalidator.OneOf(otp.ChannelSMS, otp.ChannelCall)},
						},
						"channel_cut": schema.Int64Attribute{
							MarkdownDescription: "`0` to switch channel (the default), `1` to keep the channel.",
							Optional:            true,
							Computed:            true,
							Default:             int64default.StaticInt64(otp.CutSwitch),
							Validators:          []validator.Int64{int64validator.OneOf(otp.CutSwitch, otp.CutNoSwitch)},
						},
					},
				},
			},
		},
	}
}

func (r *taskFlowResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.client = clientFrom(req.ProviderData, &resp.Diagnostics)
}

func (r *taskFlowResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan taskFlowModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	in := plan.input()
	created, err := r.client.CreateFlow(ctx, in)
	if err != nil {
		if otp.IsNameTaken(err) {
			var existing int64
			if apiErr, ok := asAPIError(err); ok {
				existing = apiErr.ExistingFlowID
			}
			resp.Diagnostics.AddAttributeError(path.Root("name"), "Task Flow Name Already Taken", nameTakenDetail(in.Name, existing, err))
			return
		}
		addAPIError(&resp.Diagnostics, "Unable to Create Task Flow",
			fmt.Sprintf("Creating task flow %q failed; nothing was added to the Terraform state.", in.Name), err)
		return
	}
	tflog.Info(ctx, "Created task flow", map[string]any{"flow_id": created.ID, "name": created.Name})
	resp.Diagnostics.Append(resp.State.Set(ctx, flowModel(created))...)
}

// stateFlow reads the prior state and its flowId.
func stateFlow(ctx context.Context, st tfsdk.State, diags *diag.Diagnostics) (taskFlowModel, int64, bool) {
	var state taskFlowModel
	diags.Append(st.Get(ctx, &state)...)
	if diags.HasError() {
		return state, 0, false
	}
	id, err := parseFlowID(state.ID.ValueString())
	if err != nil {
		diags.AddAttributeError(path.Root("id"), "Invalid Task Flow ID in State",
			err.Error()+". The state was edited by hand or is damaged; remove the resource with terraform state rm and import it again.")
		return state, 0, false
	}
	return state, id, true
}

func (r *taskFlowResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	state, id, ok := stateFlow(ctx, req.State, &resp.Diagnostics)
	if !ok {
		return
	}
	imported, diags := req.Private.GetKey(ctx, privateImported)
	resp.Diagnostics.Append(diags...)
	f, err := r.client.GetFlow(ctx, id)
	switch {
	case otp.IsNotFound(err) && len(imported) > 0:
		resp.Diagnostics.AddError("Task Flow Not Found",
			fmt.Sprintf("Cannot import task flow %d: the account has no task flow with that id.\n\n"+
				"Check the id in the vendor console, or import by name with \"%s<flow name>\".\n\n%s", id, importNamePrefix, err))
		return
	case otp.IsNotFound(err):
		tflog.Warn(ctx, "Task flow no longer exists in the account; removing it from state so that the next plan recreates it",
			map[string]any{"flow_id": id, "name": state.Name.ValueString()})
		resp.State.RemoveResource(ctx)
		return
	case err != nil:
		addAPIError(&resp.Diagnostics, "Unable to Read Task Flow",
			fmt.Sprintf("Reading task flow %d (%q) failed; the Terraform state was left as it was.", id, state.Name.ValueString()), err)
		return
	}
	if len(imported) > 0 {
		resp.Diagnostics.Append(resp.Private.SetKey(ctx, privateImported, nil)...)
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, flowModel(f))...)
}

func (r *taskFlowResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan taskFlowModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	state, id, ok := stateFlow(ctx, req.State, &resp.Diagnostics)
	if !ok || resp.Diagnostics.HasError() {
		return
	}
	in := plan.input()
	updated, err := r.client.UpdateFlow(ctx, id, in)
	switch {
	case otp.IsNameTaken(err):
		holder := "another flow in the account has that name"
		// One lookup on this error path turns "some flow" into a flow the
		// user can find; it costs nothing when updates succeed.
		if other, found, lerr := r.client.FindFlowByName(ctx, in.Name); lerr == nil && found {
			holder = fmt.Sprintf("flow %d already has that name", other.ID)
		}
		resp.Diagnostics.AddAttributeError(path.Root("name"), "Task Flow Name Already Taken",
			fmt.Sprintf("Renaming task flow %d from %q to %q failed: %s. "+
				"Names are unique per account; choose another name. The flow was not changed.\n\n%s", id, state.Name.ValueString(), in.Name, holder, err))
		return
	case otp.IsNotFound(err):
		resp.Diagnostics.AddError("Task Flow Not Found",
			fmt.Sprintf("Task flow %d (%q) was removed from the account outside Terraform before it could be updated. "+
				"Run terraform apply again: the refresh will notice and plan to create it anew.\n\n%s", id, state.Name.ValueString(), err))
		return
	case err != nil:
		addAPIError(&resp.Diagnostics, "Unable to Update Task Flow",
			fmt.Sprintf("Updating task flow %d (%q) failed; the Terraform state still holds the previous values.", id, state.Name.ValueString()), err)
		return
	}
	tflog.Info(ctx, "Updated task flow", map[string]any{"flow_id": id, "name": updated.Name})
	resp.Diagnostics.Append(resp.State.Set(ctx, flowModel(updated))...)
}

// Delete only forgets the flow: the vendor API has no way to delete one.
func (r *taskFlowResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state taskFlowModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	id, name := state.ID.ValueString(), state.Name.ValueString()
	resp.Diagnostics.AddWarning("Task Flow Still Exists in the OTP Account",
		fmt.Sprintf("Task flow %s (%q) was removed from the Terraform state only. The OTP API cannot delete task flows, "+
			"so it still exists in the account, and its name stays taken.\n\n"+
			"To delete it, remove it in the vendor console. To manage it with Terraform again, import it:\n\n"+
			"  terraform import otp_task_flow.<name> %s", id, name, id))
	tflog.Warn(ctx, "Task flow removed from state only; the OTP API cannot delete it", map[string]any{"flow_id": id, "name": name})
}

func (r *taskFlowResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	raw := strings.TrimSpace(req.ID)
	var id string
	if name, ok := strings.CutPrefix(raw, importNamePrefix); ok {
		f, found, err := r.client.FindFlowByName(ctx, name)
		if err != nil {
			addAPIError(&resp.Diagnostics, "Unable to Import Task Flow", fmt.Sprintf("Looking up the task flow named %q failed.", name), err)
			return
		}
		if !found {
			resp.Diagnostics.AddError("Task Flow Not Found",
				fmt.Sprintf("Cannot import: the account has no task flow named %q. Names are matched exactly, including case.", name))
			return
		}
		id = fmt.Sprint(f.ID)
	} else {
		n, err := parseFlowID(raw)
		if err != nil {
			resp.Diagnostics.AddError("Invalid Import ID",
				fmt.Sprintf("Cannot import %q. Import a task flow by its flowId (for example 10001) or by its name "+
					"prefixed with %q (for example %slogin-fallback).", req.ID, importNamePrefix, importNamePrefix))
			return
		}
		id = fmt.Sprint(n)
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), id)...)
	resp.Diagnostics.Append(resp.Private.SetKey(ctx, privateImported, []byte(`true`))...)
}
