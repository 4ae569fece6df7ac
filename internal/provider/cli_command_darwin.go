package provider

import "golang.org/x/sys/unix"

// processArgs returns the arguments of process pid, nil if unknown.
func processArgs(pid int) []string {
	b, err := unix.SysctlRaw("kern.procargs2", pid)
	if err != nil {
		return nil
	}
	return parseProcArgs2(b)
}
