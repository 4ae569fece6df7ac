package provider

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"sync"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-log/tflog"
)

// The API cannot delete: a destroy only forgets the object, and the user
// must hear so once per object per command. The plan says it, before
// anything is applied (plan -destroy, the destroy's own plan, a planned
// replacement), and marks the planned change with the command that showed
// it. The apply says it only when the command applying it did not show that
// plan: a saved plan applied by a later command (the CLIs do not repeat a
// saved plan's warnings), or a CLI that did not plan the destroy.

// privateDestroyWarned is the private key of a planned destroy whose plan
// warned; its value is the command that showed the warning (cliInvocation).
const privateDestroyWarned = "destroy_warned"

// warnDestroy is the plan of a destroy.
func (r *objectResource[M, T]) warnDestroy(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	id, name, ok := r.stateID(ctx, req.State, &resp.Diagnostics)
	if !ok {
		return
	}
	r.k.addStays(&resp.Diagnostics, id, name, false, r.pd.adoptExisting)
	markWarned(ctx, resp)
}

// warnReplacement is the plan of a replacement: the new object is planned
// as a create (Terraform plans it next, which checks its name); the old one
// is only forgotten.
func (r *objectResource[M, T]) warnReplacement(ctx context.Context, resp *resource.ModifyPlanResponse, p plannedChange[T]) {
	r.k.addStays(&resp.Diagnostics, p.priorID.ValueString(), p.priorName.ValueString(), true, r.pd.adoptExisting)
	markWarned(ctx, resp)
}

func markWarned(ctx context.Context, resp *resource.ModifyPlanResponse) {
	if resp.Private == nil {
		return
	}
	resp.Diagnostics.Append(resp.Private.SetKey(ctx, privateDestroyWarned, invocationJSON())...)
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
	var warnedBy []byte
	if req.Private != nil {
		var diags diag.Diagnostics
		warnedBy, diags = req.Private.GetKey(ctx, privateDestroyWarned)
		resp.Diagnostics.Append(diags...)
	}
	if string(warnedBy) != string(invocationJSON()) {
		r.k.addStillExists(&resp.Diagnostics, id, name)
	}
	tflog.Info(ctx, upperFirst(r.k.noun)+" removed from state only; the OTP API cannot delete it", map[string]any{"id": id, "name": name})
}

// invocationJSON is cliInvocation as the JSON that private state holds.
var invocationJSON = sync.OnceValue(func() []byte {
	b, _ := json.Marshal(cliInvocation())
	return b
})

// cliInvocation identifies the CLI command this provider process serves.
// The CLI starts a provider process for each walk of a command (the plan,
// then the apply), so the command is the parent process: its host, its
// process id, and, where the system tells it (Linux), when it started, so
// that a command on another runner or container that happens to have the
// same process id is not taken for it. A provider served in the test
// process or in debug mode sees one "command" for all, which only ever
// drops the apply's repetition of a warning.
func cliInvocation() string {
	host, _ := os.Hostname()
	ppid := os.Getppid()
	id := fmt.Sprintf("%s/%d", host, ppid)
	if stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", ppid)); err == nil {
		// "pid (command) state ppid …": the start time is the 22nd field,
		// the 20th after the command, which may hold spaces.
		if i := strings.LastIndexByte(string(stat), ')'); i >= 0 {
			if fields := strings.Fields(string(stat[i+1:])); len(fields) > 19 {
				id += "/" + fields[19]
			}
		}
	}
	return id
}
