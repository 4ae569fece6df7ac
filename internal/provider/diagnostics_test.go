package provider

import (
	"context"
	"errors"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	dschema "github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"

	"github.com/itniotech/terraform-provider-otp/internal/otp"
)

// badArticle finds "a" before a vowel and "an" before a consonant.
var badArticle = regexp.MustCompile(`(?i)\b(a [aeiou]|an [^aeiou\s"'])`)

var kindInfos = []kindInfo{taskFlowKind.kindInfo, appKind.kindInfo, templateKind.kindInfo}

// everyDiagnostic builds every message a kind can raise.
func everyDiagnostic(i kindInfo) diag.Diagnostics {
	var d diag.Diagnostics
	cause := errors.New("the cause")
	for _, adopting := range []bool{false, true} {
		i.addNameTaken(&d, "taken", "1", "", "", adopting, nil)
		i.addNameTaken(&d, "taken", "", "", "", adopting, cause)
		i.addNameTaken(&d, "taken", "1", "2", "old", adopting, cause)
		i.addNameTaken(&d, "taken", "2", "2", "old", adopting, cause)
	}
	i.addAdopting(&d, "1", "x", nil, "", true)
	i.addAdopting(&d, "1", "x", nil, "", false)
	i.addAdopting(&d, "1", "x", []string{"a: 1 → 2"}, "It belongs to an app.", true)
	addAdoptionExplained(&d)
	i.addAdopted(&d, "1", "x", nil)
	i.addAdopted(&d, "1", "x", []string{"a: 1 → 2"})
	i.addCreatedInstead(&d, "2", "1", "x")
	i.addHolderGone(&d, "1", "x")
	i.addAdoptedElsewhere(&d, "1", "x")
	for _, adopted := range [][]string{nil, {}, {"a: 1 → 2"}} {
		for _, replaced := range []bool{false, true} {
			i.addStays(&d, "1", "x", replaced, false, adopted)
			i.addStays(&d, "1", "x", replaced, true, adopted)
		}
		i.addStillExists(&d, "1", "x", false, adopted)
		i.addStillExists(&d, "1", "x", true, adopted)
	}
	for _, parent := range kindInfos {
		i.addCannotAdoptFromParent(&d, "parent_id", parent, "1", "x", "2", "3")
	}
	i.addDuplicateName(&d, "dup")
	i.addDoubtfulDuplicate(&d, "dup")
	i.addDuplicateAtApply(&d, "dup", "1", cause)
	i.addDuplicateAtApply(&d, "dup", "", nil)
	i.addManagedElsewhere(&d, "held", "1", "")
	i.addManagedElsewhere(&d, "held", "1", "other")
	i.addUnconfirmedCreate(&d, &otp.UnconfirmedCreateError{Kind: i.noun, Name: "x", Exists: true, Err: cause})
	i.addUnconfirmedCreate(&d, &otp.UnconfirmedCreateError{Kind: i.noun, Name: "x", Err: cause})
	i.addImportNotFound(&d, "1", cause)
	i.addGoneBeforeUpdate(&d, "1", "x", cause)
	i.addNameNotFound(&d, path.Empty(), "", "x", 3, "X")
	for _, parent := range kindInfos {
		i.addParentNotFound(&d, "parent_id", parent, "1", "x", cause)
	}
	return d
}

// TestDiagnosticGrammarForEveryKind reads every message of every kind:
// "a app" is the bug it guards against.
func TestDiagnosticGrammarForEveryKind(t *testing.T) {
	for _, i := range kindInfos {
		for _, d := range everyDiagnostic(i) {
			for _, text := range []string{d.Summary(), d.Detail()} {
				if m := badArticle.FindString(text); m != "" {
					t.Errorf("%s: %q in %q", i.noun, m, text)
				}
			}
		}
	}
}

// dataSources returns every data source with its schema.
func dataSources(t *testing.T) map[string]dschema.Schema {
	t.Helper()
	out := map[string]dschema.Schema{}
	for _, newDS := range (&otpProvider{}).DataSources(context.Background()) {
		ds := newDS()
		var meta datasource.MetadataResponse
		ds.Metadata(context.Background(), datasource.MetadataRequest{ProviderTypeName: "otp"}, &meta)
		var resp datasource.SchemaResponse
		ds.Schema(context.Background(), datasource.SchemaRequest{}, &resp)
		out[meta.TypeName] = resp.Schema
	}
	return out
}

// descriptions walks a data-source schema's attribute descriptions.
func descriptions(prefix string, attrs map[string]dschema.Attribute, visit func(path, desc string)) {
	for name, a := range attrs {
		visit(prefix+name, a.GetMarkdownDescription())
		switch a := a.(type) {
		case dschema.ListNestedAttribute:
			descriptions(prefix+name+".", a.NestedObject.Attributes, visit)
		case dschema.SingleNestedAttribute:
			descriptions(prefix+name+".", a.Attributes, visit)
		}
	}
}

// TestDataSourceDescriptionsAreTheirOwn: a data source only reads, so its
// descriptions say nothing of defaults, of how a change is applied, or of
// leaving an attribute out.
func TestDataSourceDescriptionsAreTheirOwn(t *testing.T) {
	writing := regexp.MustCompile(`(?i)defaults to|the default|in place|omit the block|renaming|changing it|leave the attribute out|^required`)
	for name, s := range dataSources(t) {
		descriptions(name+".", s.Attributes, func(p, d string) {
			if m := writing.FindString(d); m != "" {
				t.Errorf("%s says %q, which is about writing the resource: %s", p, m, d)
			}
			if m := badArticle.FindString(d); m != "" {
				t.Errorf("%s: %q in %s", p, m, d)
			}
		})
	}
}

// TestAppDataSourceNameIsReadOnly: the API has no list of apps, so name
// cannot be looked up and is read-only (it was Optional, and refused).
func TestAppDataSourceNameIsReadOnly(t *testing.T) {
	a, ok := dataSources(t)["otp_app"].Attributes["name"].(dschema.StringAttribute)
	if !ok || !a.Computed || a.Optional || a.Required {
		t.Fatalf("otp_app data source name = %+v, want computed only", a)
	}
}

// TestRequiredMarkers: attributes the framework must keep Optional though
// they are required (inside a limit block, the flow blocks) start their
// description with "Required in the block." or "Required:", which
// tools/docsfix turns into the docs' Required lists.
func TestRequiredMarkers(t *testing.T) {
	app := appSchema(resourceDocs)
	for _, block := range []string{"period_total_send_limit", "period_phone_send_limit"} {
		for name, a := range app.Blocks[block].GetNestedObject().GetAttributes() {
			if !strings.HasPrefix(a.GetMarkdownDescription(), "Required in the block. ") {
				t.Errorf("%s.%s: %q does not start with Required", block, name, a.GetMarkdownDescription())
			}
		}
	}
	if d := taskFlowSchema(resourceDocs).Blocks["flow"].GetMarkdownDescription(); !strings.HasPrefix(d, "Required: ") {
		t.Errorf("flow: %q does not start with Required", d)
	}
}

// TestDiagnosticsSayWhichStepStops: a reused name stops the plan of a kind
// the API lists and the apply of one it cannot; only the errors a plan
// raises from the account's objects say how to destroy past them.
func TestDiagnosticsSayWhichStepStops(t *testing.T) {
	for _, i := range kindInfos {
		var d diag.Diagnostics
		i.addStays(&d, "1", "x", false, false, nil)
		step := map[bool]string{true: "A later plan that uses the name again", false: "A later apply that uses the name again"}[i.canList]
		if got := d[0].Detail(); !strings.Contains(got, step) {
			t.Errorf("%s: stays warning lacks %q: %s", i.noun, step, got)
		}
		d = nil
		i.addNameTaken(&d, "x", "1", "", "", false, nil)
		i.addDuplicateName(&d, "x")
		i.addManagedElsewhere(&d, "x", "1", "")
		for _, e := range d {
			if !strings.HasSuffix(e.Detail(), destroyHint) {
				t.Errorf("%s: plan-time %q lacks the destroy hint: %s", i.noun, e.Summary(), e.Detail())
			}
		}
		d = nil
		i.addNameTaken(&d, "x", "1", "", "", false, errors.New("the cause"))
		i.addDuplicateAtApply(&d, "x", "1", nil)
		for _, e := range d {
			if strings.Contains(e.Detail(), "terraform destroy -refresh=false") {
				t.Errorf("%s: apply-time %q has the destroy hint: %s", i.noun, e.Summary(), e.Detail())
			}
		}
	}
}

// TestExampleIDsAreSaidToBeExamples: a message about one object that names
// the kind's example id (mRELxtHc, the vendor's sample app id) must not read
// as that object's id; a new user imported the sample and got "App Not Found".
func TestExampleIDsAreSaidToBeExamples(t *testing.T) {
	for _, i := range kindInfos {
		for _, d := range everyDiagnostic(i) {
			text := d.Detail()
			if strings.Contains(text, i.idExample) && !strings.Contains(text, i.idExample+", but that one is only an example") {
				t.Errorf("%s: %q names the example id %s as if it were the object's:\n%s", i.noun, d.Summary(), i.idExample, text)
			}
		}
	}
}
