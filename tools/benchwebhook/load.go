package main

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// load fires signed deliveries at a fixed rate (open loop: a slow server
// does not slow the sender down, so queueing shows in the latencies).
type load struct {
	url      string
	secret   string
	event    string
	body     func(i int) []byte
	rate     int
	duration time.Duration
	client   *http.Client
}

// result is what one load run measured.
type result struct {
	sent, ok, failed int
	statuses         map[int]int
	latencies        []time.Duration
	elapsed          time.Duration
}

func (l *load) run() result {
	n := int(l.duration.Seconds() * float64(l.rate))
	interval := time.Second / time.Duration(l.rate)
	var (
		mu  sync.Mutex
		res = result{statuses: map[int]int{}, latencies: make([]time.Duration, 0, n)}
		wg  sync.WaitGroup
		seq atomic.Int64
	)
	start := time.Now()
	for i := range n {
		// Sleep to the i-th tick, not by interval: drift does not add up.
		if d := time.Until(start.Add(time.Duration(i) * interval)); d > 0 {
			time.Sleep(d)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			id := seq.Add(1)
			body := l.body(int(id))
			req, err := http.NewRequest(http.MethodPost, l.url, bytes.NewReader(body))
			if err != nil {
				panic(err)
			}
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("X-GitHub-Event", l.event)
			req.Header.Set("X-GitHub-Delivery", fmt.Sprintf("bench-%d-%d", start.UnixNano(), id))
			req.Header.Set("X-Hub-Signature-256", sign(l.secret, body))
			t0 := time.Now()
			resp, err := l.client.Do(req)
			lat := time.Since(t0)
			code := 0
			if err == nil {
				_, _ = io.Copy(io.Discard, resp.Body)
				_ = resp.Body.Close()
				code = resp.StatusCode
			}
			mu.Lock()
			defer mu.Unlock()
			res.sent++
			res.statuses[code]++
			if code == http.StatusAccepted {
				res.ok++
				res.latencies = append(res.latencies, lat)
			} else {
				res.failed++
			}
		}()
	}
	wg.Wait()
	res.elapsed = time.Since(start)
	slices.Sort(res.latencies)
	return res
}

func (r result) percentile(p float64) time.Duration {
	if len(r.latencies) == 0 {
		return 0
	}
	i := int(p * float64(len(r.latencies)-1))
	return r.latencies[i]
}

func (r result) rate() float64 { return float64(r.ok) / r.elapsed.Seconds() }

func sign(secret string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

func runtimeNumCPU() int { return runtime.NumCPU() }
