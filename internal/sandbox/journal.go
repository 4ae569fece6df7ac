package sandbox

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/itniotech/terraform-provider-otp/internal/sandbox/engine"
)

// The journal: the state file, written by one writer for every account.
//
// An account that changes something makes the change in memory, holding
// its own lock, and hands its records to the writer (save); it answers
// only once the writer has written them (one write(2) for every record
// that arrived together, whatever their accounts), and undoes the change
// when the write fails. So every change answered as done is in the file
// (the kernel's page cache) first, and a kill loses nothing acknowledged.
// The file is synced to disk (fsync) once a second when it has changed,
// at every compaction, and when the server is closed: a power loss can
// lose the changes of the last second, never the file.
//
// When the file has doubled since it was last written whole, it is
// compacted, without stopping anyone: the compaction notes where the
// writer is, then takes each account's state in turn, under that
// account's lock only (a copy: the account goes on at once), and writes it
// to a temporary file beside the journal, and syncs it. Meanwhile the
// writer goes on appending to the old file, and keeps aside, for the new
// one, the records of every account whose state was already taken (or that
// is new). Once every account is in, the writer appends what it kept aside
// to the new file, which the compaction syncs while the writer goes on;
// then the writer appends what came meanwhile and renames the new file
// over the journal, which the syncer syncs with the next second's appends.
// The writer never waits for the disk: a switch is a write and a rename. The new file holds
// each account's state and every record after it, so no change made during
// the compaction is dropped. A crash at any moment leaves the old file or
// the new one, both whole; a temporary file left by a crash is removed at
// the next start.
//
// The format, and how each kind of record loads, is state.go's.

// syncEvery is how often a changed journal is synced to disk.
const syncEvery = time.Second

// minCompactBytes keeps a small journal from being compacted over and over.
const minCompactBytes = 64 << 10

// errNotSaved marks a failure to write the state file: the change was
// undone, and it is the sandbox's fault, not the caller's.
var errNotSaved = errors.New("sandbox: the state file could not be saved")

// Failure points, for the tests: journal.fail is called at each, and an
// error it returns is taken for a failure of the disk there.
const (
	failAppend       = "append"        // before a batch of records is written
	failCompactWrite = "compact-write" // a compaction, before it syncs the new file
	failBeforeRename = "before-rename" // the new file written and synced, not yet renamed
	failAfterRename  = "after-rename"  // the new file renamed over the journal, not yet appended to
)

type journal struct {
	path   string
	logger *slog.Logger
	reqs   chan *jreq
	exited chan struct{} // closed when the writer ends
	// compactMu is held by a compaction from start to end, and by what
	// must not run during one (a reset of everything, Close).
	compactMu sync.Mutex
	// failHook is the tests' failure points; nil in use.
	failHook atomic.Pointer[func(point string) error]
	// compact runs a compaction; the server sets it.
	compact func() error
	// snapshots is the memory the compactions copy each account's OTP
	// service into, one account after the other, kept from one compaction
	// to the next: as large as the largest account's, allocated once.
	snapshots engine.State

	// The syncer's view of the file.
	fileMu sync.Mutex
	file   *os.File
	dirty  atomic.Bool
	closed atomic.Bool
	// health is the outcome of the file's last write and last sync, for
	// the health route (health.go).
	health fileHealth

	// The writer's own state: only the writer goroutine touches it.
	w writerState
}

type writerState struct {
	f    *os.File
	size int64 // bytes of whole records: where the next one goes
	// compactAt is the size at which the file is compacted: twice its
	// size when it was last written whole.
	compactAt int64
	// torn is set when a write failed part-way and the file could not be
	// cut back: the next write cuts it first.
	torn bool
	// broken is why the journal cannot be appended to any more: every
	// change fails until the sandbox is restarted.
	broken error
	// compacting is the compaction under way, nil when none is.
	compacting *compaction
}

// compaction is what the writer keeps for the new file while a compaction
// takes the accounts' states.
type compaction struct {
	// started says the accounts were listed: until then every record is
	// of an account whose state the compaction will take.
	started bool
	pending map[string]bool // accounts whose state is not taken yet
	tail    bytes.Buffer    // the records the new file needs after the states
}

// jreq is a request to the writer.
type jreq struct {
	kind  int
	key   string // an append's account ("" for the sandbox's records)
	data  []byte // an append's lines
	keys  []string
	tmp   *os.File
	reply chan error
}

const (
	reqAppend = iota
	reqStart
	reqTaken
	reqTail
	reqSwitch
	reqAbort
	reqRewriteEmpty
	reqClose
)

// openJournal starts the writer on an open file of size bytes of whole
// records.
func openJournal(path string, f *os.File, size int64, logger *slog.Logger) *journal {
	j := &journal{path: path, logger: logger, reqs: make(chan *jreq, 256), exited: make(chan struct{}), file: f}
	j.w = writerState{f: f, size: size, compactAt: max(2*size, minCompactBytes)}
	go j.writer()
	go j.syncer()
	return j
}

// call hands a request to the writer and waits for its answer.
func (j *journal) call(r *jreq) error {
	if j.closed.Load() {
		return errors.New("the sandbox is closed")
	}
	r.reply = make(chan error, 1)
	select {
	case j.reqs <- r:
	case <-j.exited:
		return errors.New("the sandbox is closed")
	}
	select {
	case err := <-r.reply:
		return err
	case <-j.exited:
		return errors.New("the sandbox is closed")
	}
}

// save writes an account's records before its change is answered; the
// caller holds the account's lock and has made the change in memory, and
// undoes it on an error.
func (s *Server) save(a *account, recs ...record) error {
	j := s.journal
	if j == nil || len(recs) == 0 {
		return nil
	}
	var lines []byte
	for _, rec := range recs {
		lines = appendRecord(lines, rec)
	}
	if err := j.call(&jreq{kind: reqAppend, key: a.key, data: lines}); err != nil {
		s.opts.Logger.Error("saving state failed", "path", j.path, "key", a.key, "error", err)
		return fmt.Errorf("%w: %w", errNotSaved, err)
	}
	return nil
}

// writer is the one goroutine that writes the journal. Appends that
// arrive together are written with one write.
func (j *journal) writer() {
	defer close(j.exited)
	for {
		batch := []*jreq{<-j.reqs}
	gather:
		for len(batch) < cap(j.reqs) {
			select {
			case r := <-j.reqs:
				batch = append(batch, r)
			default:
				break gather
			}
		}
		for i := 0; i < len(batch); {
			if batch[i].kind != reqAppend {
				if batch[i].kind == reqClose {
					j.finish(batch[i], batch[i+1:])
					return
				}
				batch[i].reply <- j.handle(batch[i])
				i++
				continue
			}
			n := i + 1
			for n < len(batch) && batch[n].kind == reqAppend {
				n++
			}
			j.appendBatch(batch[i:n])
			i = n
		}
		j.maybeCompact()
	}
}

// appendBatch writes appends with one write, and answers each.
func (j *journal) appendBatch(batch []*jreq) {
	err := j.w.broken
	var buf []byte
	if err == nil {
		for _, r := range batch {
			buf = append(buf, r.data...)
		}
		err = j.write(buf)
	}
	if err == nil {
		if c := j.w.compacting; c != nil && c.started {
			for _, r := range batch {
				if !c.pending[r.key] {
					c.tail.Write(r.data)
				}
			}
		}
		j.dirty.Store(true)
	}
	j.health.wrote(err)
	for _, r := range batch {
		r.reply <- err
	}
}

// write appends whole records, or nothing: a write that fails part-way is
// cut off.
func (j *journal) write(buf []byte) error {
	if err := j.fail(failAppend); err != nil {
		return err
	}
	if j.w.torn {
		if err := j.w.f.Truncate(j.w.size); err != nil {
			return fmt.Errorf("cutting off a record left half-written: %w", err)
		}
		j.w.torn = false
	}
	n, err := j.w.f.Write(buf)
	if err != nil {
		if n > 0 {
			// Half a record must not stay in front of the next one.
			j.w.torn = j.w.f.Truncate(j.w.size) != nil
		}
		return err
	}
	j.w.size += int64(n)
	return nil
}

// maybeCompact starts a compaction when the file has doubled.
func (j *journal) maybeCompact() {
	if j.w.compacting != nil || j.w.broken != nil || j.w.size < j.w.compactAt || j.compact == nil {
		return
	}
	// Marked at once, so that the writer starts no second one; the
	// compaction's start request says what to keep aside.
	j.w.compacting = &compaction{}
	j.w.compactAt = max(2*j.w.size, minCompactBytes) // tried again after as much again, should it fail
	go func() {
		if err := j.compact(); err != nil {
			j.logger.Error("compacting the state file failed; the journal goes on as it was", "path", j.path, "error", err)
		}
	}()
}

// handle answers the writer's other requests.
func (j *journal) handle(r *jreq) error {
	switch r.kind {
	case reqStart:
		if j.w.compacting == nil {
			j.w.compacting = &compaction{}
		}
		c := j.w.compacting
		c.started, c.pending = true, map[string]bool{}
		for _, k := range r.keys {
			c.pending[k] = true
		}
		return j.w.broken
	case reqTaken:
		if c := j.w.compacting; c != nil {
			delete(c.pending, r.key)
		}
		return nil
	case reqAbort:
		j.w.compacting = nil
		return nil
	case reqTail:
		// The records kept aside so far go to the new file; those made
		// from now on are kept aside again, for the switch.
		c := j.w.compacting
		if c == nil {
			return errors.New("no compaction under way")
		}
		_, err := r.tmp.Write(c.tail.Bytes())
		c.tail.Reset()
		return err
	case reqSwitch:
		c := j.w.compacting
		j.w.compacting = nil
		if c == nil {
			return errors.New("no compaction under way")
		}
		if _, err := r.tmp.Write(c.tail.Bytes()); err != nil {
			_ = r.tmp.Close()
			_ = os.Remove(r.tmp.Name())
			return err
		}
		return j.install(r.tmp)
	case reqRewriteEmpty:
		tmp, err := j.tempFile()
		if err == nil {
			err = j.writeTemp(tmp, []byte(journalHeader+"\n"))
		}
		if err == nil {
			err = j.install(tmp)
		}
		j.health.wrote(err)
		return err
	}
	return fmt.Errorf("unknown request %d", r.kind)
}

// tempFile makes the file a compaction writes, beside the journal.
func (j *journal) tempFile() (*os.File, error) {
	return os.CreateTemp(filepath.Dir(j.path), "."+filepath.Base(j.path)+".tmp-*")
}

// writeTemp writes a whole small file (the header of an empty journal)
// and syncs it; it removes the file on failure.
func (j *journal) writeTemp(tmp *os.File, data []byte) error {
	_, err := tmp.Write(data)
	if err == nil {
		err = tmp.Sync()
	}
	if err != nil {
		_ = tmp.Close()
		_ = os.Remove(tmp.Name())
	}
	return err
}

// install renames a new file over the journal and appends to it from now
// on. A failure before the rename leaves the journal as it was (and
// removes the new file); after it, the new file is the journal, whole, and
// a failure there leaves the journal unable to take more changes (broken)
// until a restart. Nothing here syncs: the writer waits for no disk. The
// caller synced what the new file holds; what the writer appended here
// and after it, the syncer syncs within a second, as any append.
func (j *journal) install(tmp *os.File) error {
	err := j.fail(failBeforeRename)
	if err == nil {
		err = os.Rename(tmp.Name(), j.path)
	}
	if err != nil {
		_ = tmp.Close()
		_ = os.Remove(tmp.Name())
		return err
	}
	size, serr := tmp.Seek(0, io.SeekCurrent)
	old := j.w.f
	j.w.f, j.w.size, j.w.torn = tmp, size, false
	j.w.compactAt = max(2*size, minCompactBytes)
	j.fileMu.Lock()
	j.file = tmp
	j.fileMu.Unlock()
	_ = old.Close()
	j.dirty.Store(true) // the syncer syncs it within a second, should the caller not
	if serr == nil {
		serr = j.fail(failAfterRename)
	}
	if serr != nil {
		j.w.broken = fmt.Errorf("the state file was rewritten, but cannot be appended to: %w", serr)
		j.health.wrote(j.w.broken)
		j.logger.Error("the state file cannot take more changes until the sandbox is restarted", "path", j.path, "error", serr)
		return errAfterRename{serr}
	}
	return nil
}

// fail is the failure point's error, from the tests' hook.
func (j *journal) fail(point string) error {
	if f := j.failHook.Load(); f != nil {
		return (*f)(point)
	}
	return nil
}

// errAfterRename is a failure after the new file was renamed over the
// journal: the change it carried is made.
type errAfterRename struct{ err error }

func (e errAfterRename) Error() string { return e.err.Error() }
func (e errAfterRename) Unwrap() error { return e.err }

// rewriteEmpty empties the journal (a reset of everything): nil when it
// is empty, whatever failed after.
func (j *journal) rewriteEmpty() error {
	err := j.call(&jreq{kind: reqRewriteEmpty})
	if err == nil {
		syncDir(filepath.Dir(j.path)) // the rename, durable
	}
	if errors.As(err, &errAfterRename{}) {
		return nil
	}
	return err
}

// finish ends the writer: the requests after Close fail, the file is
// synced and closed.
func (j *journal) finish(r *jreq, rest []*jreq) {
	for _, other := range rest {
		other.reply <- errors.New("the sandbox is closed")
	}
	err := j.w.f.Sync()
	if cerr := j.w.f.Close(); err == nil {
		err = cerr
	}
	r.reply <- err
}

// syncer syncs the journal to disk once a second when it has changed,
// outside the writer: a sync can take milliseconds.
func (j *journal) syncer() {
	t := time.NewTicker(syncEvery)
	defer t.Stop()
	for {
		select {
		case <-j.exited:
			return
		case <-t.C:
		}
		if !j.dirty.Swap(false) {
			continue
		}
		j.fileMu.Lock()
		f := j.file
		j.fileMu.Unlock()
		// A compaction may close f meanwhile; it synced its own file.
		err := f.Sync()
		if errors.Is(err, os.ErrClosed) {
			continue
		}
		j.health.synced(err)
		if err != nil {
			j.logger.Error("syncing the state file failed", "path", j.path, "error", err)
		}
	}
}

// close waits for a compaction under way, then syncs and closes the file;
// later changes fail.
func (j *journal) close() error {
	j.compactMu.Lock()
	defer j.compactMu.Unlock()
	err := j.call(&jreq{kind: reqClose})
	j.closed.Store(true)
	return err
}

// syncDir makes a rename durable; where directories cannot be synced
// (Windows), the rename is as durable as the system makes it.
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil { //nolint:gosec // the operator names the state file
		_ = d.Sync()
		_ = d.Close()
	}
}

// compactNow writes the live state as a new journal in place of the old
// one, as the package comment says: each account's state under its own
// lock, one at a time, and the records made meanwhile after them.
func (s *Server) compactNow() error {
	j := s.journal
	j.compactMu.Lock()
	defer j.compactMu.Unlock()
	if j.closed.Load() {
		return nil // closed while this compaction waited to start
	}
	tmp, err := j.tempFile()
	if err != nil {
		_ = j.call(&jreq{kind: reqAbort})
		return err
	}
	switched := false
	defer func() {
		if !switched {
			_ = j.call(&jreq{kind: reqAbort})
			_ = tmp.Close()
			_ = os.Remove(tmp.Name())
		}
	}()
	// The accounts listed and the writer told in one step, under the
	// map's lock: an account opened after it is new to the compaction,
	// and all its records go to the new file.
	s.mu.Lock()
	keys := make([]string, 0, len(s.accounts))
	for k := range s.accounts {
		keys = append(keys, k)
	}
	err = j.call(&jreq{kind: reqStart, keys: keys})
	s.mu.Unlock()
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(&writebackWriter{f: tmp}, 256<<10)
	write := recordWriter(w)
	n := 0
	emit := func(rec record) error {
		// A compaction is work no request waits for: every few dozen
		// records it lets a request that is ready run first, rather than
		// make it wait for the scheduler to take the processor away (up to
		// 10 ms) on a machine whose cores are busy.
		if n++; n%64 == 0 {
			runtime.Gosched()
		}
		return write(rec)
	}
	if _, err := io.WriteString(w, journalHeader+"\n"); err != nil {
		return err
	}
	slices.Sort(keys)
	for _, key := range keys {
		var snap *accountSnapshot
		if a := s.lookup(key); a != nil && a.lock() {
			snap = a.snapshot(&j.snapshots)
			err = j.call(&jreq{kind: reqTaken, key: key})
			a.mu.Unlock()
		} else {
			err = j.call(&jreq{kind: reqTaken, key: key}) // forgotten: nothing of it goes to the new file
		}
		if err != nil {
			return err
		}
		if snap != nil {
			if err := snap.write(emit); err != nil {
				return err
			}
		}
	}
	for _, rec := range s.idRecords() {
		if err := emit(rec); err != nil {
			return err
		}
	}
	if err := w.Flush(); err != nil {
		return err
	}
	if err := j.fail(failCompactWrite); err != nil {
		return err
	}
	if err := tmp.Sync(); err != nil {
		return err
	}
	// The records made while the states were written go to the new file,
	// and are synced there, outside the writer: it goes on appending
	// meanwhile, and keeps aside what comes, for the switch. Again while a
	// sync took long, so that the switch leaves unsynced only what the last
	// sync's time made (a power loss can lose the last second, no more).
	for range 3 {
		if err := j.call(&jreq{kind: reqTail, tmp: tmp}); err != nil {
			return err
		}
		began := time.Now()
		if err := tmp.Sync(); err != nil {
			return err
		}
		if time.Since(began) < syncEvery/4 {
			break
		}
	}
	switched = true // the writer takes the file from here, and removes it on failure
	if err := j.call(&jreq{kind: reqSwitch, tmp: tmp}); err != nil {
		return err
	}
	// The rename, durable. What the switch appended (the last sync's
	// worth) the syncer syncs within a second, as any append: a sync of
	// the file now would make the appends to it wait for the disk
	// (measured: 5 to 8 ms).
	syncDir(filepath.Dir(j.path))
	return nil
}

// writebackWriter starts a compaction's new file on its way to disk every
// writebackChunk bytes as it is written (startWriteback), so that the sync
// at its end has little left to do: one sync of a whole large file makes
// the file system commit it at once, and an append to the journal
// meanwhile can wait for that commit (measured: 18 ms for 7 MB on a busy
// disk).
type writebackWriter struct {
	f        *os.File
	off, bgn int64 // bytes written; where the range not yet started begins
}

const writebackChunk = 1 << 20

func (w *writebackWriter) Write(p []byte) (int, error) {
	n, err := w.f.Write(p)
	if w.off += int64(n); w.off-w.bgn >= writebackChunk {
		startWriteback(w.f, w.bgn, w.off-w.bgn)
		w.bgn = w.off
	}
	return n, err
}

// recordWriter writes records as lines.
func recordWriter(w io.Writer) func(record) error {
	var line []byte
	return func(rec record) error {
		line = appendRecord(line[:0], rec)
		_, err := w.Write(line)
		return err
	}
}
