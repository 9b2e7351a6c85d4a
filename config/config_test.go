package config

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/mailflow-go/mailflow/attribution"
	"github.com/mailflow-go/mailflow/connector"
	"github.com/mailflow-go/mailflow/domain"
)

// mustLoad loads a testdata file and fails the test on error.
func mustLoad(t *testing.T, path string) *Config {
	t.Helper()
	c, err := Load(path)
	if err != nil {
		t.Fatalf("Load(%q):\n%v", path, err)
	}
	return c
}

func pats(ss ...string) []domain.Pattern {
	var out []domain.Pattern
	for _, s := range ss {
		out = append(out, domain.MustParsePattern(s))
	}
	return out
}

func hosts(ss ...string) []connector.SmartHost {
	var out []connector.SmartHost
	for _, s := range ss {
		out = append(out, connector.MustParseSmartHost(s))
	}
	return out
}

func accepted(name string, typ domain.DomainType, sub bool) domain.AcceptedDomain {
	return domain.AcceptedDomain{Name: domain.MustParse(name), Type: typ, MatchSubDomains: sub}
}

// designTenant is the DESIGN.md example as Go values.
func designTenant() attribution.Tenant {
	c1 := connector.NewOutbound("Connector 1")
	c1.ConnectorType = connector.OnPremises
	c1.AllAcceptedDomains = true
	c1.UseMXRecord = false // SmartHosts listed, UseMXRecord left out
	c1.SmartHosts = hosts("mail.contoso.com")
	c2 := connector.NewOutbound("Connector 2")
	c2.ConnectorType = connector.OnPremises
	c2.RecipientDomains = pats("contoso.com")
	c2.UseMXRecord = false
	c2.SmartHosts = hosts("mail.contoso.com")
	in := connector.NewInbound("From on-premises")
	in.ConnectorType = connector.OnPremises
	in.SenderDomains = pats("*")
	in.TlsSenderCertificateName = domain.MustParsePattern("*.contoso.com")
	in.RequireTls = true
	return attribution.Tenant{
		ID: "contoso",
		AcceptedDomains: []domain.AcceptedDomain{
			accepted("contoso.com", domain.Authoritative, false),
			accepted("sales.contoso.com", domain.Authoritative, false),
		},
		OutboundConnectors: []connector.Outbound{c1, c2},
		InboundConnectors:  []connector.Inbound{in},
	}
}

// TestDesignExample: the example of DESIGN.md loads, from YAML and from
// JSON, into the values it means.
func TestDesignExample(t *testing.T) {
	want := []attribution.Tenant{designTenant()}
	for _, path := range []string{"testdata/design.yaml", "testdata/design.json"} {
		c := mustLoad(t, path)
		if !reflect.DeepEqual(c.Tenants, want) {
			t.Errorf("%s:\n got %+v\nwant %+v", path, c.Tenants, want)
		}
		if c.Source != path {
			t.Errorf("%s: Source = %q", path, c.Source)
		}
	}
}

// TestDefault: the embedded default loads, builds, and routes the worked
// example as the articles say.
func TestDefault(t *testing.T) {
	c := Default()
	if c.Source != "embedded default" {
		t.Errorf("Source = %q", c.Source)
	}
	if len(c.Tenants) != 1 || len(c.Tenants[0].AcceptedDomains) != 4 ||
		len(c.Tenants[0].OutboundConnectors) != 3 || len(c.Tenants[0].InboundConnectors) != 1 {
		t.Fatalf("unexpected default: %+v", c.Tenants)
	}
	d := c.Directory()
	table, ok := d.OutboundTable("contoso")
	if !ok {
		t.Fatal("no outbound table for contoso")
	}
	for _, tc := range []struct{ domain, conn string }{
		{"fabrikam.com", "Connector 1"},      // all accepted domains
		{"contoso.com", "Connector 2"},       // exact
		{"sales.contoso.com", "Connector 3"}, // wildcard beats all-accepted (most-specific)
	} {
		sel := table.Select(domain.MustParse(tc.domain))
		if got := sel.Connector(); got == nil || got.Name != tc.conn {
			t.Errorf("Select(%s) = %v, want %s", tc.domain, sel, tc.conn)
		}
	}
	listed := Default(connector.WithPrecedence(connector.ListedOrder)).Directory()
	if tbl, _ := listed.OutboundTable("contoso"); tbl.Precedence() != connector.ListedOrder {
		t.Errorf("Default(ListedOrder) built with %s", tbl.Precedence())
	}
	if Default().Directory() != d {
		t.Error("the default directory is built once and shared")
	}

	// Each call returns a copy: changing one does not change the next.
	c.Tenants[0].OutboundConnectors[0].SmartHosts[0] = connector.MustParseSmartHost("other.example")
	c.Tenants[0].ID = "changed"
	if again := Default(); again.Tenants[0].ID != "contoso" || again.Tenants[0].OutboundConnectors[0].SmartHosts[0].String() != "mail.contoso.com" {
		t.Errorf("Default() shares memory between calls: %+v", again.Tenants[0])
	}
	b := DefaultYAML()
	b[0] = 'X'
	if DefaultYAML()[0] == 'X' {
		t.Error("DefaultYAML() shares memory between calls")
	}
}

// TestBrokenFixtures: each file of testdata/broken holds one class of
// error; every problem is reported, with its path, line and column, in
// file order.
func TestBrokenFixtures(t *testing.T) {
	tests := []struct {
		file string
		want []string
	}{
		// YAML syntax: the parser names the enclosing block's line; the
		// loader finds the line that breaks (5, a mis-indented key).
		{"syntax.yaml", []string{
			"testdata/broken/syntax.yaml:5: YAML syntax error: did not find expected key",
		}},
		// An unquoted * is a YAML alias: located, with a hint.
		{"alias.yaml", []string{
			`testdata/broken/alias.yaml:5:25: YAML syntax error: did not find expected alphabetic or numeric character; quote it ("*", "*.contoso.com"): an unquoted * starts a YAML alias`,
		}},
		// JSON syntax: line and column of the offending character.
		{"syntax.json", []string{
			"testdata/broken/syntax.json:3:24: JSON syntax error: invalid character '}' looking for beginning of object key string",
		}},
		// Misspelt fields get a suggestion.
		{"unknown-field.yaml", []string{
			`testdata/broken/unknown-field.yaml:8:9: Tenants[0].OutboundConnectors[0].RecipientDomain (tenant "contoso", connector "Connector 2"): unknown field "RecipientDomain" in an outbound connector (did you mean RecipientDomains?)`,
			`testdata/broken/unknown-field.yaml:13:9: Tenants[0].InboundConnectors[0].TlsSenderCertificatName (tenant "contoso", connector "From on-premises"): unknown field "TlsSenderCertificatName" in an inbound connector (did you mean TlsSenderCertificateName?)`,
		}},
		// A field of the other connector kind, an Exchange property not
		// modelled, and a misspelt tenant field.
		{"misplaced-field.yaml", []string{
			`testdata/broken/misplaced-field.yaml:5:9: Tenants[0].OutboundConnectors[0].SenderDomains (tenant "contoso", connector "To partner"): SenderDomains is a field of an inbound connector, not of an outbound connector`,
			`testdata/broken/misplaced-field.yaml:6:9: Tenants[0].OutboundConnectors[0].MtaStsMode (tenant "contoso", connector "To partner"): MtaStsMode is an Exchange Online property that mailflow does not model: remove it (Import reads past it in exported files)`,
			`testdata/broken/misplaced-field.yaml:7:5: Tenants[0].Imports (tenant "contoso"): unknown field "Imports" in a tenant (did you mean Import?)`,
		}},
		// The same field twice, in two cases.
		{"duplicate-field.yaml", []string{
			`testdata/broken/duplicate-field.yaml:5:9: Tenants[0].AcceptedDomains[0].DomainName (tenant "contoso"): DomainName is already set at line 4`,
		}},
		// Values of the wrong shape.
		{"types.yaml", []string{
			`testdata/broken/types.yaml:2:9: Tenants[0].Id: want a string, got a list`,
			`testdata/broken/types.yaml:3:23: Tenants[0].RejectDirectSend: want true or false, got "yes"`,
			`testdata/broken/types.yaml:5:7: Tenants[0].AcceptedDomains: want a list, got a mapping`,
			`testdata/broken/types.yaml:8:24: Tenants[0].OutboundConnectors[0].ConnectorType (connector "Connector 1"): want a name or a number, got a mapping without a value`,
			`testdata/broken/types.yaml:9:21: Tenants[0].OutboundConnectors[0].SmartHosts (connector "Connector 1"): want a list, got a mapping`,
			`testdata/broken/types.yaml:10:9: Tenants[0].OutboundConnectors[1]: want an outbound connector as a mapping of Name: value, got a scalar`,
		}},
		// Values that do not parse, each at its column; list entries by
		// index ("smtp:fabrikam.com;1" at [1] is fine).
		{"values.yaml", []string{
			`testdata/broken/values.yaml:4:23: Tenants[0].AcceptedDomains[0].DomainName (tenant "contoso"): bad name "contoso..com": empty label`,
			`testdata/broken/values.yaml:4:51: Tenants[0].AcceptedDomains[0].DomainType (tenant "contoso"): bad domain type "Authoritativ": want Authoritative or InternalRelay`,
			`testdata/broken/values.yaml:7:24: Tenants[0].OutboundConnectors[0].ConnectorType (tenant "contoso", connector "Connector 1"): bad ConnectorType "OnPrem": want OnPremises or Partner`,
			`testdata/broken/values.yaml:8:28: Tenants[0].OutboundConnectors[0].RecipientDomains[0] (tenant "contoso", connector "Connector 1"): bad pattern "*.com": com is a public suffix; a wildcard over it would match other organisations' domains`,
			`testdata/broken/values.yaml:8:60: Tenants[0].OutboundConnectors[0].RecipientDomains[2] (tenant "contoso", connector "Connector 1"): address space "X400:c=US;a= ;p=Contoso;1": type X400 is not supported, want smtp:domain;cost or a plain domain`,
			`testdata/broken/values.yaml:9:42: Tenants[0].OutboundConnectors[0].SmartHosts[1] (tenant "contoso", connector "Connector 1"): bad smart host "10.0.0.1/33": not a CIDR range`,
			`testdata/broken/values.yaml:10:22: Tenants[0].OutboundConnectors[0].TlsSettings (tenant "contoso", connector "Connector 1"): bad TlsSettings "3": want EncryptionOnly, CertificateValidation or DomainValidation`,
			`testdata/broken/values.yaml:14:29: Tenants[0].InboundConnectors[0].SenderIPAddresses[0] (tenant "contoso", connector "From on-premises"): bad sender IP address "192.0.2.300": not an IP address or CIDR range`,
			`testdata/broken/values.yaml:15:21: Tenants[0].InboundConnectors[0].EFSkipIPs[0] (tenant "contoso", connector "From on-premises"): bad IP range "192.0.2.9-192.0.2.1": the range ends before it starts`,
		}},
		// Exchange Online's validation rules, mapped to the field at
		// fault.
		{"rules.yaml", []string{
			`testdata/broken/rules.yaml:5:40: Tenants[0].AcceptedDomains[1].MatchSubDomains (tenant "contoso"): bad accepted domain "sub.contoso.com": MatchSubDomains needs DomainType InternalRelay`,
			`testdata/broken/rules.yaml:10:9: Tenants[0].OutboundConnectors[0].UseMXRecord (tenant "contoso", connector "Connector 1"): an OnPremises connector cannot route by MX (the MX of an accepted domain leads back to the service): set it false and list SmartHosts`,
			`testdata/broken/rules.yaml:15:9: Tenants[0].OutboundConnectors[1].SmartHosts (tenant "contoso", connector "Connector 2"): set, but UseMXRecord is true: use one or the other`,
			`testdata/broken/rules.yaml:17:9: Tenants[0].InboundConnectors[0].RequireTls (tenant "contoso", connector "From on-premises"): false, but TlsSenderCertificateName is set: a certificate needs TLS`,
		}},
		// Outbound table conflicts and duplicate names, each on the later
		// connector; the disabled connector claims nothing.
		{"conflicts.yaml", []string{
			`testdata/broken/conflicts.yaml:8:57: Tenants[0].OutboundConnectors[2].AllAcceptedDomains (tenant "contoso", connector "Connector 3"): OutboundConnectors[0] ("Connector 1") has AllAcceptedDomains too: only one enabled connector may`,
			`testdata/broken/conflicts.yaml:9:11: Tenants[0].OutboundConnectors[3].Name (tenant "contoso", connector "connector 2"): not unique: connectors 1 and 3 are both named "Connector 2" (names are compared ignoring case)`,
			`testdata/broken/conflicts.yaml:9:90: Tenants[0].OutboundConnectors[3].RecipientDomains[1] (tenant "contoso", connector "connector 2"): contoso.com is already claimed by OutboundConnectors[1] ("Connector 2"): two enabled connectors cannot claim one recipient domain`,
		}},
		// Across tenants: an accepted domain in two tenants, duplicate and
		// missing IDs, a bad SendAs address.
		{"tenants.yaml", []string{
			`testdata/broken/tenants.yaml:8:11: Tenants[1].AcceptedDomains[0].DomainName (tenant "fabrikam"): accepted domain fabrikam.com of tenant "fabrikam" conflicts with fabrikam.com of tenant "contoso" at testdata/broken/tenants.yaml:5:11 (Tenants[0].AcceptedDomains[1].DomainName): both tenants accept fabrikam.com; a name is owned by one tenant only`,
			`testdata/broken/tenants.yaml:9:11: Tenants[1].AcceptedDomains[1].DomainName (tenant "fabrikam"): bad accepted domain "com": a public suffix cannot be an accepted domain`,
			`testdata/broken/tenants.yaml:10:5: Tenants[2].Id (tenant "contoso"): duplicate tenant ID: Tenants[0] is "contoso" (IDs are compared ignoring case)`,
			`testdata/broken/tenants.yaml:11:5: Tenants[3].Id: tenant ID is empty`,
			`testdata/broken/tenants.yaml:13:40: Tenants[3].SendAs[0].Trustee: bad address "not an address": bad character ' ' in local part (quote it)`,
		}},
		// Rules that need the whole tenant.
		{"tenant-rules.yaml", []string{
			`testdata/broken/tenant-rules.yaml:10:9: Tenants[0].OutboundConnectors[0].RouteAllMessagesViaOnPremises (tenant "contoso", connector "Centralized mail transport"): routes all mail via on-premises, which needs an enabled OnPremises inbound connector in the tenant`,
			`testdata/broken/tenant-rules.yaml:15:50: Tenants[0].InboundConnectors[0].AssociatedAcceptedDomains[1] (tenant "contoso", connector "From partner"): sales.contoso.com is not an accepted domain of the tenant`,
		}},
		// No Tenants: the misspelt key says it all.
		{"no-tenants.yaml", []string{
			`testdata/broken/no-tenants.yaml:2:1: Tenant: unknown field "Tenant" in the configuration (did you mean Tenants?)`,
		}},
		// Imports: a missing file, an export imported as the wrong kind, a
		// bad value in an export (against the export's own lines), a JSON
		// syntax error and an admin API error answer; the configuration's
		// errors first, then the exports' in the order they were read.
		{"import.yaml", []string{
			`testdata/broken/import.yaml:4:24: Tenants[0].Import.AcceptedDomains[0] (tenant "contoso"): cannot read AcceptedDomains export: open testdata/broken/exports/missing.json: no such file or directory`,
			`testdata/broken/exports/outbound.json:2:3: [0] (tenant "contoso"): this record looks like an outbound connector (Get-OutboundConnector output), but the file is imported as InboundConnectors`,
			`testdata/broken/exports/outbound.json:6:41: [0].SmartHosts[1] (tenant "contoso", connector "To partner"): bad smart host "mail..fabrikam.com": not an IP address, CIDR range or host name: empty label`,
			`testdata/broken/exports/bad.json:2:45: tenant "contoso": JSON syntax error: invalid character '}' looking for beginning of object key string`,
			`testdata/broken/exports/error.json:1:11: tenant "contoso": the file holds an error response from the admin API, not records: "Invalid Operation"`,
		}},
	}
	seen := map[string]bool{}
	for _, tc := range tests {
		seen[tc.file] = true
		t.Run(tc.file, func(t *testing.T) {
			c, err := Load("testdata/broken/" + tc.file)
			if c != nil {
				t.Errorf("Load returned a Config along with the error")
			}
			checkErrors(t, err, tc.want)
		})
	}
	// Every broken fixture has a row.
	files, _ := filepath.Glob("testdata/broken/*.*")
	for _, f := range files {
		if !seen[filepath.Base(f)] {
			t.Errorf("no test row for %s", f)
		}
	}
}

// checkErrors compares err, an ErrorList, with want line by line.
func checkErrors(t *testing.T, err error, want []string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want:\n%s", strings.Join(want, "\n"))
	}
	var list ErrorList
	if !errors.As(err, &list) {
		t.Fatalf("error is %T, want ErrorList: %v", err, err)
	}
	got := strings.Split(err.Error(), "\n")
	if len(list) != len(got) {
		t.Errorf("ErrorList has %d errors but prints %d lines", len(list), len(got))
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("errors:\n got:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestParseErrors: inline configurations, one error class per row, with
// exact messages (file "c.yaml" or "c.json").
func TestParseErrors(t *testing.T) {
	tests := []struct {
		name, text string
		want       []string
	}{
		// Empty input.
		{"c.yaml", "", []string{"c.yaml: empty configuration: want a Tenants list"}},
		{"c.yaml", "# only a comment\n", []string{"c.yaml: empty configuration: want a Tenants list"}},
		{"c.json", " \n", []string{"c.json:2:1: JSON syntax error: empty file"}},
		// The top level is not a mapping.
		{"c.yaml", "- a\n", []string{"c.yaml:1:1: want the configuration as a mapping of Name: value, got a list"}},
		// A mapping without Tenants.
		{"c.yaml", "{}\n", []string{"c.yaml:1:1: no Tenants: want a Tenants list"}},
		// Tenants: [] is an empty, valid configuration: see TestEmptyTenants.
		// An error on the first line, which the YAML parser reports without one.
		{"c.yaml", "Tenants: : x\n", []string{"c.yaml:1: YAML syntax error: mapping values are not allowed in this context"}},
		// A tab in the indentation.
		{"c.yaml", "Tenants:\n  - Id: a\n\tRejectDirectSend: true\n", []string{"c.yaml:3: YAML syntax error: found a tab character that violates indentation"}},
		// A flow mapping left open.
		{"c.yaml", "Tenants:\n  - Id: a\n    AcceptedDomains:\n      - { DomainName: a.example\n", []string{"c.yaml:4: YAML syntax error: did not find expected ',' or '}'"}},
		// Two documents.
		{"c.yaml", "Tenants: []\n---\nTenants: []\n", []string{"c.yaml:2: YAML syntax error: more than one YAML document (---): put everything in one"}},
		// An alias to an anchor that does not exist.
		{"c.yaml", "Tenants: *nothing\n", []string{"c.yaml:1: YAML syntax error: unknown anchor 'nothing' referenced"}},
		// A control character, and bytes that are not UTF-8.
		{"c.yaml", "Tenants:\n  - Id: a\x01\n", []string{"c.yaml:2:10: YAML syntax error: control character U+0001 is not allowed"}},
		{"c.yaml", "Tenants:\n  - Id: é\xff\n", []string{"c.yaml:2:10: YAML syntax error: invalid UTF-8"}},
		// Unquoted * and *.x, at the end of a line and in a flow list.
		{"c.yaml", "Tenants:\n  - Id: a\n    InboundConnectors:\n      - Name: x\n        SenderDomains: *\n", []string{
			`c.yaml:5:24: YAML syntax error: did not find expected alphabetic or numeric character; quote it ("*", "*.contoso.com"): an unquoted * starts a YAML alias`}},
		{"c.yaml", "Tenants:\n  - Id: a\n    InboundConnectors: [{Name: x, SenderDomains: [a.example, *.contoso.com]}]\n", []string{
			`c.yaml:3:62: YAML syntax error: did not find expected alphabetic or numeric character; quote it ("*", "*.contoso.com"): an unquoted * starts a YAML alias`}},
		// A complex mapping key.
		{"c.yaml", "? [a]\n: b\n", []string{"c.yaml:1:3: YAML syntax error: a mapping key must be a plain name"}},
		// JSON: truncated, trailing data, a bad literal (column of the
		// character named), nesting beyond the limit.
		{"c.json", `{"Tenants": [`, []string{"c.json:1:14: JSON syntax error: unexpected end of input"}},
		{"c.json", "{\"Tenants\": []}\n{}", []string{"c.json:2:1: JSON syntax error: unexpected data after the top-level value"}},
		{"c.json", "{\n  \"Tenants\": [tru]\n}", []string{"c.json:2:18: JSON syntax error: invalid character ']' in literal true (expecting 'e')"}},
		{"c.json", strings.Repeat("[", 1200), []string{"c.json:1:1002: JSON syntax error: nested too deeply or too large"}},
		// JSON is chosen by the first character when the name says nothing.
		{"config", `{"Tenants": [{"Id": "a", "Bogus": 1}]}`, []string{`config:1:26: Tenants[0].Bogus (tenant "a"): unknown field "Bogus" in a tenant`}},
		// Null entries in a hand-written list are refused ([null] alone is
		// an empty list).
		{"c.yaml", "Tenants:\n  - Id: a\n    SendAs: [null, {Identity: a@a.example, Trustee: b@a.example}]\n", []string{"c.yaml:3:14: Tenants[0].SendAs[0] (tenant \"a\"): empty entry"}},
		// Bad enum objects: a name that does not parse and no number.
		{"c.yaml", "Tenants:\n  - Id: a\n    OutboundConnectors:\n      - { Name: x, RecipientDomains: [a.example], ConnectorType: {Value: Nope} }\n", []string{
			`c.yaml:4:66: Tenants[0].OutboundConnectors[0].ConnectorType (tenant "a", connector "x"): bad ConnectorType "Nope": want OnPremises or Partner`}},
		// Booleans: PowerShell spellings are fine, others are not.
		{"c.yaml", "Tenants:\n  - Id: a\n    RejectDirectSend: on\n", []string{`c.yaml:3:23: Tenants[0].RejectDirectSend (tenant "a"): want true or false, got "on"`}},
		{"c.yaml", "Tenants:\n  - Id: a\n    RejectDirectSend: [true]\n", []string{`c.yaml:3:23: Tenants[0].RejectDirectSend (tenant "a"): want true or false, got a list`}},
		// Address spaces: a bad cost.
		{"c.yaml", "Tenants:\n  - Id: a\n    InboundConnectors:\n      - { Name: x, SenderDomains: ['smtp:a.example;x'] }\n", []string{
			`c.yaml:4:36: Tenants[0].InboundConnectors[0].SenderDomains[0] (tenant "a", connector "x"): address space "smtp:a.example;x": bad cost "x" after ';'`}},
		// Import: an empty file name, a mapping where names are wanted, an
		// unknown list.
		{"c.yaml", "Tenants:\n  - Id: a\n    Import: { AcceptedDomains: '', InboundConnectors: {a: b}, Outbound: x.json }\n", []string{
			`c.yaml:3:32: Tenants[0].Import.AcceptedDomains[0] (tenant "a"): empty file name`,
			`c.yaml:3:55: Tenants[0].Import.InboundConnectors (tenant "a"): want a list, got a mapping`,
			`c.yaml:3:63: Tenants[0].Import.Outbound (tenant "a"): unknown field "Outbound" in Import`,
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name+" "+strings.ReplaceAll(tc.text, "\n", "⏎"), func(t *testing.T) {
			c, err := Parse([]byte(tc.text), tc.name)
			if c != nil {
				t.Errorf("Parse returned a Config along with the error")
			}
			checkErrors(t, err, tc.want)
		})
	}
}

// TestEmptyTenants: an explicit empty list is a valid configuration.
func TestEmptyTenants(t *testing.T) {
	for _, text := range []string{"Tenants: []\n", "Tenants:\n", "Tenants: [null]\n", `{"Tenants": []}`} {
		c, err := Parse([]byte(text), "c.yaml")
		if err != nil || len(c.Tenants) != 0 {
			t.Errorf("Parse(%q) = %v, %v", text, c, err)
		}
	}
}

// TestManyErrorsSorted: decoding errors and rule violations found in
// different passes come out together, in file order.
func TestManyErrorsSorted(t *testing.T) {
	text := `Tenants:
  - Id: a
    AcceptedDomains:
      - { DomainName: a.example }
    OutboundConnectors:
      - { Name: One, ConnectorType: OnPremises, RecipientDomains: [a.example] }
      - { Name: Two, RecipientDomains: [a.example], Colour: blue }
      - { Name: Three, RecipientDomains: [b.example], TlsDomain: x.example }
  - Id: a
    RejectDirectSend: maybe
`
	_, err := Parse([]byte(text), "c.yaml")
	checkErrors(t, err, []string{
		// semantic, found last
		`c.yaml:6:9: Tenants[0].OutboundConnectors[0].UseMXRecord (tenant "a", connector "One"): an OnPremises connector cannot route by MX (the MX of an accepted domain leads back to the service): set it false and list SmartHosts`,
		// decoding; Two's conflict with One is not reported: Two did not decode fully
		`c.yaml:7:53: Tenants[0].OutboundConnectors[1].Colour (tenant "a", connector "Two"): unknown field "Colour" in an outbound connector`,
		`c.yaml:8:55: Tenants[0].OutboundConnectors[2].TlsDomain (tenant "a", connector "Three"): set, but TlsSettings is not DomainValidation`,
		`c.yaml:9:5: Tenants[1].Id (tenant "a"): duplicate tenant ID: Tenants[0] is "a" (IDs are compared ignoring case)`,
		`c.yaml:10:23: Tenants[1].RejectDirectSend (tenant "a"): want true or false, got "maybe"`,
	})
}

// TestJSONConfigErrors: a JSON configuration gets the same paths, with
// lines and columns computed from byte offsets (in characters).
func TestJSONConfigErrors(t *testing.T) {
	text := `{
  "Tenants": [
    {
      "Id": "ä",
      "AcceptedDomains": [{"DomainName": "a.example", "DomainTyp": "Authoritative"}],
      "OutboundConnectors": [
        {"Name": "ö", "ConnectorType": "OnPremises", "AllAcceptedDomains": true, "SmartHosts": ["mail.a.example"]},
        {"Name": "ü", "ConnectorType": "OnPremises", "AllAcceptedDomains": true, "SmartHosts": "mail.a.example"}
      ]
    }
  ]
}`
	_, err := Parse([]byte(text), "c.json")
	checkErrors(t, err, []string{
		`c.json:5:55: Tenants[0].AcceptedDomains[0].DomainTyp (tenant "ä"): unknown field "DomainTyp" in an accepted domain (did you mean DomainType?)`,
		`c.json:8:54: Tenants[0].OutboundConnectors[1].AllAcceptedDomains (tenant "ä", connector "ü"): OutboundConnectors[0] ("ö") has AllAcceptedDomains too: only one enabled connector may`,
	})
}

// TestCaseInsensitiveFields: PowerShell ignores the case of parameter
// names, and so does the loader.
func TestCaseInsensitiveFields(t *testing.T) {
	text := `tenants:
  - ID: contoso
    acceptedDOMAINS:
      - { domainname: contoso.com, DOMAINTYPE: authoritative }
      - { DomainName: sales.contoso.com, DomainType: Authoritative }
    OUTBOUNDCONNECTORS:
      - { NAME: Connector 1, connectortype: onpremises, allaccepteddomains: TRUE, smarthosts: mail.contoso.com }
      - { Name: Connector 2, ConnectorType: OnPremises, RecipientDomains: [contoso.com], SmartHosts: [mail.contoso.com] }
    inboundconnectors:
      - { name: From on-premises, ConnectorType: 1, senderdomains: ["*"], tlssendercertificatename: "*.contoso.com", requiretls: $true }
`
	c, err := Parse([]byte(text), "c.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if want := []attribution.Tenant{designTenant()}; !reflect.DeepEqual(c.Tenants, want) {
		t.Errorf("got %+v\nwant %+v", c.Tenants, want)
	}
}

// TestDefaults: fields left out (or null) take the cmdlet defaults.
func TestDefaults(t *testing.T) {
	text := `Tenants:
  - Id: a
    OutboundConnectors:
      - { Name: Out, RecipientDomains: [b.example], Enabled: null }
    InboundConnectors:
      - { Name: In }
`
	c, err := Parse([]byte(text), "c.yaml")
	if err != nil {
		t.Fatal(err)
	}
	out := connector.NewOutbound("Out")
	out.RecipientDomains = pats("b.example")
	if got := c.Tenants[0].OutboundConnectors[0]; !reflect.DeepEqual(got, out) {
		t.Errorf("outbound: got %+v, want %+v", got, out)
	}
	if got, want := c.Tenants[0].InboundConnectors[0], connector.NewInbound("In"); !reflect.DeepEqual(got, want) {
		t.Errorf("inbound: got %+v, want %+v", got, want)
	}
}

// TestUseMXRecordDefault: UseMXRecord defaults to true unless SmartHosts
// are listed; given explicitly, it is taken as given.
func TestUseMXRecordDefault(t *testing.T) {
	tests := []struct {
		conn string
		want bool   // UseMXRecord
		err  string // or this error
	}{
		// Neither: the cmdlet default.
		{"{ Name: x, RecipientDomains: [b.example] }", true, ""},
		// SmartHosts alone: false, what listing them means.
		{"{ Name: x, RecipientDomains: [b.example], SmartHosts: [mail.b.example] }", false, ""},
		// An empty SmartHosts list changes nothing.
		{"{ Name: x, RecipientDomains: [b.example], SmartHosts: [] }", true, ""},
		// Explicit false with smart hosts.
		{"{ Name: x, RecipientDomains: [b.example], UseMXRecord: false, SmartHosts: [mail.b.example] }", false, ""},
		// Explicit true with smart hosts: Exchange refuses both.
		{"{ Name: x, RecipientDomains: [b.example], UseMXRecord: true, SmartHosts: [mail.b.example] }", false,
			"c.yaml:4:70: Tenants[0].OutboundConnectors[0].SmartHosts (tenant \"a\", connector \"x\"): set, but UseMXRecord is true: use one or the other"},
		// Explicit false without smart hosts.
		{"{ Name: x, RecipientDomains: [b.example], UseMXRecord: false }", false,
			"c.yaml:4:9: Tenants[0].OutboundConnectors[0].SmartHosts (tenant \"a\", connector \"x\"): empty, and UseMXRecord is false: list at least one smart host"},
	}
	for _, tc := range tests {
		text := "Tenants:\n  - Id: a\n    OutboundConnectors:\n      - " + tc.conn + "\n"
		c, err := Parse([]byte(text), "c.yaml")
		if tc.err != "" {
			checkErrors(t, err, []string{tc.err})
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", tc.conn, err)
			continue
		}
		if got := c.Tenants[0].OutboundConnectors[0].UseMXRecord; got != tc.want {
			t.Errorf("%s: UseMXRecord = %v, want %v", tc.conn, got, tc.want)
		}
	}
}

// TestYAMLAnchors: anchors, aliases and merge keys work; an alias bomb is
// stopped.
func TestYAMLAnchors(t *testing.T) {
	text := `Tenants:
  - Id: a
    AcceptedDomains: [{ DomainName: a.example }]
    OutboundConnectors:
      - &base { Name: One, ConnectorType: OnPremises, SmartHosts: [mail.a.example], RecipientDomains: [b.example] }
      - <<: *base
        Name: Two
        RecipientDomains: [c.example]
`
	c, err := Parse([]byte(text), "c.yaml")
	if err != nil {
		t.Fatal(err)
	}
	two := c.Tenants[0].OutboundConnectors[1]
	if two.Name != "Two" || two.ConnectorType != connector.OnPremises || two.UseMXRecord ||
		!reflect.DeepEqual(two.RecipientDomains, pats("c.example")) || !reflect.DeepEqual(two.SmartHosts, hosts("mail.a.example")) {
		t.Errorf("merged connector = %+v", two)
	}

	var b strings.Builder
	b.WriteString("a: &a [x,x,x,x,x,x,x,x,x,x]\n")
	for i := 'b'; i <= 'j'; i++ {
		b.WriteString(string(i) + ": &" + string(i) + " [")
		for j := 0; j < 10; j++ {
			if j > 0 {
				b.WriteString(",")
			}
			b.WriteString("*" + string(i-1))
		}
		b.WriteString("]\n")
	}
	_, err = Parse([]byte(b.String()), "bomb.yaml")
	if err == nil || !strings.Contains(err.Error(), "nested too deeply or too large") {
		t.Errorf("alias bomb: %v", err)
	}
}

// TestErrorValues: Error fields, formatting, and unwrapping to the
// underlying errors.
func TestErrorValues(t *testing.T) {
	_, err := Load("testdata/does-not-exist.yaml")
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing file: errors.Is(err, fs.ErrNotExist) is false: %v", err)
	}
	_, err = Load("testdata/broken/import.yaml")
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing import: errors.Is(err, fs.ErrNotExist) is false: %v", err)
	}

	_, err = Load("testdata/broken/rules.yaml")
	var ve *connector.ValidationError
	if !errors.As(err, &ve) || ve.Field != "UseMXRecord" {
		t.Errorf("errors.As(*connector.ValidationError) = %v", ve)
	}
	_, err = Load("testdata/broken/conflicts.yaml")
	var ce *connector.ConflictError
	if !errors.As(err, &ce) {
		t.Errorf("errors.As(*connector.ConflictError) failed: %v", err)
	}
	_, err = Load("testdata/broken/values.yaml")
	var de *domain.Error
	if !errors.As(err, &de) || !errors.Is(err, domain.ErrPublicSuffix) {
		t.Errorf("errors.As(*domain.Error) / Is(ErrPublicSuffix) failed: %v", err)
	}

	var list ErrorList
	_, err = Load("testdata/broken/unknown-field.yaml")
	if !errors.As(err, &list) || len(list) != 2 {
		t.Fatalf("ErrorList: %v", err)
	}
	want := Error{File: "testdata/broken/unknown-field.yaml", Path: "Tenants[0].OutboundConnectors[0].RecipientDomain",
		Line: 8, Column: 9, Tenant: "contoso", Connector: "Connector 2", Msg: `unknown field "RecipientDomain" in an outbound connector`, Suggestion: "RecipientDomains"}
	got := *list[0]
	got.err, got.cfg, got.order = nil, "", 0
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Error = %+v\nwant %+v", got, want)
	}

	for _, tc := range []struct {
		e    Error
		want string
	}{
		{Error{File: "f", Line: 1, Column: 2, Path: "P", Msg: "m", Suggestion: "S"}, "f:1:2: P: m (did you mean S?)"},
		{Error{File: "f", Line: 1, Path: "P", Msg: "m"}, "f:1: P: m"},
		{Error{File: "f", Column: 2, Msg: "m"}, "f: m"}, // a column without a line is not printed
		{Error{Path: "P", Msg: "m"}, "P: m"},
		{Error{Msg: "m"}, "m"},
	} {
		if got := tc.e.Error(); got != tc.want {
			t.Errorf("%+v.Error() = %q, want %q", tc.e, got, tc.want)
		}
	}
}

// TestBuiltOnce: the Directory is built while loading; changing Tenants
// afterwards changes nothing in it.
func TestBuiltOnce(t *testing.T) {
	c := mustLoad(t, "testdata/design.yaml")
	d := c.Directory()
	if d == nil || c.Directory() != d {
		t.Fatal("Directory is not the one built at load")
	}
	c.Tenants[0].OutboundConnectors[1].AllAcceptedDomains = true
	c.Tenants[0].AcceptedDomains[0].Name = domain.MustParse("changed.example")
	if _, _, ok := d.Owner(domain.MustParse("contoso.com")); !ok {
		t.Error("changing Tenants reached the directory")
	}
}

// TestSuggest: the "did you mean" rule.
func TestSuggest(t *testing.T) {
	names := fieldNames(outboundFields)
	for _, tc := range []struct{ in, want string }{
		{"RecipientDomain", "RecipientDomains"},                        // one deletion
		{"recipientdomians", "RecipientDomains"},                       // transposition, any case
		{"SmartHost", "SmartHosts"},                                    // plural
		{"UseMxRecords", "UseMXRecord"},                                // case and one insertion
		{"TlsSetting", "TlsSettings"},                                  // one deletion
		{"Enabeld", "Enabled"},                                         // transposition
		{"Nam", "Name"},                                                // short names: up to 2 edits
		{"RouteAllMessagesViaOnPrem", "RouteAllMessagesViaOnPremises"}, // 4 edits of 25 characters: ≤ 25/3
		{"Colour", ""},                                                 // nothing close
		{"xy", ""},                                                     // too short to guess
	} {
		if got := suggest(tc.in, names); got != tc.want {
			t.Errorf("suggest(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	if got := suggest("TlsSenderCertificatName", fieldNames(inboundFields)); got != "TlsSenderCertificateName" {
		t.Errorf("suggest(TlsSenderCertificatName) = %q", got)
	}
	for _, tc := range []struct {
		a, b string
		d    int
	}{
		{"", "", 0}, {"a", "", 1}, {"", "abc", 3}, {"ab", "ba", 1}, {"ca", "abc", 3}, {"kitten", "sitting", 3},
	} {
		if got := osaDistance(tc.a, tc.b); got != tc.d {
			t.Errorf("osaDistance(%q, %q) = %d, want %d", tc.a, tc.b, got, tc.d)
		}
	}
}

// TestLoadFormatByName: the extension picks the parser; JSON messages say
// JSON even though JSON is also YAML.
func TestLoadFormatByName(t *testing.T) {
	for _, tc := range []struct{ name, text, want string }{
		{"c.json", "{", "JSON syntax error"},
		{"c.JSON", "{", "JSON syntax error"},
		{"c.yaml", "{", "YAML syntax error"},
		{"c.yml", "[", "YAML syntax error"},
		{"c.conf", " [", "JSON syntax error"},
		{"c.conf", "a: [", "YAML syntax error"},
	} {
		_, err := Parse([]byte(tc.text), tc.name)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Parse(%q, %q) = %v, want %s", tc.text, tc.name, err, tc.want)
		}
	}
}

// TestDefaultYAMLParses guards the embedded file: it loads from its text
// with Parse as well.
func TestDefaultYAMLParses(t *testing.T) {
	c, err := Parse(DefaultYAML(), "default.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(c.Tenants, Default().Tenants) {
		t.Error("Parse(DefaultYAML()) differs from Default()")
	}
	data, err := os.ReadFile("default.yaml")
	if err != nil || string(data) != string(DefaultYAML()) {
		t.Errorf("DefaultYAML() is not default.yaml: %v", err)
	}
}

// TestDroppedRecordKeepsOthersChecked: a record that is not a mapping is
// not loaded; the next record takes its index and is still validated.
func TestDroppedRecordKeepsOthersChecked(t *testing.T) {
	text := `Tenants:
  - Id: a
    OutboundConnectors:
      - not a connector
      - { Name: x, ConnectorType: Partner, AllAcceptedDomains: true }
`
	_, err := Parse([]byte(text), "c.yaml")
	checkErrors(t, err, []string{
		`c.yaml:4:9: Tenants[0].OutboundConnectors[0] (tenant "a"): want an outbound connector as a mapping of Name: value, got a scalar`,
		`c.yaml:5:44: Tenants[0].OutboundConnectors[1].AllAcceptedDomains (tenant "a", connector "x"): needs ConnectorType OnPremises`,
	})
}
