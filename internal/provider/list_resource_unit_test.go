package provider

import (
	"context"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/list"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/itniotech/terraform-provider-otp/internal/otp"
	"github.com/itniotech/terraform-provider-otp/internal/sandbox"
)

// listRequest builds what the framework hands a list resource: an empty
// config (no filter) and the resource's schemas.
func listRequest[M objectModel, T any](t *testing.T, k *kind[M, T], limit int64, include bool) (list.ListResource, list.ListRequest) {
	t.Helper()
	ctx := context.Background()
	l := newObjectListResource(k)
	var sch list.ListResourceSchemaResponse
	l.ListResourceConfigSchema(ctx, list.ListResourceSchemaRequest{}, &sch)
	r := newObjectResource(k).(*objectResource[M, T])
	var rs resource.SchemaResponse
	r.Schema(ctx, resource.SchemaRequest{}, &rs)
	var is resource.IdentitySchemaResponse
	r.IdentitySchema(ctx, resource.IdentitySchemaRequest{}, &is)
	return l, list.ListRequest{
		Config:                 tfsdk.Config{Schema: sch.Schema, Raw: tftypes.NewValue(sch.Schema.Type().TerraformType(ctx), nil)},
		Limit:                  limit,
		IncludeResource:        include,
		ResourceSchema:         rs.Schema,
		ResourceIdentitySchema: is.IdentitySchema,
	}
}

// TestListStopsAtTheLimit: results stop as soon as the limit is reached;
// for apps, each further one would have cost a details call.
func TestListStopsAtTheLimit(t *testing.T) {
	sb, pd := catalogEnv(t)
	for _, name := range []string{"app-one", "app-two", "app-three"} {
		a, err := sb.AddApp("k", sandbox.App{Name: name})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := sb.AddTemplate("k", sandbox.Template{AppID: a.AppID, Name: "for-" + name, Text: "##code##"}); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		limit  int64
		pushed int
	}{{0, 0}, {1, 1}, {2, 2}, {100, 3}} {
		sb.ResetCounts()
		pd = newProviderData(pd.client, true) // a new process
		l, req := listRequest(t, appKind, tc.limit, true)
		l.(*objectListResource[appModel, otp.App]).pd = pd
		var stream list.ListResultsStream
		l.List(context.Background(), req, &stream)
		pushed := 0
		stream.Results(func(r list.ListResult) bool {
			if r.Diagnostics.HasError() {
				t.Fatal(r.Diagnostics)
			}
			pushed++
			return true
		})
		wantDetails := tc.pushed
		wantLists := 1
		if tc.limit == 0 {
			wantLists = 0
		}
		if c := sb.Counts(); pushed != tc.pushed || c[sandbox.RouteAppDetails] != wantDetails || c[sandbox.RouteTemplateList] != wantLists {
			t.Errorf("limit %d: %d results and requests %v, want %d results, %d details and %d template list", tc.limit, pushed, c, tc.pushed, wantDetails, wantLists)
		}
	}
}
