// Command terraform-provider-otp is the Terraform provider for the Itniotech
// OTP service.
package main

import (
	"context"
	"flag"
	"log"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"

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

	err := providerserver.Serve(context.Background(), provider.New(version), providerserver.ServeOpts{
		Address: Address,
		Debug:   debug,
	})
	if err != nil {
		log.Fatal(err.Error())
	}
}
