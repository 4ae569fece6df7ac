package provider

import (
	"context"
	"fmt"
	"iter"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/itniotech/terraform-provider-otp/internal/otp"
)

// providerData is what resources and data sources receive from Configure:
// the client and what one provider process (one Terraform walk: a plan, or
// an apply) learns about the account, shared by every resource.
type providerData struct {
	client *otp.Client
	// readFromList serves reads by id of listable kinds from one list call.
	readFromList bool
	// adoptExisting: a create whose name another object of the kind holds
	// adopts it (adoption.go); adoptions remembers them between the plan
	// and the apply.
	adoptExisting bool
	adoptions     *adoptionMemory
	// adopting holds the objects that resources of this configuration plan
	// to adopt, by resource type and id, with the name they adopt them as.
	adopting map[string]string
	// creates counts the creates and adoptions this process started, by
	// resource type and name (startCreate).
	creates map[string]int

	mu       sync.Mutex
	catalogs map[string]any // resource type → *catalog[T]
	// names holds the names that resources plan to create or rename to, by
	// resource type and name, so that two resources of one configuration
	// cannot plan the same one.
	names map[string]claim
	// managed holds the ids of the objects that resources of this
	// configuration manage (seen in a refresh or a plan), by resource type
	// and id, so that a name conflict with one of them is told apart from a
	// conflict with an object outside the configuration.
	managed map[string]bool
	// refusalReported: an error already told the user that the API
	// refused the credentials or this machine (addAPIError).
	refusalReported atomic.Bool
}

func newProviderData(client *otp.Client, readFromList bool) *providerData {
	return &providerData{client: client, readFromList: readFromList, catalogs: map[string]any{}, names: map[string]claim{},
		managed: map[string]bool{}, adopting: map[string]string{}, creates: map[string]int{}}
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

// wrote keeps the catalog consistent with a create or update: it records
// the object as the state describes it (the plan plus the id), not the
// answer, which may have been terse.
func wrote[M objectModel, T any](pd *providerData, k *kind[M, T], state M) {
	objects := k.objects(pd.client)
	id := state.objectID().ValueString()
	catalogOf(pd, k).put(objects.WithID(k.input(state), id))
	// Managed from now on: a later plan or create of the same name in this
	// process meets a resource of this configuration, not an outsider.
	pd.manage(k.typeName, id)
}

// startCreate records that this process is about to create (or adopt) an
// object of the kind named name, and says how many such creates of that
// name it has started. Two resources alike in everything, the name
// included, plan alike (see claim), so the apply is where they meet: the
// second one to start, or the one the API refuses, is the duplicate.
func (pd *providerData) startCreate(typeName, name string) int {
	pd.mu.Lock()
	defer pd.mu.Unlock()
	pd.creates[typeName+"\x00"+name]++
	return pd.creates[typeName+"\x00"+name]
}

// createsOf is how many creates of that name this process has started.
func (pd *providerData) createsOf(typeName, name string) int {
	pd.mu.Lock()
	defer pd.mu.Unlock()
	return pd.creates[typeName+"\x00"+name]
}

// everyObject yields every object of the kind, in id order (ids grow with
// creation, so this is a stable and meaningful order; the API documents
// none). A listable kind comes from its catalog: one list call, shared. A
// kind without a list is found through the objects that refer to it
// (k.discover: apps, through the account's templates), and each is read
// once per process, ahead(n) of them at a time (at least one): a consumer
// that stops early (a query's limit, the first match of a name) sends no
// more than it asked for, and one that reads them all does not wait for
// each round trip in turn.
func everyObject[M objectModel, T any](ctx context.Context, pd *providerData, k *kind[M, T], ahead func() int) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		var zero T
		objects := k.objects(pd.client)
		if objects.Listable() {
			all, err := catalogOf(pd, k).all(ctx)
			if err != nil {
				yield(zero, err)
				return
			}
			sort.SliceStable(all, func(i, j int) bool { return idLess(objects.ID(all[i]), objects.ID(all[j])) })
			for _, obj := range all {
				if !yield(obj, nil) {
					return
				}
			}
			return
		}
		if k.discover == nil {
			yield(zero, fmt.Errorf("the OTP API has no list of %ss", k.noun))
			return
		}
		ids, err := k.discover(ctx, pd)
		if err != nil {
			yield(zero, err)
			return
		}
		type result struct {
			obj T
			err error
		}
		for len(ids) > 0 {
			n := 1
			if ahead != nil {
				n = max(1, min(ahead(), len(ids)))
			}
			batch := make([]result, n)
			var wg sync.WaitGroup
			for i, id := range ids[:n] {
				wg.Add(1)
				go func() {
					defer wg.Done()
					batch[i].obj, batch[i].err = read(ctx, pd, k, id)
				}()
			}
			wg.Wait()
			ids = ids[n:]
			for _, r := range batch {
				if otp.IsNotFound(r.err) {
					continue // referred to, but gone: nothing to list
				}
				if !yield(r.obj, r.err) || r.err != nil {
					return
				}
			}
		}
	}
}

// readAhead is how many objects of a kind without a list are read at a
// time when all of them may be needed.
const readAhead = 8

// referencedIDs returns the distinct ids that the account's objects of a
// listable kind refer to (the apps of the templates), in id order, from that
// kind's catalog: no request beyond its one list.
func referencedIDs[M objectModel, T any](ctx context.Context, pd *providerData, from *kind[M, T], ref func(T) string) ([]string, error) {
	all, err := catalogOf(pd, from).all(ctx)
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	var ids []string
	for _, obj := range all {
		if id := ref(obj); id != "" && !seen[id] {
			seen[id] = true
			ids = append(ids, id)
		}
	}
	sort.Slice(ids, func(i, j int) bool { return idLess(ids[i], ids[j]) })
	return ids, nil
}

// claim is a resource's plan to take a name: an existing object's id, or,
// for a create, its configuration. A resource that has no id yet is only
// recognisable by what it says, and one provider process may plan the same
// resource more than once: Terraform 1.14+'s terraform test serves every
// run of a file, plan and apply alike, with one provider process, so the
// registries here outlive one walk there.
type claim struct {
	id     string
	config tftypes.Value
}

// same reports whether two claims come from the same resource: the same id,
// or configurations that agree on every value known in both (a value
// unknown at plan may be known when the apply plans again).
func (c claim) same(o claim) bool {
	if c.id != "" || o.id != "" {
		return c.id == o.id
	}
	return compatible(c.config, o.config)
}

// compatible reports whether two values agree wherever both are known.
func compatible(a, b tftypes.Value) bool {
	switch {
	case !a.IsKnown() || !b.IsKnown():
		return true
	case a.IsNull() || b.IsNull():
		return a.IsNull() == b.IsNull()
	case !a.Type().Equal(b.Type()):
		return false
	case a.Type().Is(tftypes.Object{}) || a.Type().Is(tftypes.Map{}):
		var am, bm map[string]tftypes.Value
		if a.As(&am) != nil || b.As(&bm) != nil || len(am) != len(bm) {
			return false
		}
		for k, v := range am {
			if w, ok := bm[k]; !ok || !compatible(v, w) {
				return false
			}
		}
		return true
	case a.Type().Is(tftypes.List{}) || a.Type().Is(tftypes.Tuple{}):
		var as, bs []tftypes.Value
		if a.As(&as) != nil || b.As(&bs) != nil || len(as) != len(bs) {
			return false
		}
		for i := range as {
			if !compatible(as[i], bs[i]) {
				return false
			}
		}
		return true
	}
	return a.Equal(b)
}

// claimVerdict is what claimName found.
type claimVerdict int

const (
	claimed       claimVerdict = iota // the name is this resource's
	claimTaken                        // another resource claims it: certain
	claimDoubtful                     // another create with other settings: another resource, or this one planned again
)

// claimName records that a resource plans to create or rename an object of
// the kind to name. Two creates are never certainly two resources (see
// claim), so one create never blocks another: the apply catches a real
// duplicate, and the plan warns when the settings differ.
func (pd *providerData) claimName(typeName, name string, c claim) claimVerdict {
	pd.mu.Lock()
	defer pd.mu.Unlock()
	key := typeName + "\x00" + name
	holder, taken := pd.names[key]
	switch {
	case !taken || holder.same(c):
	case holder.id == "" && c.id == "":
		pd.names[key] = c
		return claimDoubtful
	default:
		return claimTaken
	}
	pd.names[key] = c
	return claimed
}

// claimOf returns the name that the resource managing the object id plans
// to take, if its plan came first.
func (pd *providerData) claimOf(typeName, id string) string {
	pd.mu.Lock()
	defer pd.mu.Unlock()
	for key, holder := range pd.names {
		if t, name, _ := strings.Cut(key, "\x00"); t == typeName && holder.id == id {
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
