package benchmarks

import (
	"encoding/json"
	"fmt"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/mailflow-go/mailflow/attribution"
	"github.com/mailflow-go/mailflow/config"
)

// maxParseTenants bounds the sizes BenchmarkConfigParse runs at: the YAML
// parser's node tree for a million tenants (some 300 MB of text) takes
// more memory than a 24 GiB machine has to spare alongside the rest.
const maxParseTenants = 100_000

// BenchmarkConfigParse measures config.Parse on the text of the world of n
// tenants, as YAML (block style, as people write it), as JSON indented (as
// ConvertTo-Json writes it) and as JSON on one line (json-compact, as
// ConvertTo-Json -Compress writes it; columns on a long line once cost
// time quadratic in its length), and reports the throughput in MB/s of
// input. Parse decodes the text, checks every field and builds the
// Directory, so this is the whole cost of loading a configuration, not the
// parser's alone. Sizes above maxParseTenants are skipped.
func BenchmarkConfigParse(b *testing.B) {
	for _, n := range sizes(b) {
		if n > maxParseTenants {
			continue
		}
		texts := configTexts(b, n)
		for _, format := range []string{"yaml", "json", "json-compact"} {
			data, name := texts[format], configName(format)
			b.Run(fmt.Sprintf("n=%d/format=%s", n, format), func(b *testing.B) {
				b.ReportAllocs()
				b.SetBytes(int64(len(data)))
				for b.Loop() {
					if _, err := config.Parse(data, name); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(len(data))/float64(n), "B/tenant")
			})
		}
	}
}

// TestConfigTexts: the texts BenchmarkConfigParse parses load, in both
// formats, as the world they were written from.
func TestConfigTexts(t *testing.T) {
	const n = 200
	w := world(n).w
	texts := configTexts(t, n)
	for format, data := range texts {
		c, err := config.Parse(data, configName(format))
		if err != nil {
			t.Fatalf("%s: %v", format, err)
		}
		if len(c.Tenants) != n {
			t.Fatalf("%s: %d tenants, want %d", format, len(c.Tenants), n)
		}
		for i, got := range c.Tenants {
			want := w.Tenants[i]
			if got.ID != want.ID || got.RejectDirectSend != want.RejectDirectSend ||
				fmt.Sprint(got.AcceptedDomains) != fmt.Sprint(want.AcceptedDomains) ||
				fmt.Sprint(got.OutboundConnectors) != fmt.Sprint(want.OutboundConnectors) ||
				fmt.Sprint(got.InboundConnectors) != fmt.Sprint(want.InboundConnectors) {
				t.Fatalf("%s: tenant %d loads as\n%+v\nwant\n%+v", format, i, got, want)
			}
		}
	}
}

var configTextCache = map[int]map[string][]byte{}

// configName returns the file name Parse is given for a format.
func configName(format string) string {
	if format == "yaml" {
		return "bench.yaml"
	}
	return "bench.json"
}

// configTexts returns the configuration of the world of n tenants in each
// format, generated once per process.
func configTexts(tb testing.TB, n int) map[string][]byte {
	cacheMu.Lock()
	texts, ok := configTextCache[n]
	cacheMu.Unlock()
	if ok {
		return texts
	}
	file := configFile{Tenants: make([]configTenant, 0, n)}
	for _, t := range world(n).w.Tenants {
		file.Tenants = append(file.Tenants, toConfig(t))
	}
	y, err := yaml.Marshal(file)
	if err != nil {
		tb.Fatal(err)
	}
	j, err := json.MarshalIndent(file, "", "  ")
	if err != nil {
		tb.Fatal(err)
	}
	compact, err := json.Marshal(file)
	if err != nil {
		tb.Fatal(err)
	}
	texts = map[string][]byte{"yaml": y, "json": j, "json-compact": compact}
	cacheMu.Lock()
	configTextCache[n] = texts
	cacheMu.Unlock()
	return texts
}

// The configuration format, for the fields the generated worlds use; the
// others are left to their defaults (Enabled, ConnectorSource …).
type (
	configFile struct {
		Tenants []configTenant `json:"Tenants" yaml:"Tenants"`
	}
	configTenant struct {
		ID                 string           `json:"Id" yaml:"Id"`
		RejectDirectSend   bool             `json:"RejectDirectSend,omitempty" yaml:"RejectDirectSend,omitempty"`
		AcceptedDomains    []configAccepted `json:"AcceptedDomains" yaml:"AcceptedDomains"`
		OutboundConnectors []configOutbound `json:"OutboundConnectors,omitempty" yaml:"OutboundConnectors,omitempty"`
		InboundConnectors  []configInbound  `json:"InboundConnectors,omitempty" yaml:"InboundConnectors,omitempty"`
	}
	configAccepted struct {
		DomainName      string `json:"DomainName" yaml:"DomainName"`
		DomainType      string `json:"DomainType" yaml:"DomainType"`
		MatchSubDomains bool   `json:"MatchSubDomains,omitempty" yaml:"MatchSubDomains,omitempty"`
	}
	configOutbound struct {
		Name                          string   `json:"Name" yaml:"Name"`
		ConnectorType                 string   `json:"ConnectorType" yaml:"ConnectorType"`
		RecipientDomains              []string `json:"RecipientDomains,omitempty" yaml:"RecipientDomains,omitempty"`
		AllAcceptedDomains            bool     `json:"AllAcceptedDomains,omitempty" yaml:"AllAcceptedDomains,omitempty"`
		RouteAllMessagesViaOnPremises bool     `json:"RouteAllMessagesViaOnPremises,omitempty" yaml:"RouteAllMessagesViaOnPremises,omitempty"`
		UseMXRecord                   bool     `json:"UseMXRecord" yaml:"UseMXRecord"`
		SmartHosts                    []string `json:"SmartHosts,omitempty" yaml:"SmartHosts,omitempty"`
		TlsSettings                   string   `json:"TlsSettings,omitempty" yaml:"TlsSettings,omitempty"`
	}
	configInbound struct {
		Name                         string   `json:"Name" yaml:"Name"`
		ConnectorType                string   `json:"ConnectorType" yaml:"ConnectorType"`
		SenderDomains                []string `json:"SenderDomains" yaml:"SenderDomains"`
		SenderIPAddresses            []string `json:"SenderIPAddresses,omitempty" yaml:"SenderIPAddresses,omitempty"`
		TlsSenderCertificateName     string   `json:"TlsSenderCertificateName,omitempty" yaml:"TlsSenderCertificateName,omitempty"`
		RequireTls                   bool     `json:"RequireTls,omitempty" yaml:"RequireTls,omitempty"`
		RestrictDomainsToCertificate bool     `json:"RestrictDomainsToCertificate,omitempty" yaml:"RestrictDomainsToCertificate,omitempty"`
		RestrictDomainsToIPAddresses bool     `json:"RestrictDomainsToIPAddresses,omitempty" yaml:"RestrictDomainsToIPAddresses,omitempty"`
	}
)

// toConfig writes t in the configuration format.
func toConfig(t attribution.Tenant) configTenant {
	c := configTenant{ID: t.ID, RejectDirectSend: t.RejectDirectSend}
	for _, a := range t.AcceptedDomains {
		c.AcceptedDomains = append(c.AcceptedDomains, configAccepted{DomainName: a.Name.String(), DomainType: a.Type.String(), MatchSubDomains: a.MatchSubDomains})
	}
	for _, o := range t.OutboundConnectors {
		c.OutboundConnectors = append(c.OutboundConnectors, configOutbound{
			Name: o.Name, ConnectorType: o.ConnectorType.String(),
			RecipientDomains:              stringsOf(o.RecipientDomains),
			AllAcceptedDomains:            o.AllAcceptedDomains,
			RouteAllMessagesViaOnPremises: o.RouteAllMessagesViaOnPremises,
			UseMXRecord:                   o.UseMXRecord,
			SmartHosts:                    stringsOf(o.SmartHosts),
			TlsSettings:                   o.TlsSettings.String(),
		})
	}
	for _, in := range t.InboundConnectors {
		c.InboundConnectors = append(c.InboundConnectors, configInbound{
			Name: in.Name, ConnectorType: in.ConnectorType.String(),
			SenderDomains:                stringsOf(in.SenderDomains),
			SenderIPAddresses:            stringsOf(in.SenderIPAddresses),
			TlsSenderCertificateName:     in.TlsSenderCertificateName.String(),
			RequireTls:                   in.RequireTls,
			RestrictDomainsToCertificate: in.RestrictDomainsToCertificate,
			RestrictDomainsToIPAddresses: in.RestrictDomainsToIPAddresses,
		})
	}
	return c
}

// stringsOf returns the String of each of xs.
func stringsOf[T fmt.Stringer](xs []T) []string {
	out := make([]string, len(xs))
	for i, x := range xs {
		out[i] = x.String()
	}
	return out
}
