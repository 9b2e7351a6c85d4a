package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"math/big"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// writeCert writes a self-signed PEM certificate with the given CN and DNS
// SANs, and returns its path.
func writeCert(t *testing.T, cn string, sans ...string) string {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: cn, Organization: []string{"Contoso"}},
		DNSNames:     sans,
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	require.NoError(t, err)
	path := filepath.Join(t.TempDir(), "client.pem")
	require.NoError(t, os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600))
	return path
}

func TestAttributeCertFile(t *testing.T) {
	// The CN names a host outside the accepted domains; a SAN proves
	// contoso.com: Exchange checks "Subject or SAN".
	pemFile := writeCert(t, "relay01.hosting.example", "smtp.contoso.com")
	stdout, stderr, code := mailflow(t, "attribute", "--json", "--cert", pemFile, "--ip", "198.51.100.77",
		"--mail-from", "<>", "--rcpt", "sun@internet.example")
	require.Equal(t, 0, code, stderr)
	var got map[string]any
	require.NoError(t, json.Unmarshal([]byte(stdout), &got))
	assert.Equal(t, "contoso", got["tenant"])
	assert.Equal(t, "certificate", got["basis"])
	r := got["recipients"].([]any)[0].(map[string]any)
	assert.Equal(t, "relay", r["disposition"], "the SAN proves contoso.com, so the bounce may relay")

	// A certificate of the hosting provider alone matches no connector.
	other := writeCert(t, "relay01.hosting.example")
	stdout, _, code = mailflow(t, "attribute", "--json", "--cert", other, "--ip", "198.51.100.77",
		"--mail-from", "<>", "--rcpt", "sun@internet.example")
	require.Equal(t, 0, code)
	require.NoError(t, json.Unmarshal([]byte(stdout), &got))
	assert.Equal(t, "anonymous", got["path"])
	assert.Equal(t, "550 5.7.1 Unable to relay", got["recipients"].([]any)[0].(map[string]any)["reply"])

	_, stderr, code = mailflow(t, "attribute", "--cert", filepath.Join(t.TempDir(), "missing.pem"), "--ip", "198.51.100.77",
		"--mail-from", "<>", "--rcpt", "sun@internet.example")
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, "--cert")
}
