package provider

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"

	"github.com/itniotech/terraform-provider-otp/internal/otp"
	"github.com/itniotech/terraform-provider-otp/internal/sandbox"
)

func catalogEnv(t *testing.T) (*sandbox.Server, *providerData) {
	t.Helper()
	sb, base := sandboxServer(t)
	c, err := otp.New(otp.Config{BaseURL: base, APIKey: "k", APISecret: "s", MaxRetries: -1})
	if err != nil {
		t.Fatal(err)
	}
	return sb, newProviderData(c, true)
}

// Reads that arrive together share one list call.
func TestCatalogFetchesOnceForConcurrentReads(t *testing.T) {
	sb, pd := catalogEnv(t)
	var ids []string
	for _, name := range []string{"flow-one", "flow-two", "flow-three"} {
		f, err := sb.AddFlow("k", sandbox.Flow{Name: name, Flow: []sandbox.Node{{WaitingTime: 30, Status: 1, Channel: "sms"}}})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, formatIntID(f.FlowID))
	}
	sb.SetFaults(sandbox.Faults{LatencyMS: 50}) // so that the reads overlap
	var wg sync.WaitGroup
	errs := make(chan error, 30)
	for i := range 30 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			f, err := read(context.Background(), pd, taskFlowKind, ids[i%3])
			if err == nil && formatIntID(f.ID) != ids[i%3] {
				err = context.Canceled
			}
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if c := sb.Counts(); c[sandbox.RouteFlowList] != 1 || sb.Total() != 1 {
		t.Fatalf("30 concurrent reads made %v, want one list", c)
	}
}

// A failed fetch is not kept: the next read tries again; what this process
// writes is seen by its later reads without a new list.
func TestCatalogRetriesFailuresAndKeepsWrites(t *testing.T) {
	sb, pd := catalogEnv(t)
	sb.SetFaults(sandbox.Faults{BadGatewayRate: 1, Limit: 1})
	if _, _, _, err := findByName(context.Background(), pd, taskFlowKind, "nothing"); err == nil {
		t.Fatal("the 502 must reach the caller (retries are off)")
	}
	if _, found, total, err := findByName(context.Background(), pd, taskFlowKind, "nothing"); err != nil || found || total != 0 {
		t.Fatalf("second try: %v %v %v", found, total, err)
	}
	created, err := pd.client.Flows().Create(context.Background(), otp.Flow{Name: "written", Nodes: []otp.Node{{WaitingTime: 30, Status: 1, Channel: "sms"}}})
	if err != nil {
		t.Fatal(err)
	}
	wrote(pd, taskFlowKind, flowModel(created))
	sb.ResetCounts()
	if f, found, _, err := findByName(context.Background(), pd, taskFlowKind, "written"); err != nil || !found || f.ID != created.ID {
		t.Fatalf("the write is not in the catalog: %+v %v %v", f, found, err)
	}
	if sb.Total() != 0 {
		t.Fatalf("reading a write made %v", sb.Counts())
	}
}

// An id missing from the list is confirmed with one details call: gone
// when the API says so, kept when the list was merely behind.
func TestCatalogConfirmsMissingIDs(t *testing.T) {
	sb, pd := catalogEnv(t)
	if _, err := findByNameOrFail(t, pd); err != nil {
		t.Fatal(err)
	}
	late, err := sb.AddFlow("k", sandbox.Flow{Name: "after-the-list", Flow: []sandbox.Node{{WaitingTime: 30, Status: 1, Channel: "sms"}}})
	if err != nil {
		t.Fatal(err)
	}
	sb.ResetCounts()
	if f, err := read(context.Background(), pd, taskFlowKind, formatIntID(late.FlowID)); err != nil || f.Name != "after-the-list" {
		t.Fatalf("a flow created after the list: %+v %v", f, err)
	}
	if _, err := read(context.Background(), pd, taskFlowKind, "999999"); !otp.IsNotFound(err) {
		t.Fatalf("an unknown id: %v", err)
	}
	if c := sb.Counts(); c[sandbox.RouteFlowDetails] != 2 || sb.Total() != 2 {
		t.Fatalf("requests %v, want one details call each and no new list", c)
	}
}

func findByNameOrFail(t *testing.T, pd *providerData) (bool, error) {
	t.Helper()
	_, found, _, err := findByName(context.Background(), pd, taskFlowKind, "x")
	return found, err
}

// A write made while the list is on its way is kept: the list may predate
// it.
func TestCatalogKeepsWritesMadeDuringTheFetch(t *testing.T) {
	arrived, release := make(chan struct{}), make(chan struct{})
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		close(arrived)
		<-release
		_, _ = io.WriteString(w, `{"status":"0","reason":"success","data":[]}`)
	}))
	t.Cleanup(api.Close)
	c, err := otp.New(otp.Config{BaseURL: api.URL, APIKey: "k", APISecret: "s", MaxRetries: -1})
	if err != nil {
		t.Fatal(err)
	}
	pd := newProviderData(c, true)
	done := make(chan error)
	go func() { done <- catalogOf(pd, taskFlowKind).load(context.Background()) }()
	<-arrived
	written := flowModel(otp.Flow{ID: 4242, Name: "written-meanwhile", Nodes: []otp.Node{{WaitingTime: 30, Status: 1, Channel: "sms"}}})
	wrote(pd, taskFlowKind, written)
	close(release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if f, ok := catalogOf(pd, taskFlowKind).get("4242"); !ok || f.Name != "written-meanwhile" {
		t.Fatalf("the write made during the fetch is lost: %+v %v", f, ok)
	}
}

// canList is declared with each kind; it must agree with the client.
func TestKindsDeclareTheirListAsTheClientDoes(t *testing.T) {
	for _, c := range []struct {
		info     kindInfo
		listable bool
	}{
		{taskFlowKind.kindInfo, taskFlowKind.objects(nil).Listable()},
		{appKind.kindInfo, appKind.objects(nil).Listable()},
		{templateKind.kindInfo, templateKind.objects(nil).Listable()},
	} {
		if c.info.canList != c.listable {
			t.Errorf("%s: canList %v, but the client says %v", c.info.typeName, c.info.canList, c.listable)
		}
	}
}

// An object of a kind without a list is read once per process, however
// many reads ask for it at the same time; apps are found through the
// templates that use them, in id order, and one that no template uses is
// not found at all.
func TestAppsReadOnceAndFoundThroughTemplates(t *testing.T) {
	sb, pd := catalogEnv(t)
	var used []string
	for _, name := range []string{"app-one", "app-two"} {
		a, err := sb.AddApp("k", sandbox.App{Name: name})
		if err != nil {
			t.Fatal(err)
		}
		used = append(used, a.AppID)
		for i := range 2 { // two templates each: an app is listed once
			if _, err := sb.AddTemplate("k", sandbox.Template{AppID: a.AppID, Name: name + "-t" + string(rune('0'+i)), Text: "##code##"}); err != nil {
				t.Fatal(err)
			}
		}
	}
	if _, err := sb.AddApp("k", sandbox.App{Name: "no-template"}); err != nil {
		t.Fatal(err)
	}
	sb.SetFaults(sandbox.Faults{LatencyMS: 50})
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := read(context.Background(), pd, appKind, used[i%2]); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if c := sb.Counts(); c[sandbox.RouteAppDetails] != 2 || sb.Total() != 2 {
		t.Fatalf("20 concurrent reads of 2 apps made %v, want 2 details calls", c)
	}
	var names []string
	for a, err := range everyObject(context.Background(), pd, appKind, nil) {
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, a.Name)
	}
	want := []string{"app-one", "app-two"}
	if idLess(used[1], used[0]) {
		want = []string{"app-two", "app-one"}
	}
	if !slices.Equal(names, want) {
		t.Fatalf("apps found %v, want %v (in id order, without the app no template uses)", names, want)
	}
	// The template list, and nothing more: both apps were read already.
	if c := sb.Counts(); c[sandbox.RouteAppDetails] != 2 || c[sandbox.RouteTemplateList] != 1 || sb.Total() != 3 {
		t.Fatalf("listing the apps made %v, want one template list on top", c)
	}
}

// sandboxServer serves a sandbox with one account, key "k" and secret "s",
// until the test ends; it returns the API's base URL.
func sandboxServer(t *testing.T) (*sandbox.Server, string) {
	t.Helper()
	sb, err := sandbox.New(sandbox.Options{Accounts: map[string]string{"k": "s"}})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(sb)
	t.Cleanup(hs.Close)
	return sb, hs.URL + sb.Prefix()
}
