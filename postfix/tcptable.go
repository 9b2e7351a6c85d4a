package postfix

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net"
	"strings"
)

// TCPTableServer serves a TransportMap over Postfix's tcp_table protocol
// (transport_maps = tcp:host:port). A request is a line "get <key>"
// with the key %XX-encoded; the answer is a line "200 <value>" with the
// value %XX-encoded, "500 <text>" when there is no route, or "400
// <text>" for a temporary failure (and for requests other than get).
//
// A line longer than the size limit is logged and the connection closed.
// Set the fields before Serve.
type TCPTableServer struct {
	// Map answers the lookups; required.
	Map *TransportMap
	// Logger: nil means slog.Default().
	Logger *slog.Logger
	// Limits bound requests and connections.
	Limits Limits

	srv server
}

func (s *TCPTableServer) init() {
	s.srv.init("tcp_table", s, s.Limits, s.Logger)
}

// Serve accepts connections on l and answers their requests until
// Shutdown or Close, and then returns ErrServerClosed.
func (s *TCPTableServer) Serve(l net.Listener) error {
	s.init()
	if s.Map == nil || s.Map.Directory == nil {
		return errors.New("postfix: TCPTableServer.Map and its Directory are required")
	}
	return s.srv.serve(l)
}

// Shutdown stops accepting connections, closes idle ones, and waits
// until the requests being served are answered or ctx ends.
func (s *TCPTableServer) Shutdown(ctx context.Context) error {
	s.init()
	return s.srv.shutdown(ctx)
}

// Close closes the listeners and every connection at once.
func (s *TCPTableServer) Close() error {
	s.init()
	return s.srv.close()
}

func (s *TCPTableServer) serveRequest(c *conn) error {
	budget := c.srv.limits.MaxRequestBytes
	line, _, err := readLine(c.br, &budget, nil)
	if err != nil {
		return err
	}
	cmd, arg, _ := bytes.Cut(line, []byte{' '})
	var answer string
	switch {
	case string(cmd) != "get":
		c.log.Warn("tcp_table request not supported", "request", truncate(line, 80))
		answer = "400 " + urlEncode("only get is supported")
	default:
		key, ok := urlDecode(arg)
		if !ok || key == "" {
			c.log.Warn("tcp_table request with a bad key", "request", truncate(line, 80))
			answer = "400 " + urlEncode("bad key encoding")
			break
		}
		value, found, err := s.Map.Lookup(key)
		switch {
		case err != nil:
			answer = "400 " + urlEncode(err.Error())
		case found:
			answer = "200 " + urlEncode(value)
		default:
			answer = "500 " + urlEncode("not found")
		}
	}
	c.bw.WriteString(answer)
	c.bw.WriteByte('\n')
	return nil
}

// urlEncode %XX-encodes everything but letters, digits and "-._:@/",
// as tcp_table wants (whitespace, control characters and % must be
// encoded): "smtp:[127.0.0.1]:2626" → "smtp:%5B127.0.0.1%5D:2626".
func urlEncode(s string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	b.Grow(len(s) + 8)
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9',
			c == '-', c == '.', c == '_', c == ':', c == '@', c == '/':
			b.WriteByte(c)
		default:
			b.WriteByte('%')
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&0xf])
		}
	}
	return b.String()
}

// urlDecode decodes %XX; any other byte stands for itself ("+" too: it
// is not a space here).
func urlDecode(b []byte) (string, bool) {
	if bytes.IndexByte(b, '%') < 0 {
		return string(b), true
	}
	out := make([]byte, 0, len(b))
	for i := 0; i < len(b); i++ {
		if b[i] != '%' {
			out = append(out, b[i])
			continue
		}
		if i+2 >= len(b) {
			return "", false
		}
		hi, lo := unhexByte(b[i+1]), unhexByte(b[i+2])
		if hi < 0 || lo < 0 {
			return "", false
		}
		out = append(out, byte(hi<<4|lo))
		i += 2
	}
	return string(out), true
}

func unhexByte(c byte) int {
	switch {
	case '0' <= c && c <= '9':
		return int(c - '0')
	case 'a' <= c && c <= 'f':
		return int(c-'a') + 10
	case 'A' <= c && c <= 'F':
		return int(c-'A') + 10
	}
	return -1
}
