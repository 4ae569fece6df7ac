package provider

import "golang.org/x/sys/unix"

// processArgs returns the arguments of process pid, nil if unknown.
func processArgs(pid int) []string {
	b, err := unix.SysctlRaw("kern.proc.args", pid)
	if err != nil {
		return nil
	}
	return splitNUL(b)
}
