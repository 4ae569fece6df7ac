package provider

import (
	"strings"
	"testing"
)

// Every expected value below is counted by hand: septets or UTF-16 units,
// then parts of 160/153 (GSM-7) or 70/67 (UCS-2).

func TestSMSSegments(t *testing.T) {
	rep := strings.Repeat
	const gsm, ucs = encodingGSM7, encodingUCS2
	for _, tc := range []struct {
		name       string
		text       string
		codeLength int
		want       smsCost
	}{
		// GSM-7, basic and extension characters.
		{"basic", "##code## is your code", 6, smsCost{Segments: 1, Encoding: gsm, Units: 19, CodeLength: 6, GSM7Segments: 1}},
		{"basic accents and Greek", "é£ΔÄ¿##code##", 4, smsCost{Segments: 1, Encoding: gsm, Units: 9, CodeLength: 4, GSM7Segments: 1}},
		{"line breaks are GSM-7", "a\nb\r\n##code##", 4, smsCost{Segments: 1, Encoding: gsm, Units: 9, CodeLength: 4, GSM7Segments: 1}},
		{"extension characters count twice", "{##code##} €", 4, smsCost{Segments: 1, Encoding: gsm, Units: 11, CodeLength: 4, Doubled: 3, GSM7Segments: 1}},
		{"the whole extension table", "\f^{}\\[~]|€", 4, smsCost{Segments: 1, Encoding: gsm, Units: 20, CodeLength: 4, Doubled: 10, GSM7Segments: 1}},

		// GSM-7 boundaries: at the limit is one part, one over is the next.
		{"160 septets", rep("a", 160), 4, smsCost{Segments: 1, Encoding: gsm, Units: 160, CodeLength: 4, GSM7Segments: 1}},
		{"161 septets", rep("a", 161), 4, smsCost{Segments: 2, Encoding: gsm, Units: 161, CodeLength: 4, GSM7Segments: 2}},
		{"306 septets", rep("a", 306), 4, smsCost{Segments: 2, Encoding: gsm, Units: 306, CodeLength: 4, GSM7Segments: 2}},
		{"307 septets", rep("a", 307), 4, smsCost{Segments: 3, Encoding: gsm, Units: 307, CodeLength: 4, GSM7Segments: 3}},
		{"80 extension characters are 160 septets", rep("{", 80), 4, smsCost{Segments: 1, Encoding: gsm, Units: 160, CodeLength: 4, Doubled: 80, GSM7Segments: 1}},
		{"80 extension characters and one more", rep("{", 80) + "a", 4, smsCost{Segments: 2, Encoding: gsm, Units: 161, CodeLength: 4, Doubled: 80, GSM7Segments: 2}},
		// 152 + 2 + 152 = 306 septets, which divides into 2 parts, but the
		// escape would be septet 153 and its character 154: it moves whole
		// to part 2, which then overflows by one.
		{"extension character straddling a part", rep("a", 152) + "{" + rep("a", 152), 4,
			smsCost{Segments: 3, Encoding: gsm, Units: 306, CodeLength: 4, Doubled: 1, GSM7Segments: 3}},
		{"extension character ending a part", rep("a", 151) + "{" + rep("a", 153), 4,
			smsCost{Segments: 2, Encoding: gsm, Units: 306, CodeLength: 4, Doubled: 1, GSM7Segments: 2}},

		// UCS-2: one character outside GSM-7 changes the whole message.
		{"70 Chinese characters", rep("码", 70), 4, smsCost{Segments: 1, Encoding: ucs, Units: 70, CodeLength: 4, ForcedBy: '码', ForcedAt: 1, GSM7Segments: 1}},
		{"71 Chinese characters", rep("码", 71), 4, smsCost{Segments: 2, Encoding: ucs, Units: 71, CodeLength: 4, ForcedBy: '码', ForcedAt: 1, GSM7Segments: 1}},
		{"134 Chinese characters", rep("码", 134), 4, smsCost{Segments: 2, Encoding: ucs, Units: 134, CodeLength: 4, ForcedBy: '码', ForcedAt: 1, GSM7Segments: 1}},
		{"135 Chinese characters", rep("码", 135), 4, smsCost{Segments: 3, Encoding: ucs, Units: 135, CodeLength: 4, ForcedBy: '码', ForcedAt: 1, GSM7Segments: 1}},
		{"one curly quote at the UCS-2 limit", rep("a", 69) + "’", 4, smsCost{Segments: 1, Encoding: ucs, Units: 70, CodeLength: 4, ForcedBy: '’', ForcedAt: 70, GSM7Segments: 1}},
		{"one curly quote over the UCS-2 limit", rep("a", 70) + "’", 4, smsCost{Segments: 2, Encoding: ucs, Units: 71, CodeLength: 4, ForcedBy: '’', ForcedAt: 71, GSM7Segments: 1}},
		{"extension characters are one unit in UCS-2", "码{", 4, smsCost{Segments: 1, Encoding: ucs, Units: 2, CodeLength: 4, ForcedBy: '码', ForcedAt: 1, GSM7Segments: 1}},
		{"ç is not GSM-7, Ç is", "Ç ç", 4, smsCost{Segments: 1, Encoding: ucs, Units: 3, CodeLength: 4, ForcedBy: 'ç', ForcedAt: 3, GSM7Segments: 1}},
		{"a tab is not GSM-7", "a\tb", 4, smsCost{Segments: 1, Encoding: ucs, Units: 3, CodeLength: 4, ForcedBy: '\t', ForcedAt: 2, GSM7Segments: 1}},

		// Outside the Basic Multilingual Plane: two UTF-16 units each.
		{"one emoji", "😀", 4, smsCost{Segments: 1, Encoding: ucs, Units: 2, CodeLength: 4, Doubled: 1, ForcedBy: '😀', ForcedAt: 1, GSM7Segments: 1}},
		{"35 emoji", rep("😀", 35), 4, smsCost{Segments: 1, Encoding: ucs, Units: 70, CodeLength: 4, Doubled: 35, ForcedBy: '😀', ForcedAt: 1, GSM7Segments: 1}},
		{"36 emoji", rep("😀", 36), 4, smsCost{Segments: 2, Encoding: ucs, Units: 72, CodeLength: 4, Doubled: 36, ForcedBy: '😀', ForcedAt: 1, GSM7Segments: 1}},
		{"rare Chinese character outside the BMP", "𠀀", 4, smsCost{Segments: 1, Encoding: ucs, Units: 2, CodeLength: 4, Doubled: 1, ForcedBy: '𠀀', ForcedAt: 1, GSM7Segments: 1}},
		// 66 + 2 + 66 = 134 units, which divides into 2 parts, but the pair
		// would be units 67 and 68: it moves whole to part 2.
		{"surrogate pair straddling a part", rep("a", 66) + "😀" + rep("a", 66), 4,
			smsCost{Segments: 3, Encoding: ucs, Units: 134, CodeLength: 4, Doubled: 1, ForcedBy: '😀', ForcedAt: 67, GSM7Segments: 1}},
		{"surrogate pair ending a part", rep("a", 65) + "😀" + rep("a", 67), 4,
			smsCost{Segments: 2, Encoding: ucs, Units: 134, CodeLength: 4, Doubled: 1, ForcedBy: '😀', ForcedAt: 66, GSM7Segments: 1}},

		// The code's length moves a text across a boundary.
		{"GSM-7 with a 4-character code", rep("a", 156) + "##code##", 4, smsCost{Segments: 1, Encoding: gsm, Units: 160, CodeLength: 4, GSM7Segments: 1}},
		{"GSM-7 with a 10-character code", rep("a", 156) + "##code##", 10, smsCost{Segments: 2, Encoding: gsm, Units: 166, CodeLength: 10, GSM7Segments: 2}},
		{"UCS-2 with a 4-character code", rep("码", 66) + "##code##", 4, smsCost{Segments: 1, Encoding: ucs, Units: 70, CodeLength: 4, ForcedBy: '码', ForcedAt: 1, GSM7Segments: 1}},
		{"UCS-2 with a 10-character code", rep("码", 66) + "##code##", 10, smsCost{Segments: 2, Encoding: ucs, Units: 76, CodeLength: 10, ForcedBy: '码', ForcedAt: 1, GSM7Segments: 1}},

		// Every placeholder takes a code.
		{"two placeholders", "##code## or ##code##", 6, smsCost{Segments: 1, Encoding: gsm, Units: 16, CodeLength: 6, GSM7Segments: 1}},
		{"three 10-character codes at the limit", rep("##code##", 3) + rep("a", 130), 10, smsCost{Segments: 1, Encoding: gsm, Units: 160, CodeLength: 10, GSM7Segments: 1}},
		{"three 10-character codes over the limit", rep("##code##", 3) + rep("a", 131), 10, smsCost{Segments: 2, Encoding: gsm, Units: 161, CodeLength: 10, GSM7Segments: 2}},
		{"three 4-character codes", rep("##code##", 3) + rep("a", 131), 4, smsCost{Segments: 1, Encoding: gsm, Units: 143, CodeLength: 4, GSM7Segments: 1}},
		{"placeholder between hashes", "###code###", 4, smsCost{Segments: 1, Encoding: gsm, Units: 6, CodeLength: 4, GSM7Segments: 1}},
		{"placeholders sharing hashes", "##code##code##", 4, smsCost{Segments: 1, Encoding: gsm, Units: 10, CodeLength: 4, GSM7Segments: 1}},
		{"no placeholder: the text as it is", "##code# ##CODE##", 4, smsCost{Segments: 1, Encoding: gsm, Units: 16, CodeLength: 4, GSM7Segments: 1}},

		// Positions are characters of the text as written: € is 3 bytes and
		// 2 septets but one character; ##code## is 8 characters, whatever
		// the code's length.
		{"position after multi-byte GSM-7 characters", "€é ##code## ’", 6,
			smsCost{Segments: 1, Encoding: ucs, Units: 11, CodeLength: 6, ForcedBy: '’', ForcedAt: 13, GSM7Segments: 1}},
		{"position of a Chinese character", "£€ ##code## 验证码", 4,
			smsCost{Segments: 1, Encoding: ucs, Units: 11, CodeLength: 4, ForcedBy: '验', ForcedAt: 13, GSM7Segments: 1}},
		{"the first character outside GSM-7 is named", "a’😀码", 4,
			smsCost{Segments: 1, Encoding: ucs, Units: 5, CodeLength: 4, Doubled: 1, ForcedBy: '’', ForcedAt: 2, GSM7Segments: 1}},
		{"ó is not GSM-7 (ò is)", "Código ##code##", 6,
			smsCost{Segments: 1, Encoding: ucs, Units: 13, CodeLength: 6, ForcedBy: 'ó', ForcedAt: 2, GSM7Segments: 1}},

		// Only the hypothetical GSM-7 count differs: 100 × 2 + 1 septets.
		{"UCS-2 that GSM-7 would not make shorter", rep("{", 100) + "’", 4,
			smsCost{Segments: 2, Encoding: ucs, Units: 101, CodeLength: 4, ForcedBy: '’', ForcedAt: 101, GSM7Segments: 2}},

		{"empty text is one SMS", "", 4, smsCost{Segments: 1, Encoding: gsm, Units: 0, CodeLength: 4, GSM7Segments: 1}},
		{"negative code length is no code", "a##code##", -1, smsCost{Segments: 1, Encoding: gsm, Units: 1, CodeLength: -1, GSM7Segments: 1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := smsSegments(tc.text, tc.codeLength); got != tc.want {
				t.Errorf("smsSegments(%q, %d)\n got %+v\nwant %+v", tc.text, tc.codeLength, got, tc.want)
			}
		})
	}
}

func TestSMSExplain(t *testing.T) {
	rep := strings.Repeat
	for _, tc := range []struct {
		name       string
		text       string
		codeLength int
		want       string
	}{
		{"long GSM-7", rep("a", 155) + "##code##", 6,
			"With a 6-character code the message is 161 characters of GSM-7: 2 SMS per code (160 fit in one, 153 per part of a longer message)."},
		{"GSM-7 with an extension character", "{" + rep("a", 153) + "##code##", 6,
			"With a 6-character code the message is 161 characters of GSM-7, counting each of ^ { } \\ [ ~ ] | € as two: " +
				"2 SMS per code (160 fit in one, 153 per part of a longer message)."},
		// 12 + 6 + 2 + 60 = 80 units.
		{"curly quote", "Don’t share ##code##: " + rep("a", 60), 6,
			"The curly quote ’ at position 4 makes the message UCS-2, where one SMS holds 70 characters instead of 160 in GSM-7: " +
				"with a 6-character code the message is 80 characters, 2 SMS per code instead of 1."},
		// € 1, é 2, space 3, ##code## 4 to 11, space 12, 验 13; 1+1+1+4+1+3+60 = 71 units.
		{"Chinese character after multi-byte characters", "€é ##code## 验证码" + rep("码", 60), 4,
			"The CJK character 验 at position 13 makes the message UCS-2, where one SMS holds 70 characters instead of 160 in GSM-7: " +
				"with a 4-character code the message is 71 characters, 2 SMS per code instead of 1."},
		// 6 + 1 + 2 + 62 = 71 units.
		{"emoji", "##code## 🔐" + rep("a", 62), 6,
			"The emoji 🔐 at position 10 makes the message UCS-2, where one SMS holds 70 characters instead of 160 in GSM-7: " +
				"with a 6-character code the message is 71 characters, counting each emoji (or other character outside the Basic " +
				"Multilingual Plane) as two, 2 SMS per code instead of 1."},
		{"GSM-7 would need as many", rep("{", 100) + "’", 4,
			"The curly quote ’ at position 101 makes the message UCS-2, where one SMS holds 70 characters instead of 160 in GSM-7: " +
				"with a 4-character code the message is 101 characters, 2 SMS per code."},
		{"one SMS", "##code## is your code", 4,
			"With a 4-character code the message is 17 characters of GSM-7: 1 SMS per code (160 fit in one, 153 per part of a longer message)."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := smsSegments(tc.text, tc.codeLength).Explain(); got != tc.want {
				t.Errorf("Explain() of %q\n got %s\nwant %s", tc.text, got, tc.want)
			}
		})
	}
}

func TestSMSForcingCharName(t *testing.T) {
	for r, want := range map[rune]string{
		'‘':      "the curly quote ‘",
		'’':      "the curly quote ’",
		'“':      "the curly quote “",
		'”':      "the curly quote ”",
		'–':      "the en dash –",
		'—':      "the em dash —",
		'…':      "the ellipsis …",
		'\u00a0': "the non-breaking space (U+00A0)",
		'😀':      "the emoji 😀",
		'☎':      "the emoji ☎",
		'码':      "the CJK character 码",
		'か':      "the CJK character か",
		'カ':      "the CJK character カ",
		'한':      "the CJK character 한",
		'𠀀':      "the CJK character 𠀀",
		'ó':      `the character "ó" (U+00F3)`,
		'\t':     `the character "\t" (U+0009)`,
		'\u200b': `the character "\u200b" (U+200B)`,
		'𝄞':      `the character "𝄞" (U+1D11E)`,
	} {
		if got := forcingCharName(r); got != want {
			t.Errorf("forcingCharName(%U) = %s, want %s", r, got, want)
		}
	}
}

// The tables themselves: GSM 03.38 has 128 basic positions, one of them
// the escape, and 10 extension characters; none may appear twice, nor in
// both tables.
func TestSMSAlphabet(t *testing.T) {
	seen := map[rune]bool{}
	for _, table := range []struct {
		chars string
		size  int
	}{{gsm7Basic, 127}, {gsm7Extension, 10}} {
		n := 0
		for _, r := range table.chars {
			if seen[r] {
				t.Errorf("%q is in the GSM-7 tables twice", r)
			}
			seen[r] = true
			n++
		}
		if n != table.size {
			t.Errorf("a GSM-7 table has %d characters, want %d", n, table.size)
		}
	}
}
