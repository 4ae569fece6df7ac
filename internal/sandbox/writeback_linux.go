//go:build linux && !arm

package sandbox

import (
	"os"
	"syscall"
)

// startWriteback asks the kernel to start writing a range of a file to
// disk, and returns without waiting for it: a compaction writing a large
// new file has it on disk by the time it syncs it, and the one sync then
// makes one short commit of the file system, which the journal's appends
// would otherwise wait for. (SYNC_FILE_RANGE_WRITE; 32-bit ARM has no
// such call in package syscall, and syncs at the end alone.)
func startWriteback(f *os.File, off, n int64) {
	const syncFileRangeWrite = 0x2
	_ = syscall.SyncFileRange(int(f.Fd()), off, n, syncFileRangeWrite)
}
