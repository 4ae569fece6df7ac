// Command terraform-provider-otp is the Terraform provider for the Itniotech
// OTP service.
package main

import (
	"flag"
	"log"
	"os"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6/tf6server"

	"github.com/itniotech/terraform-provider-otp/internal/provider"
)

// version is set by the release build through -ldflags "-X main.version=…".
var version = "dev"

// Address is where the provider is published; dev_overrides use it too.
const Address = "registry.terraform.io/itniotech/otp"

func main() {
	var debug bool
	flag.BoolVar(&debug, "debug", false, "start the provider with support for debuggers such as delve")
	flag.Parse()

	// Served by tf6server rather than providerserver.Serve, which is the
	// same call without a way to hand go-plugin a logger.
	var opts []tf6server.ServeOpt
	command := ""
	if debug {
		opts = append(opts, tf6server.WithManagedDebug())
	} else {
		// The CLI starts the provider as its child (under a debugger, the
		// parent is not the CLI, and the command stays unknown).
		command = provider.ParentCLICommand()
		// Write no log line the CLI will throw away (provider.QuietLoggers).
		// go-plugin's default logger writes at TRACE whatever TF_LOG says.
		level := provider.QuietLoggers()
		opts = append(opts, tf6server.WithGoPluginLogger(hclog.New(&hclog.LoggerOptions{
			Level: level, Output: os.Stderr, JSONFormat: true,
		})))
	}
	if err := tf6server.Serve(Address, providerserver.NewProtocol6(provider.New(version, command)()), opts...); err != nil {
		log.Fatal(err.Error())
	}
}
