package provider

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/identityschema"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/itniotech/terraform-provider-otp/internal/otp"
)

// objectResource is the resource of every kind: the kind says what differs
// (schema, model, API), this says what is alike: here create, read, update
// and import (by id, name or identity); in plan.go what a plan checks, in
// adoption.go adoption by name, in destroy.go the destroy that only forgets.
type objectResource[M objectModel, T any] struct {
	k  *kind[M, T]
	pd *providerData
}

var (
	_ resource.ResourceWithConfigure   = &objectResource[taskFlowModel, otp.Flow]{}
	_ resource.ResourceWithImportState = &objectResource[taskFlowModel, otp.Flow]{}
	_ resource.ResourceWithIdentity    = &objectResource[taskFlowModel, otp.Flow]{}
	_ resource.ResourceWithModifyPlan  = &objectResource[taskFlowModel, otp.Flow]{}
)

// privateImported marks state that came from an import, so that Read can
// turn "not found" into an error instead of silently dropping the resource.
const privateImported = "imported"

// identityModel is every resource's identity: its id, which never changes.
type identityModel struct {
	ID types.String `tfsdk:"id"`
}

func newObjectResource[M objectModel, T any](k *kind[M, T]) resource.Resource {
	return &objectResource[M, T]{k: k}
}

func (r *objectResource[M, T]) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_" + r.k.typeName
}

func (r *objectResource[M, T]) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = r.k.schema(resourceDocs)
}

func (r *objectResource[M, T]) IdentitySchema(_ context.Context, _ resource.IdentitySchemaRequest, resp *resource.IdentitySchemaResponse) {
	resp.IdentitySchema = identityschema.Schema{
		Attributes: map[string]identityschema.Attribute{
			"id": identityschema.StringAttribute{
				RequiredForImport: true,
				Description:       fmt.Sprintf("The %s's id, as in the resource's id attribute (for example %s).", r.k.noun, r.k.idExample),
			},
		},
	}
}

func (r *objectResource[M, T]) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.pd = providerDataFrom(req.ProviderData, &resp.Diagnostics)
}

func (r *objectResource[M, T]) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan M
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	name := plan.objectName().ValueString()
	under, end := r.pd.beginCreate(nameKey{r.k.typeName, name})
	defer end()
	if under > 1 {
		// Two resources alike in everything, the name included, plan alike
		// (claims.go): the apply is where they meet.
		r.k.addDuplicateAtApply(&resp.Diagnostics, name, "", nil)
		return
	}
	gone := ""
	if r.pd.adoptExisting {
		var handled bool
		if handled, gone = r.adoptAtApply(ctx, plan, resp); handled {
			return
		}
	}
	obj, err := r.k.objects(r.pd.client).Create(ctx, r.k.input(plan))
	var unconfirmed *otp.UnconfirmedCreateError
	var taken *otp.NameTakenError
	switch {
	case errors.As(err, &unconfirmed):
		r.k.addUnconfirmedCreate(&resp.Diagnostics, unconfirmed)
		return
	case errors.As(err, &taken):
		r.createRefused(ctx, plan, taken, resp)
		return
	case otp.IsNotFound(err) && r.k.parent != nil:
		r.k.addParentNotFound(&resp.Diagnostics, r.k.parent.attribute, r.k.parent.kind, r.k.parent.value(plan), name, err)
		return
	case err != nil:
		r.pd.addAPIError(&resp.Diagnostics, false, "Unable to Create "+r.k.title,
			fmt.Sprintf("Creating %s %q failed; nothing was added to the Terraform state.", r.k.noun, name), err)
		return
	}
	var zero M
	state := r.k.written(plan, obj, zero)
	if gone != "" {
		// The plan of this command showed the adoption; say why there was none.
		r.k.addCreatedInstead(&resp.Diagnostics, state.objectID().ValueString(), gone, name)
	}
	wrote(r.pd, r.k, state)
	tflog.Info(ctx, "Created "+r.k.noun, map[string]any{"id": state.objectID().ValueString(), "name": name})
	setState(ctx, &resp.State, resp.Identity, state, &resp.Diagnostics)
}

// setState writes the state and the identity that goes with it.
func setState[M objectModel](ctx context.Context, st *tfsdk.State, identity *tfsdk.ResourceIdentity, state M, diags *diag.Diagnostics) {
	diags.Append(st.Set(ctx, state)...)
	if identity != nil {
		diags.Append(identity.Set(ctx, identityModel{ID: state.objectID()})...)
	}
}

// stateID reads the prior state's id, checked with the kind's rule, and
// name. Only these two attributes are read: a refresh of many resources
// should not pay for converting whole states it is about to replace.
func (r *objectResource[M, T]) stateID(ctx context.Context, st tfsdk.State, diags *diag.Diagnostics) (id, name string, ok bool) {
	var rawID, rawName types.String
	diags.Append(st.GetAttribute(ctx, path.Root("id"), &rawID)...)
	diags.Append(st.GetAttribute(ctx, path.Root("name"), &rawName)...)
	if diags.HasError() {
		return "", "", false
	}
	id, err := r.k.parseID(rawID.ValueString())
	if err != nil {
		diags.AddAttributeError(path.Root("id"), "Invalid "+r.k.title+" ID in State",
			err.Error()+". The state was edited by hand or is damaged; remove the resource with terraform state rm and import it again.")
		return "", "", false
	}
	return id, rawName.ValueString(), true
}

func (r *objectResource[M, T]) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	id, name, ok := r.stateID(ctx, req.State, &resp.Diagnostics)
	if !ok {
		return
	}
	imported, diags := req.Private.GetKey(ctx, privateImported)
	resp.Diagnostics.Append(diags...)
	obj, err := read(ctx, r.pd, r.k, id)
	switch {
	case otp.IsNotFound(err) && len(imported) > 0:
		r.k.addImportNotFound(&resp.Diagnostics, id, err)
		return
	case otp.IsNotFound(err):
		tflog.Warn(ctx, upperFirst(r.k.noun)+" no longer exists in the account; removing it from state so that the next plan recreates it",
			map[string]any{"id": id, "name": name})
		resp.State.RemoveResource(ctx)
		// The framework requires an identity after every Read without
		// errors, even one that removes the resource.
		if resp.Identity != nil {
			resp.Diagnostics.Append(resp.Identity.Set(ctx, identityModel{ID: types.StringValue(id)})...)
		}
		return
	case err != nil:
		r.pd.addAPIError(&resp.Diagnostics, true, "Unable to Read "+r.k.title,
			fmt.Sprintf("Reading %s %s (%q) failed; the Terraform state was left as it was.", r.k.noun, id, name), err)
		if !resp.Diagnostics.HasError() && resp.Identity != nil {
			// Only warned (the run fails on another resource's error): the
			// state stays, and the framework wants its identity all the same.
			resp.Diagnostics.Append(resp.Identity.Set(ctx, identityModel{ID: types.StringValue(id)})...)
		}
		return
	}
	if len(imported) > 0 {
		resp.Diagnostics.Append(resp.Private.SetKey(ctx, privateImported, nil)...)
	}
	r.pd.manage(objectKey{r.k.typeName, id})
	setState(ctx, &resp.State, resp.Identity, r.k.model(obj), &resp.Diagnostics)
}

func (r *objectResource[M, T]) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, prior M
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &prior)...)
	id, from, ok := r.stateID(ctx, req.State, &resp.Diagnostics)
	if !ok || resp.Diagnostics.HasError() {
		return
	}
	name := plan.objectName().ValueString()
	obj, err := r.k.objects(r.pd.client).Update(ctx, id, r.k.input(plan))
	if err != nil {
		r.updateFailed(&resp.Diagnostics, id, from, name, "", err)
		return
	}
	state := r.k.written(plan, obj, prior)
	wrote(r.pd, r.k, state)
	tflog.Info(ctx, "Updated "+r.k.noun, map[string]any{"id": id, "name": name})
	setState(ctx, &resp.State, resp.Identity, state, &resp.Diagnostics)
}

// ImportState accepts an id, a name prefixed with "name:" (kinds with a
// list), or an identity (Terraform 1.12+, OpenTofu 1.12+).
func (r *objectResource[M, T]) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	raw := strings.TrimSpace(req.ID)
	fromIdentity := raw == "" && req.Identity != nil
	if fromIdentity {
		var identity identityModel
		resp.Diagnostics.Append(req.Identity.Get(ctx, &identity)...)
		if resp.Diagnostics.HasError() {
			return
		}
		raw = identity.ID.ValueString()
	}
	var id string
	// An identity holds an id, never a name: "name:" there is part of a
	// (malformed) id, and the id's rule says so.
	name, byName := strings.CutPrefix(raw, importNamePrefix)
	byName = byName && !fromIdentity
	switch {
	case byName && !r.k.canList:
		resp.Diagnostics.AddError("Invalid Import ID",
			fmt.Sprintf("Cannot import %q: %ss cannot be imported by name, because the OTP API has no list of %ss to find the name in. "+
				"Import it by its id, as shown in the vendor console (for example %s).", raw, r.k.noun, r.k.noun, r.k.idExample))
		return
	case byName:
		obj, found, total, err := findByName(ctx, r.pd, r.k, name)
		if err != nil {
			r.pd.addAPIError(&resp.Diagnostics, false, "Unable to Import "+r.k.title, fmt.Sprintf("Looking up the %s named %q failed.", r.k.noun, name), err)
			return
		}
		if !found {
			like, _ := nameLike(r.pd, r.k, name)
			r.k.addNameNotFound(&resp.Diagnostics, path.Empty(), "Cannot import: ", name, total, like)
			return
		}
		id = r.k.objects(r.pd.client).ID(obj)
	default:
		var err error
		if id, err = r.k.parseID(raw); err != nil {
			how := fmt.Sprintf("Import %s by its id (for example %s)", r.k.a(), r.k.idExample)
			if r.k.canList {
				how += fmt.Sprintf(" or by its name prefixed with %q (for example %s%s)", importNamePrefix, importNamePrefix, r.k.nameExample)
			}
			resp.Diagnostics.AddError("Invalid Import ID", fmt.Sprintf("Cannot import %q: %s. %s.", raw, err, how))
			return
		}
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), id)...)
	if resp.Identity != nil {
		resp.Diagnostics.Append(resp.Identity.SetAttribute(ctx, path.Root("id"), id)...)
	}
	resp.Diagnostics.Append(resp.Private.SetKey(ctx, privateImported, []byte(`true`))...)
}
