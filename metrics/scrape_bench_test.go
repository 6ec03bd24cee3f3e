package metrics

import (
	"fmt"
	"io"
	"testing"
	"time"

	"github.com/prometheus/common/expfmt"
)

// countWriter counts the bytes of an encoded scrape.
type countWriter int

func (c *countWriter) Write(p []byte) (int, error) { *c += countWriter(len(p)); return len(p), nil }

// BenchmarkScrape measures one scrape (Gather and the text encoding) with
// N sources that each ran, one in ten of them failing, by default and with
// the whole per-source set. It reports the bytes of one scrape.
func BenchmarkScrape(b *testing.B) {
	for _, n := range []int{1000, 10000} {
		for _, perSource := range []bool{false, true} {
			b.Run(fmt.Sprintf("sources=%d/per_source=%t", n, perSource), func(b *testing.B) {
				m := New(Options{PerSource: perSource})
				for i := range n {
					run := SourceRun{Duration: time.Duration(i%600) * time.Second, Items: 20, New: 1, Healthy: true, Finished: t0}
					if i%10 == 0 {
						run.Error, run.Healthy = ErrHTTP5xx, false
					}
					m.SourceRun(fmt.Sprintf("source-%05d", i), run)
				}
				var size countWriter
				for b.Loop() {
					size = 0
					if err := scrape(m, &size); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(size), "bytes/scrape")
			})
		}
	}
}

// scrape gathers the registry and encodes it as the text format, as the
// handler does for a Prometheus server.
func scrape(m *Metrics, w io.Writer) error {
	families, err := m.Registry().Gather()
	if err != nil {
		return err
	}
	enc := expfmt.NewEncoder(w, expfmt.NewFormat(expfmt.TypeTextPlain))
	for _, f := range families {
		if err := enc.Encode(f); err != nil {
			return err
		}
	}
	return nil
}
