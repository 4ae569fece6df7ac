package provider

import (
	"context"
	"errors"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/diag"

	"github.com/itniotech/terraform-provider-otp/internal/otp"
)

// apiErrorDetail explains a failed API call in the house style: what was
// being done to which flow, the API's own code and reason (inside err's
// text), and what to do next.
func apiErrorDetail(what string, err error) string {
	detail := what + "\n\n" + err.Error()
	var apiErr *otp.APIError
	var httpErr *otp.HTTPError
	var unconfirmed *otp.UnconfirmedCreateError
	switch {
	case errors.As(err, &unconfirmed):
		detail += fmt.Sprintf("\n\nThe flow may exist in the account although Terraform does not know it. Run terraform apply again: "+
			"if it was created, the apply stops with \"Task Flow Name Already Taken\" and shows how to import %q; otherwise it creates it.", unconfirmed.Name)
	case otp.IsAuth(err):
		detail += "\n\nCheck the provider's api_key and api_secret (or the " + EnvAPIKey + " and " + EnvAPISecret +
			" environment variables), and that base_url points at the right API."
	case otp.IsIPRestricted(err):
		detail += "\n\nThe account only accepts requests from listed IP addresses; add this machine's address in the vendor console."
	case errors.As(err, &httpErr):
		detail += "\n\nThe answer did not come from the OTP API itself (a proxy or an outage, or base_url points elsewhere). " +
			"Check base_url, then try again; transient failures were already retried."
	case errors.As(err, &apiErr) && apiErr.Code == otp.CodeSystemException:
		detail += "\n\nThe request was retried and kept failing; try again later."
	case errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded):
		detail += "\n\nThe operation was interrupted or ran out of time before the OTP API answered."
	case !errors.As(err, &apiErr):
		detail += "\n\nCheck base_url and this machine's network access to it (proxy, firewall, DNS); " +
			"the request was already retried (see max_retries)."
	}
	return detail
}

// addAPIError adds an error diagnostic for a failed API call.
func addAPIError(diags *diag.Diagnostics, summary, what string, err error) {
	diags.AddError(summary, apiErrorDetail(what, err))
}

// nameTakenDetail tells how to adopt the flow that already holds a name.
func nameTakenDetail(name string, existingID int64, err error) string {
	if existingID == 0 {
		return fmt.Sprintf("The account already has a task flow named %q; names are unique per account. "+
			"Choose another name, or adopt the existing flow with:\n\n"+
			"  terraform import otp_task_flow.<name> %s%s\n\n%s", name, importNamePrefix, name, err)
	}
	return fmt.Sprintf("The account already has a task flow named %q (id %d); names are unique per account.\n\n"+
		"To manage that flow with Terraform instead of creating a new one, adopt it with an import block:\n\n"+
		"  import {\n    to = otp_task_flow.<name>\n    id = \"%d\"\n  }\n\n"+
		"or with the command:\n\n"+
		"  terraform import otp_task_flow.<name> %d\n  terraform import otp_task_flow.<name> %s%s\n\n"+
		"Otherwise choose another name.\n\n%s", name, existingID, existingID, existingID, importNamePrefix, name, err)
}

func asAPIError(err error) (*otp.APIError, bool) {
	var apiErr *otp.APIError
	ok := errors.As(err, &apiErr)
	return apiErr, ok
}
