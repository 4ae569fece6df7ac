package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/function"
	"github.com/hashicorp/terraform-plugin-framework/provider"

	"github.com/itniotech/terraform-provider-otp/internal/otp"
)

// Functions need no API call and no provider configuration, so a module can
// check its own inputs before any resource is planned.
var _ provider.ProviderWithFunctions = &otpProvider{}

func (p *otpProvider) Functions(context.Context) []func() function.Function {
	return []func() function.Function{NewSMSSegmentsFunction}
}

var _ function.Function = smsSegmentsFunction{}

// NewSMSSegmentsFunction returns provider::otp::sms_segments.
func NewSMSSegmentsFunction() function.Function { return smsSegmentsFunction{} }

type smsSegmentsFunction struct{}

func (smsSegmentsFunction) Metadata(_ context.Context, _ function.MetadataRequest, resp *function.MetadataResponse) {
	resp.Name = "sms_segments"
}

func (smsSegmentsFunction) Definition(_ context.Context, _ function.DefinitionRequest, resp *function.DefinitionResponse) {
	resp.Definition = function.Definition{
		Summary: "Number of SMS that one code takes with a template's text",
		MarkdownDescription: fmt.Sprintf("The number of SMS that one code sent with a template's `text` takes, once every `%s` is "+
			"replaced by a code of `code_length` characters. Carriers bill by SMS, so this is what a template costs per code sent.\n\n"+
			"It counts **the text alone**, before anything the carrier or the OTP service adds to it, such as a sender id or a prefix: "+
			"the message delivered can take more.\n\n"+
			"- A text written only in the GSM-7 alphabet (GSM 03.38: unaccented Latin letters, digits, common punctuation and a few "+
			"accented and Greek letters) fits %d characters in one SMS; a longer one is sent in parts of %d. The extension characters "+
			"`^ { } \\ [ ~ ] | €` and form feed count as two (an escape, then the character).\n"+
			"- One character outside GSM-7 (a Chinese character, a curly quote `’`, an en dash `–`, an ellipsis `…`, a non-breaking "+
			"space, an emoji) switches the **whole** message to UCS-2: %d characters in one SMS, %d per part. Characters outside the "+
			"Basic Multilingual Plane, such as most emoji, count as two.\n"+
			"- A character never straddles two parts, so an extension character or an emoji that would cross the end of a part "+
			"starts the next one: a long text can take one part more than its length divided by the part size.\n\n"+
			"A code is letters and digits, so it never changes the encoding. A text without `%s` is counted as it is, so a module "+
			"can check a text before it becomes a template's (the `otp_template` resource is what requires the placeholder). "+
			"An empty text counts as one SMS.\n\n"+
			"The function sends no request. Terraform calls it without configuring the provider, so a module that only calls it "+
			"needs no credentials; OpenTofu configures the provider first, so there the provider's credentials must be set even "+
			"in a module that only calls the function. Provider functions need Terraform 1.8+ or OpenTofu 1.7+.",
			otp.CodePlaceholder, gsm7Single, gsm7Part, ucs2Single, ucs2Part, otp.CodePlaceholder),
		Parameters: []function.Parameter{
			function.StringParameter{
				Name: "text",
				MarkdownDescription: fmt.Sprintf("The template's text, with `%s` where each code goes, as in `otp_template`'s `text`.",
					otp.CodePlaceholder),
			},
			function.Int64Parameter{
				Name: "code_length",
				MarkdownDescription: fmt.Sprintf("The length of the code, %d to %d, as in `otp_template`'s `code_length` (whose default is %d).",
					codeLengthMin, codeLengthMax, codeLengthDefault),
			},
		},
		Return: function.Int64Return{},
	}
}

func (smsSegmentsFunction) Run(ctx context.Context, req function.RunRequest, resp *function.RunResponse) {
	var text string
	var codeLength int64
	resp.Error = req.Arguments.Get(ctx, &text, &codeLength)
	if resp.Error != nil {
		return
	}
	if codeLength < codeLengthMin || codeLength > codeLengthMax {
		resp.Error = function.NewArgumentFuncError(1, fmt.Sprintf("must be between %d and %d, the range of a template's code_length; got %d",
			codeLengthMin, codeLengthMax, codeLength))
		return
	}
	resp.Error = resp.Result.Set(ctx, int64(smsSegments(text, int(codeLength)).Segments))
}
