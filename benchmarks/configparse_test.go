package benchmarks

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/mailflow-go/mailflow/attribution"
	"github.com/mailflow-go/mailflow/config"
	"github.com/mailflow-go/mailflow/internal/world"
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
	w := genWorld(n).w
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
// format, as "mailflow gen-world" writes it, generated once per process.
func configTexts(tb testing.TB, n int) map[string][]byte {
	cacheMu.Lock()
	texts, ok := configTextCache[n]
	cacheMu.Unlock()
	if ok {
		return texts
	}
	texts = map[string][]byte{}
	for _, format := range []string{"yaml", "json", "json-compact"} {
		texts[format] = configText(tb, genWorld(n).w.Tenants, format)
	}
	cacheMu.Lock()
	configTextCache[n] = texts
	cacheMu.Unlock()
	return texts
}

// configText writes tenants in format.
func configText(tb testing.TB, tenants []attribution.Tenant, format string) []byte {
	f, err := world.ParseFormat(format)
	if err != nil {
		tb.Fatal(err)
	}
	var buf bytes.Buffer
	enc := world.NewEncoder(&buf, f)
	for _, t := range tenants {
		if err := enc.Encode(t); err != nil {
			tb.Fatal(err)
		}
	}
	if err := enc.Close(); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}
