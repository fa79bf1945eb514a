package app

import (
	"bufio"
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/riverqueue/river"
)

func TestSignatureTestVector(t *testing.T) {
	// GitHub's documented test vector.
	got := sign("It's a Secret to Everybody", []byte("Hello, World!"))
	want := "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"
	if got != want {
		t.Fatalf("sign = %s, want %s", got, want)
	}
}

func TestWebhook(t *testing.T) {
	opened := readFixture(t, "pull_request.opened.json")
	big := append([]byte(`{"action":"opened","pad":"`), bytes.Repeat([]byte("x"), MaxWebhookBytes)...)
	big = append(big, `"}`...)
	tests := []struct {
		name      string
		event     string
		delivery  string
		body      []byte
		signature string // "" signs with the right secret; "-" sends none
		ctype     string
		chunked   bool // no Content-Length
		want      int
		queued    int // delivery jobs in the queue afterwards
	}{
		{name: "pull_request opened", event: "pull_request", delivery: "d-1", body: opened, want: http.StatusAccepted, queued: 1},
		{name: "bad signature", event: "pull_request", delivery: "d-2", body: opened, signature: sign("wrong secret", opened), want: http.StatusUnauthorized},
		{name: "no signature", event: "pull_request", delivery: "d-3", body: opened, signature: "-", want: http.StatusUnauthorized},
		{name: "sha1 only", event: "pull_request", delivery: "d-4", body: opened, signature: "sha1=" + strings.Repeat("0", 40), want: http.StatusUnauthorized},
		{name: "signature of other bytes", event: "pull_request", delivery: "d-5", body: opened, signature: sign(testSecret, append([]byte(" "), opened...)), want: http.StatusUnauthorized},
		{name: "oversized body", event: "pull_request", delivery: "d-6", body: big, want: http.StatusRequestEntityTooLarge},
		{name: "unknown event", event: "star", delivery: "d-7", body: []byte(`{"action":"created"}`), want: http.StatusNoContent},
		{name: "ping", event: "ping", delivery: "d-8", body: readFixture(t, "ping.json"), want: http.StatusOK},
		{name: "not JSON", event: "pull_request", delivery: "d-9", body: []byte("{nope"), want: http.StatusBadRequest},
		{name: "no delivery ID", event: "pull_request", delivery: "", body: opened, want: http.StatusBadRequest},
		{name: "form content type", event: "pull_request", delivery: "d-10", body: opened, ctype: "text/plain", want: http.StatusUnsupportedMediaType},
		{name: "signature not hex", event: "pull_request", delivery: "d-11", body: opened, signature: "sha256=" + strings.Repeat("z", 64), want: http.StatusUnauthorized},
		{name: "signature too short", event: "pull_request", delivery: "d-12", body: opened, signature: sign(testSecret, opened)[:40], want: http.StatusUnauthorized},
		{name: "form-encoded payload", event: "pull_request", delivery: "d-13", body: []byte("payload=" + url.QueryEscape(string(opened))), ctype: "application/x-www-form-urlencoded", want: http.StatusAccepted, queued: 1},
		{name: "chunked body", event: "pull_request", delivery: "d-14", body: opened, chunked: true, want: http.StatusAccepted, queued: 1},
		{name: "chunked oversized body", event: "pull_request", delivery: "d-15", body: big, chunked: true, want: http.StatusRequestEntityTooLarge},
		{name: "chunked, signature of other bytes", event: "pull_request", delivery: "d-16", body: opened, chunked: true, signature: sign(testSecret, opened[1:]), want: http.StatusUnauthorized},
		{name: "empty body", event: "pull_request", delivery: "d-17", body: []byte{}, want: http.StatusBadRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := newTestApp(t, testAppOptions{})
			sig := tt.signature
			switch sig {
			case "":
				sig = sign(testSecret, tt.body)
			case "-":
				sig = ""
			}
			ct := tt.ctype
			if ct == "" {
				ct = "application/json"
			}
			rec := httptest.NewRecorder()
			req := httptest.NewRequest(http.MethodPost, "/webhook", bytes.NewReader(tt.body))
			if tt.chunked {
				req.ContentLength = -1
			}
			req.Header.Set("Content-Type", ct)
			req.Header.Set("X-GitHub-Event", tt.event)
			req.Header.Set("X-GitHub-Delivery", tt.delivery)
			if sig != "" {
				req.Header.Set("X-Hub-Signature-256", sig)
			}
			a.Handler().ServeHTTP(rec, req)
			if rec.Code != tt.want {
				t.Fatalf("status %d, want %d; body %q", rec.Code, tt.want, rec.Body.String())
			}
			if got := countJobs(t, a, deliveryArgs{}.Kind()); got != tt.queued {
				t.Errorf("%d deliveries queued, want %d", got, tt.queued)
			}
		})
	}
}

func TestWebhookDuplicateDelivery(t *testing.T) {
	a := newTestApp(t, testAppOptions{})
	body := readFixture(t, "pull_request.opened.json")
	codes := []int{}
	for range 3 {
		resp := deliver(t, a.Handler(), "pull_request", "same-delivery", body)
		codes = append(codes, resp.StatusCode)
	}
	if codes[0] != http.StatusAccepted || codes[1] != http.StatusOK || codes[2] != http.StatusOK {
		t.Errorf("statuses %v, want 202 then 200 for the repeats", codes)
	}
	if got := countJobs(t, a, deliveryArgs{}.Kind()); got != 1 {
		t.Errorf("%d deliveries queued, want 1", got)
	}
}

func TestWebhookNotConfigured(t *testing.T) {
	a := newTestApp(t, testAppOptions{unconfigured: true})
	resp := deliver(t, a.Handler(), "pull_request", "d-1", readFixture(t, "pull_request.opened.json"))
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusServiceUnavailable || !strings.Contains(string(b), EnvWebhookSecret) {
		t.Errorf("status %d body %q, want 503 naming %s", resp.StatusCode, b, EnvWebhookSecret)
	}
	for _, page := range []string{"/", "/setup"} {
		rec := httptest.NewRecorder()
		a.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, page, nil))
		if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), EnvAppID) {
			t.Errorf("%s: status %d, want 200 naming what is missing; body:\n%s", page, rec.Code, rec.Body.String())
		}
	}
}

func countJobs(t *testing.T, a *App, kind string) int {
	t.Helper()
	res, err := a.river.JobList(t.Context(), river.NewJobListParams().Kinds(kind).First(10000))
	if err != nil {
		t.Fatal(err)
	}
	return len(res.Jobs)
}

func sign(secret string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

func TestLogsSayWhatIsMissing(t *testing.T) {
	var buf strings.Builder
	var mu sync.Mutex
	w := writerFunc(func(p []byte) (int, error) { mu.Lock(); defer mu.Unlock(); return buf.Write(p) })
	h := setupHandler{Handler: slog.NewJSONHandler(w, nil), missing: func() []string { return []string{EnvAppID} }}
	slog.New(h).With("repo", "a/b").Info("hello")
	if !strings.Contains(buf.String(), `"setup_missing":["CODERREADY_APP_ID"]`) {
		t.Errorf("log line %s lacks setup_missing", buf.String())
	}
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }

// unsigned is a well-formed signature no secret produces for the bodies
// sent here: the server reads the whole body before it can tell.
var unsigned = "sha256=" + strings.Repeat("0", 64)

// rawPost is a webhook POST written on a raw connection, so a test can
// send a body slowly, stop in the middle, or keep sending after the answer
// (as an attacker does), and still read the status it is answered with.
type rawPost struct {
	delivery  string
	signature string
	body      []byte // sent as it is; nil sends zeros
	size      int64  // the body's length (Content-Length unless chunked)
	chunked   bool
	stallAt   int64         // stop sending after this many bytes (0: never)
	trickle   time.Duration // after stallAt, send a byte at this interval instead of stopping
}

// do sends the request to addr and returns the answer (its body read) or
// the connection's error.
func (p rawPost) do(addr string) (*http.Response, string, error) {
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		return nil, "", err
	}
	defer func() { _ = conn.Close() }()
	// The test's own bound, far past every timeout under test.
	_ = conn.SetDeadline(time.Now().Add(2 * time.Minute))
	var hdr strings.Builder
	fmt.Fprintf(&hdr, "POST /webhook HTTP/1.1\r\nHost: coderready\r\nContent-Type: application/json\r\nX-GitHub-Event: pull_request\r\nX-GitHub-Delivery: %s\r\nX-Hub-Signature-256: %s\r\n", p.delivery, p.signature)
	if p.chunked {
		hdr.WriteString("Transfer-Encoding: chunked\r\n\r\n")
	} else {
		fmt.Fprintf(&hdr, "Content-Length: %d\r\n\r\n", p.size)
	}
	stop := make(chan struct{})
	wrote := make(chan struct{})
	go func() {
		defer close(wrote)
		write := func(b []byte) error {
			if p.chunked {
				if _, err := fmt.Fprintf(conn, "%x\r\n", len(b)); err != nil {
					return err
				}
			}
			if _, err := conn.Write(b); err != nil {
				return err
			}
			if p.chunked {
				_, err := io.WriteString(conn, "\r\n")
				return err
			}
			return nil
		}
		if _, err := io.WriteString(conn, hdr.String()); err != nil {
			return
		}
		zeros := make([]byte, 64<<10)
		for sent := int64(0); sent < p.size; {
			if p.stallAt > 0 && sent >= p.stallAt {
				if p.trickle == 0 {
					<-stop
					return
				}
				for {
					select {
					case <-stop:
						return
					case <-time.After(p.trickle):
					}
					if write([]byte{'x'}) != nil {
						return
					}
				}
			}
			n := min(int64(len(zeros)), p.size-sent)
			if p.stallAt > 0 {
				n = min(n, p.stallAt-sent)
			}
			piece := zeros[:n]
			if p.body != nil {
				piece = p.body[sent : sent+n]
			}
			if write(piece) != nil {
				return // refused: the server stopped reading
			}
			sent += n
		}
		if p.chunked {
			_, _ = io.WriteString(conn, "0\r\n\r\n")
		}
	}()
	defer func() { close(stop); _ = conn.Close(); <-wrote }()
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		return nil, "", err
	}
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b), nil
}

// deliveries is the deliveries counter's value for one result.
func deliveries(a *App, result string) int {
	return int(testutil.ToFloat64(a.metrics.deliveries.WithLabelValues("pull_request", result)))
}

// TestWebhookUnsignedFlood is attack 3 of issue 9: many concurrent
// unsigned 25 MiB bodies. Signed deliveries sent meanwhile are still
// acknowledged; the unsigned ones are refused; and the bytes held by
// bodies not yet verified never exceed the budget.
func TestWebhookUnsignedFlood(t *testing.T) {
	a := newTestApp(t, testAppOptions{})
	srv := httptest.NewServer(a.Handler())
	defer srv.Close()
	addr := srv.Listener.Addr().String()
	budget := a.webhookBodies

	const attackers = 80
	var (
		mu       sync.Mutex
		statuses = map[int]int{}
		errs     []error
		wg       sync.WaitGroup
	)
	stop := make(chan struct{})
	for i := range attackers {
		wg.Go(func() {
			// Each attacker sends at least one body, and keeps sending
			// until the signed deliveries are done.
			for round := 0; ; round++ {
				p := rawPost{delivery: fmt.Sprintf("flood-%d-%d", i, round), signature: unsigned, size: MaxWebhookBytes, chunked: i%2 == 1}
				resp, _, err := p.do(addr)
				mu.Lock()
				if err != nil {
					errs = append(errs, err)
				} else {
					statuses[resp.StatusCode]++
				}
				mu.Unlock()
				select {
				case <-stop:
					return
				default:
				}
			}
		})
	}
	waitFor(t, time.Minute, "the flood to fill the budget's share for large bodies", func() bool {
		return budget.inUse() >= budget.bulk/2
	})

	signed := readFixture(t, "pull_request.opened.json")
	const senders, each = 4, 10
	var sg sync.WaitGroup
	acks := make(chan int, senders*each)
	for s := range senders {
		sg.Go(func() {
			for i := range each {
				req, err := http.NewRequest(http.MethodPost, srv.URL+"/webhook", bytes.NewReader(signed))
				if err != nil {
					t.Error(err)
					return
				}
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("X-GitHub-Event", "pull_request")
				req.Header.Set("X-GitHub-Delivery", fmt.Sprintf("signed-%d-%d", s, i))
				req.Header.Set("X-Hub-Signature-256", sign(testSecret, signed))
				resp, err := srv.Client().Do(req)
				if err != nil {
					t.Errorf("signed delivery during the flood: %v", err)
					continue
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				_ = resp.Body.Close()
				acks <- resp.StatusCode
			}
		})
	}
	sg.Wait()
	close(acks)
	close(stop)
	wg.Wait()

	for code := range acks {
		if code != http.StatusAccepted {
			t.Errorf("a signed delivery sent during the flood was answered %d, want 202", code)
		}
	}
	if got := countJobs(t, a, deliveryArgs{}.Kind()); got != senders*each {
		t.Errorf("%d deliveries queued, want the %d signed ones", got, senders*each)
	}
	if len(errs) > 0 {
		t.Errorf("%d unsigned requests got no answer, e.g. %v", len(errs), errs[0])
	}
	for code, n := range statuses {
		switch code {
		case http.StatusUnauthorized, http.StatusServiceUnavailable:
		default:
			t.Errorf("%d unsigned bodies were answered %d, want 401 or 503", n, code)
		}
	}
	// The flood outran the budget: some waited, then were turned away
	// with 503, and the metrics count them as busy.
	if statuses[http.StatusServiceUnavailable] == 0 {
		t.Errorf("no unsigned body was answered 503 (statuses %v): the flood never filled the budget", statuses)
	}
	if got, want := deliveries(a, "busy"), statuses[http.StatusServiceUnavailable]; got != want {
		t.Errorf("result=busy counted %d, want the %d answered 503", got, want)
	}
	if got, want := deliveries(a, "bad_signature"), statuses[http.StatusUnauthorized]; got != want {
		t.Errorf("result=bad_signature counted %d, want the %d answered 401", got, want)
	}
	peak := budget.highWater()
	t.Logf("unsigned answers %v; peak unverified bytes %d of a %d budget", statuses, peak, budget.limit)
	if peak > budget.limit {
		t.Errorf("bodies not yet verified held %d bytes at once, over the %d budget", peak, budget.limit)
	}
	waitFor(t, 10*time.Second, "every reservation to be released", func() bool { return budget.inUse() == 0 })
}

// TestWebhookSlowBody: a body that stops, or arrives a byte at a time, is
// cut off at the read deadline (408) and its bytes are released, instead
// of holding the budget for minutes.
func TestWebhookSlowBody(t *testing.T) {
	a := newTestApp(t, testAppOptions{})
	a.opts.WebhookReadTimeout = 500 * time.Millisecond
	srv := httptest.NewServer(a.Handler())
	defer srv.Close()
	tests := []struct {
		name string
		post rawPost
	}{
		{"stops after 100 bytes", rawPost{size: 4096, stallAt: 100}},
		{"a byte every 20ms", rawPost{size: 4096, stallAt: 100, trickle: 20 * time.Millisecond}},
		{"chunked, a byte every 20ms", rawPost{size: 4096, stallAt: 100, trickle: 20 * time.Millisecond, chunked: true}},
		{"large, stops after 1 MiB", rawPost{size: MaxWebhookBytes, stallAt: 1 << 20}},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := deliveries(a, "timeout")
			tt.post.delivery, tt.post.signature = fmt.Sprintf("slow-%d", i), unsigned
			resp, body, err := tt.post.do(srv.Listener.Addr().String())
			if err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != http.StatusRequestTimeout || !strings.Contains(body, "body not received within 500ms") {
				t.Errorf("answered %d %q, want 408 saying the body was not received within 500ms", resp.StatusCode, body)
			}
			if got := deliveries(a, "timeout"); got != before+1 {
				t.Errorf("result=timeout counted %d, want %d", got, before+1)
			}
			waitFor(t, 10*time.Second, "the slow body's reservation to be released", func() bool { return a.webhookBodies.inUse() == 0 })
		})
	}
}

// TestWebhookBudgetFull: while large bodies hold the budget's share for
// large bodies, another large body waits, then is answered 503 with
// Retry-After; a signed delivery of the usual size is still accepted; a
// body the budget can never hold is 413 naming the setting.
func TestWebhookBudgetFull(t *testing.T) {
	a := newTestApp(t, testAppOptions{settings: func(s *Settings) { s.WebhookMemory = 1 << 20 }})
	a.opts.WebhookWait = 2 * time.Second
	srv := httptest.NewServer(a.Handler())
	defer srv.Close()
	addr := srv.Listener.Addr().String()
	budget := a.webhookBodies

	// A holds the whole bulk share (512 KiB) and stops sending.
	holder := make(chan int, 1)
	go func() {
		resp, _, err := rawPost{delivery: "holder", signature: unsigned, size: 512 << 10, stallAt: 448 << 10}.do(addr)
		if err != nil {
			holder <- 0
			return
		}
		holder <- resp.StatusCode
	}()
	waitFor(t, 30*time.Second, "the holder to reserve the bulk share", func() bool { return budget.inUse() == budget.bulk })

	// B needs more than its first 256 KiB: it waits, then gets 503.
	type answer struct {
		resp *http.Response
		body string
		err  error
	}
	waiter := make(chan answer, 1)
	go func() {
		resp, body, err := rawPost{delivery: "waiter", signature: unsigned, size: 512 << 10}.do(addr)
		waiter <- answer{resp, body, err}
	}()
	waitFor(t, 30*time.Second, "the second body to reserve its first 256 KiB", func() bool { return budget.inUse() == budget.bulk+bodyHead })

	// Meanwhile a signed delivery of the usual size goes through.
	resp := deliver(t, a.Handler(), "pull_request", "signed-while-full", readFixture(t, "pull_request.opened.json"))
	if resp.StatusCode != http.StatusAccepted {
		t.Errorf("signed delivery while the budget is full: %d, want 202", resp.StatusCode)
	}

	b := <-waiter
	if b.err != nil {
		t.Fatal(b.err)
	}
	if b.resp.StatusCode != http.StatusServiceUnavailable || b.resp.Header.Get("Retry-After") == "" || !strings.Contains(b.body, "too many webhook bodies") {
		t.Errorf("body past a full budget: %d Retry-After %q %q, want 503 with Retry-After saying there are too many bodies", b.resp.StatusCode, b.resp.Header.Get("Retry-After"), b.body)
	}
	if got := deliveries(a, "busy"); got != 1 {
		t.Errorf("result=busy counted %d, want 1", got)
	}
	if peak := budget.highWater(); peak > budget.limit {
		t.Errorf("peak %d over the %d budget", peak, budget.limit)
	}

	// A body with a Content-Length larger than the budget ever holds for
	// one request is refused before it is read.
	large := bytes.Repeat([]byte("x"), 600<<10)
	resp = deliver(t, a.Handler(), "pull_request", "too-large-for-budget", large)
	msg, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusRequestEntityTooLarge || !strings.Contains(string(msg), EnvWebhookMemory) {
		t.Errorf("body larger than the budget holds: %d %q, want 413 naming %s", resp.StatusCode, msg, EnvWebhookMemory)
	}

	srv.CloseClientConnections() // the holder's connection ends
	<-holder
	waitFor(t, 10*time.Second, "every reservation to be released", func() bool { return budget.inUse() == 0 })

	// Without a Content-Length, it is refused when it outgrows that.
	resp, body, err := rawPost{delivery: "chunked-too-large", signature: unsigned, size: 600 << 10, chunked: true}.do(addr)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusRequestEntityTooLarge || !strings.Contains(body, EnvWebhookMemory) {
		t.Errorf("chunked body larger than the budget holds: %d %q, want 413 naming %s", resp.StatusCode, body, EnvWebhookMemory)
	}
	waitFor(t, 10*time.Second, "every reservation to be released", func() bool { return budget.inUse() == 0 })
}

func TestByteBudget(t *testing.T) {
	tests := []struct {
		name       string
		used, held int64 // before the reservation
		n          int64
		wantErr    error
	}{
		{name: "fits", used: 0, n: bodyChunk},
		{name: "head may use the whole budget", used: 1<<20 - bodyChunk, held: 0, n: bodyChunk},
		{name: "past the head only the bulk share", used: 512 << 10, held: bodyHead, n: bodyChunk, wantErr: errBudgetBusy},
		{name: "head full", used: 1 << 20, n: 1, wantErr: errBudgetBusy},
		{name: "never fits", used: 0, held: 512 << 10, n: 1, wantErr: errBudgetTooSmall},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := newByteBudget(1 << 20)
			b.used = tt.used
			_, err := b.reserve(t.Context(), tt.n, tt.held, 0)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("reserve = %v, want %v", err, tt.wantErr)
			}
			if want := tt.used + tt.n; err == nil && b.inUse() != want {
				t.Errorf("in use %d, want %d", b.inUse(), want)
			}
		})
	}
	t.Run("released chunks are reused while bodies are in flight", func(t *testing.T) {
		b := newByteBudget(1 << 20)
		for range 2 {
			if _, err := b.reserve(t.Context(), bodyChunk, 0, 0); err != nil {
				t.Fatal(err)
			}
		}
		first, second := b.chunk(), b.chunk()
		b.releaseChunks(bodyChunk, [][]byte{first[:10]})
		if again := b.chunk(); &again[0] != &first[0] || len(again) != bodyChunk {
			t.Error("a chunk released while another body holds one was not reused")
		}
		b.releaseChunks(bodyChunk, [][]byte{second})
		if len(b.spare) != 0 || b.inUse() != 0 {
			t.Errorf("with nothing in flight, %d spare chunks kept and %d bytes in use, want none", len(b.spare), b.inUse())
		}
	})
	t.Run("a release lets a waiter in", func(t *testing.T) {
		b := newByteBudget(1 << 20)
		if _, err := b.reserve(t.Context(), 1<<20, 0, 0); err == nil {
			t.Fatal("reserved more than a request's head with no wait")
		}
		for range 16 {
			if _, err := b.reserve(t.Context(), bodyChunk, 0, 0); err != nil {
				t.Fatal(err)
			}
		}
		done := make(chan error, 1)
		go func() { _, err := b.reserve(t.Context(), bodyChunk, 0, time.Minute); done <- err }()
		b.release(bodyChunk)
		if err := <-done; err != nil {
			t.Fatalf("waiter: %v", err)
		}
		if b.highWater() != 1<<20 {
			t.Errorf("high water %d, want %d", b.highWater(), 1<<20)
		}
	})
}

func TestWebhookMemorySetting(t *testing.T) {
	tests := []struct {
		env     string
		want    int64
		wantErr string
	}{
		{env: "", want: DefaultWebhookMemory},
		{env: "128m", want: 128 << 20},
		{env: "1g", want: 1 << 30},
		{env: "512k", wantErr: "at least 1m"},
		{env: "lots", wantErr: EnvWebhookMemory},
	}
	for _, tt := range tests {
		t.Run(tt.env, func(t *testing.T) {
			t.Setenv(EnvWebhookMemory, tt.env)
			t.Setenv(EnvDataDir, t.TempDir())
			s, err := SettingsFromEnv()
			if err == nil {
				err = s.Normalize()
			}
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want one saying %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if s.WebhookMemory != tt.want {
				t.Errorf("WebhookMemory = %d, want %d", s.WebhookMemory, tt.want)
			}
		})
	}
}
