package main

import (
	"flag"
	"fmt"
)

// flagVariables are the environment variables that set flags. A container
// is configured by its environment: a GitHub Actions service cannot be
// given a command line at all, and a variable is easier to patch into a
// Kubernetes pod or a compose file than an argument list. The flags not
// here have variables of their own (-key OTP_API_KEY, -secret
// OTP_API_SECRET, -account OTP_SANDBOX_ACCOUNTS, -control-token
// OTP_SANDBOX_CONTROL_TOKEN, each read where the flag is used), are
// aliases of one here, or are not settings (-health): flagsWithoutVariable.
var flagVariables = []struct{ flag, env string }{
	{"listen", "OTP_SANDBOX_LISTEN"},
	{"open-accounts", "OTP_SANDBOX_OPEN_ACCOUNTS"},
	{"state", "OTP_SANDBOX_STATE"},
	{"retention", "OTP_SANDBOX_RETENTION"},
	{"retention-total", "OTP_SANDBOX_RETENTION_TOTAL"},
	{"max-accounts", "OTP_SANDBOX_MAX_ACCOUNTS"},
	{"account-idle", "OTP_SANDBOX_ACCOUNT_IDLE"},
	{"public-url", "OTP_SANDBOX_PUBLIC_URL"},
	{"import", "OTP_SANDBOX_IMPORT"},
	{"window", "OTP_SANDBOX_WINDOW"},
	{"quiet", "OTP_SANDBOX_QUIET"},
	{"addr-file", "OTP_SANDBOX_ADDR_FILE"},
	{"token-file", "OTP_SANDBOX_TOKEN_FILE"},
}

// flagsWithoutVariable are the flags flagVariables leaves out, and why:
// a test holds every other flag to having a variable.
var flagsWithoutVariable = map[string]string{ //nolint:gosec // variables' names, not credentials
	"key": "OTP_API_KEY", "secret": "OTP_API_SECRET", "account": "OTP_SANDBOX_ACCOUNTS", "control-token": "OTP_SANDBOX_CONTROL_TOKEN",
	"addr": "alias of -listen", "state-file": "alias of -state", "health": "not a setting",
}

// setFromEnvironment gives each flag of flagVariables the value of its
// variable, when that is set and not empty, and names the variable in the
// flag's line of the help. It runs before the command line is parsed, so
// that a flag given there wins. A value the flag refuses is an error that
// names the variable, not the flag the user never typed.
func setFromEnvironment(fs *flag.FlagSet, lookup func(string) (string, bool)) error {
	for _, v := range flagVariables {
		f := fs.Lookup(v.flag)
		if f == nil {
			panic("otp-sandbox: flagVariables names an unknown flag -" + v.flag)
		}
		if b, ok := f.Value.(interface{ IsBoolFlag() bool }); ok && b.IsBoolFlag() {
			f.Usage += "; $" + v.env + "=true sets it too"
		} else {
			f.Usage += "; $" + v.env + " sets it too"
		}
		value, set := lookup(v.env)
		if !set || value == "" {
			continue
		}
		if err := f.Value.Set(value); err != nil {
			return fmt.Errorf("$%s=%q is not a valid -%s: %w", v.env, value, v.flag, err)
		}
	}
	return nil
}
