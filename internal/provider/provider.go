package provider

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"strconv"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/list"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/provider/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/itniotech/terraform-provider-otp/internal/otp"
)

// Environment variables read when the matching attribute is null.
const (
	EnvAPIKey         = "OTP_API_KEY"    //nolint:gosec // a variable's name, not a credential
	EnvAPISecret      = "OTP_API_SECRET" //nolint:gosec // a variable's name, not a credential
	EnvBaseURL        = "OTP_BASE_URL"
	EnvMaxRetries     = "OTP_MAX_RETRIES"
	EnvRequestTimeout = "OTP_REQUEST_TIMEOUT"
	EnvReadFromList   = "OTP_READ_FROM_LIST"
	EnvAdoptExisting  = "OTP_ADOPT_EXISTING"
)

// Limits of the tuning attributes.
const (
	maxRetriesLimit   = 10
	minRequestTimeout = time.Second
	maxRequestTimeout = 10 * time.Minute
)

var (
	_ provider.Provider                  = &otpProvider{}
	_ provider.ProviderWithListResources = &otpProvider{}
)

type otpProvider struct {
	version string
	command string
}

// New returns a constructor of the provider for providerserver. command is
// the CLI command the process serves (ParentCLICommand), "" where unknown.
func New(version, command string) func() provider.Provider {
	return func() provider.Provider { return &otpProvider{version: version, command: command} }
}

type providerModel struct {
	APIKey         types.String `tfsdk:"api_key"`
	APISecret      types.String `tfsdk:"api_secret"`
	BaseURL        types.String `tfsdk:"base_url"`
	MaxRetries     types.Int64  `tfsdk:"max_retries"`
	RequestTimeout types.String `tfsdk:"request_timeout"`
	ReadFromList   types.Bool   `tfsdk:"read_from_list"`
	AdoptExisting  types.Bool   `tfsdk:"adopt_existing"`
}

func (p *otpProvider) Metadata(_ context.Context, _ provider.MetadataRequest, resp *provider.MetadataResponse) {
	resp.TypeName = "otp"
	resp.Version = p.version
}

func (p *otpProvider) Schema(_ context.Context, _ provider.SchemaRequest, resp *provider.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Manages the configuration of an [Itniotech](https://www.itniotech.com) OTP account " +
			"(one-time passwords by SMS and voice). Every attribute can come from an environment variable instead.",
		Attributes: map[string]schema.Attribute{
			"api_key": schema.StringAttribute{
				MarkdownDescription: "API key of the OTP account, from the vendor console. Defaults to the `" + EnvAPIKey + "` environment variable.",
				Optional:            true,
				Sensitive:           true,
			},
			"api_secret": schema.StringAttribute{
				MarkdownDescription: "API secret of the OTP account. It signs every request and is never sent, logged or stored in state. " +
					"Defaults to the `" + EnvAPISecret + "` environment variable; prefer the variable over writing the secret in configuration.",
				Optional:  true,
				Sensitive: true,
			},
			"base_url": schema.StringAttribute{
				MarkdownDescription: "Base URL of the OTP API; request paths are appended to it. Defaults to the `" + EnvBaseURL +
					"` environment variable, then to `" + otp.DefaultBaseURL + "`. Point it at the local sandbox (`make sandbox`) to try the provider without an account.",
				Optional:   true,
				Validators: []validator.String{baseURLValidator{}},
			},
			"max_retries": schema.Int64Attribute{
				MarkdownDescription: fmt.Sprintf("How many times a request that failed transiently (network error, HTTP 429 or 5xx, status -18) is retried, "+
					"with exponential backoff: retry n waits between half and all of min(%s, %s × 2ⁿ), never longer, unless the API's `Retry-After` "+
					"asks for more (it is honoured up to %s). 0 to %d; defaults to the `%s` environment variable, then to %d.",
					otp.DefaultRetryWaitMax, otp.DefaultRetryWaitMin, otp.MaxRetryAfter, maxRetriesLimit, EnvMaxRetries, otp.DefaultMaxRetries),
				Optional:   true,
				Validators: []validator.Int64{int64validator.Between(0, maxRetriesLimit)},
			},
			"request_timeout": schema.StringAttribute{
				MarkdownDescription: fmt.Sprintf("Time limit of one HTTP request, as a Go duration such as `30s` or `1m`, between %s and %s. "+
					"Defaults to the `%s` environment variable, then to `%s`.", minRequestTimeout, maxRequestTimeout, EnvRequestTimeout, otp.DefaultTimeout),
				Optional:   true,
				Validators: []validator.String{durationValidator{min: minRequestTimeout, max: maxRequestTimeout}},
			},
			"read_from_list": schema.BoolAttribute{
				MarkdownDescription: "Whether a refresh reads the task flows and templates it manages from one list call per kind " +
					"(`true`, the default) instead of one details call per resource. The list holds every object of the kind in the " +
					"account, so one call serves any number of resources: a plan of 200 flows waits for one round trip instead of 20. " +
					"Turn it off only when the account holds far more objects than the configuration manages (thousands of flows for a " +
					"handful of resources), where downloading the whole list costs more than reading a few objects one by one. " +
					"Name checks at plan, import by name and the list data sources use the list either way. " +
					"Defaults to the `" + EnvReadFromList + "` environment variable (`true` or `false`), then to `true`.",
				Optional: true,
			},
			"adopt_existing": schema.BoolAttribute{
				MarkdownDescription: "Whether a resource planned for creation adopts the object of its kind that already holds its name " +
					"in the account, instead of failing with \"Name Already Taken\". The plan warns which object the apply will adopt and " +
					"what it will change in it; the apply looks the name up again, sends no create, and an update only if the object " +
					"differs from the configuration (a name taken after the plan is adopted too; a name freed since is created). " +
					"Nothing is kept between commands, so a saved plan may be applied anywhere, with adoption still on. " +
					"For module tests and rebuilt environments, where every destroy leaves the objects " +
					"behind (the API cannot delete) and the next run uses the same names. Never an object that another resource of this " +
					"configuration manages, nor a template of another app. Apps, which the API cannot list, are found through the " +
					"templates that use them (one details call per app, only in a plan that creates an app): an app that no template " +
					"uses cannot be adopted. **Risk:** two configurations that use the same names with adoption on both manage the " +
					"same objects. Defaults to the `" + EnvAdoptExisting + "` environment variable (`true` or `false`), then to `false`.",
				Optional: true,
			},
		},
	}
}

func (p *otpProvider) Configure(ctx context.Context, req provider.ConfigureRequest, resp *provider.ConfigureResponse) {
	var cfg providerModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	if resp.Diagnostics.HasError() {
		return
	}

	// Unknown values cannot be used to build a client: say which attribute
	// and how to fix it, as the hashicups tutorial does.
	for _, a := range []struct {
		name, env string
		unknown   bool
	}{
		{"api_key", EnvAPIKey, cfg.APIKey.IsUnknown()},
		{"api_secret", EnvAPISecret, cfg.APISecret.IsUnknown()},
		{"base_url", EnvBaseURL, cfg.BaseURL.IsUnknown()},
		{"max_retries", EnvMaxRetries, cfg.MaxRetries.IsUnknown()},
		{"request_timeout", EnvRequestTimeout, cfg.RequestTimeout.IsUnknown()},
		{"read_from_list", EnvReadFromList, cfg.ReadFromList.IsUnknown()},
		{"adopt_existing", EnvAdoptExisting, cfg.AdoptExisting.IsUnknown()},
	} {
		if a.unknown {
			resp.Diagnostics.AddAttributeError(path.Root(a.name), "Unknown OTP Provider Setting",
				fmt.Sprintf("The provider cannot create the OTP API client because %q depends on a value that is not known until apply. "+
					"Set it to a value known at plan time, remove it and set the %s environment variable instead, "+
					"or apply the resources it depends on first with -target.", a.name, a.env))
		}
	}
	if resp.Diagnostics.HasError() {
		return
	}

	key := stringOrEnv(cfg.APIKey, EnvAPIKey)
	secret := stringOrEnv(cfg.APISecret, EnvAPISecret)
	baseURL := stringOrEnv(cfg.BaseURL, EnvBaseURL)
	if key == "" {
		resp.Diagnostics.AddAttributeError(path.Root("api_key"), "Missing OTP API Key",
			"The provider needs the API key of the OTP account. Set the api_key attribute or the "+EnvAPIKey+
				" environment variable; the key is shown in the vendor console.")
	}
	if secret == "" {
		resp.Diagnostics.AddAttributeError(path.Root("api_secret"), "Missing OTP API Secret",
			"The provider needs the API secret of the OTP account. Set the "+EnvAPISecret+
				" environment variable (preferred, it keeps the secret out of configuration) or the api_secret attribute.")
	}
	if baseURL == "" {
		baseURL = otp.DefaultBaseURL
	} else if _, err := otp.ParseBaseURL(baseURL); err != nil {
		resp.Diagnostics.AddAttributeError(path.Root("base_url"), "Invalid OTP Base URL",
			fmt.Sprintf("%s. It comes from the base_url attribute or the %s environment variable.", err, EnvBaseURL))
	}

	retries := otp.DefaultMaxRetries
	switch v := os.Getenv(EnvMaxRetries); {
	case !cfg.MaxRetries.IsNull():
		retries = int(cfg.MaxRetries.ValueInt64())
	case v != "":
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 || n > maxRetriesLimit {
			resp.Diagnostics.AddAttributeError(path.Root("max_retries"), "Invalid OTP Max Retries",
				fmt.Sprintf("The %s environment variable is %q; it must be a whole number from 0 to %d.", EnvMaxRetries, v, maxRetriesLimit))
		}
		retries = n
	}
	timeout := otp.DefaultTimeout
	if v := stringOrEnv(cfg.RequestTimeout, EnvRequestTimeout); v != "" {
		d, err := parseDuration(v, minRequestTimeout, maxRequestTimeout)
		if err != nil {
			resp.Diagnostics.AddAttributeError(path.Root("request_timeout"), "Invalid OTP Request Timeout",
				fmt.Sprintf("%s (from the request_timeout attribute or the %s environment variable).", err, EnvRequestTimeout))
		}
		timeout = d
	}
	readFromList := boolOrEnv(cfg.ReadFromList, "read_from_list", EnvReadFromList, "Invalid OTP Read From List", true, &resp.Diagnostics)
	adopt := boolOrEnv(cfg.AdoptExisting, "adopt_existing", EnvAdoptExisting, "Invalid OTP Adopt Existing", false, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	if retries == 0 {
		retries = -1 // the client reads 0 as "default"
	}

	// Both credentials are sensitive in the schema, so both are masked in
	// every log line, the key included, wherever it would appear.
	ctx = maskCredentials(ctx, key, secret)
	tflog.Debug(ctx, "Creating the OTP API client", map[string]any{"base_url": baseURL, "api_key": key, "max_retries": max(retries, 0),
		"request_timeout": timeout.String(), "read_from_list": readFromList, "adopt_existing": adopt})

	var log otp.LogFunc
	if debugLogs(os.Getenv) {
		log = func(ctx context.Context, msg string, fields map[string]any) {
			// The client never hands us the secret; masking here is the
			// second lock on the same door.
			tflog.Debug(maskCredentials(ctx, key, secret), msg, fields)
		}
	}
	client, err := otp.New(otp.Config{
		BaseURL:    baseURL,
		APIKey:     key,
		APISecret:  otp.Secret(secret),
		HTTPClient: &http.Client{Timeout: timeout},
		UserAgent:  fmt.Sprintf("terraform-provider-otp/%s terraform/%s", p.version, req.TerraformVersion),
		MaxRetries: retries,
		Log:        log,
	})
	if err != nil {
		resp.Diagnostics.AddError("Unable to Create OTP API Client", err.Error())
		return
	}
	data := newProviderData(client, readFromList)
	data.adoptExisting = adopt
	data.underTest = p.command == commandTest
	resp.ResourceData = data
	resp.DataSourceData = data
	resp.ListResourceData = data
}

func (p *otpProvider) Resources(_ context.Context) []func() resource.Resource {
	return []func() resource.Resource{NewTaskFlowResource, NewAppResource, NewTemplateResource}
}

func (p *otpProvider) DataSources(_ context.Context) []func() datasource.DataSource {
	return []func() datasource.DataSource{
		NewTaskFlowDataSource, NewTaskFlowsDataSource,
		NewAppDataSource,
		NewTemplateDataSource, NewTemplatesDataSource,
	}
}

// ListResources are the list resources of terraform query (Terraform 1.14+),
// one per resource.
func (p *otpProvider) ListResources(_ context.Context) []func() list.ListResource {
	return []func() list.ListResource{NewTaskFlowListResource, NewAppListResource, NewTemplateListResource}
}

// providerDataFrom unpacks what Configure handed to a resource or data
// source. It returns nil before the provider is configured (validation calls
// come first).
func providerDataFrom(data any, diags *diag.Diagnostics) *providerData {
	if data == nil {
		return nil
	}
	pd, ok := data.(*providerData)
	if !ok {
		diags.AddError("Unexpected Provider Data",
			fmt.Sprintf("Expected *providerData, got %T. This is a bug in the provider; please report it.", data))
		return nil
	}
	return pd
}

// maskCredentials masks the key and the secret in every message and field
// that the context's logger writes.
func maskCredentials(ctx context.Context, key, secret string) context.Context {
	ctx = tflog.MaskMessageStrings(ctx, key, secret)
	return tflog.MaskAllFieldValuesStrings(ctx, key, secret)
}

// boolOrEnv returns the attribute's value, or the environment variable's
// when the attribute is null, or def; a variable that is not a boolean is
// an error on the attribute that names the variable.
func boolOrEnv(v types.Bool, attr, env, summary string, def bool, diags *diag.Diagnostics) bool {
	if !v.IsNull() {
		return v.ValueBool()
	}
	s := os.Getenv(env)
	if s == "" {
		return def
	}
	b, err := strconv.ParseBool(s)
	if err != nil {
		diags.AddAttributeError(path.Root(attr), summary, fmt.Sprintf("The %s environment variable is %q; it must be true or false.", env, s))
		return def
	}
	return b
}

// stringOrEnv returns the attribute's value, or the environment variable's
// when the attribute is null.
func stringOrEnv(v types.String, env string) string {
	if !v.IsNull() {
		return v.ValueString()
	}
	return os.Getenv(env)
}

func parseDuration(v string, lo, hi time.Duration) (time.Duration, error) {
	d, err := time.ParseDuration(v)
	if err != nil {
		return 0, fmt.Errorf("%q is not a duration; write it like 30s or 2m", v)
	}
	if d < lo || d > hi {
		return 0, fmt.Errorf("%q is out of range; it must be between %s and %s", v, lo, hi)
	}
	return d, nil
}
