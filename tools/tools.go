//go:build generate

// Package tools pins the documentation generator in its own module, so that
// its dependencies never enter the provider's go.mod.
package tools

import (
	_ "github.com/hashicorp/terraform-plugin-docs/cmd/tfplugindocs"
)

// Format the examples, then render docs/ from the schema, examples/ and
// templates/, then list under Required what the schema cannot mark so
// (docsfix). with-terraform.sh puts a pinned Terraform first on PATH:
// tfplugindocs looks for a binary named terraform, and a pinned version keeps
// the output identical on every machine.
//go:generate ../scripts/with-terraform.sh terraform fmt -recursive ../examples/
//go:generate ../scripts/with-terraform.sh go run github.com/hashicorp/terraform-plugin-docs/cmd/tfplugindocs generate --provider-dir .. --provider-name otp --rendered-provider-name "Itniotech OTP"
//go:generate go run ./docsfix ../docs
