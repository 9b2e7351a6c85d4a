package benchmarks

import (
	"bufio"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strings"
	"sync"
	"testing"

	"github.com/mailflow-go/mailflow/attribution"
	"github.com/mailflow-go/mailflow/postfix"
)

// policyConns is how many persistent connections the driver keeps open, as
// Postfix's smtpd processes each keep one to check_policy_service.
const policyConns = 8

// BenchmarkPolicy measures the Postfix policy delegation protocol on
// loopback: requests/s that postfix.PolicyServer (what "mailflow serve
// --policy" runs) answers for the world of n tenants, next to a null
// policy server in the same run (server=null: the same protocol, reads a
// request to its blank line and answers action=DUNNO). The target is
// mailflow ≥ 0.8× null. Requests are mixed sessions of the world (one
// recipient each) over policyConns persistent connections.
func BenchmarkPolicy(b *testing.B) {
	for _, n := range sizes(b) {
		wd := directory(b, n)
		reqs := policyRequests(wd.w.MixedSessions(1024))
		for _, server := range []string{"mailflow", "null"} {
			b.Run(fmt.Sprintf("n=%d/server=%s", n, server), func(b *testing.B) {
				l, err := net.Listen("tcp", "127.0.0.1:0")
				if err != nil {
					b.Fatal(err)
				}
				var stop func()
				if server == "null" {
					stop = serveNull(l)
				} else {
					s := &postfix.PolicyServer{Directory: attribution.NewHolder(wd.dir), Accept: postfix.ActionOK,
						Logger: slog.New(slog.NewTextHandler(io.Discard, &slog.HandlerOptions{Level: slog.LevelWarn}))}
					go s.Serve(l)
					stop = func() { s.Close() }
				}
				defer stop()
				drive(b, l.Addr().String(), reqs)
			})
		}
	}
}

// policyRequests writes sessions as policy delegation requests at RCPT.
func policyRequests(sessions []*attribution.Session) []string {
	out := make([]string, len(sessions))
	for i, s := range sessions {
		out[i] = "request=smtpd_access_policy\nprotocol_state=RCPT\nclient_address=" + s.ClientIP.String() +
			"\nserver_port=25\nsender=" + strings.Trim(s.MailFrom.Text, "<>") + "\nrecipient=" + strings.Trim(s.RcptTo[0].Text, "<>") + "\n\n"
	}
	return out
}

// drive sends b.N requests over policyConns connections, each waiting for
// its answer before the next request, and reports requests/s.
func drive(b *testing.B, addr string, reqs []string) {
	var wg sync.WaitGroup
	per := b.N/policyConns + 1
	b.ResetTimer()
	for c := range policyConns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			nc, err := net.Dial("tcp", addr)
			if err != nil {
				b.Error(err)
				return
			}
			defer nc.Close()
			br := bufio.NewReader(nc)
			for i := range per {
				if _, err := io.WriteString(nc, reqs[(c*per+i)%len(reqs)]); err != nil {
					b.Error(err)
					return
				}
				if err := readAnswer(br); err != nil {
					b.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	b.ReportMetric(float64(per*policyConns)/b.Elapsed().Seconds(), "req/s")
}

// readAnswer reads lines up to the blank line that ends an answer.
func readAnswer(br *bufio.Reader) error {
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			return err
		}
		if line == "\n" {
			return nil
		}
	}
}

// serveNull answers every policy request on l with action=DUNNO until the
// returned stop is called.
func serveNull(l net.Listener) (stop func()) {
	go func() {
		for {
			nc, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				defer nc.Close()
				br := bufio.NewReader(nc)
				for readAnswer(br) == nil {
					if _, err := io.WriteString(nc, "action=DUNNO\n\n"); err != nil {
						return
					}
				}
			}()
		}
	}()
	return func() { l.Close() }
}
