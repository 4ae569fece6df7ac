package sandbox

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// The state file is a journal: a header line, then one JSON record per
// line, each appended (one write(2)) before the change it records is
// answered. Saving a change costs the same at 10,000 objects as at 10.
//
//	{"journal":"otp-sandbox","version":1}
//	{"op":"ids","kind":"flow","obj":{"nextId":10002}}
//	{"op":"put","key":"ci-key","kind":"flow","id":"10001","obj":{"flowId":10001,"name":"login",...}}
//	{"op":"delete","key":"ci-key","kind":"app","id":"mRELxtHc"}
//	{"op":"reset","key":"ci-key"}
//
// When the file has doubled since it was last written whole, it is
// compacted: the live state is written as records to a temporary file,
// synced, and renamed over the journal, so that a crash leaves either the
// old file or the new one. A reset of everything compacts too, which
// empties the file.
//
// Loading replays the records in order. A last line without its newline is
// a record whose write was cut short (a power loss, a full disk); it was
// never acknowledged, so it is dropped with a log line and the file is
// truncated before it. Anything else the sandbox cannot read (an unknown
// field, record kind or operation, a record that contradicts another) stops
// the start, naming it, and the file is left as it is.
//
// Durability: every acknowledged change is in the file (the kernel's page
// cache) before the answer, so killing the process (SIGKILL) loses nothing
// acknowledged. The file is synced to disk (fsync) once a second when it
// has changed, and when the server is closed: a power loss can lose the
// changes of the last second, never the file.
//
// # The registry of kinds
//
// The journal knows nothing of flows, apps or templates: each kind of
// entity it keeps registers a journaled (register, at package init), and
// every change goes through one call, s.save(record), made while s.mu is
// held, after the change is made in memory; when it returns an error the
// caller undoes the change and answers -18 (HTTP 500 on the control
// surface). To keep a new kind of entity across restarts:
//
//  1. give it a record kind name ("verification") and write, on each
//     change, s.save(record{Op: opPut, Key: key, Kind: name, ID: id,
//     Obj: <its JSON>}) (opDelete without Obj for a deletion);
//  2. implement journaled: load applies one record read from the file
//     (opPut, opDelete, or anything of its own such as opIDs), snapshot
//     emits the records that rebuild what it holds now, for compaction;
//  3. register it in an init function of its file.
//
// A reset record needs nothing from a kind: a reset of one account forgets
// that account's objects and calls (*account).resetLocked, which empties
// whatever else the account holds; a reset of everything starts from a new
// state and resets every account.
const journalHeader = `{"journal":"otp-sandbox","version":1}`

// Record operations.
const (
	opPut    = "put"    // the entity Kind ID of account Key is now Obj
	opDelete = "delete" // the entity is gone
	opIDs    = "ids"    // the kind's id state (counters, ids given out) is at least Obj
	opReset  = "reset"  // account Key forgets everything; without Key, the sandbox does
)

// record is one line of the journal.
type record struct {
	Op   string          `json:"op"`
	Key  string          `json:"key,omitempty"`  // the account's API key
	Kind string          `json:"kind,omitempty"` // the registered kind
	ID   string          `json:"id,omitempty"`
	Obj  json.RawMessage `json:"obj,omitempty"`
}

// journaled is what the journal needs of a kind of entity; see the
// registry above.
type journaled interface {
	// journalKind names the kind in records: "flow".
	journalKind() string
	// load applies a record of the kind read from the file, under the
	// lock, saving nothing; a is the record's account (nil for records
	// without a key).
	load(s *Server, a *account, rec record) error
	// snapshot emits the records that rebuild what the kind holds now.
	snapshot(s *Server, emit func(record) error) error
}

var registry []journaled

// register adds a kind to the journal's registry, at package init.
func register(j journaled) {
	for _, r := range registry {
		if r.journalKind() == j.journalKind() {
			panic("sandbox: journal kind " + j.journalKind() + " registered twice")
		}
	}
	registry = append(registry, j)
}

func init() {
	for _, k := range kinds {
		register(k)
	}
}

func registered(name string) journaled {
	for _, r := range registry {
		if r.journalKind() == name {
			return r
		}
	}
	return nil
}

// syncEvery is how often a changed journal is synced to disk.
const syncEvery = time.Second

// minCompactBytes keeps a small journal from being compacted over and over.
const minCompactBytes = 64 << 10

// journal is the open state file; the server's lock guards it.
type journal struct {
	path string
	f    *os.File // opened for appending
	size int64    // bytes of whole records: where the next one goes
	// compactAt is the size at which the file is compacted: twice its
	// size when it was last written whole.
	compactAt int64
	dirty     bool // written since the last sync
	closed    bool
	// broken is set when a write failed part-way and the file could not be
	// cut back: the next write cuts it first.
	broken bool
	stop   chan struct{}
	done   chan struct{}

	// lastErr is why the last change could not be written, nil once one
	// is; written says that one was. The health check reports both.
	lastErr error
	written bool
}

// errNotSaved marks a failure to write the state file: the change was
// rolled back, and it is the sandbox's fault, not the caller's.
var errNotSaved = errors.New("sandbox: the state file could not be saved")

// save records a change in the journal, before it is answered. The
// caller holds the lock and has made the change in memory; on an error it
// undoes it.
func (s *Server) save(rec record) error {
	j := s.journal
	if j == nil {
		return nil
	}
	var err error
	switch {
	case j.closed:
		err = errors.New("the sandbox is closed")
	case j.f == nil:
		err = errors.New("the state file could not be reopened after a compaction")
	case rec.Op == opReset && rec.Key == "":
		// Everything is forgotten and ids start over: the file empties.
		err = s.rewriteLocked(func(w io.Writer) error {
			_, err := io.WriteString(w, journalHeader+"\n")
			return err
		})
	default:
		err = j.append(rec)
	}
	j.lastErr, j.written = err, true
	if err != nil {
		s.opts.Logger.Error("saving state failed", "path", j.path, "error", err)
		return fmt.Errorf("%w: %w", errNotSaved, err)
	}
	if j.size >= j.compactAt {
		// The change is saved; a failed compaction leaves the journal
		// as it was, and is tried again when it has doubled.
		if err := s.compactLocked(); err != nil {
			s.opts.Logger.Error("compacting the state file failed", "path", j.path, "error", err)
			j.compactAt = 2 * j.size
		}
	}
	return nil
}

func (j *journal) append(rec record) error {
	line, err := json.Marshal(rec)
	if err != nil {
		return err
	}
	if j.broken {
		if err := j.f.Truncate(j.size); err != nil {
			return fmt.Errorf("cutting off a record left half-written: %w", err)
		}
		j.broken = false
	}
	n, err := j.f.Write(append(line, '\n'))
	if err != nil {
		if n > 0 {
			// Half a record must not stay in front of the next one.
			j.broken = j.f.Truncate(j.size) != nil
		}
		return err
	}
	j.size += int64(n)
	j.dirty = true
	return nil
}

// compactLocked writes the live state as a new journal in place of the
// old one.
func (s *Server) compactLocked() error { return s.rewriteLocked(s.writeSnapshotLocked) }

// rewriteLocked replaces the journal with what write writes: to a
// temporary file, synced, then renamed, so that a crash at any moment
// leaves one whole file.
func (s *Server) rewriteLocked(write func(io.Writer) error) error {
	j := s.journal
	dir := filepath.Dir(j.path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(j.path)+".tmp-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // a no-op once renamed
	w := bufio.NewWriterSize(tmp, 256<<10)
	err = write(w)
	if err == nil {
		err = w.Flush()
	}
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), j.path)
	}
	if err != nil {
		return err
	}
	syncDir(dir)
	f, err := os.OpenFile(j.path, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		// The new file is whole, but cannot be appended to: every change
		// fails from now on.
		if j.f != nil {
			_ = j.f.Close()
		}
		j.f = nil
		return err
	}
	fi, err := f.Stat()
	if err != nil {
		_ = f.Close()
		return err
	}
	if j.f != nil {
		_ = j.f.Close()
	}
	j.f, j.size, j.broken, j.dirty = f, fi.Size(), false, false
	j.compactAt = max(2*j.size, minCompactBytes)
	return nil
}

func (s *Server) writeSnapshotLocked(w io.Writer) error {
	if _, err := io.WriteString(w, journalHeader+"\n"); err != nil {
		return err
	}
	emit := func(rec record) error {
		b, err := json.Marshal(rec)
		if err != nil {
			return err
		}
		_, err = w.Write(append(b, '\n'))
		return err
	}
	for _, r := range registry {
		if err := r.snapshot(s, emit); err != nil {
			return err
		}
	}
	return nil
}

// syncDir makes a rename durable; where directories cannot be synced
// (Windows), the rename is as durable as the system makes it.
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil { //nolint:gosec // the operator names the state file
		_ = d.Sync()
		_ = d.Close()
	}
}

// openState loads the state file into a server being built, converting a
// file of the old whole-file layout, and opens it for appending. Nothing
// is written when the file cannot be loaded.
func (s *Server) openState(path string) error {
	if err := checkStateDir(path); err != nil {
		return err
	}
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
	for _, k := range kinds {
		if err := k.check(s.state); err != nil {
			return corrupt(err)
		}
	}
	s.journal = &journal{path: path, stop: make(chan struct{}), done: make(chan struct{})}
	if rewrite {
		if err := s.compactLocked(); err != nil {
			return fmt.Errorf("sandbox: writing state file %s: %w", path, err)
		}
		if len(b) > 0 {
			s.opts.Logger.Info("state file converted to a journal", "path", path)
		}
	} else {
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0) //nolint:gosec // the operator names the state file
		if err != nil {
			return fmt.Errorf("sandbox: opening state file %s: %w", path, err)
		}
		if torn := int64(len(b)) - good; torn > 0 {
			if err := f.Truncate(good); err != nil {
				_ = f.Close()
				return fmt.Errorf("sandbox: state file %s: cutting off its torn last record: %w", path, err)
			}
			s.opts.Logger.Warn("state file: dropped its last record, whose write was cut short (it was never acknowledged)",
				"path", path, "offset", good, "bytes", torn)
		}
		s.journal.f, s.journal.size = f, good
		s.journal.compactAt = max(2*good, minCompactBytes)
	}
	go s.syncLoop(s.journal)
	return nil
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
	if err := decodeExact(text, &h); err != nil {
		return err
	}
	if h.Journal != "otp-sandbox" || h.Version != 1 {
		return fmt.Errorf("header %s is not that of an otp-sandbox journal of version 1 (a newer otp-sandbox's?)", text)
	}
	return nil
}

func (s *Server) replayRecord(text []byte) error {
	var rec record
	if err := decodeExact(text, &rec); err != nil {
		return err
	}
	if rec.Op == opReset {
		if rec.Key == "" {
			s.resetAllInMemoryLocked()
			return nil
		}
		s.forgetAccountLocked(s.holderLocked(rec.Key))
		return nil
	}
	r := registered(rec.Kind)
	if r == nil {
		return fmt.Errorf("unknown record kind %q (written by a newer otp-sandbox?)", rec.Kind)
	}
	var a *account
	if rec.Key != "" {
		a = s.holderLocked(rec.Key)
	}
	if err := r.load(s, a, rec); err != nil {
		return fmt.Errorf("%s %s %q: %w", rec.Op, rec.Kind, rec.ID, err)
	}
	return nil
}

// decodeExact decodes one JSON value strictly: an unknown field is an
// error that names it, and nothing may follow.
func decodeExact(b []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return errors.New(strings.TrimPrefix(err.Error(), "json: "))
	}
	if dec.More() {
		return errors.New("more than one JSON value")
	}
	return nil
}

// loadWholeFile reads the layout of the state file before the journal
// (the whole state as one JSON object, rewritten on every change), and the
// layout before that, which held flows only.
func (s *Server) loadWholeFile(b []byte) error {
	var f struct {
		Flows          *collection[Flow]     `json:"flows"`
		Apps           *collection[App]      `json:"apps"`
		Templates      *collection[Template] `json:"templates"`
		LegacyNextID   int64                 `json:"nextId"`
		LegacyAccounts map[string][]Flow     `json:"accounts"`
	}
	if err := decodeExact(b, &f); err != nil {
		return err
	}
	if f.LegacyAccounts != nil || f.LegacyNextID != 0 {
		if f.Flows != nil {
			return errors.New("it has both the old layout (nextId, accounts) and the new one (flows)")
		}
		f.Flows = &collection[Flow]{idState: idState{NextID: f.LegacyNextID}, Accounts: f.LegacyAccounts}
	}
	st := newState()
	if f.Flows != nil {
		st.Flows = *f.Flows
	}
	if f.Apps != nil {
		st.Apps = *f.Apps
	}
	if f.Templates != nil {
		st.Templates = *f.Templates
	}
	for _, k := range kinds {
		k.init(st)
		for _, key := range k.keys(st) {
			s.holderLocked(key)
		}
	}
	s.state = st
	return nil
}

// syncLoop syncs the journal to disk once a second when it has changed.
func (s *Server) syncLoop(j *journal) {
	defer close(j.done)
	t := time.NewTicker(syncEvery)
	defer t.Stop()
	for {
		select {
		case <-j.stop:
			return
		case <-t.C:
		}
		s.mu.Lock()
		f, dirty := j.f, j.dirty
		j.dirty = false
		s.mu.Unlock()
		if dirty && f != nil {
			// Outside the lock: a sync can take milliseconds. A compaction
			// may close f meanwhile; it synced its own file.
			if err := f.Sync(); err != nil && !errors.Is(err, os.ErrClosed) {
				s.opts.Logger.Error("syncing the state file failed", "path", j.path, "error", err)
			}
		}
	}
}

// Close syncs the state file to disk and closes it; later changes fail.
// A server without a state file has nothing to close.
func (s *Server) Close() error {
	s.mu.Lock()
	j := s.journal
	if j == nil || j.closed {
		s.mu.Unlock()
		return nil
	}
	f := j.f
	j.f, j.closed = nil, true
	s.mu.Unlock()
	close(j.stop)
	<-j.done
	if f == nil {
		return nil
	}
	err := f.Sync()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}
