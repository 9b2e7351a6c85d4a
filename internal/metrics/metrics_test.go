package metrics

import (
	"io"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mailflow-go/mailflow/postfix"
)

// scrape returns the text exposition of m, as Prometheus reads it.
func scrape(t *testing.T, m *Metrics) string {
	t.Helper()
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	require.Equal(t, 200, rec.Code)
	b, err := io.ReadAll(rec.Body)
	require.NoError(t, err)
	return string(b)
}

func TestDecisionsAndLatency(t *testing.T) {
	m := New()
	m.ObserveRequest("policy", 30*time.Microsecond, postfix.Outcome{Decision: "reject", Reason: "relay_denied"})
	m.ObserveRequest("policy", 50*time.Microsecond, postfix.Outcome{Decision: "reject", Reason: "relay_denied"})
	m.ObserveRequest("socketmap", time.Millisecond, postfix.Outcome{Decision: postfix.OutcomeFound})
	m.ObserveRequest("tcp_table", time.Millisecond, postfix.Outcome{}) // no decision: latency only
	m.ObserveLatency(ProtoHTTP, 2*time.Millisecond)
	m.Decision(ProtoHTTP, "relay", "relay_by_cert")

	assert.Equal(t, 2.0, testutil.ToFloat64(m.decisions.WithLabelValues("policy", "reject", "relay_denied")))
	assert.Equal(t, 1.0, testutil.ToFloat64(m.decisions.WithLabelValues("socketmap", "found", "")))
	assert.Equal(t, 1.0, testutil.ToFloat64(m.decisions.WithLabelValues("http", "relay", "relay_by_cert")))
	assert.Equal(t, 3, testutil.CollectAndCount(m.decisions))
	assert.Equal(t, 4, testutil.CollectAndCount(m.latency), "one histogram per protocol")

	text := scrape(t, m)
	assert.Contains(t, text, `mailflow_decisions_total{outcome="reject",proto="policy",reason="relay_denied"} 2`)
	assert.Contains(t, text, `mailflow_request_duration_seconds_bucket{proto="policy",le="4e-05"} 1`)
	assert.Contains(t, text, `mailflow_request_duration_seconds_count{proto="policy"} 2`)
	assert.Contains(t, text, "go_goroutines ")
}

// The snapshot metrics and readiness appear with the first load; the age
// is measured at scrape time.
func TestSnapshot(t *testing.T) {
	now := time.Date(2026, 12, 5, 12, 0, 0, 0, time.UTC)
	m := newAt(func() time.Time { return now })
	assert.False(t, m.Ready())
	_, _, ok := m.Snapshot()
	assert.False(t, ok)
	assert.NotContains(t, scrape(t, m), "mailflow_snapshot_")

	m.SnapshotLoaded(41, now.Add(-90*time.Second))
	assert.True(t, m.Ready())
	change, at, ok := m.Snapshot()
	assert.True(t, ok)
	assert.Equal(t, uint64(41), change)
	assert.True(t, at.Equal(now.Add(-90*time.Second)))
	text := scrape(t, m)
	assert.Contains(t, text, "mailflow_snapshot_change_number 41\n")
	assert.Contains(t, text, "mailflow_snapshot_age_seconds 90\n")

	m.SnapshotLoaded(42, now)
	assert.Contains(t, scrape(t, m), "mailflow_snapshot_age_seconds 0\n")
}

func TestReloadErrorsAndStore(t *testing.T) {
	m := New()
	assert.Contains(t, scrape(t, m), "mailflow_reload_errors_total 0\n")
	assert.NotContains(t, scrape(t, m), "mailflow_store_connected", "no store, no gauge")
	m.ReloadFailed()
	m.ReloadFailed()
	m.SetStoreConnected(true)
	text := scrape(t, m)
	assert.Contains(t, text, "mailflow_reload_errors_total 2\n")
	assert.Contains(t, text, "mailflow_store_connected 1\n")
	m.SetStoreConnected(false)
	assert.Contains(t, scrape(t, m), "mailflow_store_connected 0\n")
	// The text is what Prometheus parses: every sample line is "name{…} value".
	for line := range strings.SplitSeq(strings.TrimSpace(text), "\n") {
		if !strings.HasPrefix(line, "#") {
			assert.Len(t, strings.Fields(line), 2, "line %q", line)
		}
	}
}
