package sandbox

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/itniotech/terraform-provider-otp/internal/sandbox/engine"
)

// An account as one JSON document: GET /_sandbox/export gives it, PUT
// /_sandbox/import (and otp-sandbox -import at start) replaces an account
// with one, so that a pipeline can start from a known account and a bug's
// state can be kept and replayed. An import is a reset of the account
// followed by the document, checked whole before anything changes, saved
// as one record of the journal before it is answered.

// ExportFormat names the document's format and version.
const ExportFormat = "otp-sandbox account 1"

// Export is an account as one document: its objects with their ids, and
// its OTP service (verifications with their attempts, the clock's offset,
// the numbers' outcomes and fixed codes, the settings). Faults and request
// counters are not in it: an import starts without any, as a reset does.
type Export struct {
	Format    string               `json:"format"`
	Key       string               `json:"key"`
	Flows     []Flow               `json:"flows"`
	Apps      []App                `json:"apps"`
	Templates []Template           `json:"templates"`
	Service   engine.ServiceExport `json:"service"`
}

// ImportSummary is what an import answers: how much it put in the account.
type ImportSummary struct {
	Key           string `json:"key"`
	Flows         int    `json:"flows"`
	Apps          int    `json:"apps"`
	Templates     int    `json:"templates"`
	Verifications int    `json:"verifications"`
	Numbers       int    `json:"numbers"`
}

// maxImport bounds an import's document: an account at the default
// retention (10,000 attempts) exports to a few MB.
const maxImport = 256 << 20

// opImport is the journal's record of an import: account Key is now the
// document Obj (state.go).
const opImport = "import"

// errIDsHeld refuses an import whose ids other accounts hold.
type errIDsHeld struct{ held []heldID }

// heldID is an id of an import that another account holds.
type heldID struct {
	one, many string // the kind: "flow", "flows"
	id, key   string
}

func (h heldID) String() string { return fmt.Sprintf("%s %s (account %s)", h.one, h.id, h.key) }

// heldShown is how many held ids the refusal names: the same document
// imported twice holds every id twice, thousands of verifications, and
// the answer must stay a line a person reads.
const heldShown = 5

// Error counts the held ids by kind and names the first few, and the
// accounts that hold them; then says what works: an export seeds a
// sandbox once.
func (e errIDsHeld) Error() string {
	var kinds, first, keys []string
	counts, many := map[string]int{}, map[string]string{}
	for _, h := range e.held {
		if counts[h.one] == 0 {
			kinds = append(kinds, h.one)
			many[h.one] = h.many
		}
		counts[h.one]++
		if len(first) < heldShown {
			first = append(first, h.String())
		}
		if !slices.Contains(keys, h.key) {
			keys = append(keys, h.key)
		}
	}
	byKind := make([]string, len(kinds))
	for i, one := range kinds {
		byKind[i] = count(counts[one], one, many[one])
	}
	shown := "they are " + strings.Join(first, ", ")
	if len(e.held) > len(first) {
		shown = fmt.Sprintf("the first %d: %s", len(first), strings.Join(first, ", "))
	}
	holders, reset := "account "+keys[0]+" already holds", "the account that holds them (POST /_sandbox/reset?key="+keys[0]+")"
	if len(keys) > 1 {
		holders = fmt.Sprintf("%d accounts (%s) already hold", len(keys), strings.Join(keys, ", "))
		reset = "the accounts that hold them (POST /_sandbox/reset?key=<each>)"
	}
	return fmt.Sprintf("ids are unique across the sandbox, and %s %s of the document's ids: %s (%s). "+
		"An export seeds a sandbox once: start a sandbox per pipeline with otp-sandbox -import FILE, or first reset %s; "+
		"on a shared sandbox, seed each job's account with the control routes (POST /_sandbox/flows, /apps, /templates) "+
		"or the provider instead", holders, thousands(len(e.held)), strings.Join(byKind, ", "), shown, reset)
}

// count is n and the noun, in the singular or the plural: "1 flow",
// "2,018 verifications".
func count(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return thousands(n) + " " + many
}

// thousands writes n with a comma between thousands: "2,018".
func thousands(n int) string {
	digits := strconv.Itoa(n)
	for i := len(digits) - 3; i > 0; i -= 3 {
		digits = digits[:i] + "," + digits[i:]
	}
	return digits
}

// export writes the account as one document; the caller holds its lock.
func (a *account) export() []byte {
	b := append([]byte(`{"format":`), mustJSON(ExportFormat)...)
	b = append(append(b, `,"key":`...), mustJSON(a.key)...)
	for _, k := range kinds {
		b = append(append(b, `,"`+k.exportName()+`":`...), k.exportJSON(&a.objects)...)
	}
	b = append(b, `,"service":`...)
	return append(a.svc.AppendExport(b), "}\n"...)
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("sandbox: %T does not encode: %v", v, err))
	}
	return b
}

// Export is the account of key as one document (GET /_sandbox/export).
func (s *Server) Export(key string) ([]byte, error) {
	a := s.lookup(key)
	if a == nil {
		return nil, fmt.Errorf("sandbox: %w", errUnknownKey(key))
	}
	if !a.lock() {
		return nil, errForgotten
	}
	defer a.mu.Unlock()
	return a.export(), nil
}

// staged is an import read and checked, ready to take an account's place.
type staged struct {
	doc     []byte // compacted: what the journal keeps
	objects objects
	svc     *engine.Service
	summary ImportSummary
}

// stage reads an export for the account a, and checks it as the state file
// is checked; nothing of the account changes.
func (s *Server) stage(a *account, doc []byte) (*staged, error) {
	var x Export
	if err := decodeStrictBytes(doc, &x); err != nil {
		return nil, fmt.Errorf("the document is not an export: %w", err)
	}
	if x.Format != ExportFormat {
		return nil, fmt.Errorf("format must be %q, an export of this sandbox (got %q)", ExportFormat, x.Format)
	}
	if err := checkSettings(&x.Service.Settings); err != nil {
		return nil, fmt.Errorf("service.settings: %w", err)
	}
	st := &staged{objects: newObjects()}
	if err := flowKind.stage(&st.objects, x.Flows); err != nil {
		return nil, err
	}
	if err := appKind.stage(&st.objects, x.Apps); err != nil {
		return nil, err
	}
	if err := templateKind.stage(&st.objects, x.Templates); err != nil {
		return nil, err
	}
	svc, err := a.svc.Stage(x.Service)
	if err != nil {
		return nil, fmt.Errorf("service: %w", err)
	}
	var compact bytes.Buffer
	if err := json.Compact(&compact, doc); err != nil {
		return nil, err
	}
	st.doc, st.svc = compact.Bytes(), svc
	st.summary = ImportSummary{Key: a.key, Flows: len(x.Flows), Apps: len(x.Apps), Templates: len(x.Templates),
		Verifications: len(svc.VerificationIDs()), Numbers: len(x.Service.Numbers)}
	return st, nil
}

// stage checks a kind's objects of an import by the add route's rules
// (each as the sandbox would have stored it: ids that the kind could have
// given, names unique, references within the document) and lists them.
func (k *kind[T]) stage(o *objects, objs []T) error {
	l := k.of(o)
	for i, obj := range objs {
		id := k.id(obj)
		what := fmt.Sprintf("%s[%d] (%s %s)", k.exportName(), i, k.idField, k.ids.show(id))
		if canonical, valid := k.ids.parse(id); !valid || canonical != id {
			return fmt.Errorf("%s: the %s %s", what, k.idField, k.ids.rule())
		}
		if k.position(o, id) >= 0 {
			return fmt.Errorf("%s appears twice", what)
		}
		if k.nameTaken(o, k.name(obj), "") {
			return fmt.Errorf("%s: the name %q is another %s's", what, k.name(obj), k.one)
		}
		valid, err := k.validate(obj)
		if err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
		k.setID(&valid, id)
		if k.keep != nil {
			k.keep(&valid, &obj, time.Time{})
		}
		if !jsonEqual(valid, obj) {
			return fmt.Errorf("%s is not as the sandbox stores it: %s, want %s (every field, with its default)", what, mustJSON(obj), mustJSON(valid))
		}
		if k.refs != nil {
			if detail := k.refs(o, obj); detail != "" {
				return fmt.Errorf("%s: %s in the document", what, detail)
			}
		}
		k.put(l, len(l.objs), obj)
	}
	return nil
}

func jsonEqual(a, b any) bool { return bytes.Equal(mustJSON(a), mustJSON(b)) }

// exportName is the kind's list in an export: "flows".
func (k *kind[T]) exportName() string { return k.many }

// exportJSON is the account's objects of the kind, in the order they are
// kept ([] for none).
func (k *kind[T]) exportJSON(o *objects) []byte {
	objs := k.of(o).objs
	if objs == nil {
		objs = []T{}
	}
	return mustJSON(objs)
}

// heldElsewhere lists the ids of a staged import that accounts other than
// a hold ("flow 10001", "verification 2…"). Each account is locked in turn,
// never together, and never while a's own lock is held.
func (s *Server) heldElsewhere(a *account, st *staged) []heldID {
	var held []heldID
	for _, other := range s.sortedAccounts() {
		if other == a || !other.lock() {
			continue
		}
		for _, k := range kinds {
			for _, id := range k.idsIn(&st.objects) {
				if k.holds(&other.objects, id) {
					held = append(held, heldID{k.journalKind(), k.exportName(), id, other.key})
				}
			}
		}
		for _, id := range st.svc.VerificationIDs() {
			if other.svc.Has(id) {
				held = append(held, heldID{"verification", "verifications", id, other.key})
			}
		}
		other.mu.Unlock()
	}
	return held
}

// ids_ are a kind's ids in objects.
func (k *kind[T]) idsIn(o *objects) []string {
	var out []string
	for _, obj := range k.of(o).objs {
		out = append(out, k.id(obj))
	}
	return out
}

func (k *kind[T]) holds(o *objects, id string) bool { return k.position(o, id) >= 0 }

// noteImported keeps the id counters past a staged import's ids, so that
// none is given out again.
func (s *Server) noteImported(st *staged) {
	for _, k := range kinds {
		for _, id := range k.idsIn(&st.objects) {
			s.noteID(k.journalKind(), k.idScheme(), id)
		}
	}
}

// importInto replaces account a with a document: checked whole (its ids
// held by no other account), saved as one record, then installed; on any
// failure the account is as it was. A fresh account (findOrMake) is
// opened only once the document passed its checks: a refused import
// leaves no empty account behind.
func (s *Server) importInto(a *account, doc []byte, fresh bool) (ImportSummary, error) {
	var st *staged
	var err error
	if !a.lock() {
		return ImportSummary{}, errForgotten
	}
	st, err = s.stage(a, doc) // under the lock: the service's options are read
	a.mu.Unlock()
	if err != nil {
		return ImportSummary{}, err
	}
	// The counters move past the document's ids first: no id it holds can
	// be given out while the other accounts are looked at.
	s.noteImported(st)
	if held := s.heldElsewhere(a, st); len(held) > 0 {
		return ImportSummary{}, errIDsHeld{held}
	}
	if fresh {
		opened, err := s.open(a)
		switch {
		case err != nil:
			return ImportSummary{}, err
		case opened != a: // a request opened the key meanwhile: the import replaces that account
			return s.importInto(opened, doc, false)
		}
	}
	if !a.lock() {
		return ImportSummary{}, errForgotten
	}
	defer a.mu.Unlock()
	if err := s.save(a, record{Op: opImport, Key: a.key, Obj: st.doc}); err != nil {
		return ImportSummary{}, err
	}
	a.install(st)
	return st.summary, nil
}

// install puts a staged import in the account's place, as a reset followed
// by the document: faults and counters start empty, and the reset ends
// every wait on the account (an open page's inbox poll, a messages wait),
// which then reads the imported account at once.
func (a *account) install(st *staged) {
	a.resetInMemory()
	a.objects = st.objects
	a.svc.Install(st.svc)
}

// Import replaces the account of key (the document's own key when key is
// "") with an export; in open mode a new key opens an account.
func (s *Server) Import(key string, doc []byte) (ImportSummary, error) {
	if key == "" {
		var head struct {
			Key string `json:"key"`
		}
		if err := json.Unmarshal(doc, &head); err != nil || head.Key == "" {
			return ImportSummary{}, errors.New("sandbox: the document names no key: it is not an export")
		}
		key = head.Key
	}
	a, fresh, err := s.findOrMake(key)
	if err != nil {
		return ImportSummary{}, fmt.Errorf("sandbox: %w", err)
	}
	sum, err := s.importInto(a, doc, fresh)
	if err != nil {
		return sum, fmt.Errorf("sandbox: import into %q: %w", key, err)
	}
	return sum, nil
}

// Holds says whether the account of key holds any object or verification.
func (s *Server) Holds(key string) bool {
	a := s.lookup(key)
	if a == nil || !a.lock() {
		return false
	}
	defer a.mu.Unlock()
	return len(a.objects.flows.objs)+len(a.objects.apps.objs)+len(a.objects.templates.objs) > 0 || len(a.svc.VerificationIDs()) > 0
}

// loadImport replays an import record from the state file.
func (s *Server) loadImport(a *account, doc []byte) error {
	st, err := s.stage(a, doc)
	if err != nil {
		return err
	}
	s.noteImported(st)
	a.install(st)
	return nil
}

// exportRoutes are the control routes of export and import.
func exportRoutes() []route {
	return []route{
		{Route: Route{
			Method: "GET", Path: "/_sandbox/export", Auth: AuthControl,
			Does: "The account as one JSON document: its flows, apps and templates with their ids, and its OTP service " +
				"(verifications with their attempts, the clock's offset, the numbers' outcomes and fixed codes, the settings); not its " +
				"faults or request counters. PUT /_sandbox/import, or otp-sandbox -import, takes it back.",
			Replies: []Reply{replies(http.StatusOK, "the account's export", Export{})},
		}, control: func(s *Server, c call) {
			var doc []byte
			if c.in(func(a *account) { doc = a.export() }) {
				c.w.Header().Set("Content-Type", "application/json")
				_, _ = c.w.Write(doc)
			}
		}},
		{Route: Route{
			Method: "PUT", Path: "/_sandbox/import", Auth: AuthControl,
			Does: "Replaces the account with an export (of this sandbox or another): as a reset of the account followed by the " +
				"document, whose ids are kept. The document is checked whole first, by the rules of the routes that make what it holds " +
				"(and an object as the sandbox would have stored it, every field with its default); it is saved as one record before " +
				"the answer; on any failure nothing changes. The ids' counters move past the imported ids. An export taken " +
				"after the import is the document. With open accounts, a new key's account is opened only by an import that succeeds: a " +
				"refused one leaves none behind. Bodies up to 256 MiB.",
			Body:   "an export, as GET /_sandbox/export gives it",
			BodyOf: Export{},
			Replies: []Reply{
				replies(http.StatusOK, "what the account now holds", ImportSummary{}),
				replies(http.StatusBadRequest, "for a document that is not an export, or breaks a rule (the error names the object and the rule)", nil),
				replies(http.StatusConflict, "for ids other accounts of the sandbox hold (the error counts them by kind, names the first few and says what "+
					"works instead): ids are unique across the sandbox, so an export can seed one account of a sandbox, not several", nil),
			},
		}, opensLast: true, control: func(s *Server, c call) {
			doc, err := io.ReadAll(io.LimitReader(c.r.Body, maxImport+1))
			switch {
			case err != nil:
				controlError(c.w, http.StatusBadRequest, err)
				return
			case len(doc) > maxImport:
				controlError(c.w, http.StatusRequestEntityTooLarge, fmt.Errorf("an import is at most %d MiB", maxImport>>20))
				return
			}
			sum, err := s.importInto(c.a, doc, c.fresh)
			switch {
			case errors.As(err, &errIDsHeld{}):
				controlError(c.w, http.StatusConflict, err)
			case errors.Is(err, errNotSaved):
				controlError(c.w, http.StatusInternalServerError, err)
			case errors.Is(err, errForgotten), errors.As(err, &errFull{}):
				controlError(c.w, http.StatusServiceUnavailable, err)
			case err != nil:
				controlError(c.w, http.StatusBadRequest, err)
			default:
				controlJSON(c.w, http.StatusOK, sum)
			}
		}},
	}
}
