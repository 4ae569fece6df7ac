package provider

import (
	"sync"
	"sync/atomic"

	"github.com/itniotech/terraform-provider-otp/internal/otp"
)

// providerData is what resources, data sources and list resources receive
// from Configure: the client, the settings that change what they do, and
// what one provider process learns about the account.
//
// A provider process usually serves one Terraform walk (a plan, or an
// apply), but Terraform 1.14+'s terraform test configures it once per test
// file and serves every run of the file with it, plan and apply alike. So
// nothing here may assume one walk: what it records follows the objects
// (an applied create hands its name to the object; a destroy forgets the
// object), and a stale list is only ever a hint that the API corrects
// (a create refused as a duplicate is settled, never trusted blindly).
type providerData struct {
	client *otp.Client
	// readFromList serves reads by id of listable kinds from one list call.
	readFromList bool
	// adoptExisting: a create whose name another object of the kind holds
	// adopts it (adoption.go).
	adoptExisting bool
	// underTest: the process serves terraform test (cli_command.go), whose
	// plans do not announce adoptions; the test's teardown tells them.
	underTest bool

	mu       sync.Mutex
	catalogs map[string]any // resource type → *catalog[T] (catalog.go)
	// claims holds the names that resources plan to create or rename to
	// (claims.go).
	claims claims
	// managed holds the objects that resources of this configuration
	// manage (seen in a refresh or a plan, or written), so that a name
	// conflict with one of them is told apart from one with an object
	// outside the configuration, and never adopted.
	managed map[objectKey]bool
	// adopting holds the objects that resources plan to adopt, with the
	// name they adopt them as, so that whichever of an adopting resource
	// and a managing resource is planned second learns of the other.
	adopting map[objectKey]string
	// creating counts the creates (and adoptions) under way, by name: two
	// resources of one configuration that create one name in one apply
	// meet here (claims cannot tell them apart at plan).
	creating map[nameKey]int
	// said counts what this process said (timesSaid).
	said map[string]int
	// refusalReported: an error already told the user that the API
	// refused the credentials or this machine (addAPIError).
	refusalReported atomic.Bool
}

// objectKey names one object of the account: its resource type and id.
type objectKey struct{ typeName, id string }

// nameKey names one name of a kind: names are unique per kind and account.
type nameKey struct{ typeName, name string }

func newProviderData(client *otp.Client, readFromList bool) *providerData {
	return &providerData{client: client, readFromList: readFromList, catalogs: map[string]any{}, claims: newClaims(),
		managed: map[objectKey]bool{}, adopting: map[objectKey]string{}, creating: map[nameKey]int{}, said: map[string]int{}}
}

// manage records that a resource of this configuration manages the object.
// Recorded before its resource looks for a planned adoption of the object
// (adoptionPlanned), while planAdoption looks for it before recording an
// adoption: whichever of the two resources is planned second learns of the
// other.
func (pd *providerData) manage(o objectKey) {
	pd.mu.Lock()
	defer pd.mu.Unlock()
	pd.managed[o] = true
}

// isManaged reports whether a resource of this configuration was seen
// managing the object.
func (pd *providerData) isManaged(o objectKey) bool {
	pd.mu.Lock()
	defer pd.mu.Unlock()
	return pd.managed[o]
}

// planAdoption records that a resource plans to adopt the object as name,
// unless a resource of this configuration manages it.
func (pd *providerData) planAdoption(o objectKey, name string) bool {
	pd.mu.Lock()
	defer pd.mu.Unlock()
	if pd.managed[o] {
		return false
	}
	pd.adopting[o] = name
	return true
}

// timesSaid returns how many times this process said what before, and
// counts this time: a long explanation is worth one reading, not one per
// resource, and a screen of alike warnings no more than a few.
func (pd *providerData) timesSaid(what string) int {
	pd.mu.Lock()
	defer pd.mu.Unlock()
	n := pd.said[what]
	pd.said[what]++
	return n
}

// managedHolder returns the object of this configuration that holds the
// name, as far as this process knows: one it created, adopted, renamed or
// read under that name.
func (pd *providerData) managedHolder(n nameKey) (string, bool) {
	pd.mu.Lock()
	defer pd.mu.Unlock()
	c, ok := pd.claims.byName[n]
	if !ok || c.id == "" || !pd.managed[objectKey{n.typeName, c.id}] {
		return "", false
	}
	return c.id, true
}

// adoptionPlanned returns the name under which a plan of this process
// adopts the object, if one does.
func (pd *providerData) adoptionPlanned(o objectKey) (string, bool) {
	pd.mu.Lock()
	defer pd.mu.Unlock()
	name, ok := pd.adopting[o]
	return name, ok
}

// forget records that the configuration no longer manages the object (a
// destroy only forgets it): a later create of its name in this process,
// such as the next run of a test file, may adopt it again.
func (pd *providerData) forget(o objectKey) {
	pd.mu.Lock()
	defer pd.mu.Unlock()
	delete(pd.managed, o)
	delete(pd.adopting, o)
	pd.claims.release(o)
}

// beginCreate records that a create (or adoption) of the name starts, and
// returns how many are under way, this one included, with the function
// that ends it.
func (pd *providerData) beginCreate(n nameKey) (int, func()) {
	pd.mu.Lock()
	defer pd.mu.Unlock()
	pd.creating[n]++
	return pd.creating[n], func() {
		pd.mu.Lock()
		defer pd.mu.Unlock()
		if pd.creating[n]--; pd.creating[n] <= 0 {
			delete(pd.creating, n)
		}
	}
}

// wrote records a create, an adoption or an update: the catalog holds the
// object as the state describes it (the plan plus the id, not the answer,
// which may have been terse), and the process knows who has it.
func wrote[M objectModel, T any](pd *providerData, k *kind[M, T], state M) {
	id := state.objectID().ValueString()
	catalogOf(pd, k).put(k.objects(pd.client).WithID(k.input(state), id))
	pd.wroteObject(nameKey{k.typeName, state.objectName().ValueString()}, id)
}

// wroteObject records that the object id holds the name now, and that this
// configuration manages it: the claim of a create passes to the object it
// made, and a planned adoption is done.
func (pd *providerData) wroteObject(n nameKey, id string) {
	o := objectKey{n.typeName, id}
	pd.mu.Lock()
	defer pd.mu.Unlock()
	pd.managed[o] = true
	delete(pd.adopting, o)
	pd.claims.give(n, claim{id: id})
}
