package postfix

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"
)

// ErrServerClosed is returned by the Serve methods after Shutdown or Close.
var ErrServerClosed = errors.New("postfix: server closed")

// Limits bound what one client may cost a server. A zero field takes its
// default.
type Limits struct {
	// MaxRequestBytes bounds one request: a policy request with all its
	// attribute lines, a socketmap netstring, a tcp_table line. A client
	// that sends more is logged and disconnected. Default 64 KiB.
	MaxRequestBytes int
	// MaxAttributes bounds the attribute lines of one policy request
	// (Postfix 3.7 sends about 30). Default 100.
	MaxAttributes int
	// IdleTimeout is how long an open connection may wait for its next
	// request. Postfix keeps connections open between requests and closes
	// idle policy connections itself after smtpd_policy_service_max_idle
	// (300 s), so this is longer. Default 10 minutes.
	IdleTimeout time.Duration
	// ReadTimeout is how long the rest of a request may take once its
	// first byte has arrived. Default 30 s.
	ReadTimeout time.Duration
	// WriteTimeout bounds writing one answer. Default 30 s.
	WriteTimeout time.Duration
	// MaxConnections bounds the open connections of one server; a
	// connection beyond it is logged and closed at once, and Postfix
	// treats that as a temporary failure. Default 1000.
	MaxConnections int
}

// Defaults of [Limits].
const (
	DefaultMaxRequestBytes = 64 << 10
	DefaultMaxAttributes   = 100
	DefaultIdleTimeout     = 10 * time.Minute
	DefaultReadTimeout     = 30 * time.Second
	DefaultWriteTimeout    = 30 * time.Second
	DefaultMaxConnections  = 1000
)

func (l Limits) withDefaults() Limits {
	if l.MaxRequestBytes <= 0 {
		l.MaxRequestBytes = DefaultMaxRequestBytes
	}
	if l.MaxAttributes <= 0 {
		l.MaxAttributes = DefaultMaxAttributes
	}
	if l.IdleTimeout <= 0 {
		l.IdleTimeout = DefaultIdleTimeout
	}
	if l.ReadTimeout <= 0 {
		l.ReadTimeout = DefaultReadTimeout
	}
	if l.WriteTimeout <= 0 {
		l.WriteTimeout = DefaultWriteTimeout
	}
	if l.MaxConnections <= 0 {
		l.MaxConnections = DefaultMaxConnections
	}
	return l
}

// Observer is told of every request a server has answered, for metrics:
// the protocol ("policy", "socketmap" or "tcp_table"), the time from the
// request's first byte to its answer, and what the answer was. It is
// called on the connection's goroutine after each answer, so it must be
// quick and safe for concurrent use. A request that ends its connection
// (malformed, too long, cut off) is not observed.
type Observer interface {
	ObserveRequest(proto string, elapsed time.Duration, o Outcome)
}

// Outcome is what a request was answered.
type Outcome struct {
	// Decision is, for the policy service, the recipient's disposition
	// ("deliver", "relay", "reject"), "dunno" for a request not at RCPT,
	// or "temp_fail" for one it could not decide; for the transport
	// tables "found", "not_found", "temp_fail" or "perm_fail".
	Decision string
	// Reason is the code of the recipient's attribution.Reason
	// ("relay_denied") for a policy decision at RCPT, else "".
	Reason string
}

// Decisions of [Outcome] besides the dispositions.
const (
	OutcomeDunno    = "dunno"
	OutcomeTempFail = "temp_fail"
	OutcomePermFail = "perm_fail"
	OutcomeFound    = "found"
	OutcomeNotFound = "not_found"
)

// protocolError reports a request that broke the protocol's framing or
// limits: the connection is closed, since the next request cannot be found.
type protocolError struct{ msg string }

func (e *protocolError) Error() string { return e.msg }

func protocolErrorf(format string, args ...any) error {
	return &protocolError{fmt.Sprintf(format, args...)}
}

// handler reads one request from c.br, whose first byte is buffered, and
// writes the answer to c.bw. An error closes the connection.
type handler interface {
	serveRequest(c *conn) error
}

// server is the connection machinery the three protocol servers share:
// accept loop, connection limits, per-request deadlines, pipelining and
// graceful shutdown.
type server struct {
	proto   string // "policy", "socketmap", "tcp_table": for logs
	handler handler

	initOnce sync.Once
	limits   Limits
	log      *slog.Logger
	obs      Observer

	mu        sync.Mutex
	listeners map[*net.Listener]struct{}
	conns     map[*conn]struct{}
	closing   atomic.Bool
	active    sync.WaitGroup // running connections
	nextID    atomic.Uint64
}

func (s *server) init(proto string, h handler, limits Limits, log *slog.Logger, obs Observer) {
	s.initOnce.Do(func() {
		s.proto, s.handler, s.obs = proto, h, obs
		s.limits = limits.withDefaults()
		if log == nil {
			log = slog.Default()
		}
		s.log = log.With("proto", s.proto)
		s.listeners = make(map[*net.Listener]struct{})
		s.conns = make(map[*conn]struct{})
	})
}

func (s *server) serve(l net.Listener) error {
	if !s.trackListener(&l, true) {
		return ErrServerClosed
	}
	defer s.trackListener(&l, false)
	s.log.Info("listening", "addr", l.Addr().String())
	var delay time.Duration
	for {
		nc, err := l.Accept()
		if err != nil {
			if s.closing.Load() {
				return ErrServerClosed
			}
			if errors.Is(err, net.ErrClosed) {
				return err
			}
			// Out of file descriptors and the like: back off and retry,
			// as net/http does.
			delay = min(max(2*delay, 5*time.Millisecond), time.Second)
			s.log.Error("accept failed; retrying", "err", err, "in", delay)
			time.Sleep(delay)
			continue
		}
		delay = 0
		c := s.newConn(nc)
		if reason := s.trackConn(c); reason != "" {
			c.log.Warn("connection refused", "reason", reason)
			nc.Close()
			continue
		}
		go c.serve()
	}
}

func (s *server) trackListener(l *net.Listener, add bool) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if add {
		if s.closing.Load() {
			return false
		}
		s.listeners[l] = struct{}{}
	} else {
		delete(s.listeners, l)
	}
	return true
}

// trackConn registers c, or says why it may not run.
func (s *server) trackConn(c *conn) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.closing.Load():
		return "shutting down"
	case len(s.conns) >= s.limits.MaxConnections:
		return fmt.Sprintf("too many connections (limit %d)", s.limits.MaxConnections)
	}
	s.conns[c] = struct{}{}
	s.active.Add(1)
	return ""
}

func (s *server) untrackConn(c *conn) {
	s.mu.Lock()
	delete(s.conns, c)
	s.mu.Unlock()
	s.active.Done()
}

// closeListeners closes every listener; Serve returns ErrServerClosed.
func (s *server) closeListeners() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	var errs []error
	for l := range s.listeners {
		if err := (*l).Close(); err != nil && !errors.Is(err, net.ErrClosed) {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// shutdown stops accepting, closes idle connections at once and lets
// each active one finish the request it is serving; connections still
// busy when ctx ends are closed.
func (s *server) shutdown(ctx context.Context) error {
	s.closing.Store(true)
	err := s.closeListeners()
	s.mu.Lock()
	for c := range s.conns {
		c.closeIfIdle()
	}
	s.mu.Unlock()

	done := make(chan struct{})
	go func() { s.active.Wait(); close(done) }()
	select {
	case <-done:
		return err
	case <-ctx.Done():
		s.closeConns()
		<-done
		return errors.Join(err, ctx.Err())
	}
}

// close closes listeners and connections at once.
func (s *server) close() error {
	s.closing.Store(true)
	err := s.closeListeners()
	s.closeConns()
	s.active.Wait()
	return err
}

func (s *server) closeConns() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for c := range s.conns {
		c.forceClose()
	}
}

// connState is where a connection is in its loop.
type connState uint8

const (
	stateNew    connState = iota // accepted, not yet waiting for a request
	stateActive                  // reading a request or answering it
	stateIdle                    // waiting for the next request
	stateClosed                  // closed by shutdown
)

// conn is one client connection.
type conn struct {
	srv *server
	nc  net.Conn
	br  *bufio.Reader
	bw  *bufio.Writer
	log *slog.Logger

	// Requests counts the requests served, for the closing log line.
	requests int
	// outcome is what the handler answered the request, for the Observer.
	outcome Outcome

	mu    sync.Mutex
	state connState

	// scratch is per-connection state of the handler (reused between
	// requests to spare allocations); nil until the handler sets it.
	scratch any
}

func (s *server) newConn(nc net.Conn) *conn {
	id := s.nextID.Add(1)
	return &conn{
		srv: s,
		nc:  nc,
		br:  bufio.NewReaderSize(nc, 4096),
		bw:  bufio.NewWriterSize(nc, 4096),
		log: s.log.With("conn", id, "remote", nc.RemoteAddr().String()),
	}
}

// setIdle marks c idle; false when the server is shutting down and c
// should close instead.
func (c *conn) setIdle() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.srv.closing.Load() || c.state == stateClosed {
		return false
	}
	c.state = stateIdle
	return true
}

// setActive marks c active once a request has started; false when
// shutdown closed it while it was idle.
func (c *conn) setActive() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.state == stateClosed {
		return false
	}
	c.state = stateActive
	return true
}

func (c *conn) closeIfIdle() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.state == stateIdle {
		c.state = stateClosed
		c.nc.Close()
	}
}

func (c *conn) forceClose() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.state = stateClosed
	c.nc.Close()
}

func (c *conn) serve() {
	defer c.srv.untrackConn(c)
	defer c.nc.Close()
	defer func() {
		if v := recover(); v != nil {
			c.log.Error("panic serving a request; connection closed", "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
		}
	}()
	c.log.Debug("connection opened")
	limits := c.srv.limits
	for {
		if !c.setIdle() {
			c.flush(limits.WriteTimeout)
			c.log.Debug("connection closed: shutting down", "requests", c.requests)
			return
		}
		// Pipelining: answers are buffered while more requests are
		// waiting, and flushed before waiting for the next one.
		if c.br.Buffered() == 0 {
			if err := c.flush(limits.WriteTimeout); err != nil {
				c.log.Warn("connection closed: write failed", "err", err, "requests", c.requests)
				return
			}
		}
		c.nc.SetReadDeadline(time.Now().Add(limits.IdleTimeout))
		if _, err := c.br.Peek(1); err != nil {
			c.logEnd(err, "waiting for a request")
			return
		}
		if !c.setActive() {
			return
		}
		start := time.Now()
		c.nc.SetReadDeadline(start.Add(limits.ReadTimeout))
		if err := c.srv.handler.serveRequest(c); err != nil {
			var pe *protocolError
			if errors.As(err, &pe) {
				c.log.Warn("connection closed: malformed request", "err", err, "requests", c.requests)
				c.flush(limits.WriteTimeout)
				return
			}
			c.logEnd(err, "reading a request")
			return
		}
		c.requests++
		if obs := c.srv.obs; obs != nil {
			obs.ObserveRequest(c.srv.proto, time.Since(start), c.outcome)
		}
		c.outcome = Outcome{}
	}
}

func (c *conn) flush(timeout time.Duration) error {
	if c.bw.Buffered() == 0 {
		return nil
	}
	c.nc.SetWriteDeadline(time.Now().Add(timeout))
	return c.bw.Flush()
}

// logEnd logs why a connection ended while reading.
func (c *conn) logEnd(err error, while string) {
	switch {
	case errors.Is(err, io.EOF) && while == "waiting for a request":
		c.log.Debug("connection closed by the client", "requests", c.requests)
	case errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF):
		c.log.Warn("connection closed by the client in the middle of a request", "requests", c.requests)
	case errors.Is(err, os.ErrDeadlineExceeded):
		if while == "waiting for a request" {
			c.log.Info("connection closed: idle timeout", "requests", c.requests)
		} else {
			c.log.Warn("connection closed: timeout "+while, "requests", c.requests)
		}
	case errors.Is(err, net.ErrClosed):
		c.log.Debug("connection closed", "requests", c.requests)
	default:
		c.log.Warn("connection closed: "+while+" failed", "err", err, "requests", c.requests)
	}
}

// readLine reads one line ending in "\n" (the "\n" and a "\r" before it
// removed), counting its bytes against *budget. It returns a
// *protocolError when the budget runs out. The slice is valid until the
// next read.
func readLine(br *bufio.Reader, budget *int, buf []byte) (line, scratch []byte, err error) {
	buf = buf[:0]
	for {
		frag, err := br.ReadSlice('\n')
		*budget -= len(frag)
		if *budget < 0 {
			return nil, buf, protocolErrorf("request longer than the limit")
		}
		if err == nil {
			if len(buf) > 0 {
				buf = append(buf, frag...)
				frag = buf
			}
			frag = frag[:len(frag)-1]
			if n := len(frag); n > 0 && frag[n-1] == '\r' {
				frag = frag[:n-1]
			}
			return frag, buf, nil
		}
		if !errors.Is(err, bufio.ErrBufferFull) {
			if errors.Is(err, io.EOF) {
				err = io.ErrUnexpectedEOF
			}
			return nil, buf, err
		}
		buf = append(buf, frag...)
	}
}
