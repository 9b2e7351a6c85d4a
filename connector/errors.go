package connector

import (
	"strconv"
	"strings"

	"github.com/mailflow-go/mailflow/domain"
)

// ValidationError is one broken rule of one connector: a setting Exchange
// Online would refuse. It names the connector, the field (with an index for
// list entries: "RecipientDomains[1]") and what is wrong.
type ValidationError struct {
	// Connector is the connector's Name ("" when it has none).
	Connector string
	// Field is the parameter at fault, by its Exchange name.
	Field string
	// Msg says what is wrong and, where it helps, what to do.
	Msg string
}

// Error formats as: connector "Connector 2": TlsDomain: set, but ….
func (e *ValidationError) Error() string {
	who := "(unnamed)"
	if e.Connector != "" {
		who = strconv.Quote(e.Connector)
	}
	return "connector " + who + ": " + e.Field + ": " + e.Msg
}

// ConflictError reports two enabled connectors that [NewTable] cannot tell
// apart for some recipient domain: both list the same recipient domain
// pattern, or both have AllAcceptedDomains. Exchange would pick one of them
// silently; this package refuses the table instead.
type ConflictError struct {
	// First and Second are the two connectors' names, in table order.
	First, Second string
	// Field is "RecipientDomains" or "AllAcceptedDomains".
	Field string
	// Pattern is the pattern both claim; zero for AllAcceptedDomains.
	Pattern domain.Pattern
}

// Error formats as: connector: "Connector 2" and "Connector 4" both claim
// recipient domain contoso.com.
func (e *ConflictError) Error() string {
	s := "connector: " + strconv.Quote(e.First) + " and " + strconv.Quote(e.Second)
	if e.Field == "AllAcceptedDomains" {
		return s + " both have AllAcceptedDomains"
	}
	return s + " both claim recipient domain " + e.Pattern.String()
}

// ErrorList holds every problem found at once, in a stable order: each
// connector's [*ValidationError]s in list order, then names used twice,
// then accepted-domain errors, then [*ConflictError]s. It works with errors.Is and errors.As
// through Unwrap; range over it to see them all.
type ErrorList []error

// Error returns the errors one per line.
func (l ErrorList) Error() string {
	var b strings.Builder
	for i, err := range l {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(err.Error())
	}
	return b.String()
}

// Unwrap returns the errors, for errors.Is and errors.As.
func (l ErrorList) Unwrap() []error { return l }

// err returns l as an error, or nil when it is empty.
func (l ErrorList) err() error {
	if len(l) == 0 {
		return nil
	}
	return l
}

// problems collects ValidationErrors for one connector.
type problems struct {
	name string
	list []*ValidationError
}

func (p *problems) add(field, msg string) {
	p.list = append(p.list, &ValidationError{Connector: p.name, Field: field, Msg: msg})
}

func (p *problems) errorList() ErrorList {
	var l ErrorList
	for _, e := range p.list {
		l = append(l, e)
	}
	return l
}

func indexed(field string, i int) string { return field + "[" + strconv.Itoa(i) + "]" }

// dups finds repeated entries in a list, in order: call prev for each
// valid entry, first to last. Short lists are scanned (no allocation);
// long ones use a map.
type dups[T comparable] struct {
	list []T
	seen map[T]int
}

// prev returns the index of an earlier entry equal to list[i].
func (d *dups[T]) prev(i int) (int, bool) {
	if len(d.list) <= 16 {
		for j := range i {
			if d.list[j] == d.list[i] {
				return j, true
			}
		}
		return 0, false
	}
	if d.seen == nil {
		d.seen = make(map[T]int, len(d.list))
	}
	if j, ok := d.seen[d.list[i]]; ok {
		return j, true
	}
	d.seen[d.list[i]] = i
	return 0, false
}
