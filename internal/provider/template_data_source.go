package provider

import "github.com/hashicorp/terraform-plugin-framework/datasource"

// NewTemplateDataSource returns the otp_template data source: one template
// by id or name.
func NewTemplateDataSource() datasource.DataSource { return newObjectDataSource(templateKind) }

// NewTemplatesDataSource returns the otp_templates data source: every
// template, optionally of one app.
func NewTemplatesDataSource() datasource.DataSource { return newObjectsDataSource(templateKind) }
