package mailflowdiff

import "testing"

func TestUnifiedDiff(t *testing.T) {
	for _, tc := range []struct {
		name string
		a, b []string
		want string
	}{
		{"equal", []string{"x", "y"}, []string{"x", "y"}, ""},
		{"change", []string{"a", "b", "c", "d", "e", "f", "g"}, []string{"a", "b", "c", "D", "e", "f", "g"},
			"--- o\n+++ n\n@@ -3,3 +3,3 @@\n c\n-d\n+D\n e\n"},
		{"added to empty", nil, []string{"x"}, "--- o\n+++ n\n@@ -0,0 +1,1 @@\n+x\n"},
		{"removed", []string{"x", "y"}, []string{"x"}, "--- o\n+++ n\n@@ -1,2 +1,1 @@\n x\n-y\n"},
	} {
		if got := UnifiedDiff("o", "n", tc.a, tc.b, 1); got != tc.want {
			t.Errorf("%s: got\n%s\nwant\n%s", tc.name, got, tc.want)
		}
	}
}
