package postfix

import (
	"bufio"
	"io"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mailflow-go/mailflow/attribution"
)

// BenchmarkPolicyLoopback measures policy requests answered per second
// over loopback TCP, request by request as Postfix sends them (each
// waits for its answer), on one connection and on several at once. The
// requests mix the ATTR36 rejection, a certificate relay and an
// anonymous delivery.
//
//	go test -run '^$' -bench PolicyLoopback ./postfix
func BenchmarkPolicyLoopback(b *testing.B) {
	reqs := []string{
		request("client_address", "192.0.2.10", "sender", "", "recipient", "sun@internet.example"),
		request("client_address", "203.0.113.5", "encryption_protocol", "TLSv1.3", "ccert_subject", "mail.contoso.com", "sender", "", "recipient", "sun@internet.example"),
		request("recipient", "bob@contoso.com"),
	}
	for _, logged := range []bool{false, true} {
		name := "quiet"
		level := slog.LevelWarn
		if logged {
			name, level = "logged", slog.LevelInfo
		}
		s := &PolicyServer{
			Directory: attribution.NewHolder(directory(b, testConfig)),
			Logger:    slog.New(slog.NewTextHandler(io.Discard, &slog.HandlerOptions{Level: level})),
		}
		addr := start(b, s)
		b.Run(name+"/conns=1", func(b *testing.B) {
			c := benchDial(b, addr)
			i := 0
			for b.Loop() {
				c.roundTrip(b, reqs[i%len(reqs)])
				i++
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
		})
		for _, conns := range []int{4, 16} {
			b.Run(name+"/conns="+strconv.Itoa(conns), func(b *testing.B) {
				b.SetParallelism((conns + 1) / 2) // GOMAXPROCS is 2 here
				b.RunParallel(func(pb *testing.PB) {
					c := benchDial(b, addr)
					i := 0
					for pb.Next() {
						c.roundTrip(b, reqs[i%len(reqs)])
						i++
					}
				})
				b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
			})
		}
	}
}

type benchConn struct {
	nc net.Conn
	br *bufio.Reader
}

func benchDial(b *testing.B, addr string) *benchConn {
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { nc.Close() })
	nc.SetDeadline(time.Now().Add(10 * time.Minute))
	return &benchConn{nc: nc, br: bufio.NewReader(nc)}
}

func (c *benchConn) roundTrip(b *testing.B, req string) {
	if _, err := io.WriteString(c.nc, req); err != nil {
		b.Fatal(err)
	}
	line, err := c.br.ReadString('\n')
	if err != nil || !strings.HasPrefix(line, "action=") {
		b.Fatalf("answer %q: %v", line, err)
	}
	if _, err := c.br.ReadString('\n'); err != nil {
		b.Fatal(err)
	}
}
