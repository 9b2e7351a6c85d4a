package postfix

import (
	"bytes"
	"io"
	"log/slog"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/mailflow-go/mailflow/attribution"
)

// serveBytes runs one connection of a server over net.Pipe: it writes
// data, closes its side, and returns everything the server answered.
func serveBytes(t *testing.T, proto string, h handler, data []byte) []byte {
	t.Helper()
	var s server
	s.init(proto, h, Limits{MaxRequestBytes: 2048, MaxAttributes: 20, ReadTimeout: time.Second, IdleTimeout: time.Second},
		slog.New(slog.NewTextHandler(io.Discard, nil)), nil)
	cl, sv := net.Pipe()
	c := s.newConn(sv)
	if reason := s.trackConn(c); reason != "" {
		t.Fatal(reason)
	}
	done := make(chan struct{})
	go func() { c.serve(); close(done) }()
	out := make(chan []byte)
	go func() {
		b, _ := io.ReadAll(cl)
		out <- b
	}()
	cl.SetWriteDeadline(time.Now().Add(2 * time.Second))
	cl.Write(data) // the server may close early: an error is fine
	// Half-close is not available on a pipe: give the server time to
	// answer what it read, then close. The last answer may be cut short
	// by the close; the checks allow that.
	time.Sleep(time.Millisecond)
	cl.Close()
	<-done
	return <-out
}

func FuzzPolicy(f *testing.F) {
	f.Add([]byte(request()))
	f.Add([]byte(request("client_address", "192.0.2.10", "sender", "", "recipient", "sun@internet.example") + request("encryption_protocol", "TLSv1.3", "ccert_subject", "a+2Bb=c+20+C3+BC")))
	f.Add([]byte("request=smtpd_access_policy\n=\n\n\n\n"))
	f.Add([]byte(strings.Repeat("a=b\n", 30) + "\n"))
	f.Add([]byte("request=smtpd_access_policy\nprotocol_state=RCPT\nclient_address=::1\nrecipient=<@a,@b:c@d>\nsender=\"\\\"\"@x\n\n"))
	ps := &PolicyServer{Directory: attribution.NewHolder(directory(f, testConfig)), Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	ps.SetPins(testPins(f))
	f.Fuzz(func(t *testing.T, data []byte) {
		out := serveBytes(t, "policy", ps, data)
		for len(out) > 0 {
			answer, rest, ok := bytes.Cut(out, []byte("\n\n"))
			if !ok { // cut short: a prefix of an answer
				answer = bytes.TrimSuffix(answer, []byte("\n"))
				if !bytes.HasPrefix(answer, []byte("action=")) && !bytes.HasPrefix([]byte("action="), answer) {
					t.Fatalf("malformed answer stream %q", out)
				}
			}
			if !bytes.HasPrefix(answer, []byte("action=")) && ok || bytes.ContainsRune(answer, '\n') {
				t.Fatalf("malformed answer stream %q", out)
			}
			out = rest
		}
	})
}

func FuzzSocketmap(f *testing.F) {
	f.Add([]byte("25:transport bob@contoso.com,"))
	f.Add([]byte("3:a b,0:,9:transport,"))
	f.Add([]byte("00001:x,"))
	m := &TransportMap{Directory: attribution.NewHolder(directory(f, testConfig)), Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	f.Fuzz(func(t *testing.T, data []byte) {
		out := serveBytes(t, "socketmap", &SocketmapServer{Map: m}, data)
		r := bytes.NewReader(out)
		for r.Len() > 0 {
			p, err := readNetstring(r, 1<<20)
			if err == io.ErrUnexpectedEOF {
				break // cut short
			}
			if err != nil {
				t.Fatalf("malformed answer stream %q: %v", out, err)
			}
			if !bytes.HasPrefix(p, []byte("OK ")) && !bytes.HasPrefix(p, []byte("NOTFOUND ")) && !bytes.HasPrefix(p, []byte("TEMP ")) && !bytes.HasPrefix(p, []byte("PERM ")) {
				t.Fatalf("bad answer %q", p)
			}
		}
	})
}

func FuzzTCPTable(f *testing.F) {
	f.Add([]byte("get bob@contoso.com\nget %zz\nput a b\n"))
	f.Add([]byte("get sun%40partner.test\r\n"))
	m := &TransportMap{Directory: attribution.NewHolder(directory(f, testConfig)), Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	f.Fuzz(func(t *testing.T, data []byte) {
		out := serveBytes(t, "tcp_table", &TCPTableServer{Map: m}, data)
		for _, line := range strings.SplitAfter(string(out), "\n") {
			if line == "" || !strings.HasSuffix(line, "\n") { // cut short
				continue
			}
			if !strings.HasSuffix(line, "\n") || len(line) < 5 || !strings.Contains("200 400 500 ", line[:4]) || strings.ContainsAny(line[4:len(line)-1], " \r\t") {
				t.Fatalf("bad answer line %q in %q", line, out)
			}
		}
	})
}
