package sandbox

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"

	"github.com/itniotech/terraform-provider-otp/internal/sandbox/engine"
)

// The state file's format, and how it loads. A header line, then one JSON
// record per line:
//
//	{"journal":"otp-sandbox","version":1}
//	{"op":"put","key":"ci-key","kind":"flow","id":"10001","obj":{"flowId":10001,"name":"login",...}}
//	{"op":"delete","key":"ci-key","kind":"app","id":"mRELxtHc"}
//	{"op":"put","key":"ci-key","kind":"verification","id":"22603012000000000001","obj":{...}}
//	{"op":"purge","key":"ci-key","kind":"messages","obj":{"filter":{},"upTo":42}}
//	{"op":"put","key":"ci-key","kind":"clock","obj":{"offsetSeconds":86400}}
//	{"op":"put","key":"ci-key","kind":"number","id":"4915100000042","obj":{"sms":"delivered","call":"answered","delaySeconds":0,"code":"424242"}}
//	{"op":"put","key":"ci-key","kind":"settings","obj":{"insufficientBalance":false,"feeFailure":true,"sensitiveWords":[]}}
//	{"op":"import","key":"ci-key","obj":{"format":"otp-sandbox account 1","key":"ci-key","flows":[...],...}}
//	{"op":"reset","key":"ci-key"}
//	{"op":"forget","key":"job-17"}
//	{"op":"ids","kind":"flow","obj":{"nextId":10002}}
//
// The kinds of record: an object of a kind (flow, app, template: put,
// delete), what the OTP engine saves (verification: put, delete;
// messages: purge; clock: put; number: put, delete; settings: put), an
// account's reset or forgetting (no kind; reset without a key is the whole
// sandbox's), an account replaced by an export (import, export.go), and
// the id state of a kind (ids, in compactions: at least what it says).
//
// Loading replays the records in order. A last line without its newline is
// a record whose write was cut short (a power loss, a full disk); it was
// never acknowledged, so it is dropped with a log line and the file is
// truncated before it. Anything else the sandbox cannot read (an unknown
// field, record kind or operation, a record that contradicts another)
// stops the start, naming it, and the file is left as it is.
const journalHeader = `{"journal":"otp-sandbox","version":1}`

// Record operations.
const (
	opPut    = "put"    // the entity Kind ID of account Key is now Obj
	opDelete = "delete" // the entity is gone
	opIDs    = "ids"    // the kind's id state (counters, ids given out) is at least Obj
	opReset  = "reset"  // account Key forgets everything; without Key, the sandbox does
	opForget = "forget" // account Key is forgotten, key and all (it was idle)
)

// record is one line of the journal.
type record struct {
	Op   string          `json:"op"`
	Key  string          `json:"key,omitempty"`  // the account's API key
	Kind string          `json:"kind,omitempty"` // the kind of entity
	ID   string          `json:"id,omitempty"`
	Obj  json.RawMessage `json:"obj,omitempty"`
}

// appendRecord appends a record as its line. The Obj of every record is
// JSON that encoding/json made, so it is copied as it is: a compaction
// writes a line for each of 10,000 verifications, and encoding each record
// again (validating and compacting its object once more) doubled its
// time.
func appendRecord(b []byte, rec record) []byte {
	b = append(b, `{"op":`...)
	b = appendJSONString(b, rec.Op)
	for _, f := range []struct{ name, value string }{{"key", rec.Key}, {"kind", rec.Kind}, {"id", rec.ID}} {
		if f.value != "" {
			b = append(append(append(b, ',', '"'), f.name...), '"', ':')
			b = appendJSONString(b, f.value)
		}
	}
	if len(rec.Obj) > 0 {
		b = append(append(b, `,"obj":`...), rec.Obj...)
	}
	return append(b, '}', '\n')
}

// appendJSONString appends s as a JSON string.
func appendJSONString(b []byte, s string) []byte {
	for i := range len(s) {
		if c := s[i]; c < 0x20 || c > 0x7e || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			q, _ := json.Marshal(s) // a string always encodes
			return append(b, q...)
		}
	}
	return append(append(append(b, '"'), s...), '"')
}

// changeRecords are the records of an account's engine changes.
func changeRecords(key string, cs []engine.Change) []record {
	out := make([]record, len(cs))
	for i, c := range cs {
		out[i] = record{Op: c.Op, Key: key, Kind: c.Kind, ID: c.ID, Obj: c.Obj}
	}
	return out
}

// What the journal needs of a kind of object: records named by k.one.

func (k *kind[T]) journalKind() string { return k.one }

func (k *kind[T]) idScheme() idScheme { return k.ids }

func (k *kind[T]) putRecord(key string, obj T) record {
	b, err := json.Marshal(obj)
	if err != nil {
		panic(fmt.Sprintf("sandbox: %T does not encode: %v", obj, err))
	}
	return record{Op: opPut, Key: key, Kind: k.one, ID: k.id(obj), Obj: b}
}

func (k *kind[T]) load(s *Server, a *account, rec record) error {
	if rec.Op == opIDs {
		var ids idState
		if err := engine.DecodeExact(rec.Obj, &ids); err != nil {
			return err
		}
		s.mergeIDs(k.one, k.ids, ids)
		return nil
	}
	if a == nil {
		return errors.New("the record names no account (key)")
	}
	l := k.of(&a.objects)
	switch rec.Op {
	case opPut:
		var obj T
		if err := engine.DecodeExact(rec.Obj, &obj); err != nil {
			return err
		}
		if got := k.id(obj); got != rec.ID {
			return fmt.Errorf("the object's %s is %s", k.idField, k.ids.show(got))
		}
		s.noteID(k.one, k.ids, rec.ID)
		i := k.position(&a.objects, rec.ID)
		if i < 0 {
			i = len(l.objs)
		}
		k.put(l, i, obj)
	case opDelete:
		i := k.position(&a.objects, rec.ID)
		if i < 0 {
			return fmt.Errorf("the account has no such %s", k.one)
		}
		l.objs = slices.Delete(l.objs, i, i+1)
		l.reindex()
	default:
		return fmt.Errorf("unknown operation %q", rec.Op)
	}
	return nil
}

// snapshot is the records that rebuild the account's objects of the kind.
func (k *kind[T]) snapshot(o *objects, key string) []record {
	objs := k.of(o).objs
	out := make([]record, 0, len(objs))
	for _, obj := range objs {
		out = append(out, k.putRecord(key, obj))
	}
	return out
}

// check is the consistency check of an account loaded from the state
// file: what the sandbox could not have written itself is refused.
func (k *kind[T]) check(s *Server, a *account) error {
	names := map[string]bool{}
	for _, obj := range k.of(&a.objects).objs {
		id, name := k.id(obj), k.name(obj)
		what := fmt.Sprintf("%s %s of key %s", k.one, k.ids.show(id), a.key)
		s.idMu.Lock()
		why := k.ids.issued(s.idStateLocked(k.one, k.ids), id)
		s.idMu.Unlock()
		if why != "" {
			return fmt.Errorf("%s %s", what, why)
		}
		if names[name] {
			return fmt.Errorf("%s has the name %q of another %s", what, name, k.one)
		}
		names[name] = true
		if _, err := k.validate(obj); err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
		if k.refs != nil {
			if detail := k.refs(&a.objects, obj); detail != "" {
				return fmt.Errorf("%s: %s", what, detail)
			}
		}
	}
	return nil
}

// accountSnapshot is an account's state, copied under its lock for a
// compaction, written out after the lock is let go.
type accountSnapshot struct {
	key     string
	objects objects
	svc     *engine.State
}

// snapshot copies the account's state; into reuses a compaction's memory
// (nil: new).
func (a *account) snapshot(into *engine.State) *accountSnapshot {
	return &accountSnapshot{key: a.key, objects: a.objects.clone(), svc: a.svc.Snapshot(into)}
}

func (snap *accountSnapshot) write(emit func(record) error) error {
	for _, k := range kinds {
		for _, rec := range k.snapshot(&snap.objects, snap.key) {
			if err := emit(rec); err != nil {
				return err
			}
		}
	}
	return snap.svc.Encode(func(c engine.Change) error {
		return emit(record{Op: c.Op, Key: snap.key, Kind: c.Kind, ID: c.ID, Obj: c.Obj})
	})
}

// verificationIDsKind names the verificationIds' sequence in ids records.
const verificationIDsKind = "verification"

// idRecords are the sandbox's id states, for a compaction.
func (s *Server) idRecords() []record {
	s.idMu.Lock()
	defer s.idMu.Unlock()
	var out []record
	for _, k := range kinds {
		st := s.idStateLocked(k.journalKind(), k.idScheme())
		b, err := json.Marshal(st)
		if err != nil {
			panic("sandbox: an id state does not encode: " + err.Error())
		}
		out = append(out, record{Op: opIDs, Kind: k.journalKind(), Obj: b})
	}
	b, _ := json.Marshal(verificationSeq{Seq: s.verificationIDs.Seq()})
	return append(out, record{Op: opIDs, Kind: verificationIDsKind, Obj: b})
}

// verificationSeq is the verificationIds' sequence in an ids record.
type verificationSeq struct {
	Seq int64 `json:"seq"`
}

// openState loads the state file into a server being built, converting a
// file of the old whole-file layout, and starts its journal. Nothing is
// written when the file cannot be loaded.
func (s *Server) openState(path string) error {
	if err := checkStateDir(path); err != nil {
		return err
	}
	s.removeLeftovers(path)
	b, err := os.ReadFile(path) //nolint:gosec // the operator names the state file
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("sandbox: reading state file %s: %w", path, err)
	}
	corrupt := func(err error) error {
		return fmt.Errorf("sandbox: state file %s cannot be loaded: %w; fix or remove it, it will not be overwritten", path, err)
	}
	var good int64
	rewrite := false
	switch {
	case len(b) == 0:
		rewrite = true // new: write the header
	case bytes.HasPrefix(b, []byte(`{"journal"`)):
		if good, err = s.replay(b); err != nil {
			return corrupt(err)
		}
	default:
		if err := s.loadWholeFile(b); err != nil {
			return corrupt(err)
		}
		rewrite = true
	}
	if s.loaded, err = s.checkLoaded(); err != nil {
		return corrupt(err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600) //nolint:gosec // the operator names the state file
	if err != nil {
		return fmt.Errorf("sandbox: opening state file %s: %w", path, err)
	}
	if torn := int64(len(b)) - good; torn > 0 && !rewrite {
		if err := f.Truncate(good); err != nil {
			_ = f.Close()
			return fmt.Errorf("sandbox: state file %s: cutting off its torn last record: %w", path, err)
		}
		s.opts.Logger.Warn("state file: dropped its last record, whose write was cut short (it was never acknowledged)",
			"path", path, "offset", good, "bytes", torn)
	}
	s.journal = openJournal(path, f, good, s.opts.Logger)
	s.journal.compact = s.compactNow
	if rewrite {
		if err := s.compactNow(); err != nil {
			_ = s.journal.close()
			return fmt.Errorf("sandbox: writing state file %s: %w", path, err)
		}
		if len(b) > 0 {
			s.opts.Logger.Info("state file converted to a journal", "path", path)
		}
	}
	return nil
}

// removeLeftovers removes the temporary files of compactions that a crash
// cut short: the journal beside them is whole.
func (s *Server) removeLeftovers(path string) {
	matches, _ := filepath.Glob(filepath.Join(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*"))
	for _, m := range matches {
		if err := os.Remove(m); err == nil {
			s.opts.Logger.Info("removed the temporary file of a compaction that did not finish (the state file is whole without it)", "path", m)
		}
	}
}

// checkLoaded checks what the file held, every account and kind, and
// counts the accounts that hold anything.
func (s *Server) checkLoaded() (holding int, err error) {
	seen := map[string]string{} // "kind id" → key: ids are unique across accounts
	for _, a := range s.sortedAccounts() {
		for _, k := range kinds {
			if err := k.check(s, a); err != nil {
				return 0, err
			}
		}
		recs := a.snapshot(nil).records()
		if len(recs) > 0 {
			holding++
		}
		for _, rec := range recs {
			if rec.ID == "" || rec.Kind == engine.KindVerification {
				continue
			}
			id := rec.Kind + " " + rec.ID
			if other, dup := seen[id]; dup {
				return 0, fmt.Errorf("%s of key %s appears twice (also of key %s)", id, a.key, other)
			}
			seen[id] = a.key
		}
	}
	return holding, nil
}

// StateFile is the state file's path ("" when the sandbox is in memory
// only) and how many accounts it held at start (before any -import), for
// the start line: a sandbox that silently starts empty, or from an old
// file, is a surprise.
func (s *Server) StateFile() (path string, accounts int) {
	if s.journal == nil {
		return "", 0
	}
	return s.journal.path, s.loaded
}

func (snap *accountSnapshot) records() []record {
	var out []record
	_ = snap.write(func(rec record) error { out = append(out, rec); return nil })
	return out
}

// checkStateDir stops the start when the state file's directory is
// missing or not writable (the journal's compaction writes a file beside
// it), naming the path and the reason.
func checkStateDir(path string) error {
	dir := filepath.Dir(path)
	fi, err := os.Stat(dir)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return fmt.Errorf("sandbox: state file %s: its directory %s does not exist; create it first", path, dir)
	case err != nil:
		return fmt.Errorf("sandbox: state file %s: %w", path, err)
	case !fi.IsDir():
		return fmt.Errorf("sandbox: state file %s: %s is not a directory", path, dir)
	}
	probe, err := os.CreateTemp(dir, "."+filepath.Base(path)+".probe-*")
	if err != nil {
		return fmt.Errorf("sandbox: state file %s: its directory %s is not writable: %w", path, dir, errors.Unwrap(err))
	}
	_ = probe.Close()
	_ = os.Remove(probe.Name())
	if fi, err := os.Stat(path); err == nil && fi.IsDir() {
		return fmt.Errorf("sandbox: state file %s is a directory", path)
	}
	return nil
}

// replay applies the journal's records; it returns the length of its
// whole lines, before a torn last one.
func (s *Server) replay(b []byte) (int64, error) {
	off, line := 0, 0
	for off < len(b) {
		nl := bytes.IndexByte(b[off:], '\n')
		if nl < 0 {
			break // torn: the caller drops it
		}
		text := b[off : off+nl]
		off += nl + 1
		line++
		var err error
		if line == 1 {
			err = checkHeader(text)
		} else {
			err = s.replayRecord(text)
		}
		if err != nil {
			return 0, fmt.Errorf("line %d: %w", line, err)
		}
	}
	if line == 0 {
		return 0, errors.New("its header line is incomplete")
	}
	return int64(off), nil
}

func checkHeader(text []byte) error {
	var h struct {
		Journal string `json:"journal"`
		Version int    `json:"version"`
	}
	if err := engine.DecodeExact(text, &h); err != nil {
		return err
	}
	if h.Journal != "otp-sandbox" || h.Version != 1 {
		return fmt.Errorf("header %s is not that of an otp-sandbox journal of version 1 (a newer otp-sandbox's?)", text)
	}
	return nil
}

func (s *Server) replayRecord(text []byte) error {
	var rec record
	if err := engine.DecodeExact(text, &rec); err != nil {
		return err
	}
	switch rec.Op {
	case opReset:
		if rec.Key == "" {
			s.resetAllLoaded()
		} else {
			s.holder(rec.Key).resetInMemory()
		}
		return nil
	case opForget:
		if rec.Key == "" {
			return errors.New("forget names no account (key)")
		}
		switch a := s.accounts[rec.Key]; {
		case a == nil:
		case a.configured: // forgotten while it was an open account, configured since
			a.resetInMemory()
		default:
			delete(s.accounts, rec.Key)
			s.accountCount.Store(int64(len(s.accounts)))
		}
		return nil
	case opImport:
		if rec.Key == "" {
			return errors.New("import names no account (key)")
		}
		return s.loadImport(s.holder(rec.Key), rec.Obj)
	case opIDs:
		if rec.Kind == verificationIDsKind {
			var v verificationSeq
			if err := engine.DecodeExact(rec.Obj, &v); err != nil {
				return err
			}
			s.verificationIDs.AtLeast(v.Seq)
			return nil
		}
	}
	var a *account
	if rec.Key != "" {
		a = s.holder(rec.Key)
	}
	if slices.Contains(engine.Kinds, rec.Kind) {
		if a == nil {
			return errors.New("the record names no account (key)")
		}
		if err := a.svc.Load(engine.Change{Kind: rec.Kind, Op: rec.Op, ID: rec.ID, Obj: rec.Obj}); err != nil {
			return fmt.Errorf("%s %s %q: %w", rec.Op, rec.Kind, rec.ID, err)
		}
		return nil
	}
	for _, k := range kinds {
		if k.journalKind() == rec.Kind {
			if err := k.load(s, a, rec); err != nil {
				return fmt.Errorf("%s %s %q: %w", rec.Op, rec.Kind, rec.ID, err)
			}
			return nil
		}
	}
	return fmt.Errorf("unknown record kind %q (written by a newer otp-sandbox?)", rec.Kind)
}

// resetAllLoaded replays a reset of the whole sandbox.
func (s *Server) resetAllLoaded() {
	for k, a := range s.accounts {
		if a.configured {
			a.resetInMemory()
		} else {
			delete(s.accounts, k)
		}
	}
	s.accountCount.Store(int64(len(s.accounts)))
	s.ids = map[string]*idState{}
	s.verificationIDs.Reset()
}

// loadWholeFile reads the layout of the state file before the journal
// (the whole state as one JSON object, rewritten on every change), and the
// layout before that, which held flows only.
func (s *Server) loadWholeFile(b []byte) error {
	type coll[T any] struct {
		idState
		Accounts map[string][]T `json:"accounts"`
	}
	var f struct {
		Flows          *coll[Flow]       `json:"flows"`
		Apps           *coll[App]        `json:"apps"`
		Templates      *coll[Template]   `json:"templates"`
		LegacyNextID   int64             `json:"nextId"`
		LegacyAccounts map[string][]Flow `json:"accounts"`
	}
	if err := engine.DecodeExact(b, &f); err != nil {
		return err
	}
	if f.LegacyAccounts != nil || f.LegacyNextID != 0 {
		if f.Flows != nil {
			return errors.New("it has both the old layout (nextId, accounts) and the new one (flows)")
		}
		f.Flows = &coll[Flow]{idState: idState{NextID: f.LegacyNextID}, Accounts: f.LegacyAccounts}
	}
	if f.Flows != nil {
		loadColl(s, flowKind, f.Flows.idState, f.Flows.Accounts)
	}
	if f.Apps != nil {
		loadColl(s, appKind, f.Apps.idState, f.Apps.Accounts)
	}
	if f.Templates != nil {
		loadColl(s, templateKind, f.Templates.idState, f.Templates.Accounts)
	}
	return nil
}

func loadColl[T any](s *Server, k *kind[T], ids idState, byKey map[string][]T) {
	s.mergeIDs(k.one, k.ids, ids)
	for _, key := range slices.Sorted(maps.Keys(byKey)) {
		a := s.holder(key)
		for _, obj := range byKey[key] {
			k.put(k.of(&a.objects), len(k.of(&a.objects).objs), obj)
		}
	}
}
