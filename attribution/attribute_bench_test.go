package attribution

import (
	"fmt"
	"net/netip"
	"testing"

	"github.com/mailflow-go/mailflow/connector"
	"github.com/mailflow-go/mailflow/domain"
)

// benchWorld builds n tenants, each with an accepted domain, a
// certificate-based OnPremises connector and, for every other tenant, an
// IP-based one.
func benchWorld(b *testing.B, n int) *Directory {
	tenants := make([]Tenant, n)
	for i := range tenants {
		dom := fmt.Sprintf("tenant%d.example", i)
		in := []connector.Inbound{onPremByCert("cert", "*."+dom)}
		if i%2 == 0 {
			in = append(in, onPremByIP("ip", netip.AddrFrom4([4]byte{10, byte(i >> 16), byte(i >> 8), byte(i)}).String()))
		}
		tenants[i] = Tenant{ID: fmt.Sprint("t", i), AcceptedDomains: []domain.AcceptedDomain{{Name: domain.MustParse(dom)}}, InboundConnectors: in}
	}
	d, err := NewDirectory(tenants)
	if err != nil {
		b.Fatal(err)
	}
	return d
}

func BenchmarkAttribute(b *testing.B) {
	for _, n := range []int{1_000, 100_000} {
		d := benchWorld(b, n)
		k := n / 2
		sessions := map[string]session{
			"certificate": {ip: "198.51.100.1", cert: []string{fmt.Sprintf("mail.tenant%d.example", k+1)}, mailFrom: "<>", rcpt: []string{"x@internet.example"}},
			"mail-from":   {ip: netip.AddrFrom4([4]byte{10, byte(k >> 16), byte(k >> 8), byte(k)}).String(), mailFrom: fmt.Sprintf("a@tenant%d.example", k), rcpt: []string{"x@internet.example"}},
			"anonymous":   {ip: "198.51.100.1", mailFrom: "x@internet.example", rcpt: []string{fmt.Sprintf("a@tenant%d.example", k)}},
		}
		for _, name := range []string{"certificate", "mail-from", "anonymous"} {
			s := sessions[name].build(b)
			b.Run(fmt.Sprintf("%s/tenants=%d", name, n), func(b *testing.B) {
				var r Result
				b.ReportAllocs()
				for b.Loop() {
					d.AttributeTo(s, &r)
				}
			})
		}
	}
}
