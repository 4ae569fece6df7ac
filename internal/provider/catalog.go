package provider

import (
	"context"
	"slices"
	"strings"
	"sync"

	"github.com/itniotech/terraform-provider-otp/internal/otp"
)

// catalog is the list of one listable kind, fetched at most once per
// provider process however many reads, imports, name checks and data
// sources ask for it at the same time, and kept current by this process's
// own writes. The CLI usually starts a provider process per walk, so a
// catalog rarely outlives the command that fetched it; under Terraform
// 1.14+'s terraform test it serves a whole test file. Objects made by others
// since the fetch are then missing: a name check may miss one, and the API's
// refusal of the create settles it (adoption looks again: holderAfterRefusal).
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
	// fetching holds the details calls under way, by id, for a kind
	// without a list (readOnce).
	fetching map[string]chan struct{}
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

// invalidate makes the next load fetch the list again, for a lookup that
// must see what others made since the last fetch. Until then the catalog
// answers from what it holds.
func (c *catalog[T]) invalidate() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.loading == nil {
		c.loaded = false
	}
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

// put records what this process wrote or read, so that later reads in the
// same process see it. A kind without a list has no list to wait for: its
// catalog is what this process has seen of it.
func (c *catalog[T]) put(obj T) {
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case c.loaded || !c.objects.Listable():
		if c.byID == nil {
			c.byID = map[string]int{}
		}
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
	if !objects.Listable() {
		return catalogOf(pd, k).readOnce(ctx, id)
	}
	if !pd.readFromList {
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

// readOnce reads an object of a kind without a list with one details call
// per process: a refresh, a lookup, an adoption check and a query of the
// same process share it, and a read that arrives while the same id is being
// fetched waits for that fetch instead of sending another.
func (c *catalog[T]) readOnce(ctx context.Context, id string) (T, error) {
	for {
		c.mu.Lock()
		if i, ok := c.byID[id]; ok {
			obj := c.objs[i]
			c.mu.Unlock()
			return obj, nil
		}
		wait, busy := c.fetching[id]
		if !busy {
			break // with the lock held
		}
		c.mu.Unlock()
		select {
		case <-wait: // fetched (then found above) or failed (then tried again)
		case <-ctx.Done():
			var zero T
			return zero, ctx.Err()
		}
	}
	done := make(chan struct{})
	if c.fetching == nil {
		c.fetching = map[string]chan struct{}{}
	}
	c.fetching[id] = done
	c.mu.Unlock()
	obj, err := c.objects.Get(ctx, id)
	c.mu.Lock()
	if err == nil {
		if c.byID == nil {
			c.byID = map[string]int{}
		}
		c.putLocked(obj)
	}
	delete(c.fetching, id)
	close(done)
	c.mu.Unlock()
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
