package provider

import (
	"context"
	"encoding/json"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-log/tflog"
)

// The API cannot delete: a destroy only forgets the object, and the user
// must hear so once per object per command. The plan says it, before
// anything is applied (plan -destroy, the destroy's own plan, a planned
// replacement), and marks the planned change: the apply says it only for a
// planned change that no plan warned of (a CLI that does not plan destroys).
//
// The mark says only that the plan warned, not which command showed it: a
// plan's warnings are shown to whoever makes it, before anything is applied,
// and a saved plan is applied as it was reviewed, so the apply of a saved
// plan does not say it again. Nothing here depends on the system: the mark
// travels in the plan, wherever it is applied.

// privateDestroyWarned is the private key of a planned destroy whose plan
// warned.
const privateDestroyWarned = "destroy_warned"

// privateAdopted is the private key of an object that adopt_existing adopted
// under terraform test; its value is what the adoption changed (a JSON list,
// empty when nothing). The test's teardown destroys every object, so the
// destroy's warning tells the adoption too: one warning per object and
// test, where a warning at the adoption and another at the teardown would
// name every object twice at every run of a suite. The state of a test dies
// with the command, so the adoption was this command's.
const privateAdopted = "adopted_in_test"

// rememberAdoption keeps, for the destroy, what an adoption under terraform
// test changed.
func rememberAdoption(ctx context.Context, resp *resource.CreateResponse, changes []string) {
	if resp.Private == nil {
		return
	}
	b, err := json.Marshal(append([]string{}, changes...))
	if err != nil {
		return // strings always marshal
	}
	resp.Diagnostics.Append(resp.Private.SetKey(ctx, privateAdopted, b)...)
}

// adoptionInThisTest returns what the adoption of the object under this test
// changed, from its private state (empty: nothing), or nil when this test
// did not adopt it.
func (r *objectResource[M, T]) adoptionInThisTest(ctx context.Context, private interface {
	GetKey(context.Context, string) ([]byte, diag.Diagnostics)
}, diags *diag.Diagnostics) []string {
	if !r.pd.underTest {
		return nil
	}
	b, d := private.GetKey(ctx, privateAdopted)
	diags.Append(d...)
	var changes []string
	if len(b) == 0 || json.Unmarshal(b, &changes) != nil {
		return nil
	}
	return append([]string{}, changes...)
}

// warnDestroy is the plan of a destroy.
func (r *objectResource[M, T]) warnDestroy(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	id, name, ok := r.stateID(ctx, req.State, &resp.Diagnostics)
	if !ok {
		return
	}
	r.k.addStays(&resp.Diagnostics, id, name, false, r.pd.adoptExisting, r.adoptionInThisTest(ctx, req.Private, &resp.Diagnostics))
	markWarned(ctx, resp)
}

// warnReplacement is the plan of a replacement: the new object is planned
// as a create (Terraform plans it next, which checks its name); the old one
// is only forgotten.
func (r *objectResource[M, T]) warnReplacement(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse, p plannedChange[T]) {
	r.k.addStays(&resp.Diagnostics, p.priorID.ValueString(), p.priorName.ValueString(), true, r.pd.adoptExisting,
		r.adoptionInThisTest(ctx, req.Private, &resp.Diagnostics))
	markWarned(ctx, resp)
}

func markWarned(ctx context.Context, resp *resource.ModifyPlanResponse) {
	if resp.Private == nil {
		return
	}
	resp.Diagnostics.Append(resp.Private.SetKey(ctx, privateDestroyWarned, []byte("true"))...)
}

// Delete only forgets the object: the vendor API has no way to delete one.
func (r *objectResource[M, T]) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state M
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	id, name := state.objectID().ValueString(), state.objectName().ValueString()
	r.pd.forget(objectKey{r.k.typeName, id})
	var warned []byte
	if req.Private != nil {
		var diags diag.Diagnostics
		warned, diags = req.Private.GetKey(ctx, privateDestroyWarned)
		resp.Diagnostics.Append(diags...)
	}
	if len(warned) == 0 {
		r.k.addStillExists(&resp.Diagnostics, id, name, r.pd.adoptExisting, r.adoptionInThisTest(ctx, req.Private, &resp.Diagnostics))
	}
	tflog.Info(ctx, upperFirst(r.k.noun)+" removed from state only; the OTP API cannot delete it", map[string]any{"id": id, "name": name})
}
