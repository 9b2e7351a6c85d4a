package postfix

import (
	"fmt"
	"io"
	"log/slog"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mailflow-go/mailflow/attribution"
)

func TestTransportLookup(t *testing.T) {
	one := attribution.NewHolder(directory(t, testConfig))
	two := attribution.NewHolder(directory(t, twoTenants))
	tests := []struct {
		name string
		m    TransportMap
		key  string
		want string // "" for not found
		temp bool
	}{
		// Smart hosts, in order, bracketed: no MX lookup.
		{"partner smart hosts", TransportMap{Directory: one}, "sun@partner.test", "smtp:[127.0.0.1]:25, [2001:db8::25]:25", false},
		{"accepted domain", TransportMap{Directory: one}, "bob@contoso.com", "smtp:[mail.contoso.com]:25", false},
		{"bare domain (postmap -q)", TransportMap{Directory: one}, "contoso.com", "smtp:[mail.contoso.com]:25", false},
		{"case", TransportMap{Directory: one}, "Bob@CONTOSO.com", "smtp:[mail.contoso.com]:25", false},
		// One trailing dot is the same name (issue 12), in addresses and bare domains.
		{"trailing dot", TransportMap{Directory: one}, "bob@contoso.com.", "smtp:[mail.contoso.com]:25", false},
		{"trailing dot, bare domain", TransportMap{Directory: one}, "partner.test.", "smtp:[127.0.0.1]:25, [2001:db8::25]:25", false},
		{"quoted local part", TransportMap{Directory: one}, `"a b@c"@contoso.com`, "smtp:[mail.contoso.com]:25", false},
		{"port and transport", TransportMap{Directory: one, Port: 2626, Transport: "relay"}, "sun@partner.test", "relay:[127.0.0.1]:2626, [2001:db8::25]:2626", false},
		// A connector routing by MX: the smtp transport, nexthop the recipient domain.
		{"MX connector", TransportMap{Directory: one}, "x@mx.test", "smtp:", false},
		// A CIDR smart host is no next hop: defer rather than misroute.
		{"range smart host", TransportMap{Directory: one}, "x@range.test", "", true},
		// No connector: Postfix's default routing.
		{"no connector", TransportMap{Directory: one}, "sun@internet.example", "", false},
		{"star", TransportMap{Directory: one}, "*", "", false},
		{"empty", TransportMap{Directory: one}, "", "", false},
		{"null sender", TransportMap{Directory: one}, "<>", "", false},
		{"address literal", TransportMap{Directory: one}, "a@[192.0.2.1]", "", false},
		{"IP", TransportMap{Directory: one}, "192.0.2.1", "", false},
		{"junk", TransportMap{Directory: one}, "a@@b", "", false},
		{"dot domain", TransportMap{Directory: one}, ".contoso.com", "", false},
		// Several tenants: the tenant accepting the domain, or the one named.
		{"owner of the domain", TransportMap{Directory: two}, "a@fabrikam.com", "smtp:[mx.fabrikam.com]:25", false},
		{"owner of the other domain", TransportMap{Directory: two}, "a@contoso.com", "smtp:[mail.contoso.com]:25", false},
		{"no owner", TransportMap{Directory: two}, "sun@partner.test", "", false},
		{"named tenant", TransportMap{Directory: two, Tenant: "contoso"}, "sun@partner.test", "smtp:[127.0.0.1]:25, [2001:db8::25]:25", false},
		{"named tenant, other case", TransportMap{Directory: two, Tenant: "CONTOSO"}, "sun@partner.test", "smtp:[127.0.0.1]:25, [2001:db8::25]:25", false},
		{"named tenant, other's domain", TransportMap{Directory: two, Tenant: "contoso"}, "a@fabrikam.com", "", false},
		{"unknown tenant", TransportMap{Directory: two, Tenant: "nobody"}, "a@contoso.com", "", true},
		{"empty directory", TransportMap{Directory: &attribution.Holder{}}, "a@contoso.com", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.m.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
			got, found, err := tt.m.Lookup(tt.key)
			if tt.temp {
				var te *TemporaryError
				require.ErrorAs(t, err, &te)
				assert.False(t, found)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want != "", found)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestSocketmap(t *testing.T) {
	log, logs := testLogger(slog.LevelDebug)
	m := &TransportMap{Directory: attribution.NewHolder(directory(t, testConfig)), Port: 2626, Logger: log}
	addr := start(t, &SocketmapServer{Map: m, Logger: log, Limits: Limits{MaxRequestBytes: 512}})

	ns := func(s string) string { return fmt.Sprintf("%d:%s,", len(s), s) }
	c := dial(t, addr)
	read := func() string {
		t.Helper()
		p, err := readNetstring(c.br, 1<<20)
		require.NoError(t, err)
		return string(p)
	}
	tests := []struct{ req, want string }{
		{"transport sun@partner.test", "OK smtp:[127.0.0.1]:2626, [2001:db8::25]:2626"},
		{"transport bob@contoso.com", "OK smtp:[mail.contoso.com]:2626"},
		{"transport sun@internet.example", "NOTFOUND "},
		{"transport *", "NOTFOUND "},
		{"transport x@range.test", `TEMP postfix: transport: tenant "contoso" connector "Range" has no smart host usable as a next hop`},
		{"virtual bob@contoso.com", `PERM unknown map "virtual"`},
		{"transport", `PERM request is not "name key"`},
		{"transport ", `PERM request is not "name key"`},
	}
	for _, tt := range tests {
		c.send(ns(tt.req))
		assert.Equal(t, tt.want, read(), tt.req)
	}
	// Pipelined.
	c.send(strings.Repeat(ns("transport bob@contoso.com")+ns("transport sun@internet.example"), 50))
	for range 50 {
		assert.Equal(t, "OK smtp:[mail.contoso.com]:2626", read())
		assert.Equal(t, "NOTFOUND ", read())
	}

	// Broken framing closes the connection.
	for _, bad := range []struct{ name, req, log string }{
		{"bad length", "x:transport a@b,", "bad length character"},
		{"no length", ":transport a@b,", "bad length character"},
		{"missing comma", "16:transport a@b.example;", "want ','"},
		{"too long", "513:", "longer than the limit"},
		{"huge length", "99999999999999999999:", "longer than the limit"},
	} {
		t.Run(bad.name, func(t *testing.T) {
			c := dial(t, addr)
			c.send(bad.req)
			assert.True(t, c.closed())
			logs.waitFor(t, bad.log)
		})
	}
}

func TestTCPTable(t *testing.T) {
	log, logs := testLogger(slog.LevelDebug)
	m := &TransportMap{Directory: attribution.NewHolder(directory(t, testConfig)), Port: 2626, Logger: log}
	addr := start(t, &TCPTableServer{Map: m, Logger: log, Limits: Limits{MaxRequestBytes: 512}})
	c := dial(t, addr)
	read := func() string {
		t.Helper()
		line, err := c.br.ReadString('\n')
		require.NoError(t, err)
		return strings.TrimSuffix(line, "\n")
	}
	tests := []struct{ req, want string }{
		{"get sun@partner.test", "200 smtp:%5B127.0.0.1%5D:2626%2C%20%5B2001:db8::25%5D:2626"},
		{"get bob@contoso.com", "200 smtp:%5Bmail.contoso.com%5D:2626"},
		{"get bob%40contoso.com", "200 smtp:%5Bmail.contoso.com%5D:2626"},
		{"get %22a%20b%22@contoso.com", "200 smtp:%5Bmail.contoso.com%5D:2626"},
		{"get sun@internet.example", "500 not%20found"},
		{"get x@range.test", "400 postfix:%20transport:%20tenant%20%22contoso%22%20connector%20%22Range%22%20has%20no%20smart%20host%20usable%20as%20a%20next%20hop"},
		{"get bad%zzkey", "400 bad%20key%20encoding"},
		{"get ", "400 bad%20key%20encoding"},
		{"put a@b x", "400 only%20get%20is%20supported"},
		{"get bob@contoso.com\r", "200 smtp:%5Bmail.contoso.com%5D:2626"},
	}
	for _, tt := range tests {
		c.send(tt.req + "\n")
		assert.Equal(t, tt.want, read(), tt.req)
	}
	c.send(strings.Repeat("get bob@contoso.com\nget sun@internet.example\n", 50))
	for range 50 {
		assert.Equal(t, "200 smtp:%5Bmail.contoso.com%5D:2626", read())
		assert.Equal(t, "500 not%20found", read())
	}

	t.Run("line too long", func(t *testing.T) {
		c := dial(t, addr)
		c.send("get " + strings.Repeat("a", 600) + "\n")
		assert.True(t, c.closed())
		logs.waitFor(t, "longer than the limit")
	})
}

func TestURLCoding(t *testing.T) {
	for _, s := range []string{"smtp:[127.0.0.1]:2626", "a b%c\n+d", "\x00\xff", ""} {
		got, ok := urlDecode([]byte(urlEncode(s)))
		assert.True(t, ok)
		assert.Equal(t, s, got)
	}
	assert.Equal(t, "smtp:%5B127.0.0.1%5D:2626", urlEncode("smtp:[127.0.0.1]:2626"))
	got, ok := urlDecode([]byte("a+b%2b"))
	assert.True(t, ok)
	assert.Equal(t, "a+b+", got, "+ is not a space in tcp_table")
	for _, bad := range []string{"%", "%4", "%zz", "a%4g"} {
		_, ok := urlDecode([]byte(bad))
		assert.False(t, ok, bad)
	}
}
