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
// unique, so a create that should not happen cannot be undone. Each step is
// one concern, in the order a reader checks them; a step that returns false
// has said why the plan goes no further (an error, or nothing left to check).
func (r *objectResource[M, T]) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if r.pd == nil {
		return // the provider is not configured yet (validation)
	}
	if req.Plan.Raw.IsNull() {
		r.warnDestroy(ctx, req, resp)
		return
	}
	var p plannedChange[T]
	if !r.readPlannedChange(ctx, req, resp, &p) {
		return
	}
	if !r.checkKindRules(ctx, req, resp, p) {
		return
	}
	r.recordManaged(p)
	if !r.checkNotAdoptedElsewhere(resp, p) {
		return
	}
	if p.replacing {
		r.warnReplacement(ctx, req, resp, p)
		return
	}
	if !p.takesNewName() {
		return
	}
	if !r.claimNewName(req, resp, p) {
		return
	}
	if !r.findNameHolder(ctx, resp, &p) {
		return
	}
	if !r.checkHolderNotManaged(resp, p) {
		return
	}
	if !r.decideAdoption(resp, p) {
		return
	}
	if !r.checkHolderParent(ctx, resp, &p) {
		return
	}
	if !r.recordAdoption(resp, p) {
		return
	}
	r.warnAdoption(ctx, resp, p)
}

// plannedChange is what the steps of ModifyPlan read of a plan, and what
// they learn of the account. Only the names and ids are read: most plans are
// of unchanged resources, which should not pay for converting whole plans
// and states.
type plannedChange[T any] struct {
	creating, replacing bool
	name                types.String // planned
	priorName, priorID  types.String // null for a create
	// holder is the object of the account that holds the planned name
	// (findNameHolder), with its id.
	holder   T
	holderID string
	// parentUnknown: the plan does not know the holder's parent yet (a
	// template of an app created or adopted in the same run).
	parentUnknown bool
}

// takesNewName: a create, or a rename, to a name known at plan (one unknown
// until apply is checked by the API then).
func (p plannedChange[T]) takesNewName() bool {
	return !p.name.IsUnknown() && (p.creating || !p.priorName.Equal(p.name))
}

func (r *objectResource[M, T]) readPlannedChange(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse, p *plannedChange[T]) bool {
	p.creating = req.State.Raw.IsNull()
	// Asked once: it reads only what the replacement depends on (a
	// template's app_id).
	p.replacing = !p.creating && r.k.replaces != nil && r.k.replaces(ctx, req.Plan, req.State, &resp.Diagnostics)
	resp.Diagnostics.Append(req.Plan.GetAttribute(ctx, path.Root("name"), &p.name)...)
	if !p.creating {
		resp.Diagnostics.Append(req.State.GetAttribute(ctx, path.Root("name"), &p.priorName)...)
		resp.Diagnostics.Append(req.State.GetAttribute(ctx, path.Root("id"), &p.priorID)...)
	}
	return !resp.Diagnostics.HasError()
}

// checkKindRules applies what only the kind knows (a template that cannot
// move to another app under its own name).
func (r *objectResource[M, T]) checkKindRules(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse, p plannedChange[T]) bool {
	if r.k.modifyPlan != nil {
		r.k.modifyPlan(ctx, req, resp, p.replacing)
	}
	return !resp.Diagnostics.HasError()
}

// recordManaged records that this resource manages its object (none yet for
// a create): a name it holds is then never adopted by another resource, and
// a conflict with it is told apart from one with an object outside the
// configuration.
func (r *objectResource[M, T]) recordManaged(p plannedChange[T]) {
	if !p.creating && !p.priorID.IsNull() {
		r.pd.manage(objectKey{r.k.typeName, p.priorID.ValueString()})
	}
}

// checkNotAdoptedElsewhere stops if another resource of the configuration,
// planned before this one, plans to adopt this resource's object by name (if
// it is planned after, recordAdoption stops it instead).
func (r *objectResource[M, T]) checkNotAdoptedElsewhere(resp *resource.ModifyPlanResponse, p plannedChange[T]) bool {
	if p.creating || p.priorID.IsNull() {
		return true
	}
	if as, adopted := r.pd.adoptionPlanned(objectKey{r.k.typeName, p.priorID.ValueString()}); adopted {
		r.k.addAdoptedElsewhere(&resp.Diagnostics, p.priorID.ValueString(), as)
		return false
	}
	return true
}

// claimNewName records the name this resource plans, and stops if another
// resource of the configuration certainly plans it too (claims.go).
func (r *objectResource[M, T]) claimNewName(req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse, p plannedChange[T]) bool {
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

// findNameHolder looks the new name up in the account (the kind's list: one
// request per kind and process, shared with the refresh; for apps, which have
// no list, only when the plan may adopt one). It goes on only when another
// object holds the name; it stops when the name is free, or cannot be checked
// at plan (no list, or a list that failed: the API checks the name at apply).
func (r *objectResource[M, T]) findNameHolder(ctx context.Context, resp *resource.ModifyPlanResponse, p *plannedChange[T]) bool {
	name := p.name.ValueString()
	if !r.k.canList && (!r.adopts(*p) || r.k.discover == nil) {
		return false
	}
	holder, found, err := lookupByName(ctx, r.pd, r.k, name)
	switch {
	case refusal(err) != "":
		// The apply could not succeed either: say so now.
		r.pd.addAPIError(&resp.Diagnostics, true, "Unable to Check "+r.k.title+" Name",
			fmt.Sprintf("Listing the account's %ss to check that %q is free failed.", r.k.noun, name), err)
		return false
	case err != nil:
		// Perhaps transient: the API checks the name at apply anyway.
		resp.Diagnostics.AddAttributeWarning(path.Root("name"), "Unable to Check "+r.k.title+" Name",
			fmt.Sprintf("Listing the account's %ss to check that %q is free failed, so the API will check it at apply.\n\n%s", r.k.noun, name, err))
		return false
	case !found:
		return false
	}
	p.holder, p.holderID = holder, r.k.objects(r.pd.client).ID(holder)
	return p.holderID != p.priorID.ValueString()
}

// checkHolderNotManaged stops when the holder is an object that another
// resource of this configuration manages: never adopted, always an error.
func (r *objectResource[M, T]) checkHolderNotManaged(resp *resource.ModifyPlanResponse, p plannedChange[T]) bool {
	o := objectKey{r.k.typeName, p.holderID}
	if !r.pd.isManaged(o) {
		return true
	}
	r.k.addManagedElsewhere(&resp.Diagnostics, p.name.ValueString(), p.holderID, r.pd.claimOf(o, p.name.ValueString()))
	return false
}

// adopts: the plan is one that adopts the holder of its name, if any (a
// create, with adopt_existing on).
func (r *objectResource[M, T]) adopts(p plannedChange[T]) bool {
	return p.creating && r.pd.adoptExisting
}

// decideAdoption decides what becomes of a name that an object outside the
// configuration holds: a create with adopt_existing on adopts it; anything
// else stops with "Name Already Taken", which says how to adopt it.
func (r *objectResource[M, T]) decideAdoption(resp *resource.ModifyPlanResponse, p plannedChange[T]) bool {
	if r.adopts(p) {
		return true
	}
	r.k.addNameTaken(&resp.Diagnostics, p.name.ValueString(), p.holderID, p.priorID.ValueString(), p.priorName.ValueString(), false, nil)
	return false
}

// checkHolderParent stops when the holder belongs to another parent (a
// template of another app) than the plan's: it cannot move. A parent the
// plan knows only at apply is checked then (parentUnknown).
func (r *objectResource[M, T]) checkHolderParent(ctx context.Context, resp *resource.ModifyPlanResponse, p *plannedChange[T]) bool {
	parent := r.k.parent
	if parent == nil {
		return true
	}
	var want types.String
	resp.Diagnostics.Append(resp.Plan.GetAttribute(ctx, path.Root(parent.attribute), &want)...)
	if resp.Diagnostics.HasError() {
		return false
	}
	has := parent.of(p.holder)
	if p.parentUnknown = want.IsUnknown(); !p.parentUnknown && want.ValueString() != has {
		r.k.addCannotAdoptFromParent(&resp.Diagnostics, parent.attribute, parent.kind, p.holderID, p.name.ValueString(), has, want.ValueString())
		return false
	}
	return true
}

// recordAdoption records that this resource plans to adopt the holder, and
// stops if a resource of this configuration planned before it manages the
// holder (if that one is planned after, checkNotAdoptedElsewhere stops it).
func (r *objectResource[M, T]) recordAdoption(resp *resource.ModifyPlanResponse, p plannedChange[T]) bool {
	o := objectKey{r.k.typeName, p.holderID}
	if r.pd.planAdoption(o, p.name.ValueString()) {
		return true
	}
	r.k.addManagedElsewhere(&resp.Diagnostics, p.name.ValueString(), p.holderID, r.pd.claimOf(o, p.name.ValueString()))
	return false
}
