package otp

import (
	"encoding/json"
)

// Code types of a template.
const (
	CodeTypeNumeric      = 1
	CodeTypeAlpha        = 2
	CodeTypeAlphanumeric = 3
	CodeTypeHex          = 4
)

// CodePlaceholder marks where a template's text takes the code.
const CodePlaceholder = "##code##"

// Languages lists the voice languages a template accepts, as the API spells
// them.
var Languages = []string{"CN", "EN", "VN", "JP", "ARB", "DE", "IN", "IT", "KR", "RU", "ES", "PT", "IDN", "BD"}

// Template is a verification-code template: the message and the voice
// settings of a code. It belongs to one app for good. As an input to Create,
// ID is ignored; Update also ignores AppID (a template cannot move).
type Template struct {
	ID          int64
	AppID       string
	Name        string
	Text        string // contains CodePlaceholder
	CodeType    int    // CodeTypeNumeric …
	CodeLength  int    // 4–10
	SpeechRate  int    // voice: 0–100
	Language    string // voice: one of Languages
	MaxDuration int    // voice: seconds, 5–599
	RepeatCount int    // voice: times the code is played, 1–10
	SenderID    string // "" when unset
}

// Matches reports whether the template holds exactly want's settings.
func (t Template) Matches(want Template) bool {
	t.ID, want.ID = 0, 0
	return t == want
}

// Templates is the template API: POST /template/add,
// PUT /template/update/{id}, GET /template/details/{id}, GET /template/list.
func (c *Client) Templates() Objects[Template] { return Objects[Template]{c: c, k: templateKind} }

var templateKind = &kind[Template]{
	noun:     "template",
	path:     "/template",
	listable: true,
	decode: func(data json.RawMessage) (Template, bool, error) {
		return decodeOne(data, "template", wireTemplate.template)
	},
	decodeList: func(data json.RawMessage) ([]Template, error) {
		return decodeMany(data, "template", wireTemplate.template)
	},
	id:         func(t Template) string { return formatID(t.ID) },
	withID:     func(t Template, id string) Template { t.ID = parseID(id); return t },
	name:       func(t Template) string { return t.Name },
	same:       Template.Matches,
	createBody: func(t Template) any { return newTemplateBody(t, true) },
	updateBody: func(_ string, t Template) any { return newTemplateBody(t, false) },
}

// templateBody is the body of a create, and without AppID of an update: the
// update body must not carry appId, since a template cannot move.
type templateBody struct {
	AppID       string `json:"appId,omitempty"`
	Name        string `json:"name"`
	Text        string `json:"text"`
	CodeType    int    `json:"codeType"`
	CodeLength  int    `json:"codeLength"`
	SpeechRate  int    `json:"speechRate"`
	Language    string `json:"language"`
	MaxDuration int    `json:"maxDuration"`
	RepeatCnt   int    `json:"repeatCnt"`
	SenderID    string `json:"senderId,omitempty"`
}

func newTemplateBody(t Template, withApp bool) templateBody {
	b := templateBody{
		Name: t.Name, Text: t.Text, CodeType: t.CodeType, CodeLength: t.CodeLength, SpeechRate: t.SpeechRate,
		Language: t.Language, MaxDuration: t.MaxDuration, RepeatCnt: t.RepeatCount, SenderID: t.SenderID,
	}
	if withApp {
		b.AppID = t.AppID
	}
	return b
}

type wireTemplate struct {
	ID          flexInt    `json:"templateId"`
	AppID       flexString `json:"appId"`
	Name        string     `json:"name"`
	Text        string     `json:"text"`
	CodeType    flexInt    `json:"codeType"`
	CodeLength  flexInt    `json:"codeLength"`
	SpeechRate  flexInt    `json:"speechRate"`
	Language    string     `json:"language"`
	MaxDuration flexInt    `json:"maxDuration"`
	RepeatCnt   flexInt    `json:"repeatCnt"`
	SenderID    flexString `json:"senderId"`
}

func (w wireTemplate) template() (Template, bool) {
	if w.ID == 0 && w.Name == "" {
		return Template{}, false
	}
	return Template{
		ID: int64(w.ID), AppID: string(w.AppID), Name: w.Name, Text: w.Text,
		CodeType: int(w.CodeType), CodeLength: int(w.CodeLength), SpeechRate: int(w.SpeechRate),
		Language: w.Language, MaxDuration: int(w.MaxDuration), RepeatCount: int(w.RepeatCnt), SenderID: string(w.SenderID),
	}, true
}
