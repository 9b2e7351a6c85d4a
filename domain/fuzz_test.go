package domain_test

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/mailflow-go/mailflow/domain"
)

// FuzzParse: Parse never panics and agrees with its slow path; what it
// accepts is canonical, and parsing the canonical form (or the Unicode
// form, or the input in upper case) gives the same Name.
func FuzzParse(f *testing.F) {
	for _, tt := range parseTests {
		f.Add(tt.in)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := domain.Parse(s)
		// The fast path must agree with the full one, error text and all.
		if slow, slowErr := domain.ParseSlow(s); slow != n || errText(err) != errText(slowErr) {
			t.Fatalf("Parse(%q) = %q, %v but the slow path gives %q, %v", s, n, err, slow, slowErr)
		}
		if err != nil {
			checkError(t, err, "name", s)
			if n.IsValid() {
				t.Fatalf("Parse(%q) failed but returned %q", s, n)
			}
			return
		}
		checkName(t, n)
		if again, err := domain.Parse(n.String()); err != nil || again != n {
			t.Fatalf("Parse(%q) = %q, but Parse(%q) = %q, %v", s, n, n, again, err)
		}
		if again, err := domain.Parse(n.Unicode()); err != nil || again != n {
			t.Fatalf("Parse(%q) = %q, but Parse(Unicode %q) = %q, %v", s, n, n.Unicode(), again, err)
		}
		if up := upperASCII(s); up != s {
			if again, err := domain.Parse(up); err != nil || again != n {
				t.Fatalf("Parse(%q) = %q, but Parse(%q) = %q, %v", s, n, up, again, err)
			}
		}
	})
}

// FuzzFromAddress: no panics; a domain found is a valid Name, and the
// mailbox written back (local@domain) parses to the same Mailbox.
func FuzzFromAddress(f *testing.F) {
	for _, tt := range addressTests {
		f.Add(tt.in)
	}
	f.Fuzz(func(t *testing.T, addr string) {
		m, err := domain.ParseMailbox(addr)
		n, err2 := domain.FromAddress(addr)
		if (err == nil) != (err2 == nil) || n != m.Domain {
			t.Fatalf("ParseMailbox(%q) = %q, %v but FromAddress = %q, %v", addr, m, err, n, err2)
		}
		if err != nil {
			checkError(t, err, "address", addr)
			if m != (domain.Mailbox{}) {
				t.Fatalf("ParseMailbox(%q) failed but returned %q", addr, m)
			}
			return
		}
		checkName(t, n)
		if len(m.Local) == 0 || len(m.Local) > domain.MaxLocalPartLen {
			t.Fatalf("ParseMailbox(%q): local part %q of %d octets", addr, m.Local, len(m.Local))
		}
		// The canonical domain may be longer than the one written (an
		// A-label for a U-label), past the path limit.
		s := m.String()
		if len(s) > domain.MaxPathLen {
			return
		}
		for _, in := range []string{s, "<" + s + ">"} {
			if again, err := domain.ParseMailbox(in); err != nil || again != m {
				t.Fatalf("ParseMailbox(%q) = %q, but ParseMailbox(%q) = %q, %v", addr, m, in, again, err)
			}
		}
	})
}

// FuzzParsePattern: no panics; String parses back to the same Pattern; a
// wildcard is never over a public suffix; a pattern matches its base.
func FuzzParsePattern(f *testing.F) {
	for _, tt := range parsePatternTests {
		f.Add(tt.in)
	}
	for _, tt := range parseTests {
		f.Add("*." + tt.in)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := domain.ParsePattern(s)
		if err != nil {
			checkError(t, err, "pattern", s)
			if p.IsValid() {
				t.Fatalf("ParsePattern(%q) failed but returned %q", s, p)
			}
			return
		}
		if again, err := domain.ParsePattern(p.String()); err != nil || again != p {
			t.Fatalf("ParsePattern(%q) = %q, but ParsePattern(%q) = %q, %v", s, p, p, again, err)
		}
		switch p.Kind() {
		case domain.Any:
			if p.Base().IsValid() || p.String() != "*" {
				t.Fatalf("ParsePattern(%q) = any pattern %q with base %q", s, p, p.Base())
			}
			return
		case domain.Wildcard:
			if domain.IsPublicSuffix(p.Base()) {
				t.Fatalf("ParsePattern(%q) = %q, a wildcard over a public suffix", s, p)
			}
		case domain.Exact:
		default:
			t.Fatalf("ParsePattern(%q) = %q of kind %v", s, p, p.Kind())
		}
		checkName(t, p.Base())
		if !p.Match(p.Base()) {
			t.Fatalf("%q does not match its base %q", p, p.Base())
		}
		if strings.Count(p.String(), "*") > 1 {
			t.Fatalf("ParsePattern(%q) = %q", s, p)
		}
	})
}

// checkName checks the invariants of a valid Name.
func checkName(t *testing.T, n domain.Name) {
	t.Helper()
	s := n.String()
	if !n.IsValid() || s == "" || len(s) > domain.MaxNameLen || strings.HasSuffix(s, ".") {
		t.Fatalf("bad Name %q (%d octets)", s, len(s))
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '.') {
			t.Fatalf("Name %q holds %q", s, c)
		}
	}
	labels := strings.Split(s, ".")
	for _, l := range labels {
		if l == "" || len(l) > domain.MaxLabelLen || l[0] == '-' || l[len(l)-1] == '-' {
			t.Fatalf("Name %q has a bad label %q", s, l)
		}
	}
	if n.NumLabels() != len(labels) {
		t.Fatalf("Name %q: NumLabels = %d, want %d", s, n.NumLabels(), len(labels))
	}
	rev := slices.Clone(labels)
	slices.Reverse(rev)
	if want := strings.Join(rev, ".") + "."; n.Key() != want {
		t.Fatalf("Name %q: Key = %q, want %q", s, n.Key(), want)
	}
}

// checkError checks that err is the package's *Error about input.
func checkError(t *testing.T, err error, what, input string) {
	t.Helper()
	var e *domain.Error
	if !errors.As(err, &e) || e.What != what || e.Input != input || e.Msg == "" {
		t.Fatalf("error for %q is %#v", input, err)
	}
}

func upperASCII(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'a' <= c && c <= 'z' {
			b[i] = c - 'a' + 'A'
		}
	}
	return string(b)
}
