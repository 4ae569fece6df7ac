package provider

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"

	"github.com/itniotech/terraform-provider-otp/internal/otp"
)

// Every diagnostic a kind can raise is built here, once, from the kind's
// names: the same situation reads the same for flows, apps and templates.

// a returns the noun with its indefinite article.
func (i kindInfo) a() string {
	if strings.ContainsRune("aeiou", rune(i.noun[0])) {
		return "an " + i.noun
	}
	return "a " + i.noun
}

// apiErrorDetail explains a failed API call in the house style: what was
// being done to which object, the API's own code and reason (inside err's
// text), and what to do next.
func apiErrorDetail(what string, err error) string {
	detail := what + "\n\n" + err.Error()
	var apiErr *otp.APIError
	var httpErr *otp.HTTPError
	var decodeErr *otp.DecodeError
	switch {
	case errors.As(err, &decodeErr):
		detail += "\n\nThe request reached the OTP API, but its answer is not shaped as the API documents, so it cannot be used. " +
			"This is most likely a change on the vendor's side: please report it, with the log of a run with TF_LOG=DEBUG (it holds no secret)."
	case otp.IsAuth(err):
		detail += "\n\nCheck the provider's api_key and api_secret (or the " + EnvAPIKey + " and " + EnvAPISecret +
			" environment variables), and that base_url points at the right API."
	case otp.IsIPRestricted(err):
		detail += "\n\nThe account only accepts requests from listed IP addresses; add this machine's address in the vendor console."
	case errors.As(err, &httpErr):
		detail += "\n\nThe answer did not come from the OTP API itself (a proxy or an outage, or base_url points elsewhere). " +
			"Check base_url, then try again; transient failures were already retried."
	case errors.As(err, &apiErr) && apiErr.Code == otp.CodeSystemException:
		detail += "\n\nThe request was retried and kept failing; try again later."
	case errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded):
		detail += "\n\nThe operation was interrupted or ran out of time before the OTP API answered."
	case !errors.As(err, &apiErr):
		detail += "\n\nCheck base_url and this machine's network access to it (proxy, firewall, DNS); " +
			"the request was already retried (see max_retries)."
	}
	return detail
}

// addAPIError adds an error diagnostic for a failed API call.
func addAPIError(diags *diag.Diagnostics, summary, what string, err error) {
	diags.AddError(summary, apiErrorDetail(what, err))
}

// refusal names a failure that is the whole run's, not one object's: the
// API refused the provider's credentials (-1) or this machine (-2).
func refusal(err error) string {
	switch {
	case otp.IsAuth(err):
		return "OTP API Credentials Rejected"
	case otp.IsIPRestricted(err):
		return "OTP API Refused This Machine's Address"
	}
	return ""
}

// addAPIError adds the diagnostic of a failed API call. A refusal (-1, -2)
// is one failure for the whole run, not one per resource, and after the
// first the client sends nothing more: the first operation to meet it
// explains it as an error; the others, where an error is not what stops
// the run (soft: a refresh, a name check at plan), add a warning that the
// CLI folds into one line, and otherwise a one-line error.
func (pd *providerData) addAPIError(diags *diag.Diagnostics, soft bool, summary, what string, err error) {
	refused := refusal(err)
	switch {
	case refused == "":
		addAPIError(diags, summary, what, err)
	case pd.refusalReported.CompareAndSwap(false, true):
		diags.AddError(refused, apiErrorDetail(what, err)+
			"\n\nNothing else was sent to the OTP API: every other request of this run would be refused the same way.")
	case soft:
		diags.AddWarning(refused, "Skipped: the OTP API refused this provider earlier in this run; see the error \""+refused+"\".")
	default:
		diags.AddError(refused, "Skipped: the OTP API refused this provider earlier in this run; see the error \""+refused+"\".")
	}
}

// importBlock shows how to adopt the object with id into the configuration.
func (i kindInfo) importBlock(id string) string {
	return fmt.Sprintf("  import {\n    to = %s.<name>\n    id = %q\n  }", i.resourceType(), id)
}

// adoptHint tells how to adopt the object that holds name: by its id when it
// is known, else by name (listable kinds), else from the vendor console.
func (i kindInfo) adoptHint(name, holderID string) string {
	switch {
	case holderID != "":
		return fmt.Sprintf("To manage that %s with Terraform instead of creating a new one, adopt it with an import block:\n\n%s\n\n"+
			"or with the command:\n\n  terraform import %s.<name> %s", i.noun, i.importBlock(holderID), i.resourceType(), holderID)
	case i.canList:
		return fmt.Sprintf("To manage that %s with Terraform instead of creating a new one, adopt it by name with an import block:\n\n%s\n\n"+
			"or with the command:\n\n  terraform import %s.<name> %s%s", i.noun, i.importBlock(importNamePrefix+name), i.resourceType(), importNamePrefix, name)
	}
	return fmt.Sprintf("The OTP API cannot list %ss, so its id is shown only in the vendor console (and in the warnings of the "+
		"terraform destroy that left it behind, if one did). To manage it with Terraform, "+
		"copy its id from there (%s id looks like %s, but that one is only an example) and adopt it with an import block:\n\n%s\n\nor with the command:\n\n  terraform import %s.<name> <id>",
		i.noun, i.a(), i.idExample, i.importBlock("<id>"), i.resourceType())
}

// addNameTaken reports a name another object of the kind holds, at plan or
// at apply, for a create (from == "") or a rename of the object id.
// adopting says adopt_existing is on: a create then only meets a taken name
// when adoption could not find the holder.
func (i kindInfo) addNameTaken(diags *diag.Diagnostics, name, holderID, id, from string, adopting bool, cause error) {
	holder := fmt.Sprintf("%s named %q", i.a(), name)
	if holderID != "" {
		holder += fmt.Sprintf(" (id %s)", holderID)
	}
	var detail string
	switch {
	case from != "" && holderID != "" && holderID == id:
		detail = fmt.Sprintf("Renaming %s %s from %q to %q failed: the OTP API answered that %s itself holds the name. "+
			"The update was not applied; try again, and if it persists, report it to the vendor.", i.noun, id, from, name, i.noun)
	case from != "":
		detail = fmt.Sprintf("Renaming %s %s from %q to %q failed: the account already has %s. Names are unique among the account's %ss; "+
			"choose another name. The %s was not changed. Only a create adopts (adopt_existing): a rename never takes over "+
			"another object's name. If that %s is a leftover (of a test run that failed after a rename, say), rename or "+
			"remove it in the vendor console.\n\nIf another resource of this configuration renames that %s away in "+
			"the same change (two resources swapping names): %s",
			i.noun, id, from, name, holder, i.noun, i.noun, i.noun, i.noun, i.swapAdvice(name))
	default:
		detail = fmt.Sprintf("The account already has %s. Names are unique among the account's %ss, and stay taken after "+
			"terraform destroy, because the OTP API cannot delete.\n\n%s\n\nOtherwise choose another name.", holder, i.noun, i.adoptHint(name, holderID))
	}
	switch {
	case from == "" && adopting && !i.canList:
		detail += fmt.Sprintf("\n\nadopt_existing is on, but the apply could not adopt it: the OTP API has no list of %ss, so they are "+
			"found through the account's templates, and none used %s named %q, even after waiting %s for one. Import it by its id "+
			"as above, or make a template use it, then apply again.", i.noun, i.a(), name, holderWaitTotal())
	case from == "" && adopting:
		detail += fmt.Sprintf("\n\nadopt_existing is on, but the apply could not adopt it: the %s that holds the name could not be "+
			"found in the account's list right after the API refused the name (renamed or removed at that moment, or the list could "+
			"not be read). Run terraform apply again, and it adopts whatever holds the name then.", i.noun)
	case from == "":
		detail += fmt.Sprintf("\n\nFor module tests and rebuilt environments, which meet the objects that earlier runs left behind, the "+
			"provider can adopt the %s instead: set adopt_existing = true in the provider block (or %s=true; a value in the "+
			"provider block wins over the variable). A saved plan (plan -out) made with adoption on must be applied with it "+
			"on too.", i.noun, EnvAdoptExisting)
	}
	if from == "" {
		detail += fmt.Sprintf("\n\nIf another resource of this configuration manages that %s, or renames it away from this name "+
			"in the same run, give this one another name, or apply that change first.", i.noun)
	}
	if cause != nil {
		detail += "\n\n" + cause.Error()
	} else {
		detail += "\n\nThis was found before anything was sent, from the account's list of " + i.noun + "s." + destroyHint
	}
	diags.AddAttributeError(path.Root("name"), i.title+" Name Already Taken", detail)
}

// destroyHint ends the plan-time errors that the account's objects, not the
// configuration, cause: terraform destroy plans the configuration before
// its destroy plan (to refresh), so such an error would stop a destroy too,
// and -refresh=false skips that plan.
const destroyHint = "\n\nterraform destroy plans the configuration first, so this error also stops a destroy; to destroy what the " +
	"state holds anyway, run terraform destroy -refresh=false."

// addDuplicateName reports two resources of one configuration that plan the
// same name.
func (i kindInfo) addDuplicateName(diags *diag.Diagnostics, name string) {
	diags.AddAttributeError(path.Root("name"), "Duplicate "+i.title+" Name",
		fmt.Sprintf("Another %s resource of this configuration also plans %s named %q. Names are unique among the account's %ss, "+
			"so only one of them could be applied. Give each resource its own name."+destroyHint, i.resourceType(), i.a(), name, i.noun))
}

// addDoubtfulDuplicate warns of two creates of one name with other
// settings: two resources, which the apply cannot both create, or, under
// terraform test, one resource planned again with other values.
func (i kindInfo) addDoubtfulDuplicate(diags *diag.Diagnostics, name string) {
	diags.AddAttributeWarning(path.Root("name"), "Duplicate "+i.title+" Name",
		fmt.Sprintf("Another %s resource of this configuration also plans %s named %q, with other settings. Names are unique among "+
			"the account's %ss, so the apply can create only one of them, and refuses the other. Give each resource its own name.\n\n"+
			"(Under terraform test, which plans the same resources run after run in one provider process, this is also what one "+
			"resource planned again with other values looks like; then there is nothing to fix.)", i.resourceType(), i.a(), name, i.noun))
}

// addDuplicateAtApply reports a create refused because another resource of
// this configuration created or adopted the object of that name in this
// same apply.
func (i kindInfo) addDuplicateAtApply(diags *diag.Diagnostics, name, holderID string, cause error) {
	detail := fmt.Sprintf("Another %s resource of this configuration created or adopted %s named %q in this same apply", i.resourceType(), i.a(), name)
	if holderID != "" {
		detail += fmt.Sprintf(" (id %s)", holderID)
	}
	detail += fmt.Sprintf(". Names are unique among the account's %ss, so this resource cannot have it too: give each resource its own "+
		"name. Nothing was created for this resource.", i.noun)
	if cause != nil {
		detail += "\n\n" + cause.Error()
	}
	diags.AddAttributeError(path.Root("name"), "Duplicate "+i.title+" Name", detail)
}

// addManagedElsewhere reports a new name that an object managed by another
// resource of this configuration holds; holderRenamedTo is the name that
// resource plans for it in this run, when its plan came first ("" when it
// keeps its name, or its plan comes later).
func (i kindInfo) addManagedElsewhere(diags *diag.Diagnostics, name, holderID, holderRenamedTo string) {
	detail := fmt.Sprintf("Another %s resource of this configuration manages %s %s, named %q. Names are unique among the account's %ss "+
		"at every moment, so this resource cannot take that name while that %s holds it. Nothing was sent.",
		i.resourceType(), i.noun, holderID, name, i.noun, i.noun)
	if holderRenamedTo != "" {
		detail += fmt.Sprintf("\n\nThat resource renames it to %q in this same change: two %ss swapping (or passing on) names.", holderRenamedTo, i.noun)
	}
	detail += "\n\n" + i.swapAdvice(name) + " Otherwise give this resource a name of its own." + destroyHint
	diags.AddAttributeError(path.Root("name"), "Duplicate "+i.title+" Name", detail)
}

// swapAdvice is how two resources swap names, or one takes over another's:
// one move per apply. Each name is checked against the names held when it
// is planned (and the API checks it when it is sent, in no set order), so
// a name can only move to an object once no object holds it.
func (i kindInfo) swapAdvice(name string) string {
	return fmt.Sprintf("Names move one at a time, each to a name that no %s holds when it is planned. To swap two names, go through "+
		"a temporary name, in three applies: 1. give this resource a temporary name (such as %q) and apply; 2. give the other resource "+
		"the name this one had, and apply; 3. set %q here and apply. To take over the name of a resource that moves to a new name, "+
		"apply that move first, then set the name here and apply again.", i.noun, tempName(name), name)
}

// tempName suggests a temporary name for a swap, within the name's limit.
func tempName(name string) string {
	r := []rune(name)
	if len(r) > nameMaxChars-4 {
		r = r[:nameMaxChars-4]
	}
	return string(r) + "-tmp"
}

// addUnconfirmedCreate reports a create whose outcome is unknown, with what
// the user sees next and how to adopt the object if it exists.
func (i kindInfo) addUnconfirmedCreate(diags *diag.Diagnostics, e *otp.UnconfirmedCreateError) {
	var b strings.Builder
	if e.Exists {
		fmt.Fprintf(&b, "Creating %s %q reached the OTP API, which then reported %s of that name, most likely the one this apply created, "+
			"but Terraform could not learn its id. It is not in the Terraform state.\n\n", i.noun, e.Name, i.a())
	} else {
		fmt.Fprintf(&b, "Creating %s %q failed after the request may have reached the OTP API, and Terraform could not confirm "+
			"whether the %s was created. Nothing was added to the Terraform state.\n\n", i.noun, e.Name, i.noun)
	}
	switch {
	case i.canList:
		fmt.Fprintf(&b, "Run terraform apply again: if the %s was created, the plan stops with \"%s Name Already Taken\", "+
			"naming its id and the import block that adopts it; if it was not, the apply creates it. To adopt it right away:\n\n%s\n\n"+
			"or:\n\n  terraform import %s.<name> %s%s", i.noun, i.title, i.importBlock(importNamePrefix+e.Name), i.resourceType(), importNamePrefix, e.Name)
	default:
		fmt.Fprintf(&b, "The OTP API cannot list %ss, so Terraform cannot find it by name. Look for %s named %q in the vendor console; "+
			"if it is there, adopt it by the id shown there (%s id looks like %s, but that one is only an example):\n\n%s\n\nor:\n\n  terraform import %s.<name> <id>\n\n"+
			"If it is not there, run terraform apply again.", i.noun, i.a(), e.Name, i.a(), i.idExample, i.importBlock("<id>"), i.resourceType())
	}
	b.WriteString("\n\n" + e.Error())
	diags.AddError(i.title+" May Have Been Created", b.String())
}

// addParentNotFound reports a create refused because the object it is made
// in (a template's app) does not exist.
func (i kindInfo) addParentNotFound(diags *diag.Diagnostics, attribute string, parent kindInfo, parentID, name string, err error) {
	diags.AddAttributeError(path.Root(attribute), upperFirst(parent.noun)+" Not Found",
		fmt.Sprintf("No %s of the account has the id %q, so %s %q cannot be created in it; nothing was created. "+
			"Check %s: it is the id of %s of this account, as shown in the vendor console (%s id looks like %s, but that one is only an example), or %s.<name>.id of one "+
			"this configuration manages.\n\n%s",
			parent.noun, parentID, i.a(), name, attribute, parent.a(), parent.a(), parent.idExample, parent.resourceType(), err))
}

// addAdopting is the plan's warning on a resource that adopts an object of
// the account instead of creating one: short, since a rebuilt environment
// adopts every object it has. changes are what the apply updates in it (none:
// it matches); condition, when set, is what the adoption still depends on.
// How adoption behaves is said apart, once (addAdoptionExplained). A named
// adoption has the object in its summary, the same in the apply's own plan,
// so that the CLI folds the two where it prints both (apply -auto-approve);
// the others share one summary per kind, which the CLI prints once, with
// their number (adoptionsNamed).
func (i kindInfo) addAdopting(diags *diag.Diagnostics, id, name string, changes []string, condition string, named bool) {
	detail := fmt.Sprintf("adopt_existing is on: the apply adopts %s %s (%q), which the account already has, instead of creating one", i.noun, id, name)
	if condition != "" {
		detail = condition + "\n\n" + detail
	}
	summary := fmt.Sprintf("Adopting %s %s", i.title, id)
	if !named {
		summary = fmt.Sprintf("Adopting More %ss That Match", i.title)
	}
	diags.AddAttributeWarning(path.Root("name"), summary, detail+i.adoptionChanges(changes, "updates", "It matches"))
}

// adoptionChanges ends an adoption's warning with what the update changes,
// one attribute a line (lines that start with a space are never wrapped), or
// with the sentence that nothing does.
func (i kindInfo) adoptionChanges(changes []string, updates, matches string) string {
	if len(changes) == 0 {
		return ". " + matches + " the configuration."
	}
	return fmt.Sprintf(", and %s:\n  %s", updates, strings.Join(changes, "\n  "))
}

// addAdoptionExplained says how adoption behaves, once per provider process
// (a plan that adopts fifty objects needs it once, not fifty times), apart
// from the warnings that name the objects. It has its own summary, so that
// the CLI folds it with the apply's own plan's where it prints both.
func addAdoptionExplained(diags *diag.Diagnostics) {
	diags.AddAttributeWarning(path.Root("name"), "How adopt_existing Adopts",
		"A resource planned for creation whose name an object of its kind already holds in the account adopts that object "+
			"(the warnings \"Adopting ...\" name each one): nothing is created, and the object is updated only where it differs "+
			"from the configuration. The apply looks each name up again: if the object is gone by then, it creates one; if another "+
			"object holds the name then, it adopts that one and says so. Nothing is kept between commands, so a saved plan may be "+
			"applied anywhere, as long as adopt_existing is still on (without it, the apply stops with \"Name Already Taken\"). "+
			"Any other configuration that uses these names with adopt_existing on manages the same objects.")
}

// addAdopted is the apply's warning on an adoption that its plan did not
// show: the name was taken after the plan.
func (i kindInfo) addAdopted(diags *diag.Diagnostics, id, name string, changes []string) {
	detail := fmt.Sprintf("adopt_existing is on, and when this resource was applied the account had %s %s (%q), which its plan did "+
		"not show (made since, by another pipeline or in the vendor console). This resource adopted it instead of creating one", i.noun, id, name)
	detail += i.adoptionChanges(changes, "updated it", "It already matched")
	detail += fmt.Sprintf("\n\nWhatever made it may still use it: any other configuration that uses this name with adopt_existing "+
		"on manages the same %s.", i.noun)
	diags.AddAttributeWarning(path.Root("name"), fmt.Sprintf("Adopted %s %s", i.title, id), detail)
}

// addCreatedInstead is the apply's warning on a create whose own plan
// showed the adoption of an object that was gone a moment later.
func (i kindInfo) addCreatedInstead(diags *diag.Diagnostics, id, was, name string) {
	diags.AddAttributeWarning(path.Root("name"), fmt.Sprintf("Created %s %s Instead of Adopting %s", i.title, id, was),
		fmt.Sprintf("The plan showed this resource adopting %s %s (named %q), but when the apply updated it, it was gone (renamed or "+
			"removed at that moment, in the vendor console or by another pipeline), so the apply created a new %s, id %s.",
			i.noun, was, name, i.noun, id))
}

// addHolderGone reports a name the API said was taken, whose holder was
// found and then gone before it could be adopted.
func (i kindInfo) addHolderGone(diags *diag.Diagnostics, id, name string) {
	diags.AddAttributeError(path.Root("name"), fmt.Sprintf("Could Not Adopt %s %s", i.title, id),
		fmt.Sprintf("adopt_existing is on, and the OTP API refused to create %s named %q because %s %s held the name; by the time "+
			"this apply tried to adopt it, it was gone again (renamed or removed in the vendor console, or by another pipeline). "+
			"Nothing was created or changed for this resource. Run terraform apply again.", i.a(), name, i.noun, id))
}

// addCannotAdoptFromParent reports a holder that lives under another parent
// (a template of another app) than the configuration's, which it cannot
// leave.
func (i kindInfo) addCannotAdoptFromParent(diags *diag.Diagnostics, attribute string, parent kindInfo, id, name, has, want string) {
	diags.AddAttributeError(path.Root("name"), fmt.Sprintf("Cannot Adopt %s %s", i.title, id),
		fmt.Sprintf("adopt_existing is on, and the account already has %s named %q (id %s), but it belongs to %s %q, and %s here is %q. "+
			"%s cannot move to another %s, so this resource cannot adopt it, nor create another %s of that name "+
			"(names are unique among the account's %ss). Nothing was sent for this resource.\n\n"+
			"Give this resource another name, or set %s to %q to adopt that %s.",
			i.a(), name, id, parent.noun, has, attribute, want, upperFirst(i.noun)+"s", parent.noun, i.noun, i.noun, attribute, has, i.noun))
}

// addAdoptedElsewhere reports an object that this resource manages and
// another resource of the configuration plans to adopt by name.
func (i kindInfo) addAdoptedElsewhere(diags *diag.Diagnostics, id, name string) {
	diags.AddAttributeError(path.Root("name"), "Duplicate "+i.title+" Name",
		fmt.Sprintf("Another %s resource of this configuration plans to create %s named %q, and with adopt_existing on it would "+
			"adopt %s %s, which this resource manages: two resources cannot manage one object. Give that resource another name. "+
			"Nothing was sent.", i.resourceType(), i.a(), name, i.noun, id))
}

// addStays is the plan's warning, before anything is applied, that a
// destroy (replaced false) or a replacement only forgets the object. With
// adopt_existing on (adopting), the user has said that objects outlive their
// resources, and a module test says it at every teardown: one sentence.
// adopted, when not nil, is what adopt_existing changed when it adopted the
// object in this test (empty: nothing), told here so that a test says each
// object once (destroy.go).
func (i kindInfo) addStays(diags *diag.Diagnostics, id, name string, replaced, adopting bool, adopted []string) {
	object := fmt.Sprintf("%s %s (%q)", i.noun, id, name)
	forgets := func(what string) string {
		if replaced {
			return fmt.Sprintf("Replacing it creates a new %s and only forgets %s", i.noun, what)
		}
		return "Destroying it only forgets " + what
	}
	var detail string
	switch {
	case adopted != nil:
		detail = i.adoptedInTest(object, adopted) + "\n" + forgets("it") + ": the OTP API cannot delete, and a later create of its name adopts it again."
	case adopting:
		detail = forgets(object) + ": the OTP API cannot delete. " + i.reuse(true)
	default:
		what := "Destroying it only removes " + object + " from the Terraform state"
		if replaced {
			what = fmt.Sprintf("Replacing it creates a new %s; the old one, %s, only leaves the Terraform state", i.noun, object)
		}
		detail = fmt.Sprintf("%s: the OTP API cannot delete, so it stays in the account, and its name stays taken. Remove it in the vendor "+
			"console if it is no longer needed. %s%s", what, i.reuse(false), i.reimport(id))
	}
	diags.AddWarning(fmt.Sprintf("%s %s Stays in the OTP Account", i.title, id), detail)
}

// adoptedInTest says that adopt_existing adopted the object in this test,
// and what it changed.
func (i kindInfo) adoptedInTest(object string, changes []string) string {
	return fmt.Sprintf("adopt_existing adopted %s in this test instead of creating one", object) + i.adoptionChanges(changes, "updated it", "It matched")
}

// reuse says what a later create of a forgotten object's name meets.
func (i kindInfo) reuse(adopting bool) string {
	if adopting {
		return "adopt_existing is on: a later create of its name adopts it."
	}
	return fmt.Sprintf("A later %s that uses the name again stops with \"Name Already Taken\", unless the provider's "+
		"adopt_existing is on, which adopts it.", i.checkedAt())
}

// reimport says how to manage a forgotten object again.
func (i kindInfo) reimport(id string) string {
	return fmt.Sprintf("\n\nTo manage it with Terraform again, import it:\n\n  terraform import %s.<name> %s", i.resourceType(), id)
}

// checkedAt is the step that finds a taken name: the plan, from the
// account's list, or the apply, for kinds the API cannot list.
func (i kindInfo) checkedAt() string {
	if i.canList {
		return "plan"
	}
	return "apply"
}

// addStillExists is the apply's destroy warning, for a destroy that no plan
// warned of (a CLI that does not plan destroys); adopting and adopted as for
// addStays.
func (i kindInfo) addStillExists(diags *diag.Diagnostics, id, name string, adopting bool, adopted []string) {
	detail := fmt.Sprintf("%s %s (%q) was removed from the Terraform state only. The OTP API cannot delete %ss, "+
		"so it still exists in the account, and its name stays taken. To delete it, remove it in the vendor console.%s",
		upperFirst(i.noun), id, name, i.noun, i.reimport(id))
	if adopting {
		detail = fmt.Sprintf("The destroy only forgot %s %s (%q): the OTP API cannot delete. %s", i.noun, id, name, i.reuse(true))
	}
	if adopted != nil {
		detail = i.adoptedInTest(fmt.Sprintf("%s %s (%q)", i.noun, id, name), adopted) +
			"\nThe destroy only forgot it: the OTP API cannot delete, and a later create of its name adopts it again."
	}
	diags.AddWarning(fmt.Sprintf("%s %s Still Exists in the OTP Account", i.title, id), detail)
}

// addNameNotFound reports a lookup by name (an import, a data source) that
// matched none of the account's total objects of the kind; like is a name
// that differs only in case, if there is one. At path, unless it is empty.
func (i kindInfo) addNameNotFound(diags *diag.Diagnostics, at path.Path, what, name string, total int, like string) {
	detail := fmt.Sprintf("%sNone of the account's %d %ss is named %q. Names are matched exactly, including case.", what, total, i.noun, name)
	if like != "" {
		detail += fmt.Sprintf(" Did you mean %q?", like)
	}
	if at.Equal(path.Empty()) {
		diags.AddError(i.title+" Not Found", detail)
		return
	}
	diags.AddAttributeError(at, i.title+" Not Found", detail)
}

// addImportNotFound reports an import of an id the account does not hold.
func (i kindInfo) addImportNotFound(diags *diag.Diagnostics, id string, err error) {
	hint := "Check the id in the vendor console."
	if i.canList {
		hint = fmt.Sprintf("Check the id in the vendor console, or import by name with \"%s<%s name>\".", importNamePrefix, i.noun)
	}
	diags.AddError(i.title+" Not Found",
		fmt.Sprintf("Cannot import %s %s: the account has no %s with that id.\n\n%s\n\n%s", i.noun, id, i.noun, hint, err))
}

// addGoneBeforeUpdate reports an object removed outside Terraform between
// the refresh and the update.
func (i kindInfo) addGoneBeforeUpdate(diags *diag.Diagnostics, id, name string, err error) {
	diags.AddError(i.title+" Not Found",
		fmt.Sprintf("%s %s (%q) was removed from the account outside Terraform before it could be updated. "+
			"Run terraform apply again: the refresh will notice and plan to create it anew.\n\n%s", upperFirst(i.noun), id, name, err))
}

func upperFirst(s string) string { return strings.ToUpper(s[:1]) + s[1:] }
