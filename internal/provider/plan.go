package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// ModifyPlan says at plan, before anything is sent, what the apply would
// refuse or what the user must know. The API cannot delete and names are
// unique, so a create that should not happen cannot be undone: each step
// below is one concern, in the order a reader checks them.
func (r *objectResource[M, T]) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if r.pd == nil {
		return // the provider is not configured yet (validation)
	}
	if req.Plan.Raw.IsNull() {
		r.warnDestroy(ctx, req, resp)
		return
	}
	p, ok := r.readPlannedChange(ctx, req, resp)
	if !ok || !r.checkKindRules(ctx, req, resp, p) || !r.checkNotAdoptedElsewhere(resp, p) {
		return
	}
	if p.replacing {
		r.warnReplacement(ctx, resp, p)
		return
	}
	if !p.takesNewName() || !r.claimNewName(req, resp, p) {
		return
	}
	r.checkName(ctx, resp, p)
}

// plannedChange is what the steps of ModifyPlan read of a plan: only the
// names and ids, since most plans are of unchanged resources, which should
// not pay for converting whole plans and states.
type plannedChange struct {
	creating, replacing bool
	name                types.String // planned
	priorName, priorID  types.String // null for a create
}

// takesNewName: a create, or a rename, to a name known at plan (one unknown
// until apply is checked by the API then).
func (p plannedChange) takesNewName() bool {
	return !p.name.IsUnknown() && (p.creating || !p.priorName.Equal(p.name))
}

func (r *objectResource[M, T]) readPlannedChange(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) (plannedChange, bool) {
	p := plannedChange{creating: req.State.Raw.IsNull()}
	// Asked once: it reads only what the replacement depends on (a
	// template's app_id).
	p.replacing = !p.creating && r.k.replaces != nil && r.k.replaces(ctx, req.Plan, req.State, &resp.Diagnostics)
	resp.Diagnostics.Append(req.Plan.GetAttribute(ctx, path.Root("name"), &p.name)...)
	if !p.creating {
		resp.Diagnostics.Append(req.State.GetAttribute(ctx, path.Root("name"), &p.priorName)...)
		resp.Diagnostics.Append(req.State.GetAttribute(ctx, path.Root("id"), &p.priorID)...)
	}
	return p, !resp.Diagnostics.HasError()
}

// checkKindRules applies what only the kind knows (a template that cannot
// move to another app under its own name).
func (r *objectResource[M, T]) checkKindRules(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse, p plannedChange) bool {
	if r.k.modifyPlan != nil {
		r.k.modifyPlan(ctx, req, resp, p.replacing)
	}
	return !resp.Diagnostics.HasError()
}

// checkNotAdoptedElsewhere records that this resource manages its object,
// and stops if another resource of the configuration plans to adopt it by
// name (whichever of the two is planned first, one of them learns of the
// other: planAdoption).
func (r *objectResource[M, T]) checkNotAdoptedElsewhere(resp *resource.ModifyPlanResponse, p plannedChange) bool {
	if p.creating || p.priorID.IsNull() {
		return true
	}
	if as, adopted := r.pd.manage(objectKey{r.k.typeName, p.priorID.ValueString()}); adopted {
		r.k.addAdoptedElsewhere(&resp.Diagnostics, p.priorID.ValueString(), as)
		return false
	}
	return true
}

// claimNewName records the name this resource plans, and stops if another
// resource of the configuration certainly plans it too (claims.go).
func (r *objectResource[M, T]) claimNewName(req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse, p plannedChange) bool {
	c := claim{id: p.priorID.ValueString()}
	if p.creating {
		c.config = req.Config.Raw
	}
	switch r.pd.claimName(nameKey{r.k.typeName, p.name.ValueString()}, c) {
	case claimTaken:
		r.k.addDuplicateName(&resp.Diagnostics, p.name.ValueString())
		return false
	case claimDoubtful:
		r.k.addDoubtfulDuplicate(&resp.Diagnostics, p.name.ValueString())
	}
	return true
}

// checkName looks the new name up in the account (the kind's list: one
// request per kind and process, shared with the refresh; for apps, which
// have no list, only when adoption may adopt one): an object of this
// configuration holding it is an error; any other holder is adopted (the
// plan warns) when adoption is on, else an error. Without a list the API
// checks the name at apply.
func (r *objectResource[M, T]) checkName(ctx context.Context, resp *resource.ModifyPlanResponse, p plannedChange) {
	name, ownID := p.name.ValueString(), p.priorID.ValueString()
	adopt := p.creating && r.pd.adoptExisting
	if !r.k.canList && (!adopt || r.k.discover == nil) {
		return
	}
	holder, found, err := lookupByName(ctx, r.pd, r.k, name)
	holderID := ""
	if found {
		holderID = r.k.objects(r.pd.client).ID(holder)
	}
	holderKey := objectKey{r.k.typeName, holderID}
	switch {
	case refusal(err) != "":
		// The apply could not succeed either: say so now.
		r.pd.addAPIError(&resp.Diagnostics, true, "Unable to Check "+r.k.title+" Name",
			fmt.Sprintf("Listing the account's %ss to check that %q is free failed.", r.k.noun, name), err)
	case err != nil:
		// Perhaps transient: the API checks the name at apply anyway.
		resp.Diagnostics.AddAttributeWarning(path.Root("name"), "Unable to Check "+r.k.title+" Name",
			fmt.Sprintf("Listing the account's %ss to check that %q is free failed, so the API will check it at apply.\n\n%s", r.k.noun, name, err))
	case !found || holderID == ownID:
	case r.pd.isManaged(holderKey):
		r.k.addManagedElsewhere(&resp.Diagnostics, name, holderID, r.pd.claimOf(holderKey, name))
	case adopt:
		r.warnAdoption(ctx, resp, name, holder)
	default:
		r.k.addNameTaken(&resp.Diagnostics, name, holderID, ownID, p.priorName.ValueString(), false, nil)
	}
}
