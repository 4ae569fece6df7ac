package provider

import (
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// Claims: the names that resources of this configuration plan to create, or
// to rename an object to, so that two resources that plan one name are
// caught at plan, before the API refuses one of them at apply.
//
// A resource that has no id yet is only recognisable by its configuration,
// and one provider process may plan the same resource more than once:
// Terraform 1.14+'s terraform test serves every run of a file, plan and
// apply alike, with one process. So two creates of one name never block
// each other at plan (the second is only a warning when their settings
// differ, and the apply refuses one of two real duplicates: beginCreate);
// and a claim follows its object: an applied create hands its name to the
// object it made (wrote), a rename moves the object's claim to the new
// name, a destroy drops it (forget). A run that renames an object and a
// later run that renames it back are then one object keeping its own name.

// claim is a resource's plan to take a name: an existing object's id, or,
// for a create, its configuration.
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

// claims are the names claimed, and which name each object claims (an
// object has one name at a time). The provider's lock guards them.
type claims struct {
	byName   map[nameKey]claim
	byObject map[objectKey]nameKey
}

func newClaims() claims {
	return claims{byName: map[nameKey]claim{}, byObject: map[objectKey]nameKey{}}
}

// claimName records that a resource plans to create or rename an object to
// the name.
func (pd *providerData) claimName(n nameKey, c claim) claimVerdict {
	pd.mu.Lock()
	defer pd.mu.Unlock()
	holder, taken := pd.claims.byName[n]
	switch {
	case !taken || holder.same(c):
	case holder.id == "" && c.id == "":
		pd.claims.byName[n] = c
		return claimDoubtful
	default:
		return claimTaken
	}
	pd.claims.give(n, c)
	return claimed
}

// give gives the name to the claim; an object's claim on another name goes.
func (cs claims) give(n nameKey, c claim) {
	if c.id != "" {
		o := objectKey{n.typeName, c.id}
		cs.release(o)
		cs.byObject[o] = n
	}
	cs.byName[n] = c
}

// release drops the name the object claims, if any.
func (cs claims) release(o objectKey) {
	if n, ok := cs.byObject[o]; ok {
		delete(cs.byObject, o)
		if cs.byName[n].id == o.id {
			delete(cs.byName, n)
		}
	}
}

// claimOf returns the name that the object's resource plans for it, if its
// plan came first and the name is not the object's own already.
func (pd *providerData) claimOf(o objectKey, current string) string {
	pd.mu.Lock()
	defer pd.mu.Unlock()
	if n, ok := pd.claims.byObject[o]; ok && n.name != current {
		return n.name
	}
	return ""
}
