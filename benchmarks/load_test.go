package benchmarks

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/mailflow-go/mailflow/attribution"
	"github.com/mailflow-go/mailflow/config"
)

// BenchmarkLoad measures what "mailflow route/lint --config FILE" does
// before answering: config.Load of the gen-world file of n tenants (read,
// decode, check, build the Directory), next to attribution.NewDirectory on
// the same generated tenants in the same run (op=new-directory), the
// in-process floor the CLI target (load + build ≤ 2× NewDirectory) is a
// ratio to. Sizes above maxParseTenants are skipped (see
// BenchmarkConfigParse).
func BenchmarkLoad(b *testing.B) {
	for _, n := range sizes(b) {
		if n > maxParseTenants {
			continue
		}
		tenants := genWorld(n).w.Tenants
		for _, format := range []string{"yaml", "json"} {
			path := filepath.Join(b.TempDir(), configName(format))
			if err := os.WriteFile(path, configText(b, tenants, format), 0o644); err != nil {
				b.Fatal(err)
			}
			b.Run(fmt.Sprintf("n=%d/op=load-%s", n, format), func(b *testing.B) {
				for b.Loop() {
					if _, err := config.Load(path); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
		b.Run(fmt.Sprintf("n=%d/op=new-directory", n), func(b *testing.B) {
			for b.Loop() {
				if _, err := attribution.NewDirectory(tenants); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
