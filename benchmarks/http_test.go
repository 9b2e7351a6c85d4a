package benchmarks

import (
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/mailflow-go/mailflow/attribution"
	"github.com/mailflow-go/mailflow/internal/httpapi"
	"github.com/mailflow-go/mailflow/internal/metrics"
)

// BenchmarkHTTPRoute measures GET /v1/route of "mailflow serve --http" on
// loopback: requests/s over policyConns keep-alive connections, each
// waiting for its answer, for the world of n tenants (recipients of the
// world's mixed sessions, tenant named in the query). The requests are
// b.N in all, so -benchtime=Nx bounds the count.
func BenchmarkHTTPRoute(b *testing.B) {
	for _, n := range sizes(b) {
		wd := directory(b, n)
		sessions := wd.w.MixedSessions(1024)
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			holder := attribution.NewHolder(wd.dir)
			m := metrics.New()
			m.SnapshotLoaded(1, time.Now())
			api := &httpapi.API{Directory: holder, Metrics: m, Logger: slog.New(slog.NewTextHandler(io.Discard, &slog.HandlerOptions{Level: slog.LevelWarn}))}
			l, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				b.Fatal(err)
			}
			srv := httpapi.NewServer(api.Handler(), nil)
			go srv.Serve(l)
			defer srv.Close()
			base := "http://" + l.Addr().String() + "/v1/route?"
			urls := make([]string, 0, len(sessions))
			for _, s := range sessions {
				tenant := wd.dir.Tenants()[0]
				if r := wd.dir.Explain(s); r.Tenant != "" {
					tenant = r.Tenant
				}
				urls = append(urls, base+url.Values{"tenant": {tenant}, "rcpt": {s.RcptTo[0].Text}}.Encode())
			}
			client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: policyConns}}
			var wg sync.WaitGroup
			per := b.N/policyConns + 1
			b.ResetTimer()
			for c := range policyConns {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := range per {
						resp, err := client.Get(urls[(c*per+i)%len(urls)])
						if err != nil {
							b.Error(err)
							return
						}
						io.Copy(io.Discard, resp.Body)
						resp.Body.Close()
						if resp.StatusCode != 200 && resp.StatusCode != 400 {
							b.Errorf("status %d", resp.StatusCode)
							return
						}
					}
				}()
			}
			wg.Wait()
			b.ReportMetric(float64(per*policyConns)/b.Elapsed().Seconds(), "req/s")
		})
	}
}
