package provider

import (
	"os"
	"strconv"
)

// processArgs returns the arguments of process pid, nil if unknown.
func processArgs(pid int) []string {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/cmdline")
	if err != nil {
		return nil
	}
	return splitNUL(b)
}
