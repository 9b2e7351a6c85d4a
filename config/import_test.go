package config

import (
	"io/fs"
	"net/netip"
	"reflect"
	"strings"
	"testing"
	"unicode/utf16"

	"github.com/mailflow-go/mailflow/connector"
	"github.com/mailflow-go/mailflow/domain"
)

// TestImportFixtures: testdata/exo imports every export shape of facts
// §8; each record is checked field by field.
func TestImportFixtures(t *testing.T) {
	c := mustLoad(t, "testdata/exo/config.yaml")
	if len(c.Tenants) != 1 {
		t.Fatalf("%d tenants", len(c.Tenants))
	}
	tn := c.Tenants[0]
	if tn.ID != "m365x" || !tn.RejectDirectSend {
		t.Errorf("tenant = %q, RejectDirectSend %v", tn.ID, tn.RejectDirectSend)
	}

	// Accepted domains, in Import order: the PS 5.1 array (string, enum
	// object and int DomainType; "True" as a string), the single-object
	// file, then ScubaGear's accepted_domains. Dates and identity fields
	// are skipped.
	wantAcc := []domain.AcceptedDomain{
		accepted("contoso.com", domain.Authoritative, false),
		accepted("sales.contoso.com", domain.Authoritative, false), // {"value": 0, "Value": "Authoritative"}
		accepted("relay.contoso.com", domain.InternalRelay, true),  // 2, "True"
		accepted("fabrikam.com", domain.Authoritative, false),      // a single object, not an array
		accepted("tqhjy.onmicrosoft.com", domain.Authoritative, false),
		accepted("tqhjy.mail.onmicrosoft.com", domain.Authoritative, false), // IsCoexistenceDomain: skipped
	}
	if !reflect.DeepEqual(tn.AcceptedDomains, wantAcc) {
		t.Errorf("AcceptedDomains:\n got %v\nwant %v", tn.AcceptedDomains, wantAcc)
	}

	// Inbound connectors: the REST file's two records, then ScubaGear's.
	if len(tn.InboundConnectors) != 3 {
		t.Fatalf("%d inbound connectors", len(tn.InboundConnectors))
	}
	cert := connector.NewInbound("From on-premises (certificate)")
	cert.ConnectorType = connector.OnPremises
	cert.ConnectorSource = connector.SourceAdminUI
	cert.SenderDomains = pats("*") // "smtp:*;1"
	cert.RequireTls = true
	cert.CloudServicesMailEnabled = true
	cert.TlsSenderCertificateName = domain.MustParsePattern("*.contoso.com")
	cert.Stored = true // imported: what the service stores
	checkInbound(t, tn.InboundConnectors[0], cert)

	ip := connector.NewInbound("From on-premises (IP)")
	ip.ConnectorType = connector.OnPremises // 1
	ip.ConnectorSource = connector.SourceAdminUI
	ip.SenderDomains = pats("*") // "SMTP:*;1"
	ip.SenderIPAddresses = []netip.Prefix{netip.MustParsePrefix("203.0.113.25/32"), netip.MustParsePrefix("198.51.100.0/24")}
	ip.AssociatedAcceptedDomains = []domain.Name{domain.MustParse("contoso.com")}
	ip.EFSkipIPs = []connector.IPRange{
		{From: netip.MustParseAddr("192.0.2.1"), To: netip.MustParseAddr("192.0.2.9")},
		connector.IPRangeFromPrefix(netip.MustParsePrefix("203.0.113.128/28")),
	}
	ip.EFUsers = []string{"user@contoso.com"}
	ip.Stored = true                             // imported: what the service stores
	checkInbound(t, tn.InboundConnectors[1], ip) // TlsSenderCertificateName null: unset; "False" as a string

	scuba := connector.NewInbound("Partner test")
	scuba.ConnectorSource = connector.SourceAdminUI
	scuba.SenderDomains = pats("test.domain.com") // "smtp:test.domain.com;1"
	scuba.RequireTls = true
	scuba.Stored = true // imported: what the service stores
	checkInbound(t, tn.InboundConnectors[2], scuba)

	// Outbound connectors: the inline one first, then the REST file's
	// two, the single minimal record; ScubaGear's [null] adds nothing.
	if len(tn.OutboundConnectors) != 4 {
		t.Fatalf("%d outbound connectors: %+v", len(tn.OutboundConnectors), tn.OutboundConnectors)
	}
	inline := connector.NewOutbound("Inline")
	inline.RecipientDomains = pats("inline.example")
	checkOutbound(t, tn.OutboundConnectors[0], inline)

	gmail := connector.NewOutbound("Relay via Google") // the graph2otel record
	gmail.ConnectorType = connector.OnPremises
	gmail.ConnectorSource = connector.SourceAdminUI
	gmail.UseMXRecord = false
	gmail.SmartHosts = hosts("smtp-relay.gmail.com")
	gmail.TlsSettings = connector.CertificateValidation
	gmail.IsTransportRuleScoped = true
	gmail.CloudServicesMailEnabled = true
	gmail.Stored = true                               // imported: what the service stores
	checkOutbound(t, tn.OutboundConnectors[1], gmail) // "RecipientDomains": [] stays empty

	wood := connector.NewOutbound("To Woodgrove Bank")
	wood.ConnectorType = connector.Partner                                   // {"value": 2, "Value": "Partner"}
	wood.ConnectorSource = connector.SourceDefault                           // "SomethingNew": unknown, informational
	wood.RecipientDomains = pats("woodgrovebank.com", "*.woodgrovebank.com") // "smtp:woodgrovebank.com;1"
	wood.TlsSettings = connector.DomainValidation                            // {"value": 4, "Value": "DomainValidation"}
	wood.TlsDomain = domain.MustParsePattern("*.woodgrovebank.com")
	wood.Stored = true // imported: what the service stores
	checkOutbound(t, tn.OutboundConnectors[2], wood)

	minimal := connector.NewOutbound("Minimal") // every other field missing: the defaults
	minimal.RecipientDomains = pats("partner.example")
	minimal.Stored = true // imported: what the service stores
	checkOutbound(t, tn.OutboundConnectors[3], minimal)

	if c.Directory() == nil {
		t.Error("no Directory")
	}
}

func checkInbound(t *testing.T, got, want connector.Inbound) {
	t.Helper()
	norm := func(c *connector.Inbound) {
		if len(c.SenderIPAddresses) == 0 {
			c.SenderIPAddresses = nil
		}
		if len(c.AssociatedAcceptedDomains) == 0 {
			c.AssociatedAcceptedDomains = nil
		}
		if len(c.TrustedOrganizations) == 0 {
			c.TrustedOrganizations = nil
		}
		if len(c.EFSkipIPs) == 0 {
			c.EFSkipIPs = nil
		}
		if len(c.EFUsers) == 0 {
			c.EFUsers = nil
		}
	}
	norm(&got)
	norm(&want)
	if !reflect.DeepEqual(got, want) {
		t.Errorf("inbound %q:\n got %+v\nwant %+v", want.Name, got, want)
	}
}

func checkOutbound(t *testing.T, got, want connector.Outbound) {
	t.Helper()
	if len(got.RecipientDomains) == 0 {
		got.RecipientDomains = nil
	}
	if len(got.SmartHosts) == 0 {
		got.SmartHosts = nil
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("outbound %q:\n got %+v\nwant %+v", want.Name, got, want)
	}
}

// importConfig is a configuration that imports the file x.json as list.
func importConfig(list string) string {
	return "Tenants:\n  - Id: a\n    Import: { " + list + ": x.json }\n"
}

// parseWith parses a configuration whose imports come from files.
func parseWith(text string, files map[string][]byte) (*Config, error) {
	return parse([]byte(text), "dir/c.yaml", func(name string) ([]byte, error) {
		if b, ok := files[name]; ok {
			return b, nil
		}
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
	}, nil, nil)
}

func utf16le(s string) []byte {
	b := []byte{0xFF, 0xFE}
	for _, u := range utf16.Encode([]rune(s)) {
		b = append(b, byte(u), byte(u>>8))
	}
	return b
}

func utf16be(s string) []byte {
	b := []byte{0xFE, 0xFF}
	for _, u := range utf16.Encode([]rune(s)) {
		b = append(b, byte(u>>8), byte(u))
	}
	return b
}

// TestImportShapes: one shape or tolerance per row, for accepted domains.
func TestImportShapes(t *testing.T) {
	rec := `{"DomainName": "a.example", "DomainType": "Authoritative"}`
	tests := []struct {
		name string
		data []byte
		want []string // DomainNames loaded
	}{
		// A bare array, a single object, the REST wrapper, ScubaGear.
		{"array", []byte("[" + rec + "]"), []string{"a.example"}},
		{"object", []byte(rec), []string{"a.example"}},
		{"REST", []byte(`{"@odata.context": "x", "value": [` + rec + `, {"DomainName": "b.example", "@odata.type": "#T", "DomainName@data.type": "#String"}]}`), []string{"a.example", "b.example"}},
		{"REST empty", []byte(`{"value": []}`), nil},
		{"REST null", []byte(`{"value": null}`), nil},
		{"ScubaGear", []byte(`{"accepted_domains": [` + rec + `], "inbound_connectors": [null]}`), []string{"a.example"}},
		{"ScubaGear one", []byte(`{"accepted_domains": ` + rec + `}`), []string{"a.example"}},
		// [null] and null: nothing.
		{"[null]", []byte(`[null]`), nil},
		{"null", []byte(`null`), nil},
		{"empty array", []byte(`[]`), nil},
		// Null records among others are skipped.
		{"null entries", []byte("[null, " + rec + ", null]"), []string{"a.example"}},
		// Windows PowerShell 5.1 with ">": UTF-16 LE with a byte-order mark; BE and UTF-8 BOM too.
		{"UTF-16LE", utf16le("[\r\n    " + rec + "\r\n]\r\n"), []string{"a.example"}},
		{"UTF-16BE", utf16be(rec), []string{"a.example"}},
		{"UTF-8 BOM", append([]byte{0xEF, 0xBB, 0xBF}, rec...), []string{"a.example"}},
		// Enum shapes: int, enum object (name first), number when the name fails, lower-case value only.
		{"int", []byte(`{"DomainName": "a.example", "DomainType": 0}`), []string{"a.example"}},
		{"enum object", []byte(`{"DomainName": "a.example", "DomainType": {"value": 0, "Value": "Authoritative"}}`), []string{"a.example"}},
		{"enum object, unknown name", []byte(`{"DomainName": "a.example", "DomainType": {"value": 0, "Value": "Unknown"}}`), []string{"a.example"}},
		{"enum object, value only", []byte(`{"DomainName": "a.example", "DomainType": {"value": 0}}`), []string{"a.example"}},
		// Case-variant duplicate keys: the exact spelling wins, in either order.
		{"case variants", []byte(`{"domainname": "x.example", "DomainName": "a.example"}`), []string{"a.example"}},
		{"case variants 2", []byte(`{"DomainName": "a.example", "DOMAINNAME": "x.example"}`), []string{"a.example"}},
		// Unknown and skipped fields, dates in both forms, nested values.
		{"extra fields", []byte(`{"DomainName": "a.example", "WhenCreated": "\/Date(1772500523000)\/", "WhenChangedUTC": "2026-07-23T22:55:13.0000000Z",
			"LastValidationTimestamp": "2026-07-24T09:12:44.0000000", "ObjectClass": ["top"], "Future": {"x": [1, 2]}}`), []string{"a.example"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, err := parseWith(importConfig("AcceptedDomains"), map[string][]byte{"dir/x.json": tc.data})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, a := range c.Tenants[0].AcceptedDomains {
				got = append(got, a.Name.String())
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}

// TestImportErrors: what an export can get wrong, reported against the
// export file.
func TestImportErrors(t *testing.T) {
	tests := []struct {
		list string
		data []byte
		want []string
	}{
		// 403 from the admin API: NUL bytes.
		{"AcceptedDomains", []byte("\x00\x00\x00\x00"), []string{
			"dir/x.json: tenant \"a\": the file holds NUL bytes, not JSON: the admin API answers 403 Forbidden that way (the app needs Exchange.ManageAsApp and an Entra directory role)"}},
		// Not JSON at all (a CSV export, say).
		{"AcceptedDomains", []byte("DomainName,DomainType\na.example,Authoritative\n"), []string{
			"dir/x.json:1:1: tenant \"a\": JSON syntax error: invalid character 'D' looking for beginning of value"}},
		// A scalar.
		{"AcceptedDomains", []byte(`"a.example"`), []string{
			"dir/x.json:1:1: tenant \"a\": want a JSON array of Get-AcceptedDomain records, or one record, got a scalar"}},
		// ScubaGear file without the list asked for.
		{"OutboundConnectors", []byte(`{"accepted_domains": []}`), []string{
			"dir/x.json:1:1: tenant \"a\": the ScubaGear export has no outbound_connectors"}},
		{"OutboundConnectors", []byte(`{"outbound_connectors": "none"}`), []string{
			"dir/x.json:1:25: outbound_connectors (tenant \"a\"): want a list of records, got a scalar"}},
		// Incomplete responses are refused, naming how to get the rest.
		{"OutboundConnectors", []byte(`{"value": [], "@odata.nextLink": "https://outlook.office365.com/adminapi/beta/t/InvokeCommand?$skiptoken=x"}`), []string{
			`dir/x.json:1:34: tenant "a": the response is one page of several (@odata.nextLink is set): the records after it are missing; the admin API cannot replay the link: export again with -ResultSize Unlimited (CmdletInput Parameters {"ResultSize": "Unlimited"})`}},
		{"OutboundConnectors", []byte(`{"@adminapi.warnings": ["There are more results available than are currently displayed."], "value": []}`), []string{
			`dir/x.json:1:24: tenant "a": the response carries @adminapi.warnings, which the admin API sets on a truncated result ("There are more results available than are currently displayed."): records may be missing; export again with -ResultSize Unlimited`}},
		// A record that is not an object.
		{"InboundConnectors", []byte(`{"value": [42]}`), []string{
			"dir/x.json:1:12: value[0] (tenant \"a\"): want an inbound connector as a mapping of Name: value, got a scalar"}},
		// Accepted domains imported as connectors.
		{"OutboundConnectors", []byte(`[{"DomainName": "a.example"}]`), []string{
			"dir/x.json:1:2: [0] (tenant \"a\"): this record looks like an accepted domain (Get-AcceptedDomain output), but the file is imported as OutboundConnectors"}},
		// Bad values, at their line and column; entries skipped as null keep their file index.
		{"InboundConnectors", []byte("[\n {\"Name\": \"x\",\n  \"SenderDomains\": [null, \"smtp:*.com;1\"],\n  \"ConnectorType\": {\"value\": 9, \"Value\": \"Nope\"}}\n]"), []string{
			`dir/x.json:3:27: [0].SenderDomains[1] (tenant "a", connector "x"): bad pattern "*.com": com is a public suffix; a wildcard over it would match other organisations' domains`,
			`dir/x.json:4:20: [0].ConnectorType (tenant "a", connector "x"): bad ConnectorType "Nope": want OnPremises or Partner`}},
		// Booleans that are neither.
		{"InboundConnectors", []byte(`{"Name": "x", "RequireTls": "Yes"}`), []string{
			`dir/x.json:1:29: RequireTls (tenant "a", connector "x"): want true or false, got "Yes"`}},
		// Structural rules refuse stored records too: a smart host that
		// is not one.
		{"OutboundConnectors", []byte(`{"value": [{"Name": "x", "UseMXRecord": false, "SmartHosts": ["a..b"]}]}`), []string{
			`dir/x.json:1:63: value[0].SmartHosts[0] (tenant "a", connector "x"): bad smart host "a..b": not an IP address, CIDR range or host name: empty label`}},
		// A conflict between an inline connector and an imported one: the
		// later (imported) one is at fault, in the export.
		{"OutboundConnectors", []byte(`[{"Name": "Two", "RecipientDomains": ["smtp:b.example;1"]}]`), []string{
			`dir/x.json:1:39: [0].RecipientDomains[0] (tenant "a", connector "Two"): b.example is already claimed by OutboundConnectors[0] ("One"): two enabled connectors cannot claim one recipient domain`}},
	}
	for _, tc := range tests {
		t.Run(tc.list+" "+string(tc.data), func(t *testing.T) {
			text := importConfig(tc.list)
			if strings.Contains(tc.want[0], `("One")`) {
				text += "    OutboundConnectors: [{ Name: One, RecipientDomains: [b.example] }]\n"
			}
			c, err := parseWith(text, map[string][]byte{"dir/x.json": tc.data})
			if c != nil {
				t.Error("a Config was returned with the error")
			}
			checkErrors(t, err, tc.want)
		})
	}
}

// TestImportPaths: import names are relative to the configuration's
// directory unless absolute; a file may be named in several lists.
func TestImportPaths(t *testing.T) {
	var asked []string
	text := "Tenants:\n  - Id: a\n    Import:\n      AcceptedDomains: [x.json, /abs/y.json, sub/z.json]\n"
	_, err := parse([]byte(text), "dir/c.yaml", func(name string) ([]byte, error) {
		asked = append(asked, name)
		return []byte("[]"), nil
	}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"dir/x.json", "/abs/y.json", "dir/sub/z.json"}; !reflect.DeepEqual(asked, want) {
		t.Errorf("read %v, want %v", asked, want)
	}
}
