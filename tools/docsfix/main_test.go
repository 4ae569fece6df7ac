package main

import "testing"

func TestFix(t *testing.T) {
	for _, tc := range []struct{ name, in, want string }{
		{
			"a nested schema whose attributes are all required in the block",
			"<a id=\"nestedblock--limit\"></a>\n### Nested Schema for `limit`\n\nOptional:\n\n" +
				"- `limit` (Number) Required in the block. Most sends.\n- `period` (Number) Required in the block. Length.\n- `unit` (String) Required in the block. Unit.\n\n\n" +
				"<a id=\"nestedblock--other\"></a>\n",
			"<a id=\"nestedblock--limit\"></a>\n### Nested Schema for `limit`\n\nRequired:\n\n" +
				"- `limit` (Number) Required in the block. Most sends.\n- `period` (Number) Required in the block. Length.\n- `unit` (String) Required in the block. Unit.\n\n\n" +
				"<a id=\"nestedblock--other\"></a>\n",
		},
		{
			"a required block joins the top level's Required list, in name order",
			"## Schema\n\n### Required\n\n- `name` (String) Name.\n\n### Optional\n\n- `flow` (Block List) Required: at least one block. A step. (see below)\n- `x` (String) An option.\n\n### Read-Only\n\n- `id` (String) The id.\n",
			"## Schema\n\n### Required\n\n- `flow` (Block List) Required: at least one block. A step. (see below)\n- `name` (String) Name.\n\n### Optional\n\n- `x` (String) An option.\n\n### Read-Only\n\n- `id` (String) The id.\n",
		},
		{
			"a Required group is created when there is none",
			"### Optional\n\n- `a` (String) Required in the block. A.\n- `b` (String) B.\n\n### Read-Only\n\n- `id` (String) Id.\n",
			"### Required\n\n- `a` (String) Required in the block. A.\n\n### Optional\n\n- `b` (String) B.\n\n### Read-Only\n\n- `id` (String) Id.\n",
		},
		{
			"nothing to move: unchanged, even the word in the middle of a description",
			"### Optional\n\n- `a` (String) Not Required here.\n- `requirement` (String) Required-ish? No: Requiredness.\n\nText after.\n",
			"### Optional\n\n- `a` (String) Not Required here.\n- `requirement` (String) Required-ish? No: Requiredness.\n\nText after.\n",
		},
		{"prose only", "# Title\n\nSome text.\n", "# Title\n\nSome text.\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := fix(tc.in); got != tc.want {
				t.Errorf("got:\n%s\nwant:\n%s", got, tc.want)
			}
		})
	}
}
