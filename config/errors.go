package config

import (
	"cmp"
	"slices"
	"strconv"
	"strings"
)

// Error is one problem in a configuration file or in a file it imports.
// It says where (file, line, column, and the path of the value), whose
// (the tenant's Id and the connector's Name) and what is wrong.
type Error struct {
	// File is the file at fault: the configuration, or an Exchange Online
	// export it imports.
	File string
	// Path locates the value in the file, in the file's own terms:
	// "Tenants[0].OutboundConnectors[2].RecipientDomains[1]" in a
	// configuration, "value[3].SenderDomains[0]" in an export. Empty for
	// problems with the whole file (syntax).
	Path string
	// Line and Column are 1-based; 0 when unknown.
	Line, Column int
	// Tenant is the Id of the tenant the value belongs to, and Connector
	// the Name of its connector; "" when there is none (or it has none).
	Tenant, Connector string
	// Msg says what is wrong.
	Msg string
	// Suggestion is the field name the author probably meant, for unknown
	// field names; empty otherwise.
	Suggestion string
	// Related are other places the problem involves: the first of two
	// tenants claiming one domain, for instance.
	Related []Location

	err   error  // the underlying error, if any
	cfg   string // the path in configuration terms (Tenants[0]…), for ordering and grouping
	order int    // the file's position in the order files were read
}

// Location is a place in a configuration or export file.
type Location struct {
	File         string
	Line, Column int
	Path         string
}

// String formats as "file:line:col (Path)", leaving out what is unknown.
func (l Location) String() string {
	s := position(l.File, l.Line, l.Column)
	if l.Path != "" {
		if s != "" {
			s += " "
		}
		s += "(" + l.Path + ")"
	}
	return s
}

func position(file string, line, col int) string {
	s := file
	if line > 0 {
		s += ":" + strconv.Itoa(line)
		if col > 0 {
			s += ":" + strconv.Itoa(col)
		}
	}
	return s
}

// Error formats as
//
//	file:line:col: Path (tenant "contoso", connector "Second"): msg (did you mean X?)
//
// leaving out what is unknown.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(position(e.File, e.Line, e.Column))
	if b.Len() > 0 {
		b.WriteString(": ")
	}
	var names []string
	if e.Tenant != "" {
		names = append(names, "tenant "+strconv.Quote(e.Tenant))
	}
	if e.Connector != "" {
		names = append(names, "connector "+strconv.Quote(e.Connector))
	}
	if e.Path != "" {
		b.WriteString(e.Path)
		if len(names) > 0 {
			b.WriteString(" (" + strings.Join(names, ", ") + ")")
		}
		b.WriteString(": ")
	} else if len(names) > 0 {
		b.WriteString(strings.Join(names, ", ") + ": ")
	}
	b.WriteString(e.Msg)
	if e.Suggestion != "" {
		b.WriteString(" (did you mean " + e.Suggestion + "?)")
	}
	return b.String()
}

// Unwrap returns the error behind e, if any: an *attribution.ConfigError
// or *attribution.OwnershipError (which wrap the connector and domain
// packages' errors), a *domain.Error, a *connector.ParseError, or a file
// system error (errors.Is(err, fs.ErrNotExist)).
func (e *Error) Unwrap() error { return e.err }

// message is err's text without its package's prefix: errors that have
// a Message method (the domain and connector packages') give it.
func message(err error) string {
	if m, ok := err.(interface{ Message() string }); ok {
		return m.Message()
	}
	return err.Error()
}

// ErrorList is every problem found in a configuration, sorted by file (the
// configuration first, then imports in the order they were read), line
// and column.
type ErrorList []*Error

// Error returns the errors one per line.
func (l ErrorList) Error() string {
	var b strings.Builder
	for i, e := range l {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(e.Error())
	}
	return b.String()
}

// Unwrap returns the errors, for errors.Is and errors.As.
func (l ErrorList) Unwrap() []error {
	errs := make([]error, len(l))
	for i, e := range l {
		errs[i] = e
	}
	return errs
}

// sortErrors orders l by file, position and path, and drops repeats.
// Errors of unknown position go after the others of their file.
func sortErrors(l ErrorList) ErrorList {
	key := func(n int) int {
		if n == 0 {
			return int(^uint(0) >> 1)
		}
		return n
	}
	slices.SortStableFunc(l, func(a, b *Error) int {
		return cmp.Or(
			cmp.Compare(a.order, b.order),
			cmp.Compare(key(a.Line), key(b.Line)),
			cmp.Compare(a.Column, b.Column),
			cmp.Compare(a.Path, b.Path),
			cmp.Compare(a.Msg, b.Msg),
		)
	})
	return slices.CompactFunc(l, func(a, b *Error) bool {
		return a.File == b.File && a.Path == b.Path && a.Line == b.Line && a.Column == b.Column && a.Msg == b.Msg
	})
}

// suggest returns the candidate closest to name (optimal string alignment
// distance, ignoring case) when it is close enough to be a typo: at most
// max(2, len(name)/3) edits. Ties go to the earlier candidate.
func suggest(name string, candidates []string) string {
	lname := strings.ToLower(name)
	limit := max(2, len(lname)/3)
	best, bestD := "", limit+1
	for _, c := range candidates {
		if d := osaDistance(lname, strings.ToLower(c)); d < bestD {
			best, bestD = c, d
		}
	}
	return best
}

// osaDistance is the optimal string alignment distance (Damerau-Levenshtein
// without repeated edits of a substring) between a and b, by bytes.
func osaDistance(a, b string) int {
	prev2 := make([]int, len(b)+1)
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(b)]
}
