package attribution

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/mailflow-go/mailflow/connector"
	"github.com/mailflow-go/mailflow/domain"
)

// slowLintShared is lintShared as it was before the indexes: every pair
// of connectors at every prefix, every pair of certificate patterns. It is
// the reference for TestLintSharedDifferential (with AllSorted, so that
// the prefix a message names is the same in both).
func (d *Directory) slowLintShared() []Finding {
	var out []Finding
	type owner struct {
		ti   int32
		conn string
	}
	seen := map[string]bool{}
	for pfx, refs := range d.ips.AllSorted() {
		var onprem []owner
		for _, ref := range refs {
			c := d.conn(ref)
			if c.ConnectorType == connector.OnPremises {
				onprem = append(onprem, owner{ref.tenant, c.Name})
			}
		}
		for _, a := range onprem {
			for _, b := range onprem {
				if a.ti == b.ti {
					continue
				}
				key := fmt.Sprint(a.ti, a.conn, b.ti)
				if seen[key] {
					continue
				}
				seen[key] = true
				out = append(out, sharedIPFinding(d, a.ti, a.conn, b.ti, b.conn, pfx.String()))
			}
		}
	}
	var pats []struct {
		p domain.Pattern
		owner
	}
	for ti := range d.live() {
		for _, c := range d.rec(ti).InboundConnectors {
			if c.Enabled && c.ConnectorType == connector.OnPremises && c.TlsSenderCertificateName.IsValid() {
				pats = append(pats, struct {
					p domain.Pattern
					owner
				}{c.TlsSenderCertificateName, owner{int32(ti), c.Name}})
			}
		}
	}
	for _, a := range pats {
		for _, b := range pats {
			if a.ti == b.ti || !(a.p.Covers(b.p) || b.p.Covers(a.p)) {
				continue
			}
			out = append(out, Finding{Code: CodeSharedCertificate, Severity: SeverityWarning, Tenant: d.rec(a.ti).ID, Connector: a.conn, Reference: RefMC1226222,
				Message: fmt.Sprintf("TlsSenderCertificateName %s can match the same certificate as %s of connector %q in tenant %q: one certificate serving several tenants decides nothing at attribution step 1; use a separate certificate, whose name is in the tenant's own accepted domain, for each tenant", a.p, b.p, b.conn, d.rec(b.ti).ID)})
		}
	}
	return out
}

// randomSharedDirectory builds tenants whose OnPremises and Partner
// connectors draw IPs and certificate patterns from small pools, so that
// nested prefixes, repeated prefixes and covering patterns are common.
func randomSharedDirectory(t *testing.T, r *rand.Rand) *Directory {
	ips := []string{"203.0.113.0/24", "203.0.113.0/25", "203.0.113.128/25", "203.0.113.10", "203.0.113.200", "198.51.100.0/24", "198.51.100.7", "2001:db8::/48", "2001:db8::1", "0.0.0.0/0"}
	certs := []string{"*", "*.example.net", "mail.example.net", "*.relay.example.net", "a.relay.example.net", "*.other.example", "other.example"}
	n := 2 + r.IntN(6)
	ts := make([]Tenant, n)
	for i := range ts {
		dom := fmt.Sprintf("t%d.example", i)
		ts[i] = Tenant{ID: fmt.Sprintf("t%d", i), AcceptedDomains: accepted(dom)}
		for c := range r.IntN(4) {
			in := connector.NewInbound(fmt.Sprintf("in %d", c))
			in.ConnectorType = connector.OnPremises
			if r.IntN(4) == 0 {
				in.ConnectorType = connector.Partner
			}
			in.Enabled = r.IntN(8) != 0
			seen := map[string]bool{}
			for range r.IntN(4) {
				s := ips[r.IntN(len(ips))]
				if !seen[s] {
					seen[s] = true
					p, err := connector.ParseSenderIPAddress(s)
					if err != nil {
						t.Fatal(err)
					}
					in.SenderIPAddresses = append(in.SenderIPAddresses, p)
				}
			}
			if r.IntN(2) == 0 || len(in.SenderIPAddresses) == 0 {
				in.TlsSenderCertificateName = domain.MustParsePattern(certs[r.IntN(len(certs))])
				in.RequireTls = true
			}
			ts[i].InboundConnectors = append(ts[i].InboundConnectors, in)
		}
	}
	return mustDirectory(t, ts...)
}

func TestLintSharedDifferential(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	var ips, certs int
	defer func() {
		assert.Positive(t, ips, "the random directories share IPs")
		assert.Positive(t, certs, "the random directories share certificates")
	}()
	for i := range 500 {
		d := randomSharedDirectory(t, r)
		want, got := d.slowLintShared(), d.lintShared()
		sortFindings(want)
		sortFindings(got)
		for _, f := range want {
			if f.Code == CodeSharedSenderIP {
				ips++
			} else {
				certs++
			}
		}
		if !assert.Equal(t, want, got, "directory %d", i) {
			return
		}
	}
}
