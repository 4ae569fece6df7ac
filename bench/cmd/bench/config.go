package main

import (
	"bytes"
	"fmt"
)

// flowConfig is the configuration of one run: N task flows and a provider
// block that points at the run's sandbox account. Both providers get the
// same text; the calibration provider ignores the credentials.
//
// The values vary with the index so that the flows are not all alike (the
// sandbox compares names and whole flows), but they are deterministic, so
// every run and both providers handle the same data.
type flowConfig struct {
	n                          int
	baseURL, apiKey, apiSecret string
}

// render writes the configuration; changed >= 0 moves that flow's first
// waiting_time by one second, the smallest update there is.
func (c flowConfig) render(changed int) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, `terraform {
  required_providers {
    otp = {
      source = "itniotech/otp"
    }
  }
}

provider "otp" {
  base_url   = %q
  api_key    = %q
  api_secret = %q
}
`, c.baseURL, c.apiKey, c.apiSecret)
	for i := range c.n {
		fmt.Fprintf(&b, "\nresource \"otp_task_flow\" \"f%d\" {\n  name = \"bench-flow-%05d\"\n", i, i)
		for step := range 1 + i%2 {
			wait := 30 + (i*37+step*53)%91 // 30..120
			if i == changed && step == 0 {
				if wait < 120 {
					wait++
				} else {
					wait--
				}
			}
			channel := "sms"
			if (i+step)%3 == 0 {
				channel = "call"
			}
			fmt.Fprintf(&b, "\n  flow {\n    waiting_time = %d\n    status       = %d\n    channel      = %q\n  }\n",
				wait, 1+(i+step)%2, channel)
		}
		b.WriteString("}\n")
	}
	return b.Bytes()
}

// queryConfig lists the N flows: the limit is N, so that both providers
// return N results (the calibration provider returns as many as asked).
func queryConfig(n int) []byte {
	return fmt.Appendf(nil, "list \"otp_task_flow\" \"all\" {\n  provider = otp\n  limit    = %d\n}\n", n)
}

// hasQuery reads "Terraform v1.16.4": terraform query came in 1.14, and
// OpenTofu has none.
func hasQuery(version string) bool {
	var major, minor int
	if _, err := fmt.Sscanf(version, "Terraform v%d.%d", &major, &minor); err != nil {
		return false
	}
	return major > 1 || major == 1 && minor >= 14
}
