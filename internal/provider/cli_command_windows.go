package provider

import (
	"errors"
	"unsafe"

	"golang.org/x/sys/windows"
)

// processArgs returns the arguments of process pid, nil if unknown: its
// command line, as Windows 8.1 and later give it to a process of the same
// user, split as the C runtime splits it.
func processArgs(pid int) []string {
	h, err := windows.OpenProcess(windows.PROCESS_QUERY_LIMITED_INFORMATION, false, uint32(pid))
	if err != nil {
		return nil
	}
	defer windows.CloseHandle(h) //nolint:errcheck // nothing to do about it
	// The answer is a UNICODE_STRING followed by its characters; 64-bit
	// words keep it aligned.
	buf := make([]uint64, 512)
	var size uint32
	for range 2 {
		err = windows.NtQueryInformationProcess(h, windows.ProcessCommandLineInformation,
			unsafe.Pointer(&buf[0]), uint32(len(buf)*8), &size)
		if !errors.Is(err, windows.STATUS_INFO_LENGTH_MISMATCH) || int(size) <= len(buf)*8 {
			break
		}
		buf = make([]uint64, size/8+1)
	}
	if err != nil {
		return nil
	}
	line := (*windows.NTUnicodeString)(unsafe.Pointer(&buf[0])).String()
	args, err := windows.DecomposeCommandLine(line)
	if err != nil {
		return nil
	}
	return args
}
