// Package metrics is what "mailflow serve" exports at /metrics, in the
// Prometheus text format, through github.com/prometheus/client_golang:
// decisions by outcome and reason code, request latency per protocol, the
// snapshot served (its change number and age), reload errors and the
// state of the tenant store's connection. One [Metrics] is made per
// process and handed to every listener: it is the [postfix.Observer] of the
// policy and transport servers, and the HTTP API records through it too.
//
// The metrics:
//
//	mailflow_decisions_total{proto,outcome,reason}     counter
//	mailflow_request_duration_seconds{proto}            histogram
//	mailflow_snapshot_change_number                     gauge (after the first load)
//	mailflow_snapshot_age_seconds                       gauge (after the first load)
//	mailflow_reload_errors_total                        counter
//	mailflow_store_connected                            gauge (once a store reports)
//
// plus the Go runtime's and the process's (go_*, process_*).
package metrics

import (
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/mailflow-go/mailflow/postfix"
)

// Protocol label values of the listeners; the postfix servers name
// themselves ("policy", "socketmap", "tcp_table").
const ProtoHTTP = "http"

// LatencyBuckets are the upper bounds, in seconds, of the request
// latency histogram: 10 µs to about 0.65 s in steps of 4, since a
// decision takes microseconds and a slow one is the news.
var LatencyBuckets = prometheus.ExponentialBuckets(10e-6, 4, 9)

// Metrics holds the process's metrics and the snapshot state the
// readiness check reads. The zero Metrics is not usable; call [New]. All
// methods are safe for concurrent use.
type Metrics struct {
	reg          *prometheus.Registry
	decisions    *prometheus.CounterVec
	latency      *prometheus.HistogramVec
	reloadErrors prometheus.Counter
	store        prometheus.Gauge
	storeOnce    sync.Once
	now          func() time.Time

	// The snapshot served: change number and when it was last known
	// current (Unix nanoseconds; 0 until the first load).
	change atomic.Uint64
	at     atomic.Int64
}

// New returns Metrics registered in a registry of their own (not
// prometheus.DefaultRegisterer), with the Go and process collectors.
func New() *Metrics { return newAt(time.Now) }

func newAt(now func() time.Time) *Metrics {
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		decisions: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "mailflow_decisions_total",
			Help: "Decisions answered, by protocol, outcome (deliver, relay, reject, dunno, temp_fail; found, not_found, perm_fail; routed, default_route, error) and reason code.",
		}, []string{"proto", "outcome", "reason"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "mailflow_request_duration_seconds",
			Help:    "Time from a request's first byte to its answer, by protocol (http, policy, socketmap, tcp_table).",
			Buckets: LatencyBuckets,
		}, []string{"proto"}),
		reloadErrors: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "mailflow_reload_errors_total",
			Help: "Reloads refused (a configuration or pins file that does not load, a store change that does not apply); the running snapshot stays.",
		}),
		store: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "mailflow_store_connected",
			Help: "1 while the tenant store is connected, 0 while it is not (the last snapshot is served); absent without a store.",
		}),
		now: now,
	}
	m.reg.MustRegister(m.decisions, m.latency, m.reloadErrors, snapshotCollector{m},
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Handler serves the metrics in the Prometheus exposition formats.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
}

// Registry is where the metrics are registered, for a caller that adds
// its own.
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// ObserveRequest records one answered request: its latency, and its
// decision when o has one. It makes m a [postfix.Observer].
func (m *Metrics) ObserveRequest(proto string, elapsed time.Duration, o postfix.Outcome) {
	m.latency.WithLabelValues(proto).Observe(elapsed.Seconds())
	if o.Decision != "" {
		m.Decision(proto, o.Decision, o.Reason)
	}
}

// ObserveLatency records the latency of one request of proto whose
// decisions are recorded with [Metrics.Decision].
func (m *Metrics) ObserveLatency(proto string, elapsed time.Duration) {
	m.latency.WithLabelValues(proto).Observe(elapsed.Seconds())
}

// Decision counts one decision of proto: outcome (a disposition, say) and
// reason code (attribution.Reason.Code, or "" for none).
func (m *Metrics) Decision(proto, outcome, reason string) {
	m.decisions.WithLabelValues(proto, outcome, reason).Inc()
}

// SnapshotLoaded records that the snapshot served is change number
// change, known current at at. A file configuration numbers its loads
// 1, 2, …; a tenant store gives its own change number, and calls again
// with the same number after each successful catch-up, so that the age
// says how stale the node may be. The first call makes the node ready.
func (m *Metrics) SnapshotLoaded(change uint64, at time.Time) {
	m.change.Store(change)
	m.at.Store(at.UnixNano())
}

// Snapshot returns the change number served and when it was last known
// current; ok is false before the first [Metrics.SnapshotLoaded].
func (m *Metrics) Snapshot() (change uint64, at time.Time, ok bool) {
	ns := m.at.Load()
	if ns == 0 {
		return 0, time.Time{}, false
	}
	return m.change.Load(), time.Unix(0, ns), true
}

// Ready reports whether a snapshot has been loaded.
func (m *Metrics) Ready() bool { return m.at.Load() != 0 }

// ReloadFailed counts a reload that was refused.
func (m *Metrics) ReloadFailed() { m.reloadErrors.Inc() }

// SetStoreConnected sets mailflow_store_connected: the tenant store
// follower calls it with true once its connection is up (and changes
// flow), and with false as soon as it is lost. The gauge is exported from
// the first call on, so that a node without a store does not report a
// store that is down.
func (m *Metrics) SetStoreConnected(connected bool) {
	m.storeOnce.Do(func() { m.reg.MustRegister(m.store) })
	if connected {
		m.store.Set(1)
	} else {
		m.store.Set(0)
	}
}

// snapshotCollector exports the snapshot's change number and age at
// scrape time, and nothing before the first load.
type snapshotCollector struct{ m *Metrics }

var (
	changeDesc = prometheus.NewDesc("mailflow_snapshot_change_number",
		"Change number of the snapshot served (the store's, or the count of file loads), for seeing that a fleet has converged.", nil, nil)
	ageDesc = prometheus.NewDesc("mailflow_snapshot_age_seconds",
		"Seconds since the snapshot served was last known current.", nil, nil)
)

func (c snapshotCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- changeDesc
	ch <- ageDesc
}

func (c snapshotCollector) Collect(ch chan<- prometheus.Metric) {
	change, at, ok := c.m.Snapshot()
	if !ok {
		return
	}
	ch <- prometheus.MustNewConstMetric(changeDesc, prometheus.GaugeValue, float64(change))
	ch <- prometheus.MustNewConstMetric(ageDesc, prometheus.GaugeValue, max(0, c.m.now().Sub(at).Seconds()))
}

var _ postfix.Observer = (*Metrics)(nil)
