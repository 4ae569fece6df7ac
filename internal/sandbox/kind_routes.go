package sandbox

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
)

// The routes every kind has, written once: the vendor's add, update,
// details and list, and the console's list, add, patch and delete. A kind
// names which vendor routes it has (apps have no list).

// vendorRoutes are the kind's vendor routes. Update and details take the
// id as the last path segment.
func (k *kind[T]) vendorRoutes() []route {
	var out []route
	for _, o := range k.routes {
		out = append(out, k.vendorRoute(o))
	}
	return out
}

// The operations of a kind's vendor routes besides opAdd and opUpdate.
const (
	opDetails op = iota + 100
	opList
)

func (k *kind[T]) vendorRoute(o op) route {
	base := "/" + k.one
	idParam := k.idParam()
	var zero T
	r := route{op: o, Route: Route{Auth: AuthSigned}}
	switch o {
	case opAdd:
		r.Method, r.Path = "POST", base+"/add"
		r.Does = fmt.Sprintf("Creates %s. The sandbox assigns the %s (%s).", a(k.one), k.idField, k.ids.describe())
		r.Body, r.Fields = "a JSON object", k.fieldDocs(false)
		r.Replies = []Reply{
			answers(fmt.Sprintf("the %s as stored, with its %s", k.one, k.idField), zero),
			refuses(codeParameter, "for a broken rule (the reason names the field)"),
			refuses(codeExisting, fmt.Sprintf("for a name another %s of the account has", k.one)),
		}
		if k.refs != nil {
			r.Replies = append(r.Replies, refuses(codeNotFound, "for a reference to an object the account does not have"))
		}
		r.vendor = func(s *Server, acct *account, _ *http.Request, body []byte) answer {
			obj, reason := k.parse(body, "")
			if reason != "" {
				return fail(codeParameter, reason)
			}
			return inAccount(acct, func() (T, error) { return k.insert(s, acct, obj) })
		}
	case opUpdate:
		r.Method, r.Path = "PUT", base+"/update/{id}"
		r.Does = fmt.Sprintf("Replaces %s whole: what the body leaves out takes its default. %s cannot change.", a(k.one),
			strings.Join(append([]string{k.idField}, k.fixed...), " and "))
		r.Params, r.Body, r.Fields = []Field{idParam}, "a JSON object", k.fieldDocs(true)
		r.Replies = []Reply{
			answers(fmt.Sprintf("the %s as stored", k.one), zero),
			refuses(codeParameter, "for a broken rule, checked before the id"),
			refuses(codeNotFound, fmt.Sprintf("for an id no %s of the account has", k.one)),
			refuses(codeExisting, "for a name another has"),
		}
		// The body is validated before the id is looked up, so a bad body
		// for an unknown id is -22, not -24.
		r.vendor = func(s *Server, acct *account, req *http.Request, body []byte) answer {
			id, bad := k.vendorID(req)
			if bad != nil {
				return *bad
			}
			obj, reason := k.parse(body, id)
			if reason != "" {
				return fail(codeParameter, reason)
			}
			return inAccount(acct, func() (T, error) { return k.replace(s, acct, id, obj) })
		}
	case opDetails:
		r.Method, r.Path = "GET", base+"/details/{id}"
		r.Does, r.Params = fmt.Sprintf("Reads %s.", a(k.one)), []Field{idParam}
		r.Replies = []Reply{
			answers("the "+k.one, zero),
			refuses(codeNotFound, fmt.Sprintf("for an id no %s of the account has", k.one)),
		}
		r.vendor = func(_ *Server, acct *account, req *http.Request, _ []byte) answer {
			id, bad := k.vendorID(req)
			if bad != nil {
				return *bad
			}
			return inAccount(acct, func() (T, error) {
				obj, found := k.find(&acct.objects, id)
				if !found {
					return obj, refuse(codeNotFound, "%s", k.missing(id))
				}
				return clone(obj), nil
			})
		}
	case opList:
		r.Method, r.Path = "GET", base+"/list"
		r.Does = fmt.Sprintf("Lists the account's %s, %s.", k.many, k.ids.order())
		r.Replies = []Reply{answers(fmt.Sprintf("an array of %s ([] when there are none)", k.many), []T{})}
		r.vendor = func(_ *Server, acct *account, _ *http.Request, _ []byte) answer {
			return inAccount(acct, func() ([]T, error) { return k.list(&acct.objects), nil })
		}
	}
	r.Name = vendorName(r.Method, r.Path)
	return r
}

// vendorID reads the id a vendor route takes last, or says why it cannot
// be one (-22).
func (k *kind[T]) vendorID(req *http.Request) (string, *answer) {
	id, valid := k.ids.parse(req.PathValue("id"))
	if !valid {
		bad := fail(codeParameter, k.idField+" "+k.ids.rule())
		return "", &bad
	}
	return id, nil
}

// inAccount answers f's result under the account's lock.
func inAccount[T any](a *account, f func() (T, error)) answer {
	if !a.lock() {
		return fail(codeSystem, errForgotten.Error())
	}
	defer a.mu.Unlock()
	return reply(f())
}

// consoleRoutes are the kind's console: list and add per account, edit
// and delete by id.
func (k *kind[T]) consoleRoutes() []route {
	base := controlPrefix + k.many
	idParam := k.idParam()
	var zero T
	fixed := append([]string{k.idField}, k.fixed...)
	badID := replies(http.StatusBadRequest, "for an id that cannot be one", nil)
	unknownID := replies(http.StatusNotFound, fmt.Sprintf("for an id no %s of the account has", k.one), nil)
	remove := Route{
		Method: "DELETE", Path: base + "/{id}", Auth: AuthControl,
		Does:    fmt.Sprintf("Deletes %s, which the vendor API cannot do (its web console can).", a(k.one)),
		Params:  []Field{idParam},
		Replies: []Reply{replies(http.StatusNoContent, "", nil), badID, unknownID},
	}
	if k.usedBy != "" {
		remove.Does += fmt.Sprintf(" While %s use the %s, it stays: delete them first.", k.usedBy, k.one)
		remove.Replies = append(remove.Replies, replies(http.StatusConflict, "while "+k.usedBy+" use it", nil))
	}
	pathID := func(c call) (string, bool) {
		id, valid := k.ids.parse(c.r.PathValue("id"))
		if !valid {
			controlError(c.w, http.StatusBadRequest, fmt.Errorf("the %s %s", k.idField, k.ids.rule()))
		}
		return id, valid
	}
	return []route{
		{Route: Route{
			Method: "GET", Path: base, Auth: AuthControl,
			Does: fmt.Sprintf("Lists the account's %s, %s.", k.many, k.ids.order()),
			Replies: []Reply{replies(http.StatusOK,
				fmt.Sprintf("a JSON array of %s, each in the fields POST takes and its %s ([] when there are none)", k.many, k.idField), []T{})},
		}, control: func(_ *Server, c call) {
			serve(c, http.StatusOK, func(a *account) ([]T, error) { return k.list(&a.objects), nil })
		}},
		{Route: Route{
			Method: "POST", Path: base, Auth: AuthControl,
			Does: fmt.Sprintf("Adds %s to the account, as the vendor console would: the body of the vendor's %s, with its rules "+
				"and defaults, and a name no other %s of the account has. The sandbox assigns the %s (%s).",
				a(k.one), k.addRoute(), k.one, k.idField, k.ids.describe()),
			Body: "a JSON object",
			// The body is decoded into the kind's type first, which has the
			// id: an id sent is ignored, as the vendor's add ignores it.
			Fields: append([]Field{field(k.idField, "").means("ignored: the sandbox assigns it")}, k.fieldDocs(false)...),
			Replies: []Reply{
				replies(http.StatusCreated, fmt.Sprintf("the %s as stored, with its %s", k.one, k.idField), zero),
				replies(http.StatusBadRequest, "for invalid JSON, an unknown field, a broken rule or a name already taken (the error says which)", nil),
			},
		}, control: func(s *Server, c call) {
			raw, err := readBody(c.w, c.r)
			if err != nil {
				controlError(c.w, http.StatusRequestEntityTooLarge, err)
				return
			}
			created, err := k.consoleAddJSON(s, c.a.key, raw)
			if err != nil {
				controlError(c.w, consoleStatus(err), err)
				return
			}
			controlJSON(c.w, http.StatusCreated, created)
		}},
		{Route: Route{
			Method: "PATCH", Path: base + "/{id}", Auth: AuthControl,
			Does: fmt.Sprintf("Changes %s as the vendor console would: each field sent replaces the %s's (an object or an array "+
				"as a whole), the others stay, and the result must pass the rules of an add. %s cannot change.",
				a(k.one), k.one, strings.Join(fixed, " and ")),
			Params: []Field{idParam},
			Body:   "a JSON object of some of the fields POST takes",
			Fields: k.patchFields(),
			Replies: []Reply{
				replies(http.StatusOK, "the changed "+k.one, zero),
				replies(http.StatusBadRequest, "for an id that cannot be one, invalid JSON, an unknown field, a field that cannot change, "+
					"a broken rule or a name already taken", nil),
				unknownID,
			},
		}, control: func(s *Server, c call) {
			id, valid := pathID(c)
			if !valid {
				return
			}
			fields, ok := controlBody(c.w, c.r, func(f *map[string]json.RawMessage) error {
				if *f == nil {
					return fmt.Errorf("the body must be a JSON object of %s fields", k.one)
				}
				return nil
			})
			if !ok {
				return
			}
			edited, err := k.consoleEdit(s, c.a.key, id, func(obj *T) error { return k.patch(obj, fields) })
			if err != nil {
				controlError(c.w, consoleStatus(err), err)
				return
			}
			controlJSON(c.w, http.StatusOK, edited)
		}},
		{Route: remove, control: func(s *Server, c call) {
			id, valid := pathID(c)
			if !valid {
				return
			}
			if err := k.consoleDelete(s, c.a.key, id); err != nil {
				controlError(c.w, consoleStatus(err), err)
				return
			}
			c.w.WriteHeader(http.StatusNoContent)
		}},
	}
}

// a puts the indefinite article before a kind's name.
func a(one string) string {
	if strings.ContainsRune("aeiou", rune(one[0])) {
		return "an " + one
	}
	return "a " + one
}

// addRoute names the vendor route whose body the console's add takes.
func (k *kind[T]) addRoute() string {
	if !slices.Contains(k.routes, opAdd) {
		panic("sandbox: the " + k.one + " kind has no add route")
	}
	return k.vendorRoute(opAdd).Name
}

// idParam describes the id a route takes last.
func (k *kind[T]) idParam() Field {
	f := field("{id}", TypeString).chars(1, 0)
	if _, counted := k.ids.(counter); counted {
		f = field("{id}", TypeInteger).atLeast(1)
	}
	return f.means(fmt.Sprintf("the %s of %s of the account", k.idField, a(k.one))).required()
}

// fieldDocs are the kind's fields as an add or (update) an update takes
// them: what no edit changes says so, from the list the PATCH route
// enforces; an update must not carry it, or carries it as the path has it
// (updateID).
func (k *kind[T]) fieldDocs(update bool) []Field {
	docs := clone(k.fields)
	for i := range docs {
		if slices.Contains(k.fixed, docs[i].Name) {
			docs[i].Fixed = true
			if update && docs[i].Required {
				docs[i] = field(docs[i].Name, "").means("a " + k.one + " stays with the " + docs[i].Name + " it was created with")
				docs[i].Forbidden = true
			}
		}
	}
	if update && k.updateID {
		docs = append([]Field{field(k.idField, TypeString).means("the " + k.idField + " of the path").required()}, docs...)
	}
	return docs
}

// patchFields are the fields the console's PATCH takes: any of the add's,
// none required; what cannot change must not be sent.
func (k *kind[T]) patchFields() []Field {
	docs := k.fieldDocs(false)
	for i := range docs {
		docs[i].Required, docs[i].Default = false, nil
		if docs[i].Fixed {
			docs[i] = field(docs[i].Name, "").means("cannot change")
			docs[i].Forbidden = true
		}
	}
	return docs
}
