package postfix

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParsePins(t *testing.T) {
	p := testPins(t)
	assert.Equal(t, 2, p.Len())
	ns, ok := p.Certificates.Lookup(pinnedFP)
	require.True(t, ok)
	assert.Equal(t, "mail.contoso.com", ns.String())
	_, ok = p.Certificates.Lookup(pinnedKeyFP)
	assert.False(t, ok, "a key fingerprint is not a certificate fingerprint")
	ns, ok = p.PublicKeys.Lookup(pinnedKeyFP)
	require.True(t, ok)
	assert.Equal(t, "*.contoso.com", ns.String())

	// JSON is YAML too.
	p, err := ParsePins([]byte(`{"Pins": [{"Fingerprint": "`+otherFP+`", "Names": ["a.example", "b.example"]}]}`), "pins.json")
	require.NoError(t, err)
	assert.Equal(t, 1, p.Len())

	for _, empty := range []string{"", "Pins:", "Pins: []", "# nothing\n"} {
		p, err := ParsePins([]byte(empty), "empty.yaml")
		require.NoError(t, err, "%q", empty)
		assert.Equal(t, 0, p.Len())
	}
}

func TestParsePinsErrors(t *testing.T) {
	tests := []struct {
		name, in string
		want     []string
	}{
		{"not a mapping", "- a\n", []string{"pins.yaml:1: want a mapping"}},
		{"unknown top field", "Pin: []\n", []string{`pins.yaml:1: unknown field "Pin"`}},
		{"list wanted", "Pins: 3\n", []string{"Pins: want a list"}},
		{"every problem, with lines", "Pins:\n" +
			"  - { Fingerprint: \"zz\", Names: [a.example] }\n" +
			"  - { Fingerprint: \"" + pinnedFP + "\" }\n" +
			"  - { Names: [a.example] }\n" +
			"  - { Fingerprint: \"" + pinnedFP + "\", PublicKeyFingerprint: \"" + pinnedKeyFP + "\", Names: [a.example] }\n" +
			"  - { Fingerprint: \"" + pinnedFP + "\", Names: [\"f*.example\"] }\n" +
			"  - { Fingerprint: \"" + pinnedFP + "\", Names: [a.example], Comment: x }\n" +
			"  - { Fingerprint: \"" + otherFP + "\", Names: [a.example] }\n" +
			"  - { Fingerprint: \"" + otherFP + "\", Names: [b.example] }\n" +
			"  - plain\n", []string{
			"pins.yaml:2: Pins[0]: certmatch: bad fingerprint",
			"pins.yaml:3: Pins[1]: no Names",
			"pins.yaml:4: Pins[2]: no Fingerprint or PublicKeyFingerprint",
			"pins.yaml:5: Pins[3]: give Fingerprint or PublicKeyFingerprint, not both",
			"pins.yaml:6: Pins[4]: certmatch: bad certificate name",
			`pins.yaml:7: Pins[5]: unknown field "Comment"`,
			"pins.yaml:9: Pins[7]: certmatch: bad pin",
			"pins.yaml:10: Pins[8]: want a mapping",
		}},
		{"bad YAML", "Pins: [\n", []string{"pins bad.yaml"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			name := "pins.yaml"
			if tt.name == "bad YAML" {
				name = "bad.yaml"
			}
			p, err := ParsePins([]byte(tt.in), name)
			require.Error(t, err)
			assert.Nil(t, p, "nothing is half-loaded")
			for _, w := range tt.want {
				assert.Contains(t, err.Error(), w)
			}
		})
	}
}

func TestLoadPins(t *testing.T) {
	path := filepath.Join(t.TempDir(), "pins.yaml")
	require.NoError(t, os.WriteFile(path, []byte("Pins:\n  - { Fingerprint: \""+pinnedFP+"\", Names: [mail.contoso.com] }\n"), 0o600))
	p, err := LoadPins(path)
	require.NoError(t, err)
	assert.Equal(t, 1, p.Len())
	_, err = LoadPins(filepath.Join(t.TempDir(), "missing.yaml"))
	assert.ErrorContains(t, err, "missing.yaml")
}
