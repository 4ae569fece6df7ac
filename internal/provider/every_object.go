package provider

import (
	"context"
	"fmt"
	"iter"
	"sort"
	"sync"

	"github.com/itniotech/terraform-provider-otp/internal/otp"
)

// everyObject yields every object of the kind, ordered by id (numeric ids
// as numbers, others as text: for apps, whose ids are random, that is a
// stable order but not the order of creation; the API documents none). A
// listable kind comes from its catalog: one list call, shared. A kind
// without a list is found through the objects that refer to it (k.discover:
// apps, through the account's templates), and each is read once per
// process, in batches of ahead() (at least one) read at the same time: a
// consumer that stops early (a query's limit, the first match of a name)
// costs at most the rest of the batch it stopped in, and one that reads
// them all does not wait for each round trip in turn.
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
		ids, err := k.discover.ids(ctx, pd)
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
