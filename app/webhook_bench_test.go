package app

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// BenchmarkWebhookAck is one delivery from arrival to 202: signature
// check, delivery ID recorded and the delivery queued in one transaction,
// with the workers running and routing what arrives.
func BenchmarkWebhookAck(b *testing.B) {
	a := newTestApp(b, testAppOptions{})
	if err := a.Start(b.Context()); err != nil {
		b.Fatal(err)
	}
	body := readFixture(b, "pull_request.labeled.json")
	sig := sign(testSecret, body)
	h := a.Handler()
	var n atomic.Int64
	b.SetBytes(int64(len(body)))
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			rec := httptest.NewRecorder()
			req := httptest.NewRequest(http.MethodPost, "/webhook", bytes.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("X-GitHub-Event", "pull_request")
			req.Header.Set("X-GitHub-Delivery", fmt.Sprintf("bench-%d", n.Add(1)))
			req.Header.Set("X-Hub-Signature-256", sig)
			h.ServeHTTP(rec, req)
			if rec.Code != http.StatusAccepted {
				b.Fatalf("status %d", rec.Code)
			}
		}
	})
}

// BenchmarkWebhookAckUnderFlood is one signed delivery from arrival to 202
// over a real connection while 80 connections stream unsigned 25 MiB
// bodies (issue 9, attack 3), against the same without the flood. It
// reports the signed deliveries' p99 and the budget's high-water mark.
func BenchmarkWebhookAckUnderFlood(b *testing.B) {
	for _, attackers := range []int{0, 80} {
		b.Run(fmt.Sprintf("attackers=%d", attackers), func(b *testing.B) {
			a := newTestApp(b, testAppOptions{})
			srv := httptest.NewServer(a.Handler())
			defer srv.Close()
			stop := make(chan struct{})
			var wg sync.WaitGroup
			for i := range attackers {
				wg.Go(func() {
					for round := 0; ; round++ {
						select {
						case <-stop:
							return
						default:
						}
						p := rawPost{delivery: fmt.Sprintf("flood-%d-%d", i, round), signature: unsigned, size: MaxWebhookBytes, chunked: i%2 == 1}
						_, _, _ = p.do(srv.Listener.Addr().String())
					}
				})
			}
			defer func() { close(stop); wg.Wait() }()
			if attackers > 0 {
				waitFor(b, time.Minute, "the flood to fill the budget", func() bool { return a.webhookBodies.inUse() >= a.webhookBodies.bulk/2 })
			}
			body := readFixture(b, "pull_request.labeled.json")
			sig := sign(testSecret, body)
			lat := make([]time.Duration, 0, b.N)
			b.ResetTimer()
			for i := range b.N {
				req, _ := http.NewRequest(http.MethodPost, srv.URL+"/webhook", bytes.NewReader(body))
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("X-GitHub-Event", "pull_request")
				req.Header.Set("X-GitHub-Delivery", fmt.Sprintf("bench-%d-%d", attackers, i))
				req.Header.Set("X-Hub-Signature-256", sig)
				t0 := time.Now()
				resp, err := srv.Client().Do(req)
				if err != nil {
					b.Fatal(err)
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				_ = resp.Body.Close()
				lat = append(lat, time.Since(t0))
				if resp.StatusCode != http.StatusAccepted {
					b.Fatalf("status %d", resp.StatusCode)
				}
			}
			b.StopTimer()
			slices.Sort(lat)
			b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
			b.ReportMetric(float64(a.webhookBodies.highWater())/(1<<20), "peak-unverified-MiB")
		})
	}
}
