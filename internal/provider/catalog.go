package provider

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/itniotech/terraform-provider-otp/internal/otp"
)

// providerData is what resources and data sources receive from Configure:
// the client and what one provider process (one Terraform walk: a plan, or
// an apply) learns about the account, shared by every resource.
type providerData struct {
	client *otp.Client
	// readFromList serves reads by id of listable kinds from one list call.
	readFromList bool

	mu       sync.Mutex
	catalogs map[string]any // resource type → *catalog[T]
	// names holds the names that resources plan to create or rename to, by
	// resource type and name, so that two resources of one configuration
	// cannot plan the same one.
	names map[string]string
	// managed holds the ids of the objects that resources of this
	// configuration manage (seen in a refresh or a plan), by resource type
	// and id, so that a name conflict with one of them is told apart from a
	// conflict with an object outside the configuration.
	managed map[string]bool
	seq     int
	// refusalReported: an error already told the user that the API
	// refused the credentials or this machine (addAPIError).
	refusalReported atomic.Bool
}

func newProviderData(client *otp.Client, readFromList bool) *providerData {
	return &providerData{client: client, readFromList: readFromList, catalogs: map[string]any{}, names: map[string]string{}, managed: map[string]bool{}}
}

// catalog is the list of one listable kind, fetched at most once per
// provider process however many reads, imports, name checks and data
// sources ask for it at the same time, and kept current by this process's
// own writes. The CLI starts a provider process per walk, so a catalog never
// outlives the command that fetched it.
type catalog[T any] struct {
	objects otp.Objects[T]
	mu      sync.Mutex
	objs    []T
	byID    map[string]int // index into objs
	loaded  bool
	loading chan struct{} // closed when the fetch under way ends
	err     error         // of the fetch that just ended, for its waiters
	// pending holds what this process wrote while a fetch was under way:
	// the list it brings may predate the write.
	pending []T
}

func catalogOf[M objectModel, T any](pd *providerData, k *kind[M, T]) *catalog[T] {
	pd.mu.Lock()
	defer pd.mu.Unlock()
	if c, ok := pd.catalogs[k.typeName].(*catalog[T]); ok {
		return c
	}
	c := &catalog[T]{objects: k.objects(pd.client)}
	pd.catalogs[k.typeName] = c
	return c
}

// load fetches the list on first use; callers that arrive while it is
// under way wait for it. A failed fetch is not kept: the next caller tries
// again.
func (c *catalog[T]) load(ctx context.Context) error {
	c.mu.Lock()
	for !c.loaded {
		if c.loading == nil {
			done := make(chan struct{})
			c.loading, c.err = done, nil
			c.mu.Unlock()
			objs, err := c.objects.List(ctx)
			c.mu.Lock()
			if err == nil {
				c.objs, c.byID, c.loaded = objs, make(map[string]int, len(objs)), true
				for i, obj := range objs {
					c.byID[c.objects.ID(obj)] = i
				}
				for _, obj := range c.pending {
					c.putLocked(obj)
				}
			}
			c.pending = nil
			c.err, c.loading = err, nil
			close(done)
			break
		}
		wait := c.loading
		c.mu.Unlock()
		select {
		case <-wait:
		case <-ctx.Done():
			return ctx.Err()
		}
		c.mu.Lock()
		if !c.loaded && c.err != nil {
			break
		}
	}
	err := c.err
	if c.loaded {
		err = nil
	}
	c.mu.Unlock()
	return err
}

// all returns every object of the kind.
func (c *catalog[T]) all(ctx context.Context) ([]T, error) {
	if err := c.load(ctx); err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.objs), nil
}

// get returns the object with that id, once loaded.
func (c *catalog[T]) get(id string) (T, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if i, ok := c.byID[id]; ok {
		return c.objs[i], true
	}
	var zero T
	return zero, false
}

// put records what this process wrote, so that later reads in the same
// process see it.
func (c *catalog[T]) put(obj T) {
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case c.loaded:
		c.putLocked(obj)
	case c.loading != nil:
		c.pending = append(c.pending, obj)
	}
	// Not loaded and no fetch under way: the next fetch sees the write.
}

func (c *catalog[T]) putLocked(obj T) {
	id := c.objects.ID(obj)
	if i, ok := c.byID[id]; ok {
		c.objs[i] = obj
		return
	}
	c.byID[id] = len(c.objs)
	c.objs = append(c.objs, obj)
}

// read returns one object by id. For a listable kind (unless read_from_list
// is off) it comes from the catalog; an id missing there is confirmed with
// one details call before it is reported as not found, since the list and
// the details may disagree for a moment. Otherwise it is one details call.
func read[M objectModel, T any](ctx context.Context, pd *providerData, k *kind[M, T], id string) (T, error) {
	objects := k.objects(pd.client)
	if !pd.readFromList || !objects.Listable() {
		return objects.Get(ctx, id)
	}
	c := catalogOf(pd, k)
	if err := c.load(ctx); err != nil {
		var zero T
		return zero, err
	}
	if obj, ok := c.get(id); ok {
		return obj, nil
	}
	obj, err := objects.GetConfirmedBy(ctx, id, c.all)
	if err == nil {
		c.put(obj)
	}
	return obj, err
}

// findByName returns the object of a listable kind with exactly that name,
// from the catalog, and how many objects of the kind the account holds.
func findByName[M objectModel, T any](ctx context.Context, pd *providerData, k *kind[M, T], name string) (obj T, found bool, total int, err error) {
	c := catalogOf(pd, k)
	if err := c.load(ctx); err != nil {
		return obj, false, 0, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	obj, found = c.objects.Named(c.objs, name)
	return obj, found, len(c.objs), nil
}

// nameLike returns the name of an object of the kind that differs from name
// only in case, for a "did you mean" after a lookup that matched nothing.
// The catalog must have been loaded (findByName did).
func nameLike[M objectModel, T any](pd *providerData, k *kind[M, T], name string) (string, bool) {
	c := catalogOf(pd, k)
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, obj := range c.objs {
		if other := c.objects.Name(obj); strings.EqualFold(other, name) {
			return other, true
		}
	}
	return "", false
}

// wrote keeps the catalog consistent with a create or update: it records
// the object as the state describes it (the plan plus the id), not the
// answer, which may have been terse.
func wrote[M objectModel, T any](pd *providerData, k *kind[M, T], state M) {
	if k.canList {
		objects := k.objects(pd.client)
		catalogOf(pd, k).put(objects.WithID(k.input(state), state.objectID().ValueString()))
	}
}

// claimName records that a resource plans to create or rename an object of
// the kind to name. token identifies the resource (its id, or a fresh token
// for a create); the claim fails when another resource holds it.
func (pd *providerData) claimName(typeName, name, token string) bool {
	pd.mu.Lock()
	defer pd.mu.Unlock()
	key := typeName + "\x00" + name
	if holder, taken := pd.names[key]; taken && holder != token {
		return false
	}
	pd.names[key] = token
	return true
}

// claimOf returns the name that the resource identified by token plans to
// take, if its plan came first.
func (pd *providerData) claimOf(typeName, token string) string {
	pd.mu.Lock()
	defer pd.mu.Unlock()
	for key, holder := range pd.names {
		if t, name, _ := strings.Cut(key, "\x00"); t == typeName && holder == token {
			return name
		}
	}
	return ""
}

// manage records that a resource of this configuration manages the object.
func (pd *providerData) manage(typeName, id string) {
	pd.mu.Lock()
	defer pd.mu.Unlock()
	pd.managed[typeName+"\x00"+id] = true
}

// isManaged reports whether a resource of this configuration was seen
// managing the object.
func (pd *providerData) isManaged(typeName, id string) bool {
	pd.mu.Lock()
	defer pd.mu.Unlock()
	return pd.managed[typeName+"\x00"+id]
}

// newToken identifies a resource that has no id yet.
func (pd *providerData) newToken() string {
	pd.mu.Lock()
	defer pd.mu.Unlock()
	pd.seq++
	return fmt.Sprintf("new#%d", pd.seq)
}
