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
	// Index is the connector's position in the list given to [NewTable]
	// (0 from [Outbound.Validate] and [Inbound.Validate], which see one
	// connector).
	Index int
	// Field is the parameter at fault, by its Exchange name, with an
	// index for list entries: "RecipientDomains[1]".
	Field string
	// Msg says what is wrong and, where it helps, what to do.
	Msg string
	// Kind says what kind of rule is broken: one the service enforces
	// when the connector is written ([KindWrite]), which a connector the
	// service already stores may break, or one without which this
	// package cannot use the value at all ([KindStructural]).
	Kind RuleKind
}

// RuleKind classifies the rules [Outbound.Validate] and [Inbound.Validate]
// check, by what a breach means for a connector the service already
// stores (Outbound.Stored, Inbound.Stored).
type RuleKind uint8

const (
	// KindStructural: this package cannot use the value (an empty pattern
	// or address, an unknown enumeration value, a name used twice). It
	// refuses every connector that breaks it, stored or not.
	KindStructural RuleKind = iota
	// KindWrite: New-/Set-*Connector refuse the value on new input (facts
	// §1.2, §2.2), but the service may hold it anyway: set before the
	// rule, by another path, or by a rule the service no longer enforces.
	// A stored connector that breaks it is loaded; a linter reports it.
	KindWrite
)

var ruleNames = [...]string{"structural", "service-enforced at write"}

// String returns "structural" or "service-enforced at write".
func (r RuleKind) String() string {
	if int(r) < len(ruleNames) {
		return ruleNames[r]
	}
	return "RuleKind(" + strconv.Itoa(int(r)) + ")"
}

// Refuses reports whether a breach of e refuses its connector: always,
// unless the connector is stored and e is a [KindWrite].
func (e *ValidationError) Refuses(stored bool) bool { return !stored || e.Kind != KindWrite }

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
	// FirstIndex and SecondIndex are their positions in the list given
	// to [NewTable]; the second is the one refused.
	FirstIndex, SecondIndex int
	// Field is "RecipientDomains" or "AllAcceptedDomains".
	Field string
	// Pattern is the pattern both claim; zero for AllAcceptedDomains.
	Pattern domain.Pattern
	// PatternIndex is the position of Pattern in the second connector's
	// RecipientDomains.
	PatternIndex int
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

// AcceptedDomainError reports an accepted domain given to [NewTable] that
// is invalid or repeated.
type AcceptedDomainError struct {
	// Index is the domain's position in the list given to NewTable.
	Index int
	// Domain is the accepted domain.
	Domain domain.AcceptedDomain
	// Msg says what is wrong.
	Msg string
	// Err is the [*domain.Error] of an invalid domain; nil for a repeat.
	Err error
}

// Error formats as: connector: accepted domain 2: contoso.com is already accepted domain 0.
func (e *AcceptedDomainError) Error() string {
	return "connector: accepted domain " + strconv.Itoa(e.Index) + ": " + e.Msg
}

// Unwrap returns the domain package's error, if any.
func (e *AcceptedDomainError) Unwrap() error { return e.Err }

// ParseError reports a value this package could not parse: a smart host,
// an IP range, a sender IP address, an enumeration.
type ParseError struct {
	// What is the kind of value: "smart host", "IP range", "ConnectorType" ….
	What string
	// Input is the refused text, as given.
	Input string
	// Msg says what is wrong.
	Msg string
}

// Error formats as: connector: bad smart host "a..b": ….
func (e *ParseError) Error() string { return "connector: " + e.Message() }

// Message is [ParseError.Error] without the "connector: " prefix, for a
// caller that reports the error under its own name.
func (e *ParseError) Message() string {
	return "bad " + e.What + " " + strconv.Quote(e.Input) + ": " + e.Msg
}

// ErrorList holds every problem found at once, in a stable order: each
// connector's [*ValidationError]s in list order, then names used twice,
// then [*AcceptedDomainError]s, then [*ConflictError]s. It works with errors.Is and errors.As
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

// add records a breach of a rule the service enforces at write.
func (p *problems) add(field, msg string) {
	p.list = append(p.list, &ValidationError{Connector: p.name, Field: field, Msg: msg, Kind: KindWrite})
}

// structural records a value this package cannot use at all.
func (p *problems) structural(field, msg string) {
	p.list = append(p.list, &ValidationError{Connector: p.name, Field: field, Msg: msg, Kind: KindStructural})
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
