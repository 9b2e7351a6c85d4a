package certmatch_test

import (
	"crypto/sha256"
	"errors"
	"strings"
	"testing"

	"github.com/mailflow-go/mailflow/certmatch"
)

// postfixFP is the ccert_fingerprint of ../shared/integration/postfix.md's
// policy request, exactly as Postfix 3.7 sent it.
const postfixFP = "AA:8F:E7:E4:8E:9C:B0:A5:6D:10:94:15:3E:AB:AE:79:91:99:FC:48:35:E4:87:EC:D4:5C:13:4B:FA:66:99:37"

func TestParseFingerprint(t *testing.T) {
	want, err := certmatch.ParseFingerprint(postfixFP)
	if err != nil {
		t.Fatal(err)
	}
	if want[0] != 0xAA || want[31] != 0x37 {
		t.Fatalf("decoded %x", want)
	}
	plain := strings.ReplaceAll(postfixFP, ":", "")
	for _, in := range []string{
		postfixFP,                  // Postfix: upper case, colons
		strings.ToLower(postfixFP), // lower case
		plain,                      // plain hex (sha256sum, openssl dgst)
		strings.ToLower(plain),     // plain, lower case
	} {
		got, err := certmatch.ParseFingerprint(in)
		if err != nil || got != want {
			t.Errorf("ParseFingerprint(%q) = %v, %v", in, got, err)
		}
	}
	if want.String() != postfixFP {
		t.Errorf("String() = %s, want Postfix's form", want)
	}
	const lengthMsg = "want 32 colon-separated pairs of hex digits or 64 hex digits (SHA-256)"
	for in, msg := range map[string]string{
		"":                                      lengthMsg,                            // empty
		postfixFP[:len(postfixFP)-3]:            lengthMsg,                            // 31 bytes
		plain + "00":                            lengthMsg,                            // 33 bytes
		"MD5:" + postfixFP[4:]:                  "not a hex digit",                    // a digest name is not hex
		strings.ReplaceAll(postfixFP, ":", "-"): "hex pairs must be separated by ':'", // another separator
		"ZZ" + plain[2:]:                        "not a hex digit",                    // not hex
	} {
		_, err := certmatch.ParseFingerprint(in)
		if want := `certmatch: bad fingerprint "` + in + `": ` + msg; in == "" {
			want = "certmatch: bad fingerprint: " + msg
			if err == nil || err.Error() != want {
				t.Errorf("ParseFingerprint(%q): %v, want %s", in, err, want)
			}
		} else if err == nil || err.Error() != want {
			t.Errorf("ParseFingerprint(%q):\n got %v\nwant %s", in, err, want)
		}
	}
	var f certmatch.Fingerprint
	if err := f.UnmarshalText([]byte(plain)); err != nil || f != want {
		t.Errorf("UnmarshalText: %v", err)
	}
	if b, _ := f.MarshalText(); string(b) != postfixFP {
		t.Errorf("MarshalText: %s", b)
	}
}

func TestPins(t *testing.T) {
	var pins certmatch.Pins // the zero Pins is ready
	if _, ok := pins.Lookup(postfixFP); ok {
		t.Error("the zero Pins found a fingerprint")
	}
	if err := pins.Add(postfixFP, "client-cn.example.org", "client-san.example.net"); err != nil {
		t.Fatal(err)
	}
	// Postfix's form, and any other accepted spelling, finds the pin.
	for _, fp := range []string{postfixFP, strings.ToLower(strings.ReplaceAll(postfixFP, ":", ""))} {
		ns, ok := pins.Lookup(fp)
		if !ok || describe(ns) != "client-cn.example.org(given) client-san.example.net(given)" {
			t.Errorf("Lookup(%s) = %s, %v", fp, describe(ns), ok)
		}
	}
	// Unknown and malformed fingerprints are not found.
	for _, fp := range []string{strings.Replace(postfixFP, "AA", "AB", 1), "", "AA:8F", "not a fingerprint"} {
		if ns, ok := pins.Lookup(fp); ok {
			t.Errorf("Lookup(%q) found %s", fp, ns)
		}
	}
	// A pin is a configuration: bad input is an error, and nothing is
	// added.
	for _, tt := range []struct {
		fp    string
		names []string
		want  string
	}{
		{postfixFP, []string{"other.example.org"}, `certmatch: bad pin "` + postfixFP + `": fingerprint pinned twice`},
		{"AB" + postfixFP[2:], nil, `certmatch: bad pin "AB` + postfixFP[2:] + `": no names to pin`},
		{"AB" + postfixFP[2:], []string{"*.com"}, `certmatch: bad certificate name "*.com" (given): com is a public suffix: a wildcard over it would cover other organisations' names`},
		{"AB:CD", []string{"a.example.org"}, `certmatch: bad fingerprint "AB:CD": want 32 colon-separated pairs of hex digits or 64 hex digits (SHA-256)`},
		{strings.Repeat("0", 64), []string{"a.example.org"}, `certmatch: bad pin "` + certmatch.Fingerprint{}.String() + `": zero fingerprint`},
	} {
		if err := pins.Add(tt.fp, tt.names...); err == nil || err.Error() != tt.want {
			t.Errorf("Add(%s, %q):\n got %v\nwant %s", tt.fp, tt.names, err, tt.want)
		}
	}
	if pins.Len() != 1 {
		t.Errorf("Len() = %d after failed adds", pins.Len())
	}
}

func TestPinsCertificate(t *testing.T) {
	cert := mustSelfSigned(certSpec{CN: []string{"relay.contoso.com"}, DNS: []string{"relay.contoso.com", "*.contoso.com"}})
	var pins certmatch.Pins
	f, err := pins.AddCertificate(cert)
	if err != nil {
		t.Fatal(err)
	}
	if f != certmatch.Fingerprint(sha256.Sum256(cert.Raw)) || f != certmatch.CertificateFingerprint(cert) {
		t.Errorf("fingerprint %s is not the SHA-256 of the DER certificate", f)
	}
	ns, ok := pins.Lookup(f.String())
	if !ok || describe(ns) != "relay.contoso.com(CN+SAN) *.contoso.com(SAN)" {
		t.Errorf("Lookup = %s, %v", describe(ns), ok)
	}
	if _, ok := ns.Proves(accepted("contoso.com")); !ok {
		t.Error("the pinned names do not prove contoso.com")
	}
	// The public-key fingerprint is the SHA-256 of the SubjectPublicKeyInfo,
	// and is looked up in its own Pins.
	if pk := certmatch.PublicKeyFingerprint(cert); pk != sha256.Sum256(cert.RawSubjectPublicKeyInfo) || pk == f {
		t.Errorf("PublicKeyFingerprint = %s", pk)
	}
	if _, err := pins.AddCertificate(cert); err == nil {
		t.Error("pinning a certificate twice succeeded")
	}
	// A certificate without a usable name cannot be pinned; the error says
	// why each name was skipped.
	_, err = pins.AddCertificate(mustSelfSigned(certSpec{CN: []string{"Contoso Relay"}}))
	if err == nil || !strings.Contains(err.Error(), "no usable DNS name") || !strings.Contains(err.Error(), `"Contoso Relay" (CN)`) {
		t.Errorf("AddCertificate without names: %v", err)
	}
	var pe *certmatch.Error
	if !errors.As(err, &pe) {
		t.Errorf("AddCertificate error %v has no *certmatch.Error", err)
	}
}
