package provider

import (
	"os"
	"strings"

	"github.com/hashicorp/go-hclog"
)

// Which logs the provider writes when a CLI serves it.
//
// terraform-plugin-go and the framework log every RPC, validator and plan
// modifier at TRACE unless told otherwise, and each line is JSON-encoded
// onto stderr for the CLI to parse, whatever the CLI then keeps: with no
// TF_LOG it keeps nothing, and a third of a plan's CPU went into lines that
// were thrown away. So before serving, the provider works out the level at
// which the CLI keeps provider logs, exactly as Terraform and OpenTofu do
// (internal/logging in both: TF_LOG_PROVIDER, else TF_LOG; empty is off,
// JSON is TRACE, an unknown value is TRACE), and gives every logger that
// level, unless the user set that logger's own variable, which always wins.

// Logger variables of terraform-plugin-log: the SDK's root logger, its two
// subsystems, and this provider's root logger (TF_LOG_PROVIDER_ and the
// provider's name in its address).
const (
	envLogSDK          = "TF_LOG_SDK"
	envLogSDKProto     = "TF_LOG_SDK_PROTO"
	envLogSDKFramework = "TF_LOG_SDK_FRAMEWORK"
	envLogProviderOTP  = "TF_LOG_PROVIDER_OTP"
)

// cliLogLevel is the level at which the CLI keeps a provider's log lines.
func cliLogLevel(getenv func(string) string) hclog.Level {
	// The CLI's crash-log sink (TF_TEMP_LOG_PATH) receives every line at
	// TRACE, whatever TF_LOG says.
	if getenv("TF_TEMP_LOG_PATH") != "" {
		return hclog.Trace
	}
	// As the CLIs read them: upper-cased, not trimmed (" WARN" is not a
	// level to them, so it means TRACE).
	v := strings.ToUpper(getenv("TF_LOG_PROVIDER"))
	if v == "" {
		v = strings.ToUpper(getenv("TF_LOG"))
	}
	switch v {
	case "":
		return hclog.Off
	case "TRACE", "JSON":
		return hclog.Trace
	case "DEBUG":
		return hclog.Debug
	case "INFO":
		return hclog.Info
	case "WARN":
		return hclog.Warn
	case "ERROR":
		return hclog.Error
	case "OFF":
		return hclog.Off
	}
	return hclog.Trace // the CLI warns and keeps everything
}

// loggerLevels returns the logger variables to set so that nothing is
// produced below level: those the user did not set. The SDK's subsystems
// follow the SDK's root logger, the user's setting of it included, as they
// would if their variables were unset; they are set anyway so that their
// own cheap level check, not the encoder, drops each line.
func loggerLevels(getenv func(string) string, level hclog.Level) map[string]string {
	name := strings.ToUpper(level.String())
	out := map[string]string{}
	sdk := getenv(envLogSDK)
	if sdk == "" {
		sdk = name
		out[envLogSDK] = name
	}
	for _, v := range []string{envLogSDKProto, envLogSDKFramework} {
		if getenv(v) == "" {
			out[v] = sdk
		}
	}
	if getenv(envLogProviderOTP) == "" {
		out[envLogProviderOTP] = name
	}
	return out
}

// QuietLoggers applies the rule to this process before it serves the CLI,
// and returns the CLI's level for go-plugin's own logger, which takes no
// variable. Acceptance tests that serve the provider in-process and -debug
// mode do not call it: their logs go where the test framework or the
// debugger sends them.
func QuietLoggers() hclog.Level {
	level := cliLogLevel(os.Getenv)
	for k, v := range loggerLevels(os.Getenv, level) {
		_ = os.Setenv(k, v) // cannot fail for these names
	}
	return level
}

// debugLogs reports whether this provider's logger keeps DEBUG lines, so
// that the client does not build a line per request that nobody reads. It
// is true unless the level was lowered (by QuietLoggers or the user):
// in-process tests leave the variable unset and keep everything.
func debugLogs(getenv func(string) string) bool {
	v := getenv(envLogProviderOTP)
	if v == "" {
		return true
	}
	l := hclog.LevelFromString(v)
	return l == hclog.NoLevel || l <= hclog.Debug // an unknown value logs everything
}
