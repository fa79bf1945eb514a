package store

import (
	"fmt"
	"testing"

	"github.com/riverqueue/river"

	"github.com/coderready/coderready/store/storetest"
)

// BenchmarkEnqueueDelivery measures the webhook's store work: one
// transaction recording a delivery and inserting its River job, from
// parallel goroutines, while nothing works the jobs.
func BenchmarkEnqueueDelivery(b *testing.B) {
	for _, d := range []string{DialectSQLite, DialectPostgres} {
		b.Run(d, func(b *testing.B) {
			var opts Options
			if d == DialectSQLite {
				opts = Options{DataDir: b.TempDir()}
			} else {
				opts = Options{DatabaseURL: storetest.PostgresURL(b)}
			}
			s, err := Open(b.Context(), opts)
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { _ = s.Close() })
			client, err := river.NewClient(s.Driver(), &river.Config{}) // insert-only
			if err != nil {
				b.Fatal(err)
			}
			var seq int64
			next := make(chan int64)
			go func() {
				for {
					seq++
					select {
					case next <- seq:
					case <-b.Context().Done():
						return
					}
				}
			}()
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					id := fmt.Sprint("bench-", <-next)
					if isNew, err := enqueue(b.Context(), s, client, id); err != nil || !isNew {
						b.Errorf("enqueue %s = %v, %v", id, isNew, err)
						return
					}
				}
			})
		})
	}
}
