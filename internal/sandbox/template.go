package sandbox

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/itniotech/terraform-provider-otp/internal/sandbox/engine"
)

// Template is the message (and voice settings) of a code. It belongs to
// one app, fixed at create.
type Template struct {
	TemplateID  int64  `json:"templateId"`
	AppID       string `json:"appId"`
	Name        string `json:"name"`
	Text        string `json:"text"`
	CodeType    int    `json:"codeType"`   // 1 numeric, 2 alpha, 3 alphanumeric, 4 hex
	CodeLength  int    `json:"codeLength"` // digits or characters
	SpeechRate  int    `json:"speechRate"`
	Language    string `json:"language"`
	MaxDuration int    `json:"maxDuration"` // seconds
	RepeatCnt   int    `json:"repeatCnt"`
	SenderID    string `json:"senderId"`
}

// The vendor's documented defaults for a template.
const (
	firstTemplateID    = 20001 // away from flow ids, so that mixing the two up is caught
	codeTypeDefault    = 1
	codeLengthDefault  = 4
	speechRateDefault  = 50
	languageDefault    = "EN"
	maxDurationDefault = 59
	repeatCntDefault   = 1
	codePlaceholder    = engine.CodePlaceholder
	textMaxChars       = 256
	codeLengthMin      = 4
	codeLengthMax      = 10
	speechRateMax      = 100
	maxDurationMin     = 5 // seconds
	maxDurationMax     = 599
	repeatCntMax       = 10
)

// languages are the voice languages the vendor documents, exactly as
// spelled there (its answer tables list only four: they are stale).
var languages = []string{"CN", "EN", "VN", "JP", "ARB", "DE", "IN", "IT", "KR", "RU", "ES", "PT", "IDN", "BD"}

var templateKind = &kind[Template]{
	one: "template", many: "templates", idField: "templateId",
	ids:    counter{first: firstTemplateID},
	routes: []op{opAdd, opUpdate, opDetails, opList},
	fixed:  []string{"appId"},
	fields: []Field{
		field("appId", TypeString).chars(1, 0).means("the app the template belongs to, one of the same account's").required(),
		nameField("templates"),
		field("text", TypeString).chars(1, textMaxChars).pattern(regexpQuote(codePlaceholder)).
			means("the message, with " + codePlaceholder + " where the code goes").required(),
		choice("codeType", TypeInteger, Choice{1, "numeric"}, Choice{2, "alpha"}, Choice{3, "alphanumeric"}, Choice{4, "hex"}).
			def(codeTypeDefault).means("the characters of the code"),
		field("codeLength", TypeInteger).between(codeLengthMin, codeLengthMax).def(codeLengthDefault).means("the length of the code"),
		field("speechRate", TypeInteger).between(0, speechRateMax).def(speechRateDefault).means("the speed of voice calls"),
		choice("language", TypeString, languageChoices()...).def(languageDefault).means("the language of voice calls"),
		field("maxDuration", TypeInteger).between(maxDurationMin, maxDurationMax).def(maxDurationDefault).means("the longest voice call, in seconds"),
		field("repeatCnt", TypeInteger).between(1, repeatCntMax).def(repeatCntDefault).means("how many times a voice call plays the code"),
		field("senderId", TypeString).def("").means("the sender id the recipient sees, where the destination supports one"),
	},
	of:    func(o *objects) *list[Template] { return &o.templates },
	id:    func(t Template) string { return strconv.FormatInt(t.TemplateID, 10) },
	setID: func(t *Template, id string) { t.TemplateID = intID(id) },
	name:  func(t Template) string { return t.Name },
	parse: parseTemplate,
	keep: func(next, prev *Template, _ time.Time) {
		if prev != nil {
			next.AppID = prev.AppID
		}
	},
	// Zero is a valid speech rate, so a Go caller's 0 is taken as given.
	zero: func(t *Template) {
		t.CodeType = cmp.Or(t.CodeType, codeTypeDefault)
		t.CodeLength = cmp.Or(t.CodeLength, codeLengthDefault)
		t.Language = cmp.Or(t.Language, languageDefault)
		t.MaxDuration = cmp.Or(t.MaxDuration, maxDurationDefault)
		t.RepeatCnt = cmp.Or(t.RepeatCnt, repeatCntDefault)
	},
	refs: func(o *objects, t Template) string {
		if _, found := appKind.find(o, t.AppID); found {
			return ""
		}
		return fmt.Sprintf("appId %q does not exist", t.AppID)
	},
}

func languageChoices() []Choice {
	out := make([]Choice, len(languages))
	for i, l := range languages {
		out[i] = Choice{Value: l}
	}
	return out
}

// parseTemplate reads a create body (every field but templateId) or an
// update body (every field but templateId and appId: a template cannot
// move to another app). An update is a full replacement: what it leaves
// out takes its default.
func parseTemplate(raw []byte, pathID string) (Template, string) {
	b := decodeBody(raw)
	var t Template
	switch {
	case pathID == "":
		if t.AppID = b.str("appId", true, ""); b.reason() == "" && t.AppID == "" {
			b.failf("appId must not be empty")
		}
	case b.has("appId"):
		b.failf("appId must not be sent in an update: a template stays with the app it was created for")
	}
	t.Name = b.name()
	// Kept as sent: whether the vendor trims text is unknown (one of its
	// samples has a leading space).
	t.Text = b.str("text", true, "")
	b.chars("text", t.Text, 1, textMaxChars)
	if !strings.Contains(t.Text, codePlaceholder) {
		b.failf("text must contain %s, where the code goes", codePlaceholder)
	}
	if t.CodeType = int(b.integer("codeType", false, codeTypeDefault)); t.CodeType < 1 || t.CodeType > 4 {
		b.failf("codeType must be 1 (numeric), 2 (alpha), 3 (alphanumeric) or 4 (hex) (got %d)", t.CodeType)
	}
	t.CodeLength = int(b.intIn("codeLength", false, codeLengthDefault, codeLengthMin, codeLengthMax, ""))
	t.SpeechRate = int(b.intIn("speechRate", false, speechRateDefault, 0, speechRateMax, ""))
	if t.Language = b.str("language", false, languageDefault); !slices.Contains(languages, t.Language) {
		b.failf("language must be one of %s (got %q)", strings.Join(languages, " "), t.Language)
	}
	t.MaxDuration = int(b.intIn("maxDuration", false, maxDurationDefault, maxDurationMin, maxDurationMax, " seconds"))
	t.RepeatCnt = int(b.intIn("repeatCnt", false, repeatCntDefault, 1, repeatCntMax, ""))
	t.SenderID = b.str("senderId", false, "")
	return t, b.reason()
}

// forEngine is what a send reads of the template.
func (t Template) forEngine() engine.Template {
	return engine.Template{
		ID: t.TemplateID, AppID: t.AppID, Text: t.Text, CodeType: t.CodeType, CodeLength: t.CodeLength, Sender: t.SenderID,
		Voice: engine.Voice{Language: t.Language, SpeechRate: t.SpeechRate, RepeatCnt: t.RepeatCnt, MaxDuration: t.MaxDuration},
	}
}

// Templates returns an account's templates ordered by id.
func (s *Server) Templates(key string) []Template { return templateKind.all(s, key) }

// AddTemplate stores a template out of band (as the vendor console would),
// with the API's validation, name rule and app check, and returns it with
// its id. Fields left at zero where zero is not valid take the vendor's
// defaults (codeType 1, codeLength 4, language EN, maxDuration 59,
// repeatCnt 1); SpeechRate is taken as given, since 0 is a valid rate: set
// it to 50 for the vendor's default.
func (s *Server) AddTemplate(key string, t Template) (Template, error) {
	return templateKind.consoleAdd(s, key, t)
}

// EditTemplate changes a template out of band, as the vendor console
// would: the edit sees a copy, the result is validated before it is
// stored, and neither templateId nor appId changes.
func (s *Server) EditTemplate(id int64, edit func(*Template)) (Template, error) {
	return templateKind.consoleEdit(s, anyAccount, strconv.FormatInt(id, 10), plain(edit))
}

// DeleteTemplate removes a template out of band, as only the vendor
// console can.
func (s *Server) DeleteTemplate(id int64) error {
	return templateKind.consoleDelete(s, anyAccount, strconv.FormatInt(id, 10))
}
