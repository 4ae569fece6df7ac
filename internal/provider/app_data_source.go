package provider

import "github.com/hashicorp/terraform-plugin-framework/datasource"

// NewAppDataSource returns the otp_app data source: one app by id (the API
// has no list of apps, so there is no otp_apps and no lookup by name).
func NewAppDataSource() datasource.DataSource { return newObjectDataSource(appKind) }
