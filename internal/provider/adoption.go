package provider

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/itniotech/terraform-provider-otp/internal/otp"
)

// Adoption by name (adopt_existing): a resource planned for creation whose
// name an object of its kind already holds in the account adopts that
// object. The API cannot delete, so every destroy leaves its objects and
// their names behind, and the next run of a module test or a rebuilt
// environment meets them. The plan shows the holder's id, known, and warns;
// the apply sends no create, and an update only if the object differs from
// the configuration.
//
// The CLI plans a resource a second time in the apply, in a new process,
// and refuses a final plan whose id differs from the first. If the adopted
// object vanished in between (deleted in the console), that second plan
// would find the name free and plan a create: Terraform's "inconsistent
// final plan". So a planned adoption is remembered on this machine
// (adoptionMemory) until its apply; a plan that finds the name free but
// remembers an adoption looks the object up, and says to plan again if it
// is gone.

// lookupByName finds the object of the kind that holds name: from the list
// for a listable kind, else through discover (apps: the templates' apps,
// each read once per process), stopping at the first match.
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

// planAdoption plans the adoption of holder by a resource planned for
// creation: its id (and what else the server assigned) in the plan, and a
// warning that says what the apply will do to it.
func (r *objectResource[M, T]) planAdoption(ctx context.Context, resp *resource.ModifyPlanResponse, name string, holder T) {
	objects := r.k.objects(r.pd.client)
	id := objects.ID(holder)
	if was, remembered := r.pd.adoptions.recall(r.k.typeName, name); remembered && was != id {
		// What an earlier plan adopted was replaced by another object of
		// the same name; if this is the apply's plan, adopting the new one
		// would contradict it.
		r.pd.adoptions.forget(r.k.typeName, name)
		r.k.addAdoptedGone(&resp.Diagnostics, was, name, nil)
		return
	}
	if p := r.k.parent; p != nil {
		var want types.String
		resp.Diagnostics.Append(resp.Plan.GetAttribute(ctx, path.Root(p.attribute), &want)...)
		if resp.Diagnostics.HasError() {
			return
		}
		if has := p.of(holder); want.IsUnknown() || want.ValueString() != has {
			r.k.addCannotAdoptFromParent(&resp.Diagnostics, p.attribute, p.kind, id, name, has, want)
			return
		}
	}
	if !r.pd.tryAdopt(r.k.typeName, id, name) {
		r.k.addManagedElsewhere(&resp.Diagnostics, name, id, r.pd.claimOf(r.k.typeName, id))
		return
	}
	var plan M
	resp.Diagnostics.Append(resp.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root("id"), id)...)
	if r.k.adopted != nil {
		r.k.adopted(ctx, &resp.Plan, holder, &resp.Diagnostics)
	}
	if resp.Identity != nil {
		resp.Diagnostics.Append(resp.Identity.Set(ctx, identityModel{ID: types.StringValue(id)})...)
	}
	if resp.Diagnostics.HasError() {
		return
	}
	r.pd.adoptions.remember(r.k.typeName, name, id)
	// Whether the apply writes is decided as the apply decides it, on the
	// API's objects; the attributes only say what differs.
	var changes []string
	if !objects.Same(holder, r.k.input(plan)) {
		if changes = describeChanges(ctx, r.k.schema(resourceDocs), r.k.model(holder), plan); len(changes) == 0 {
			changes = []string{"(settings that the configuration does not show)"}
		}
	}
	r.k.addAdopting(&resp.Diagnostics, id, name, changes)
}

// checkRemembered is the plan of a create whose name no object holds while
// adoption is on: if this machine remembers a planned adoption of that
// name, the object vanished (or was renamed) since that plan, and if this
// is the apply's own plan, planning a create now would contradict it.
func (r *objectResource[M, T]) checkRemembered(ctx context.Context, resp *resource.ModifyPlanResponse, name string) {
	id, ok := r.pd.adoptions.recall(r.k.typeName, name)
	if !ok {
		return
	}
	obj, err := read(ctx, r.pd, r.k, id)
	switch {
	case err == nil && r.k.objects(r.pd.client).Name(obj) == name:
		// Only the list lagged behind: it is still there.
		r.planAdoption(ctx, resp, name, obj)
	case err == nil || otp.IsNotFound(err):
		r.pd.adoptions.forget(r.k.typeName, name)
		r.k.addAdoptedGone(&resp.Diagnostics, id, name, err)
	default:
		r.pd.addAPIError(&resp.Diagnostics, false, "Unable to Check Adopted "+r.k.title,
			fmt.Sprintf("An earlier plan adopted %s %s as %q, and it is not in the account's list any more; reading it to find out why failed.",
				r.k.noun, id, name), err)
	}
}

// adoptionTurnedOff is the plan of a create with adoption off. When this
// machine remembers that a plan adopted the name, and the object still holds
// it, that plan was made with adopt_existing on: if it is a saved plan being
// applied, planning a create now contradicts it (and Terraform would blame
// the provider); if it is a new plan, the name is taken. It reports which
// object, and how to go on, and returns true: the name needs no other check.
func (r *objectResource[M, T]) adoptionTurnedOff(ctx context.Context, resp *resource.ModifyPlanResponse, name string) bool {
	id, ok := r.pd.adoptions.recall(r.k.typeName, name)
	if !ok {
		return false
	}
	obj, err := read(ctx, r.pd, r.k, id)
	if err != nil || r.k.objects(r.pd.client).Name(obj) != name {
		if err == nil || otp.IsNotFound(err) {
			r.pd.adoptions.forget(r.k.typeName, name) // renamed or gone since
		}
		return false // the usual name check, or the API at apply, decides
	}
	r.k.addAdoptionOff(&resp.Diagnostics, id, name)
	return true
}

// applyAdoption is the apply of a planned adoption: no create; the object
// read back (from what this process read for its plan), updated only if it
// differs from the configuration, and written to the state as after an
// update.
func (r *objectResource[M, T]) applyAdoption(ctx context.Context, plan M, resp *resource.CreateResponse) {
	objects := r.k.objects(r.pd.client)
	id, name := plan.objectID().ValueString(), plan.objectName().ValueString()
	if r.pd.startCreate(r.k.typeName, name) > 1 {
		// Another resource created or adopted it in this apply (two
		// resources alike in everything, name included, plan alike).
		r.k.addDuplicateAtApply(&resp.Diagnostics, name, id, nil)
		return
	}
	// The apply's own plan just read the object by its name: from the list
	// (whatever read_from_list says), or apps one by one.
	holder, ok := catalogOf(r.pd, r.k).get(id)
	var err error
	if !ok {
		holder, err = read(ctx, r.pd, r.k, id)
	}
	switch {
	case otp.IsNotFound(err) || err == nil && objects.Name(holder) != name:
		r.pd.adoptions.forget(r.k.typeName, name)
		r.k.addAdoptedGone(&resp.Diagnostics, id, name, err)
		return
	case err != nil:
		r.pd.addAPIError(&resp.Diagnostics, false, "Unable to Adopt "+r.k.title,
			fmt.Sprintf("Reading %s %s (%q), which the plan adopts, failed; nothing was changed.", r.k.noun, id, name), err)
		return
	}
	obj := holder
	in := r.k.input(plan)
	update := !objects.Same(holder, in)
	if update {
		obj, err = objects.Update(ctx, id, in)
		var taken *otp.NameTakenError
		switch {
		case errors.As(err, &taken):
			r.k.addNameTaken(&resp.Diagnostics, name, taken.HolderID, id, name, false, err)
			return
		case otp.IsNotFound(err):
			r.pd.adoptions.forget(r.k.typeName, name)
			r.k.addAdoptedGone(&resp.Diagnostics, id, name, err)
			return
		case err != nil:
			r.pd.addAPIError(&resp.Diagnostics, false, "Unable to Adopt "+r.k.title,
				fmt.Sprintf("Updating %s %s (%q), which the plan adopts, to match the configuration failed; it is not in the Terraform state.",
					r.k.noun, id, name), err)
			return
		}
	}
	state := r.k.written(plan, obj, r.k.model(holder))
	wrote(r.pd, r.k, state)
	r.pd.adoptions.forget(r.k.typeName, name)
	r.pd.adopted(r.k.typeName, id)
	tflog.Info(ctx, "Adopted "+r.k.noun, map[string]any{"id": id, "name": name, "updated": update})
	setState(ctx, &resp.State, resp.Identity, state, &resp.Diagnostics)
}

// tryAdopt records that a resource of this configuration plans to adopt the
// object, unless a resource of it manages the object. With manageChecked,
// under the same lock, whichever of the two resources is planned second
// learns of the other.
func (pd *providerData) tryAdopt(typeName, id, name string) bool {
	pd.mu.Lock()
	defer pd.mu.Unlock()
	key := typeName + "\x00" + id
	if pd.managed[key] {
		return false
	}
	pd.adopting[key] = name
	return true
}

// manageChecked records that a resource manages the object, and returns the
// name another resource plans to adopt it under, if one does.
func (pd *providerData) manageChecked(typeName, id string) (string, bool) {
	pd.mu.Lock()
	defer pd.mu.Unlock()
	key := typeName + "\x00" + id
	pd.managed[key] = true
	name, ok := pd.adopting[key]
	return name, ok
}

// adopted records that an adoption was applied: the resource manages the
// object now (a later plan of the same process, as in terraform test, sees
// it in the state).
func (pd *providerData) adopted(typeName, id string) {
	pd.mu.Lock()
	defer pd.mu.Unlock()
	delete(pd.adopting, typeName+"\x00"+id)
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

// adoptionMemory remembers, on this machine, the adoptions that plans made
// and their applies have not completed yet: one small file each, under the
// user's cache directory, named by a hash of the working directory (one
// configuration), the account (base URL and API key), the kind and the
// name, holding the id. Entries older than three days are dropped: a saved
// plan rarely waits that long, and a stale entry costs one "plan again".
// A plan saved on one machine and applied on another is not remembered
// there: if its object vanishes in between, Terraform reports its own
// "inconsistent final plan" instead.
type adoptionMemory struct {
	dir, account string
}

const adoptionMemoryAge = 3 * 24 * time.Hour

// adoptionDir is where the memory lives; tests point it elsewhere.
var adoptionDir = func() string {
	if d, err := os.UserCacheDir(); err == nil {
		return filepath.Join(d, "terraform-provider-otp", "adoptions")
	}
	return filepath.Join(os.TempDir(), fmt.Sprintf("terraform-provider-otp-%d", os.Getuid()), "adoptions")
}

func newAdoptionMemory(baseURL, apiKey string) *adoptionMemory {
	wd, _ := os.Getwd() // the CLI runs its providers in the working directory
	return &adoptionMemory{dir: adoptionDir(), account: wd + "\x00" + baseURL + "\x00" + apiKey}
}

func (m *adoptionMemory) file(typeName, name string) string {
	sum := sha256.Sum256([]byte(m.account + "\x00" + typeName + "\x00" + name))
	return filepath.Join(m.dir, hex.EncodeToString(sum[:16]))
}

// remember records a planned adoption. Failing to is not an error: the
// memory only turns a rare race into a clearer message.
func (m *adoptionMemory) remember(typeName, name, id string) {
	if m == nil || os.MkdirAll(m.dir, 0o700) != nil {
		return
	}
	m.dropOld()
	tmp, err := os.CreateTemp(m.dir, ".adoption-*")
	if err != nil {
		return
	}
	_, werr := tmp.WriteString(id)
	cerr := tmp.Close()
	if werr != nil || cerr != nil || os.Rename(tmp.Name(), m.file(typeName, name)) != nil {
		_ = os.Remove(tmp.Name())
	}
}

// recall returns the id of a remembered adoption of the name.
func (m *adoptionMemory) recall(typeName, name string) (string, bool) {
	if m == nil {
		return "", false
	}
	b, err := os.ReadFile(m.file(typeName, name))
	if err != nil {
		return "", false
	}
	id := strings.TrimSpace(string(b))
	return id, id != ""
}

func (m *adoptionMemory) forget(typeName, name string) {
	if m != nil {
		_ = os.Remove(m.file(typeName, name))
	}
}

func (m *adoptionMemory) dropOld() {
	entries, err := os.ReadDir(m.dir)
	if err != nil {
		return
	}
	for _, e := range entries {
		if info, err := e.Info(); err == nil && time.Since(info.ModTime()) > adoptionMemoryAge {
			_ = os.Remove(filepath.Join(m.dir, e.Name()))
		}
	}
}
