package certmatch

import (
	"errors"
	"strconv"
)

// ErrUnverified reports names that cannot be trusted because the
// certificate they would come from was not verified: a TLS connection
// without a verified peer chain, or an empty Postfix ccert_subject. Test for
// it with errors.Is.
var ErrUnverified = errors.New("certificate not verified")

// What an [Error] is about.
const (
	whatName        = "bad certificate name"
	whatUnverified  = "unverified certificate"
	whatFingerprint = "bad fingerprint"
	whatXtext       = "bad ccert_subject"
	whatPin         = "bad pin"
)

// Error describes input this package could not accept: a certificate name
// it skipped, a fingerprint it could not read, or a certificate it would not
// trust. It quotes the input and says what is wrong.
type Error struct {
	// What the error is about: "bad certificate name", "unverified
	// certificate", "bad fingerprint", "bad ccert_subject" or "bad pin".
	What string
	// Field is where a certificate name was found (CN, SAN); zero when the
	// input did not come from a certificate field.
	Field Field
	// Input is the refused text, as given.
	Input string
	// Msg says what is wrong.
	Msg string
	// Err is the cause: [ErrUnverified], [domain.ErrPublicSuffix], a
	// [*domain.Error] from parsing the name, or nil.
	Err error
}

// Error formats as:
//
//	certmatch: bad certificate name "f*.example.com" (SAN): partial wildcard "f*": ...
func (e *Error) Error() string { return "certmatch: " + e.Message() }

// Message is [Error.Error] without the "certmatch: " prefix, for a caller
// that reports the error under its own name.
func (e *Error) Message() string {
	s := e.What
	if e.Input != "" || e.What == whatName {
		s += " " + strconv.Quote(e.Input)
	}
	if e.Field != 0 {
		s += " (" + e.Field.String() + ")"
	}
	return s + ": " + e.Msg
}

// Unwrap returns the cause of e, if any.
func (e *Error) Unwrap() error { return e.Err }
