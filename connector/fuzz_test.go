package connector

import (
	"testing"
)

// FuzzNewTable derives a configuration from the input (connectors with
// patterns over a three-letter alphabet, random flags, accepted domains):
// NewTable must not panic, must fail exactly when the reference finds a
// broken rule or a conflict, and when it builds, Select, Explain and
// Disagreements must agree with the reference on every name of a small
// universe.
func FuzzNewTable(f *testing.F) {
	f.Add([]byte{})
	f.Add([]byte{3, 1, 0, 0, 1, 2, 0, 0, 0, 2, 5, 1, 1, 2, 3, 4, 5, 6, 7, 8})
	f.Add([]byte("worked example: all accepted, exact, wildcard"))
	f.Add([]byte{5, 1, 4, 9, 1, 2, 1, 0, 6, 1, 3, 0, 2, 1, 7, 7, 7, 2, 0, 1, 0, 1, 2, 0, 1, 0, 5, 1, 1, 1, 0})
	names := universe()
	f.Fuzz(func(t *testing.T, data []byte) {
		conns, accepted := randConfig(&bytesSource{data}, 6)
		checkAgainstSlow(t, conns, accepted, names)
	})
}
