package postfix

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"strconv"
)

// SocketmapServer serves a TransportMap over the socketmap protocol
// (Sendmail's, which Postfix speaks as socketmap:inet:host:port:name).
// A request is a netstring "<len>:<name> <key>,"; the answer is a
// netstring "OK <value>", "NOTFOUND ", "TEMP <reason>" or
// "PERM <reason>" (a map name it does not serve).
//
// A request that breaks the netstring framing or exceeds the size limit
// is logged and the connection closed. Set the fields before Serve.
type SocketmapServer struct {
	// Map answers the lookups; required.
	Map *TransportMap
	// Name is the map name served, the last part of
	// socketmap:inet:host:port:name; "" means "transport".
	Name string
	// TLSPolicy, when not nil, is served too, under the map name
	// TLSPolicyName (smtp_tls_policy_maps = socketmap:inet:host:port:tls_policy).
	TLSPolicy *TLSPolicyMap
	// Logger: nil means slog.Default().
	Logger *slog.Logger
	// Limits bound requests and connections.
	Limits Limits
	// Observer, when not nil, is told of every request answered.
	Observer Observer

	srv server
}

func (s *SocketmapServer) init() {
	s.srv.init("socketmap", s, s.Limits, s.Logger, s.Observer)
}

// Serve accepts connections on l and answers their requests until
// Shutdown or Close, and then returns ErrServerClosed.
func (s *SocketmapServer) Serve(l net.Listener) error {
	s.init()
	if s.Map == nil || s.Map.Directory == nil {
		return errors.New("postfix: SocketmapServer.Map and its Directory are required")
	}
	return s.srv.serve(l)
}

// Shutdown stops accepting connections, closes idle ones, and waits
// until the requests being served are answered or ctx ends.
func (s *SocketmapServer) Shutdown(ctx context.Context) error {
	s.init()
	return s.srv.shutdown(ctx)
}

// Close closes the listeners and every connection at once.
func (s *SocketmapServer) Close() error {
	s.init()
	return s.srv.close()
}

func (s *SocketmapServer) serveRequest(c *conn) error {
	payload, err := readNetstring(c.br, c.srv.limits.MaxRequestBytes)
	if err != nil {
		return err
	}
	name, key, ok := bytes.Cut(payload, []byte{' '})
	mapName := s.Name
	if mapName == "" {
		mapName = "transport"
	}
	var answer string
	switch {
	case !ok || len(key) == 0:
		c.log.Warn("socketmap request without a key", "request", truncate(payload, 80))
		answer, c.outcome.Decision = "PERM request is not \"name key\"", OutcomePermFail
	case s.TLSPolicy != nil && string(name) == TLSPolicyName:
		answer = lookupAnswer(s.TLSPolicy.Lookup(string(key)))
		c.outcome.Decision = answerOutcome(answer)
	case string(name) != mapName:
		c.log.Warn("socketmap request for a map not served", "map", truncate(name, 80), "served", mapName)
		answer, c.outcome.Decision = "PERM unknown map "+strconv.Quote(truncate(name, 80)), OutcomePermFail
	default:
		answer = lookupAnswer(s.Map.Lookup(string(key)))
		c.outcome.Decision = answerOutcome(answer)
	}
	writeNetstring(c.bw, answer)
	return nil
}

// TLSPolicyName is the socketmap name of [SocketmapServer.TLSPolicy].
const TLSPolicyName = "tls_policy"

// lookupAnswer is the socketmap answer to a lookup's result.
func lookupAnswer(value string, found bool, err error) string {
	switch {
	case err != nil:
		return "TEMP " + oneLine(err.Error())
	case found:
		return "OK " + value
	}
	return "NOTFOUND "
}

func answerOutcome(answer string) string {
	switch answer[0] {
	case 'T':
		return OutcomeTempFail
	case 'O':
		return OutcomeFound
	case 'P':
		return OutcomePermFail
	}
	return OutcomeNotFound
}

// readNetstring reads "<len>:<payload>," with len at most max.
func readNetstring(br interface {
	ReadByte() (byte, error)
	io.Reader
}, max int) ([]byte, error) {
	n := 0
	for digits := 0; ; digits++ {
		b, err := br.ReadByte()
		if err != nil {
			return nil, unexpected(err)
		}
		if b == ':' && digits > 0 {
			break
		}
		if b < '0' || b > '9' {
			return nil, protocolErrorf("netstring: bad length character %q", b)
		}
		n = n*10 + int(b-'0')
		if n > max {
			return nil, protocolErrorf("netstring longer than the limit of %d bytes", max)
		}
	}
	buf := make([]byte, n+1)
	if _, err := io.ReadFull(br, buf); err != nil {
		return nil, unexpected(err)
	}
	if buf[n] != ',' {
		return nil, protocolErrorf("netstring: want ',' after %d bytes, got %q", n, buf[n])
	}
	return buf[:n], nil
}

func unexpected(err error) error {
	if errors.Is(err, io.EOF) {
		return io.ErrUnexpectedEOF
	}
	return err
}

func writeNetstring(w interface {
	WriteString(string) (int, error)
	WriteByte(byte) error
}, s string) {
	w.WriteString(strconv.Itoa(len(s)))
	w.WriteByte(':')
	w.WriteString(s)
	w.WriteByte(',')
}

// oneLine replaces control characters, so that a message fits a reply.
func oneLine(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c < ' ' || c == 0x7f {
			b[i] = ' '
		}
	}
	return string(b)
}
