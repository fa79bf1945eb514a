package app

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
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
