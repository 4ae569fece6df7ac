package provider

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/itniotech/terraform-provider-otp/internal/otp"
)

// What one SMS holds, by encoding. A message longer than one SMS is sent in
// parts that each give up room to a header saying how to join them, hence
// the smaller sizes per part.
const (
	encodingGSM7 = "GSM-7"
	encodingUCS2 = "UCS-2"
	gsm7Single   = 160 // septets
	gsm7Part     = 153
	ucs2Single   = 70 // UTF-16 code units
	ucs2Part     = 67
)

// gsm7Basic is the GSM 03.38 default alphabet: one septet each. It also
// holds LF and CR; the escape (0x1B) is not a character of its own.
const gsm7Basic = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?" +
	"¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"

// gsm7Extension is the GSM 03.38 extension table: an escape septet, then the
// character, so two septets each.
const gsm7Extension = "\f^{}\\[~]|€"

// gsm7Septets is what r costs in GSM-7, or 0 when GSM-7 cannot write it.
func gsm7Septets(r rune) int {
	switch {
	case strings.ContainsRune(gsm7Basic, r):
		return 1
	case strings.ContainsRune(gsm7Extension, r):
		return 2
	}
	return 0
}

// ucs2Units is what r costs in UCS-2: carriers send UTF-16, so a character
// outside the Basic Multilingual Plane (most emoji) takes a surrogate pair.
func ucs2Units(r rune) int {
	return max(utf16.RuneLen(r), 1) // -1 for a lone surrogate, which a Go string cannot hold anyway
}

// smsCost is what one code sent with a template's text costs: the text alone,
// before anything the carrier adds (a sender id, a prefix).
type smsCost struct {
	Segments   int    // SMS per code
	Encoding   string // encodingGSM7 or encodingUCS2
	Units      int    // septets in GSM-7, UTF-16 code units in UCS-2, with the code in place
	CodeLength int    // the length the code was counted with
	// Doubled counts the characters that cost two units: GSM-7 extension
	// characters, or characters outside the BMP in UCS-2.
	Doubled int
	// ForcedBy is the first character outside GSM-7, which makes the whole
	// message UCS-2, and ForcedAt its 1-based position in the text as
	// written (in characters, each ##code## counting as its 8), 0 for GSM-7.
	// Characters are Unicode code points, as the text's 256-character limit
	// counts them.
	ForcedBy rune
	ForcedAt int
	// GSM7Segments is what Segments would be if each character outside
	// GSM-7 were replaced by one inside it (’ by ', – by -): the saving a
	// fix can bring. Segments itself for a GSM-7 text.
	GSM7Segments int
}

// smsSegments counts what a text costs once every ##code## is replaced by a
// code of codeLength characters. Codes are letters and digits, which GSM-7
// writes in one septet each, so a code never changes the encoding. The
// caller checks codeLength's range (4 to 10 for a template); a negative one
// counts as no code.
//
// An empty text costs one SMS: a message with nothing in it is still sent,
// and billed, as one part, and 0 would read as "free". A template's text is
// never empty (it holds ##code##), so this only answers a caller that counts
// a text before checking it.
func smsSegments(text string, codeLength int) smsCost {
	c := smsCost{Encoding: encodingGSM7, CodeLength: codeLength}
	code := []rune(strings.Repeat("0", max(codeLength, 0)))
	placeholderChars := utf8.RuneCountInString(otp.CodePlaceholder)
	var message []rune // as sent: with the codes in place
	pos := 0           // characters of the text as written, so far
	for i := 0; i < len(text); {
		// The placeholder is ASCII, so it can only start where a character
		// does; scanning left to right replaces what strings.ReplaceAll would.
		if strings.HasPrefix(text[i:], otp.CodePlaceholder) {
			message = append(message, code...)
			i += len(otp.CodePlaceholder)
			pos += placeholderChars
			continue
		}
		r, size := utf8.DecodeRuneInString(text[i:])
		pos++
		if c.Encoding == encodingGSM7 && gsm7Septets(r) == 0 {
			c.Encoding, c.ForcedBy, c.ForcedAt = encodingUCS2, r, pos
		}
		message = append(message, r)
		i += size
	}

	asGSM7 := func(r rune) int { return max(gsm7Septets(r), 1) }
	c.GSM7Segments, _ = packSMS(message, asGSM7, gsm7Single, gsm7Part)
	if c.Encoding == encodingGSM7 {
		c.Segments, c.Units = packSMS(message, gsm7Septets, gsm7Single, gsm7Part)
		c.Doubled = countRunes(message, func(r rune) bool { return gsm7Septets(r) == 2 })
	} else {
		c.Segments, c.Units = packSMS(message, ucs2Units, ucs2Single, ucs2Part)
		c.Doubled = countRunes(message, func(r rune) bool { return ucs2Units(r) == 2 })
	}
	return c
}

// packSMS returns the parts a message takes, and its units. Parts are filled
// in order, as a phone or a gateway does: a character that does not fit
// whole in what is left of a part starts the next one, since an escape and
// its character, or the two halves of a surrogate pair, cannot be split
// across parts. So the count can exceed units divided by the part size.
func packSMS(message []rune, cost func(rune) int, single, part int) (parts, units int) {
	for _, r := range message {
		units += cost(r)
	}
	if units <= single {
		return 1, units
	}
	parts, room := 1, part
	for _, r := range message {
		n := cost(r)
		if n > room {
			parts, room = parts+1, part
		}
		room -= n
	}
	return parts, units
}

func countRunes(message []rune, f func(rune) bool) int {
	n := 0
	for _, r := range message {
		if f(r) {
			n++
		}
	}
	return n
}

// Explain says in one sentence what the text costs and why, for a plan
// warning about a text that takes more than one SMS: the encoding, what
// one SMS holds in it, and for UCS-2 the character that forced it, so that
// the user can tell whether replacing one character is the fix.
func (c smsCost) Explain() string {
	if c.Encoding == encodingGSM7 {
		doubled := ""
		if c.Doubled > 0 {
			doubled = ", counting each of ^ { } \\ [ ~ ] | € as two"
		}
		return fmt.Sprintf("With a %d-character code the message is %d characters of GSM-7%s: %d SMS per code (%d fit in one, %d per part of a longer message).",
			c.CodeLength, c.Units, doubled, c.Segments, gsm7Single, gsm7Part)
	}
	doubled := ""
	if c.Doubled > 0 {
		doubled = ", counting each emoji (or other character outside the Basic Multilingual Plane) as two"
	}
	instead := ""
	if c.GSM7Segments < c.Segments {
		instead = fmt.Sprintf(" instead of %d", c.GSM7Segments)
	}
	name := forcingCharName(c.ForcedBy)
	return fmt.Sprintf("%s%s at position %d makes the message UCS-2, where one SMS holds %d characters instead of %d in GSM-7: "+
		"with a %d-character code the message is %d characters%s, %d SMS per code%s.",
		strings.ToUpper(name[:1]), name[1:], c.ForcedAt, ucs2Single, gsm7Single,
		c.CodeLength, c.Units, doubled, c.Segments, instead)
}

// forcingCharName names a character outside GSM-7 the way a user would look
// for it: the usual offenders come from word processors and phones, and
// look like GSM-7 characters. It starts in lower case with an ASCII letter.
func forcingCharName(r rune) string {
	switch r {
	case '‘', '’', '“', '”':
		return "the curly quote " + string(r)
	case '–':
		return "the en dash –"
	case '—':
		return "the em dash —"
	case '…':
		return "the ellipsis …"
	case '\u00a0':
		return "the non-breaking space (U+00A0)"
	}
	switch {
	case r >= 0x1F000 && r <= 0x1FAFF, r >= 0x2600 && r <= 0x27BF:
		return "the emoji " + string(r)
	case unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana, unicode.Hangul):
		return "the CJK character " + string(r)
	}
	return fmt.Sprintf("the character %q (U+%04X)", string(r), r)
}
