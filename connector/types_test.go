package connector

import (
	"encoding/json"
	"fmt"
	"net/netip"
	"testing"
)

func TestParseSmartHost(t *testing.T) {
	tests := []struct {
		in      string
		want    string // String(); "" when an error is expected
		kind    string // "name", "addr" or "prefix"
		wantErr string
	}{
		{"mail.contoso.com", "mail.contoso.com", "name", ""},
		{"Mail.Contoso.COM.", "mail.contoso.com", "name", ""},                                       // canonical name
		{"smtp.bücher.de", "smtp.xn--bcher-kva.de", "name", ""},                                     // IDN to A-labels
		{"192.0.2.1", "192.0.2.1", "addr", ""},                                                      // IPv4
		{"2001:DB8::1", "2001:db8::1", "addr", ""},                                                  // IPv6, canonical
		{"192.168.0.1/25", "192.168.0.1/25", "prefix", ""},                                          // the documentation's example, kept as written
		{"2001:db8::/64", "2001:db8::/64", "prefix", ""},                                            // IPv6 range
		{"192.0.2.300", "", "", `connector: bad smart host "192.0.2.300": not an IP address`},       // looks like IPv4
		{"1.2.3", "", "", `connector: bad smart host "1.2.3": not an IP address`},                   // numeric last label
		{"192.0.2.0/33", "", "", `connector: bad smart host "192.0.2.0/33": not a CIDR range`},      // bad prefix length
		{"fe80::1%eth0", "", "", `connector: bad smart host "fe80::1%eth0": IPv6 zone not allowed`}, // zones are local
		{"2001:db8::g", "", "", `connector: bad smart host "2001:db8::g": not an IP address`},       // bad IPv6
		{"", "", "", `connector: bad smart host "": not an IP address, CIDR range or host name: empty name`},
		{"mail_1.contoso.com", "", "", `connector: bad smart host "mail_1.contoso.com": not an IP address, CIDR range or host name: underscore not allowed in a mail domain (at "mail_1")`},
	}
	for _, tt := range tests {
		h, err := ParseSmartHost(tt.in)
		if tt.wantErr != "" {
			if err == nil || err.Error() != tt.wantErr {
				t.Errorf("ParseSmartHost(%q) error = %v, want %s", tt.in, err, tt.wantErr)
			}
			continue
		}
		if err != nil {
			t.Errorf("ParseSmartHost(%q): %v", tt.in, err)
			continue
		}
		_, isName := h.Name()
		_, isAddr := h.Addr()
		_, isPrefix := h.Prefix()
		kind := map[[3]bool]string{{true, false, false}: "name", {false, true, false}: "addr", {false, false, true}: "prefix"}[[3]bool{isName, isAddr, isPrefix}]
		if h.String() != tt.want || kind != tt.kind || !h.IsValid() {
			t.Errorf("ParseSmartHost(%q) = %q (%s), want %q (%s)", tt.in, h, kind, tt.want, tt.kind)
		}
		// Round trip through text.
		var back SmartHost
		if err := back.UnmarshalText([]byte(h.String())); err != nil || back != h {
			t.Errorf("round trip of %q: %v, %v", h, back, err)
		}
	}
	if (SmartHost{}).IsValid() || (SmartHost{}).String() != "" {
		t.Errorf("zero SmartHost is valid or prints")
	}
}

func TestParseIPRange(t *testing.T) {
	tests := []struct {
		in      string
		want    string // String()
		wantErr string
	}{
		{"192.0.2.1", "192.0.2.1", ""},                               // single address
		{"192.0.2.0/24", "192.0.2.0/24", ""},                         // CIDR
		{"192.0.2.7/24", "192.0.2.0/24", ""},                         // CIDR is masked
		{"192.0.2.0-192.0.2.255", "192.0.2.0/24", ""},                // a range that is a prefix prints as one
		{"192.0.2.1 - 192.0.2.9", "192.0.2.1-192.0.2.9", ""},         // spaces around the dash
		{"2001:db8::1-2001:db8::ff", "2001:db8::1-2001:db8::ff", ""}, // IPv6
		{"192.0.2.9-192.0.2.1", "", `connector: bad IP range "192.0.2.9-192.0.2.1": the range ends before it starts`},
		{"192.0.2.1-2001:db8::1", "", `connector: bad IP range "192.0.2.1-2001:db8::1": the two ends are of different families`},
		{"192.0.2.1-", "", `connector: bad IP range "192.0.2.1-": want first-last with two IP addresses`},
		{"192.0.2.0/40", "", `connector: bad IP range "192.0.2.0/40": not a CIDR range`},
		{"contoso.com", "", `connector: bad IP range "contoso.com": not an IP address, CIDR range or first-last range`},
	}
	for _, tt := range tests {
		r, err := ParseIPRange(tt.in)
		if tt.wantErr != "" {
			if err == nil || err.Error() != tt.wantErr {
				t.Errorf("ParseIPRange(%q) error = %v, want %s", tt.in, err, tt.wantErr)
			}
			continue
		}
		if err != nil || r.String() != tt.want {
			t.Errorf("ParseIPRange(%q) = %q, %v; want %q", tt.in, r, err, tt.want)
			continue
		}
		var back IPRange
		if err := back.UnmarshalText([]byte(r.String())); err != nil || back != r {
			t.Errorf("round trip of %q: %v, %v", r, back, err)
		}
	}
	r := mustRange("192.0.2.10-192.0.2.20")
	for _, tt := range []struct {
		addr string
		want bool
	}{
		{"192.0.2.10", true},         // first
		{"192.0.2.20", true},         // last
		{"192.0.2.21", false},        // after
		{"192.0.2.9", false},         // before
		{"::ffff:192.0.2.15", false}, // IPv6 form of an address inside: another family
	} {
		if got := r.Contains(mustAddr(tt.addr)); got != tt.want {
			t.Errorf("%s.Contains(%s) = %v", r, tt.addr, got)
		}
	}
}

func TestParseSenderIPAddress(t *testing.T) {
	for _, tt := range []struct {
		in, want string // want "" for an error
	}{
		{"192.0.2.1", "192.0.2.1/32"},      // a single address becomes a /32
		{"2001:db8::1", "2001:db8::1/128"}, // or a /128
		{"192.0.2.0/24", "192.0.2.0/24"},
		{"10.0.0.0/8", "10.0.0.0/8"}, // accepted here; a portability issue
		{"192.0.2.1-192.0.2.5", ""},  // ranges are not prefixes
		{"", ""},
	} {
		p, err := ParseSenderIPAddress(tt.in)
		if (err != nil) != (tt.want == "") || err == nil && p.String() != tt.want {
			t.Errorf("ParseSenderIPAddress(%q) = %v, %v; want %q", tt.in, p, err, tt.want)
		}
	}
}

func TestEnums(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want ConnectorType
		ok   bool
	}{
		{"OnPremises", OnPremises, true},
		{"onpremises", OnPremises, true}, // ignoring case
		{"2", Partner, true},             // Exchange's number
		{"", 0, true},                    // unset
		{"Internal", 0, false},
		{"0", 0, false}, // 0 is not a connector type
	} {
		got, err := ParseConnectorType(tt.in)
		if got != tt.want || (err == nil) != tt.ok {
			t.Errorf("ParseConnectorType(%q) = %v, %v", tt.in, got, err)
		}
	}
	for _, tt := range []struct {
		in   string
		want TlsAuthLevel
		ok   bool
	}{
		{"DomainValidation", DomainValidation, true},
		{"4", DomainValidation, true},
		{"encryptiononly", EncryptionOnly, true},
		{"", 0, true}, // $null
		{"3", 0, false},
	} {
		got, err := ParseTlsAuthLevel(tt.in)
		if got != tt.want || (err == nil) != tt.ok {
			t.Errorf("ParseTlsAuthLevel(%q) = %v, %v", tt.in, got, err)
		}
	}
	for _, tt := range []struct {
		in   string
		want ConnectorSource
		ok   bool
	}{
		{"AdminUI", SourceAdminUI, true},
		{"HybridWizard", SourceHybridWizard, true},
		{"2", SourceHybridWizard, true},
		{"0", SourceDefault, true},
		{"", SourceDefault, true},
		{"4", 0, false}, // this package's number for AdminUI is not Exchange's
	} {
		got, err := ParseConnectorSource(tt.in)
		if got != tt.want || (err == nil) != tt.ok {
			t.Errorf("ParseConnectorSource(%q) = %v, %v", tt.in, got, err)
		}
	}
	for _, tt := range []struct {
		in   string
		want Precedence
		ok   bool
	}{
		{"most-specific", MostSpecific, true},
		{"Listed-Order", ListedOrder, true},
		{"listed", 0, false},
		{"", 0, false},
	} {
		got, err := ParsePrecedence(tt.in)
		if got != tt.want || (err == nil) != tt.ok {
			t.Errorf("ParsePrecedence(%q) = %v, %v", tt.in, got, err)
		}
	}
	var rules []string
	for r := RuleNone; r <= RuleAny+1; r++ {
		rules = append(rules, r.String())
	}
	if got := fmt.Sprint(rules); got != "[none exact wildcard all-accepted any Rule(5)]" {
		t.Errorf("Rule strings: %s", got)
	}
}

// TestJSON: the types marshal as the strings Exchange's exports use.
func TestJSON(t *testing.T) {
	c := onPrem("Connector 1", "*.contoso.com")
	c.TlsSettings, c.TlsDomain = DomainValidation, c.RecipientDomains[0]
	b, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	const want = `{"Name":"Connector 1","Enabled":true,"ConnectorType":"OnPremises","ConnectorSource":"Default","RecipientDomains":["*.contoso.com"],"AllAcceptedDomains":false,"IsTransportRuleScoped":false,"RouteAllMessagesViaOnPremises":false,"UseMXRecord":false,"SmartHosts":["mail.contoso.com"],"TlsSettings":"DomainValidation","TlsDomain":"*.contoso.com","CloudServicesMailEnabled":false,"SenderRewritingEnabled":false,"TestMode":false}`
	if string(b) != want {
		t.Errorf("json:\n%s\nwant\n%s", b, want)
	}
	var back Outbound
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if b2, _ := json.Marshal(back); string(b2) != want {
		t.Errorf("round trip:\n%s", b2)
	}
	sel, _ := json.Marshal(struct {
		Rule       Rule
		Precedence Precedence
	}{RuleAllAccepted, ListedOrder})
	if string(sel) != `{"Rule":"all-accepted","Precedence":"listed-order"}` {
		t.Errorf("json: %s", sel)
	}
}

func mustAddr(s string) netip.Addr { return netip.MustParseAddr(s) }
