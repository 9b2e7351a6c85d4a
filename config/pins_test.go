package config

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Fingerprints of made-up certificates, as Postfix writes them.
const (
	pinnedFP    = "AA:8F:E7:E4:8E:9C:B0:A5:6D:10:94:15:3E:AB:AE:79:91:99:FC:48:35:E4:87:EC:D4:5C:13:4B:FA:66:99:37"
	pinnedKeyFP = "60:C3:AB:2E:3C:49:2B:A0:8C:29:25:5C:4C:1A:46:48:06:12:30:D3:7B:51:4E:95:D3:8C:8B:F5:43:0C:A7:9B"
	otherFP     = "01:02:03:04:05:06:07:08:09:0A:0B:0C:0D:0E:0F:10:11:12:13:14:15:16:17:18:19:1A:1B:1C:1D:1E:1F:20"
)

const pinsYAML = `
Pins:
  - Fingerprint: "` + pinnedFP + `"
    Names: [mail.contoso.com]
  - PublicKeyFingerprint: "` + pinnedKeyFP + `"
    Names: ["*.contoso.com"]
`

func TestParsePins(t *testing.T) {
	p, err := ParsePins([]byte(pinsYAML), "pins.yaml")
	require.NoError(t, err)
	assert.Equal(t, 2, p.Len())
	ns, ok := p.Certificates.Lookup(pinnedFP)
	require.True(t, ok)
	assert.Equal(t, "mail.contoso.com", ns.String())
	_, ok = p.Certificates.Lookup(pinnedKeyFP)
	assert.False(t, ok, "a key fingerprint is not a certificate fingerprint")
	ns, ok = p.PublicKeys.Lookup(pinnedKeyFP)
	require.True(t, ok)
	assert.Equal(t, "*.contoso.com", ns.String())

	// JSON, and names matched ignoring case as in configurations.
	p, err = ParsePins([]byte(`{"pins": [{"fingerprint": "`+otherFP+`", "Names": ["a.example", "b.example"]}]}`), "pins.json")
	require.NoError(t, err)
	assert.Equal(t, 1, p.Len())

	for _, empty := range []string{"", "Pins:", "Pins: []", "# nothing\n"} {
		p, err := ParsePins([]byte(empty), "empty.yaml")
		require.NoError(t, err, "%q", empty)
		assert.Equal(t, 0, p.Len())
	}
}

// TestParsePinsErrors: every problem at once, each with its file, line and
// column, from the loader configurations use.
func TestParsePinsErrors(t *testing.T) {
	in := "Pins:\n" +
		"  - { Fingerprint: \"zz\", Names: [a.example] }\n" +
		"  - { Fingerprint: \"" + pinnedFP + "\" }\n" +
		"  - { Names: [a.example] }\n" +
		"  - { Fingerprint: \"" + pinnedFP + "\", PublicKeyFingerprint: \"" + pinnedKeyFP + "\", Names: [a.example] }\n" +
		"  - { Fingerprint: \"" + pinnedFP + "\", Names: [\"f*.example\"] }\n" +
		"  - { Fingerprint: \"" + pinnedFP + "\", Names: [a.example], Comment: x }\n" +
		"  - { Fingerprint: \"" + otherFP + "\", Names: [a.example] }\n" +
		"  - { Fingerprint: \"" + otherFP + "\", Names: [b.example] }\n" +
		"  - plain\n" +
		"Pin: []\n"
	p, err := ParsePins([]byte(in), "pins.yaml")
	assert.Nil(t, p, "nothing is half-loaded")
	checkErrors(t, err, []string{
		`pins.yaml:2:7: Pins[0].Fingerprint: bad fingerprint "zz": want 32 colon-separated pairs of hex digits or 64 hex digits (SHA-256)`,
		`pins.yaml:3:5: Pins[1].Names: no Names: a pin needs at least one name`,
		`pins.yaml:4:5: Pins[2]: no Fingerprint or PublicKeyFingerprint`,
		`pins.yaml:5:5: Pins[3].PublicKeyFingerprint: give Fingerprint or PublicKeyFingerprint, not both`,
		`pins.yaml:6:119: Pins[4].Names: bad certificate name "f*.example" (given): partial wildcard "f*": "*" must be the whole leftmost label (RFC 6125 §6.4.3 rule 3 is not followed)`,
		`pins.yaml:7:139: Pins[5].Comment: unknown field "Comment" in a pin`,
		`pins.yaml:9:7: Pins[7].Fingerprint: bad pin "01:02:03:04:05:06:07:08:09:0A:0B:0C:0D:0E:0F:10:11:12:13:14:15:16:17:18:19:1A:1B:1C:1D:1E:1F:20": fingerprint pinned twice`,
		`pins.yaml:10:5: Pins[8]: want a pin as a mapping of Name: value, got a scalar`,
		`pins.yaml:11:1: Pin: unknown field "Pin" in a pins file (did you mean Pins?)`,
	})
	_, err = ParsePins([]byte("Pins: [\n"), "bad.yaml")
	assert.ErrorContains(t, err, "bad.yaml:")
	assert.ErrorContains(t, err, "YAML syntax error")
}

func TestLoadPins(t *testing.T) {
	path := filepath.Join(t.TempDir(), "pins.yaml")
	require.NoError(t, os.WriteFile(path, []byte(pinsYAML), 0o644))
	p, err := LoadPins(path)
	require.NoError(t, err)
	assert.Equal(t, 2, p.Len())
	_, err = LoadPins(filepath.Join(t.TempDir(), "missing.yaml"))
	assert.True(t, errors.Is(err, fs.ErrNotExist), "%v", err)
}
