module github.com/itniotech/terraform-provider-otp

go 1.26.8
