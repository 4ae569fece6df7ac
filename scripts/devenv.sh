# Sourced by demo.sh and examples-check.sh: builds the provider into a
# directory and writes a CLI configuration whose dev_overrides point every
# plausible source address of the provider at that build. The user's own CLI
# configuration is never read or touched.
#
#   devenv_setup DIR     sets OTP_DEV_BIN and exports TF_CLI_CONFIG_FILE

devenv_setup() {
  local dir="$1"
  OTP_DEV_BIN="$dir/bin"
  mkdir -p "$OTP_DEV_BIN"
  go build -o "$OTP_DEV_BIN/terraform-provider-otp" .
  cat >"$dir/cli.tfrc" <<TFRC
provider_installation {
  dev_overrides {
    "registry.terraform.io/itniotech/otp" = "$OTP_DEV_BIN"
    "registry.opentofu.org/itniotech/otp" = "$OTP_DEV_BIN"
    "registry.terraform.io/hashicorp/otp" = "$OTP_DEV_BIN"
    "registry.opentofu.org/hashicorp/otp" = "$OTP_DEV_BIN"
  }
  direct {}
}
TFRC
  export TF_CLI_CONFIG_FILE="$dir/cli.tfrc"
  export TF_IN_AUTOMATION=1 TF_INPUT=0 CHECKPOINT_DISABLE=1
  unset TF_LOG
}

# quiet_overrides drops the "development overrides are in effect" warning
# that the CLI prints on every command while dev_overrides are used (run the
# CLI with -no-color); every other line passes through.
quiet_overrides() {
  awk '
    /^Warning: Provider development overrides are in effect/ { skip = 1; next }
    skip { if ($0 ~ /releases\.$/) skip = 0; next }
    { print }
  '
}
