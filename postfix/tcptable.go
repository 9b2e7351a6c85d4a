package postfix

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net"
	"net/url"
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
	// Observer, when not nil, is told of every request answered.
	Observer Observer

	srv server
}

func (s *TCPTableServer) init() {
	s.srv.init("tcp_table", s, s.Limits, s.Logger, s.Observer)
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
		answer, c.outcome.Decision = "400 "+urlEncode("only get is supported"), OutcomeTempFail
	default:
		key, ok := urlDecode(arg)
		if !ok || key == "" {
			c.log.Warn("tcp_table request with a bad key", "request", truncate(line, 80))
			answer, c.outcome.Decision = "400 "+urlEncode("bad key encoding"), OutcomeTempFail
			break
		}
		value, found, err := s.Map.Lookup(key)
		switch {
		case err != nil:
			answer, c.outcome.Decision = "400 "+urlEncode(err.Error()), OutcomeTempFail
		case found:
			answer, c.outcome.Decision = "200 "+urlEncode(value), OutcomeFound
		default:
			answer, c.outcome.Decision = "500 "+urlEncode("not found"), OutcomeNotFound
		}
	}
	c.bw.WriteString(answer)
	c.bw.WriteByte('\n')
	return nil
}

// urlEncode %XX-encodes a tcp_table value (Postfix decodes %XX and takes
// any other byte as itself).
func urlEncode(s string) string { return url.PathEscape(s) }

// urlDecode decodes %XX; "+" stands for itself here, not for a space.
func urlDecode(b []byte) (string, bool) {
	s, err := url.PathUnescape(string(b))
	return s, err == nil
}
