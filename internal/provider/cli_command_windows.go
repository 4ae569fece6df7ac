package provider

import (
	"errors"
	"math"
	"unsafe"

	"golang.org/x/sys/windows"
)

// processArgs returns the arguments of process pid, nil if unknown: its
// command line, as Windows 8.1 and later give it to a process of the same
// user, split as the C runtime splits it.
func processArgs(pid int) []string {
	if pid <= 0 || uint64(pid) > math.MaxUint32 {
		return nil
	}
	h, err := windows.OpenProcess(windows.PROCESS_QUERY_LIMITED_INFORMATION, false, uint32(pid))
	if err != nil {
		return nil
	}
	defer windows.CloseHandle(h) //nolint:errcheck // nothing to do about it
	// The answer is a UNICODE_STRING followed by its characters; 64-bit
	// words keep it aligned. The system writes at most the length given.
	buf := make([]uint64, 512)
	var size uint32
	for range 2 {
		err = windows.NtQueryInformationProcess(h, windows.ProcessCommandLineInformation,
			unsafe.Pointer(&buf[0]), uint32(len(buf)*8), &size) //nolint:gosec // the buffer's own address and length
		if !errors.Is(err, windows.STATUS_INFO_LENGTH_MISMATCH) || int(size) <= len(buf)*8 {
			break
		}
		buf = make([]uint64, size/8+1)
	}
	if err != nil {
		return nil
	}
	// The UNICODE_STRING at the head of the buffer points into the buffer.
	line := (*windows.NTUnicodeString)(unsafe.Pointer(&buf[0])).String() //nolint:gosec // its layout, as the system wrote it
	args, err := windows.DecomposeCommandLine(line)
	if err != nil {
		return nil
	}
	return args
}
