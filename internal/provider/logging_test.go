package provider

import (
	"maps"
	"testing"

	"github.com/hashicorp/go-hclog"
)

// TestLoggerLevels holds the rule to the CLIs' own: the level at which
// Terraform and OpenTofu keep provider logs (TF_LOG_PROVIDER, else TF_LOG;
// empty is off, JSON is TRACE, an unknown value is TRACE), given to every
// logger variable the user did not set.
func TestLoggerLevels(t *testing.T) {
	off := map[string]string{envLogSDK: "OFF", envLogSDKProto: "OFF", envLogSDKFramework: "OFF", envLogProviderOTP: "OFF"}
	all := func(level string) map[string]string {
		return map[string]string{envLogSDK: level, envLogSDKProto: level, envLogSDKFramework: level, envLogProviderOTP: level}
	}
	for _, tc := range []struct {
		name  string
		env   map[string]string
		level hclog.Level
		set   map[string]string
	}{
		{"nothing set: no logs at all", nil, hclog.Off, off},
		{"TF_LOG=TRACE: everything", map[string]string{"TF_LOG": "TRACE"}, hclog.Trace, all("TRACE")},
		{"TF_LOG=JSON is TRACE", map[string]string{"TF_LOG": "JSON"}, hclog.Trace, all("TRACE")},
		{"lower case", map[string]string{"TF_LOG": "debug"}, hclog.Debug, all("DEBUG")},
		{"TF_LOG=WARN: WARN and above", map[string]string{"TF_LOG": "WARN"}, hclog.Warn, all("WARN")},
		{"TF_LOG=INFO", map[string]string{"TF_LOG": "INFO"}, hclog.Info, all("INFO")},
		{"TF_LOG=ERROR", map[string]string{"TF_LOG": "ERROR"}, hclog.Error, all("ERROR")},
		{"TF_LOG=OFF", map[string]string{"TF_LOG": "OFF"}, hclog.Off, off},
		{"an unknown level: the CLI keeps everything", map[string]string{"TF_LOG": "verbose"}, hclog.Trace, all("TRACE")},
		{"spaces make a level unknown to the CLI, which then keeps everything", map[string]string{"TF_LOG": " warn "}, hclog.Trace, all("TRACE")},
		{"TF_LOG_PROVIDER wins over TF_LOG", map[string]string{"TF_LOG": "TRACE", "TF_LOG_PROVIDER": "ERROR"}, hclog.Error, all("ERROR")},
		{"TF_LOG_PROVIDER alone", map[string]string{"TF_LOG_PROVIDER": "DEBUG"}, hclog.Debug, all("DEBUG")},
		{"TF_LOG_PROVIDER empty falls back to TF_LOG", map[string]string{"TF_LOG": "INFO", "TF_LOG_PROVIDER": ""}, hclog.Info, all("INFO")},
		{"TF_LOG_CORE concerns the CLI alone", map[string]string{"TF_LOG_CORE": "TRACE"}, hclog.Off, off},
		{"the CLI's crash-log sink keeps everything", map[string]string{"TF_TEMP_LOG_PATH": "/tmp/x"}, hclog.Trace, all("TRACE")},
		{
			"an explicit provider variable wins",
			map[string]string{envLogProviderOTP: "TRACE"}, hclog.Off,
			map[string]string{envLogSDK: "OFF", envLogSDKProto: "OFF", envLogSDKFramework: "OFF"},
		},
		{
			"an explicit subsystem variable wins",
			map[string]string{"TF_LOG": "WARN", envLogSDKFramework: "TRACE"}, hclog.Warn,
			map[string]string{envLogSDK: "WARN", envLogSDKProto: "WARN", envLogProviderOTP: "WARN"},
		},
		{
			"the subsystems follow an explicit SDK variable, as they would if unset",
			map[string]string{envLogSDK: "DEBUG"}, hclog.Off,
			map[string]string{envLogSDKProto: "DEBUG", envLogSDKFramework: "DEBUG", envLogProviderOTP: "OFF"},
		},
		{
			"every variable set: nothing to set",
			map[string]string{"TF_LOG": "TRACE", envLogSDK: "OFF", envLogSDKProto: "OFF", envLogSDKFramework: "OFF", envLogProviderOTP: "INFO"},
			hclog.Trace, map[string]string{},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			getenv := func(k string) string { return tc.env[k] }
			level := cliLogLevel(getenv)
			if level != tc.level {
				t.Fatalf("level %s, want %s", level, tc.level)
			}
			if got := loggerLevels(getenv, level); !maps.Equal(got, tc.set) {
				t.Fatalf("sets %v, want %v", got, tc.set)
			}
		})
	}
}

func TestDebugLogs(t *testing.T) {
	for v, want := range map[string]bool{"": true, "TRACE": true, "DEBUG": true, "debug": true, "INFO": false, "WARN": false, "ERROR": false, "OFF": false, "nonsense": true} {
		if got := debugLogs(func(string) string { return v }); got != want {
			t.Errorf("%s=%q: debugLogs %v, want %v", envLogProviderOTP, v, got, want)
		}
	}
}
