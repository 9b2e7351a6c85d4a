package domain

import (
	"errors"
	"strconv"
)

// Sentinel errors, for use with errors.Is. Every error returned by this
// package is an [*Error]; the sentinels tell the cases apart that callers
// handle differently from a plain syntax error.
var (
	// ErrNullPath reports the null reverse-path "<>" (or an empty address):
	// the sender of bounces, which has no domain.
	ErrNullPath = errors.New("null path")
	// ErrAddressLiteral reports an address whose domain part is an address
	// literal such as "[192.0.2.1]" or "[IPv6:2001:db8::1]".
	ErrAddressLiteral = errors.New("address literal")
	// ErrNoDomain reports the one address RFC 5321 allows without a
	// domain part: "postmaster", in any case (RCPT TO:<Postmaster>). Any
	// other address without "@" is a plain syntax error.
	ErrNoDomain = errors.New("no domain")
	// ErrPublicSuffix reports a wildcard pattern or accepted domain whose
	// name is a public suffix (com, co.uk, github.io …), which no tenant
	// can own.
	ErrPublicSuffix = errors.New("public suffix")
)

// Error describes input this package could not accept. It quotes the input
// and says what is wrong and, where it helps, where.
type Error struct {
	// What is the kind of input: "name", "address", "pattern",
	// "accepted domain" or "domain type".
	What string
	// Input is the text that was refused, as given.
	Input string
	// Msg says what is wrong.
	Msg string
	// At is the part of the input at fault (a label, a character), if any.
	At string
	// Field is the Exchange field at fault, for an accepted domain:
	// "DomainName", "DomainType" or "MatchSubDomains"; "" otherwise.
	Field string
	// Err is one of the package's sentinel errors, or nil.
	Err error
}

// Error formats as: domain: bad name "a..b": empty label (at "…").
func (e *Error) Error() string { return "domain: " + e.Message() }

// Message is [Error.Error] without the "domain: " prefix, for a caller
// that reports the error under its own name.
func (e *Error) Message() string {
	s := "bad " + e.What + " " + strconv.Quote(e.Input) + ": " + e.Msg
	if e.At != "" {
		s += " (at " + strconv.Quote(e.At) + ")"
	}
	return s
}

// Unwrap returns the sentinel error behind e, if any.
func (e *Error) Unwrap() error { return e.Err }
