package provider

import (
	"context"
	"errors"
	"fmt"
	"math/big"
	"slices"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/itniotech/terraform-provider-otp/internal/otp"
)

// Adoption by name (adopt_existing): a resource planned for creation whose
// name an object of its kind already holds in the account adopts that
// object instead of failing. The API cannot delete, so every destroy leaves
// its objects and their names behind, and the next run of a module test or a
// rebuilt environment meets them.
//
// The plan only warns: which object the apply will adopt, and what it will
// change in it. The planned id stays unknown, as for any create, so nothing
// has to hold between the plan and the apply: the apply looks the name up
// again and adopts whatever holds it then, or creates the object when the
// name is free, and a create that the API refuses because the name was
// taken in between (another pipeline, the console) adopts the holder too.
// Nothing is kept between commands: a saved plan applied on another machine,
// a plan never applied, or an account reset in between all just work.

// lookupByName finds the object of the kind that holds name: from the list
// for a listable kind, else through discover (apps: the templates' apps, each
// read once per process), stopping at the first match.
func lookupByName[M objectModel, T any](ctx context.Context, pd *providerData, k *kind[M, T], name string) (T, bool, error) {
	if k.canList {
		obj, found, _, err := findByName(ctx, pd, k, name)
		return obj, found, err
	}
	objects := k.objects(pd.client)
	for obj, err := range everyObject(ctx, pd, k, func() int { return readAhead }) {
		if err != nil || objects.Name(obj) == name {
			return obj, err == nil, err
		}
	}
	var zero T
	return zero, false, nil
}

// warnAdoption is the warning of a plan that adopts (the steps before it
// decided that it may): which object, and what the apply will change in it;
// how adoption behaves, once per process. Under terraform test the plan says
// nothing: its runs plan the same resources again and again, plan-only runs
// included, and nobody reviews those plans; the destroy of the test's
// teardown says what was adopted (destroy.go).
func (r *objectResource[M, T]) warnAdoption(ctx context.Context, resp *resource.ModifyPlanResponse, p plannedChange[T]) {
	if r.pd.underTest {
		return
	}
	// What the apply will compare the object with: the plan, with the
	// parent the holder has when the plan does not know its own yet.
	compared := resp.Plan
	if parent := r.k.parent; parent != nil && p.parentUnknown {
		resp.Diagnostics.Append(compared.SetAttribute(ctx, path.Root(parent.attribute), parent.of(p.holder))...)
	}
	var plan M
	resp.Diagnostics.Append(compared.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	changes, condition := r.changes(ctx, p.holder, plan), r.k.parentCondition(p.holder, p.parentUnknown)
	alike := len(changes) == 0 && condition == ""
	named := !alike || r.pd.timesSaid("adoption that matches: "+r.k.typeName) < adoptionsNamed
	r.k.addAdopting(&resp.Diagnostics, p.holderID, p.name.ValueString(), changes, condition, named)
	if r.pd.timesSaid("adoption explained") == 0 {
		addAdoptionExplained(&resp.Diagnostics)
	}
}

// adoptionsNamed is how many adoptions that change nothing a plan names in
// warnings of their own, per kind; the others share one summary, which the
// CLI prints once, with their number. The CLI takes longer to print each
// warning the longer the file it points into (it scans the file from the top
// for the snippet): a plan that adopted 300 flows of one file, each named,
// took 3.8 s instead of 1.4 s. An adoption that changes something is always
// named.
const adoptionsNamed = 10

// parentCondition is what an adoption planned before its parent is known
// (a template of an app created or adopted in the same run) depends on: ""
// when the plan knows the parent.
func (k *kind[M, T]) parentCondition(holder T, unknown bool) string {
	p := k.parent
	if p == nil || !unknown {
		return ""
	}
	return fmt.Sprintf("It belongs to %s %q, and %s is known only at apply: the apply adopts it only if %s is that %s then "+
		"(%ss cannot move to another %s), and otherwise stops with an error.",
		p.kind.noun, p.of(holder), p.attribute, p.attribute, p.kind.noun, k.noun, p.kind.noun)
}

// changes says what the apply will change in holder to match plan: nil
// when nothing. Whether the apply writes is decided as the apply decides it,
// on the API's objects; the attributes only say what differs.
func (r *objectResource[M, T]) changes(ctx context.Context, holder T, plan M) []string {
	if r.k.objects(r.pd.client).Same(holder, r.k.input(plan)) {
		return nil
	}
	if changes := describeChanges(ctx, r.k.schema(resourceDocs), r.k.model(holder), plan); len(changes) > 0 {
		return changes
	}
	return []string{"(settings that the configuration does not show)"}
}

// adoptAtApply is the create of a resource with adoption on: it looks the
// name up (in what this process already listed for its plan) and adopts
// the holder. handled is false when the create must go on: the name is
// free, the lookup failed (then the API checks the name), or the holder
// turned out to be gone (its id is gone).
func (r *objectResource[M, T]) adoptAtApply(ctx context.Context, plan M, resp *resource.CreateResponse) (handled bool, gone string) {
	name := plan.objectName().ValueString()
	holder, found, err := lookupByName(ctx, r.pd, r.k, name)
	switch {
	case err != nil:
		tflog.Warn(ctx, "Looking the name up for adoption failed; creating, and the API checks the name",
			map[string]any{"kind": r.k.noun, "name": name, "error": err.Error()})
		return false, ""
	case !found:
		return false, ""
	case r.adopt(ctx, plan, holder, resp):
		return true, ""
	}
	return false, r.k.objects(r.pd.client).ID(holder)
}

// adopt makes the resource manage holder: no create; an update only if it
// differs from the configuration; the state written as after an update. It
// returns false, having done nothing, when the holder turns out to be gone,
// so that the caller creates the object instead.
func (r *objectResource[M, T]) adopt(ctx context.Context, plan M, holder T, resp *resource.CreateResponse) bool {
	objects := r.k.objects(r.pd.client)
	id, name := objects.ID(holder), plan.objectName().ValueString()
	o := objectKey{r.k.typeName, id}
	if p := r.k.parent; p != nil && p.value(plan) != p.of(holder) {
		r.k.addCannotAdoptFromParent(&resp.Diagnostics, p.attribute, p.kind, id, name, p.of(holder), p.value(plan))
		return true
	}
	if r.pd.isManaged(o) {
		// Another resource of this configuration created, adopted or
		// manages it: in this apply, or in an earlier run of a test file.
		r.k.addDuplicateAtApply(&resp.Diagnostics, name, id, nil)
		return true
	}
	warnedAs, warned := r.pd.adoptionPlanned(o)
	in := r.k.input(plan)
	obj := holder
	var changes []string
	if !objects.Same(holder, in) {
		changes = r.changes(ctx, holder, plan)
		var err error
		obj, err = objects.Update(ctx, id, in)
		switch {
		case otp.IsNotFound(err):
			r.pd.forget(o)
			return false
		case err != nil:
			r.updateFailed(&resp.Diagnostics, id, name, name, "which the apply adopts, to match the configuration", err)
			return true
		}
	}
	state := r.k.written(plan, obj, r.k.model(holder))
	wrote(r.pd, r.k, state)
	switch {
	case r.pd.underTest:
		// The test's teardown says it, with the destroy (destroy.go).
		rememberAdoption(ctx, resp, changes)
	case !warned || warnedAs != name:
		// The plan of this process did not show this adoption (the name was
		// taken after it): say it now.
		r.k.addAdopted(&resp.Diagnostics, id, name, changes)
	}
	tflog.Info(ctx, "Adopted "+r.k.noun, map[string]any{"id": id, "name": name, "updated": changes != nil})
	setState(ctx, &resp.State, resp.Identity, state, &resp.Diagnostics)
	return true
}

// holderAfterRefusal finds the object that holds a name the API refused a
// create for (-20): the name was free when it was looked up, so the holder
// is new. A listable kind's holder comes with the refusal (the client looked
// it up in a fresh list). An object of a kind without a list is found
// through what refers to it, which its maker may not have created yet (a
// pipeline creates an app, then its template): the lookup is repeated with
// fresh lists for a while before the apply gives up.
func (r *objectResource[M, T]) holderAfterRefusal(ctx context.Context, name string, refusal error) (T, bool) {
	objects := r.k.objects(r.pd.client)
	if r.k.canList {
		return objects.Holder(refusal)
	}
	var zero T
	if r.k.discover == nil {
		return zero, false
	}
	for i, wait := range holderWaits {
		if i > 0 {
			select {
			case <-time.After(wait):
			case <-ctx.Done():
				return zero, false
			}
		}
		r.k.discover.refresh(r.pd)
		if holder, found, err := lookupByName(ctx, r.pd, r.k, name); err == nil && found {
			return holder, true
		}
	}
	return zero, false
}

// holderWaits are the waits before the lookups of holderAfterRefusal: 7.5
// seconds in all, enough for a pipeline to create the app and then its
// template (one step of its apply), short enough not to hold up long an
// apply that fails anyway (an app that no template uses).
var holderWaits = []time.Duration{0, time.Second / 2, time.Second, 2 * time.Second, 4 * time.Second}

// holderWaitTotal is how long holderAfterRefusal waits in all, for messages.
func holderWaitTotal() time.Duration {
	var total time.Duration
	for _, w := range holderWaits {
		total += w
	}
	return total
}

// createRefused is a create the API refused because an object holds the
// name: adopted when adoption is on and the holder is found, else an error
// that names the holder and how to go on.
func (r *objectResource[M, T]) createRefused(ctx context.Context, plan M, taken *otp.NameTakenError, resp *resource.CreateResponse) {
	name := plan.objectName().ValueString()
	holderID := taken.HolderID
	if holderID == "" {
		// No list to name it (apps): what this process made or read.
		holderID, _ = r.pd.managedHolder(nameKey{r.k.typeName, name})
	}
	if holderID != "" && r.pd.isManaged(objectKey{r.k.typeName, holderID}) {
		r.k.addDuplicateAtApply(&resp.Diagnostics, name, holderID, taken)
		return
	}
	if !r.pd.adoptExisting {
		r.k.addNameTaken(&resp.Diagnostics, name, taken.HolderID, "", "", false, taken)
		return
	}
	if holder, found := r.holderAfterRefusal(ctx, name, taken); found {
		if !r.adopt(ctx, plan, holder, resp) {
			r.k.addHolderGone(&resp.Diagnostics, r.k.objects(r.pd.client).ID(holder), name)
		}
		return
	}
	r.k.addNameTaken(&resp.Diagnostics, name, taken.HolderID, "", "", true, taken)
}

// updateFailed reports a failed update of the object id (named from, now
// to be named name); what says which update it was, for the detail.
func (r *objectResource[M, T]) updateFailed(diags *diag.Diagnostics, id, from, name, what string, err error) {
	var taken *otp.NameTakenError
	switch {
	case errors.As(err, &taken):
		r.k.addNameTaken(diags, name, taken.HolderID, id, from, false, err)
	case otp.IsNotFound(err):
		r.k.addGoneBeforeUpdate(diags, id, from, err)
	default:
		r.pd.addAPIError(diags, false, "Unable to Update "+r.k.title,
			fmt.Sprintf("Updating %s %s (%q)%s failed; the Terraform state still holds what it held before.", r.k.noun, id, from, what), err)
	}
}

// describeChanges says what an update from one model to another changes,
// attribute by attribute, leaving out what only the server sets.
func describeChanges[M any](ctx context.Context, s schema.Schema, from, to M) []string {
	values := func(m M) map[string]tftypes.Value {
		st := tfsdk.State{Schema: s, Raw: tftypes.NewValue(s.Type().TerraformType(ctx), nil)}
		if diags := st.Set(ctx, m); diags.HasError() {
			return nil
		}
		var out map[string]tftypes.Value
		if err := st.Raw.As(&out); err != nil {
			return nil
		}
		return out
	}
	a, b := values(from), values(to)
	var names []string
	for name := range b {
		if at, ok := s.Attributes[name]; ok && at.IsComputed() && !at.IsOptional() && !at.IsRequired() {
			continue // the server's, or derived from the rest
		}
		if !a[name].Equal(b[name]) {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	out := make([]string, 0, len(names))
	for _, name := range names {
		old, now := scalarText(a[name]), scalarText(b[name])
		if old != "" && now != "" {
			out = append(out, fmt.Sprintf("%s: %s → %s", name, old, now))
		} else {
			out = append(out, name)
		}
	}
	return out
}

// scalarText shows a primitive value as HCL would, or "" for anything else.
func scalarText(v tftypes.Value) string {
	switch {
	case !v.IsKnown():
		return "(known after apply)"
	case v.IsNull():
		return "null"
	case v.Type().Is(tftypes.String):
		var s string
		_ = v.As(&s)
		return fmt.Sprintf("%q", s)
	case v.Type().Is(tftypes.Number):
		n := new(big.Float)
		_ = v.As(&n)
		return n.Text('f', -1)
	case v.Type().Is(tftypes.Bool):
		var b bool
		_ = v.As(&b)
		return fmt.Sprint(b)
	}
	return ""
}
