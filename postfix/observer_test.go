package postfix

import (
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mailflow-go/mailflow/attribution"
)

// recorder is an Observer keeping what it is told.
type recorder struct {
	mu   sync.Mutex
	seen []string // "proto decision reason"
}

func (r *recorder) ObserveRequest(proto string, elapsed time.Duration, o Outcome) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if elapsed < 0 {
		r.seen = append(r.seen, "negative elapsed")
	}
	r.seen = append(r.seen, strings.TrimSpace(proto+" "+o.Decision+" "+o.Reason))
}

func (r *recorder) list() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.seen...)
}

// TestObserver: every answered request of the three protocols reaches the
// Observer once, after its answer, with its decision and reason code; a
// request that breaks the framing is not observed.
func TestObserver(t *testing.T) {
	obs := &recorder{}
	log, _ := testLogger(slog.LevelWarn)
	s := &PolicyServer{Directory: attribution.NewHolder(directory(t, testConfig)), Logger: log, Observer: obs}
	c := dial(t, start(t, s))
	c.send(request("client_address", "192.0.2.10", "sender", "", "recipient", "sun@internet.example"))
	assert.Equal(t, "550 5.7.64 Relay Access Denied ATTR36", c.policyAnswer())
	c.send(request("recipient", "bob@contoso.com"))
	assert.Equal(t, "OK", c.policyAnswer())
	c.send(request("protocol_state", "DATA"))
	assert.Equal(t, "DUNNO", c.policyAnswer())
	c.send(request("client_address", "not-an-ip"))
	assert.Equal(t, ActionTempFail, c.policyAnswer())

	holder := attribution.NewHolder(directory(t, testConfig))
	sm := &SocketmapServer{Map: &TransportMap{Directory: holder}, Observer: obs, Limits: Limits{MaxRequestBytes: 512}}
	sc := dial(t, start(t, sm))
	for _, req := range []string{"transport sun@partner.test", "transport sun@internet.example", "transport x@range.test", "virtual a@b"} {
		sc.send(fmt.Sprintf("%d:%s,", len(req), req))
		_, err := readNetstring(sc.br, 1<<20)
		require.NoError(t, err)
	}
	sc.send("9999:x,") // over the limit: the connection closes, unobserved
	assert.True(t, sc.closed())

	tt := &TCPTableServer{Map: &TransportMap{Directory: holder}, Observer: obs}
	tc := dial(t, start(t, tt))
	for _, req := range []string{"get sun@partner.test", "get sun@internet.example", "put x"} {
		tc.send(req + "\n")
		_, err := tc.br.ReadString('\n')
		require.NoError(t, err)
	}

	assert.Equal(t, []string{
		"policy reject relay_denied",
		"policy deliver accepted_domain",
		"policy dunno",
		"policy temp_fail",
		"socketmap found",
		"socketmap not_found",
		"socketmap temp_fail",
		"socketmap perm_fail",
		"tcp_table found",
		"tcp_table not_found",
		"tcp_table temp_fail",
	}, obs.list())
}
