package app

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"net"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// A webhook body is held in memory until its signature can be checked,
// which is only after its last byte. Unsigned senders can make the server
// hold as much as they send, so the bytes of bodies not yet verified come
// out of one budget shared by all requests (byteBudget), are hashed while
// they arrive (signedBody) and must arrive within a read deadline.

const (
	// bodyChunk is the unit bodies are read, held and reserved in: a large
	// body never reserves its whole size before its bytes arrive.
	bodyChunk = 64 << 10
	// bodyHead is the part of each body that may use the whole budget.
	// Bytes past it may only fill the budget to its bulk share, so that
	// however many large bodies are in flight, deliveries of the usual
	// size (GitHub's are mostly tens of kilobytes) still find room without
	// waiting.
	bodyHead = 256 << 10
	// defaultWebhookWait is how long a request waits for room in the
	// budget before it is answered 503.
	defaultWebhookWait = time.Second
	// defaultWebhookReadTimeout bounds reading one webhook body, from the
	// end of its headers to its last byte.
	defaultWebhookReadTimeout = 10 * time.Second
	// webhookRetryAfter is the Retry-After of a 503 for a full budget.
	webhookRetryAfter = "5"
)

var (
	// errBudgetBusy: the budget stayed full for the whole wait.
	errBudgetBusy = errors.New("too many webhook bodies are being received: try again later")
	// errBudgetTooSmall: the body is larger than the budget would ever
	// hold for one request.
	errBudgetTooSmall = errors.New("body larger than the webhook memory budget holds for one request")
)

// byteBudget is a count of bytes shared by concurrent requests: a request
// reserves bytes before it holds them and releases them when it lets them
// go. Unlike a FIFO semaphore, a small reservation is granted whenever it
// fits, even while a larger one waits: the budget exists so that floods of
// large bodies cannot stop small, signed deliveries.
//
// It also keeps the chunks released bodies held, for the next bodies, as
// long as any body holds some: a flood then reuses the same budget's worth
// of memory instead of leaving garbage behind at its rate (which the GC
// lets grow to twice what is live before it collects).
type byteBudget struct {
	limit int64 // all bytes held
	bulk  int64 // the most held while granting bytes past a body's head

	mu    sync.Mutex
	used  int64
	peak  int64
	freed chan struct{} // closed and replaced whenever bytes are released
	spare [][]byte      // released chunks; never more than limit/bodyChunk
}

func newByteBudget(limit int64) *byteBudget {
	return &byteBudget{limit: limit, bulk: limit / 2, freed: make(chan struct{})}
}

// reserve takes n more bytes for a request already holding held, waiting
// for room until wait runs out (then errBudgetBusy) or ctx ends. It
// returns how long it waited.
func (b *byteBudget) reserve(ctx context.Context, n, held int64, wait time.Duration) (time.Duration, error) {
	ceiling := b.limit
	if held+n > bodyHead {
		ceiling = b.bulk
	}
	if held+n > ceiling {
		// Not even an empty budget would hold it: do not wait for that.
		return 0, errBudgetTooSmall
	}
	var (
		start time.Time
		timer *time.Timer
	)
	for {
		b.mu.Lock()
		if b.used+n <= ceiling {
			b.used += n
			b.peak = max(b.peak, b.used)
			b.mu.Unlock()
			if timer == nil {
				return 0, nil
			}
			timer.Stop()
			return time.Since(start), nil
		}
		freed := b.freed
		b.mu.Unlock()
		if timer == nil {
			if wait <= 0 {
				return 0, errBudgetBusy
			}
			start = time.Now()
			timer = time.NewTimer(wait)
			defer timer.Stop()
		}
		select {
		case <-freed:
		case <-timer.C:
			return time.Since(start), errBudgetBusy
		case <-ctx.Done():
			return time.Since(start), fmt.Errorf("waiting for room in the webhook budget: %w", ctx.Err())
		}
	}
}

// release gives n bytes back and wakes the requests waiting for room.
func (b *byteBudget) release(n int64) {
	b.releaseChunks(n, nil)
}

// releaseChunks gives n bytes back, keeping chunks for the next bodies,
// and wakes the requests waiting for room.
func (b *byteBudget) releaseChunks(n int64, chunks [][]byte) {
	if n == 0 {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.used -= n
	if b.used == 0 {
		// Nothing in flight: let the GC have the spare chunks.
		b.spare = nil
	} else {
		for _, c := range chunks {
			if cap(c) == bodyChunk {
				b.spare = append(b.spare, c[:bodyChunk])
			}
		}
	}
	close(b.freed)
	b.freed = make(chan struct{})
}

// chunk returns a chunk for bytes just reserved: a spare one, or a new
// one. A chunk is only asked for after its bytes are reserved, so spare
// and held chunks together never outnumber the budget's.
func (b *byteBudget) chunk() []byte {
	b.mu.Lock()
	if n := len(b.spare); n > 0 {
		c := b.spare[n-1]
		b.spare[n-1] = nil
		b.spare = b.spare[:n-1]
		b.mu.Unlock()
		return c
	}
	b.mu.Unlock()
	return make([]byte, bodyChunk)
}

// maxBody is the largest body the budget ever holds for one request.
func (b *byteBudget) maxBody() int64 { return b.bulk }

// inUse is the bytes held now.
func (b *byteBudget) inUse() int64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.used
}

// highWater is the most bytes ever held at once.
func (b *byteBudget) highWater() int64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.peak
}

// signedBody reads one request body within a byteBudget, computing its
// HMAC-SHA256 as the bytes arrive.
type signedBody struct {
	budget *byteBudget
	mac    hash.Hash
	want   []byte
	wait   time.Duration // left of the request's wait for room

	chunks [][]byte
	n      int64 // bytes read
	held   int64 // bytes reserved in the budget
}

// parseSignature decodes X-Hub-Signature-256 ("sha256=" and 64 hex
// digits, go-github's format) into the MAC it names.
func parseSignature(header string) ([]byte, error) {
	hexMAC, ok := strings.CutPrefix(header, "sha256=")
	if !ok {
		return nil, errors.New("no sha256 signature")
	}
	mac, err := hex.DecodeString(hexMAC)
	if err != nil || len(mac) != sha256.Size {
		return nil, errors.New("the sha256 signature is not 64 hex digits")
	}
	return mac, nil
}

func newSignedBody(budget *byteBudget, secret string, want []byte, wait time.Duration) *signedBody {
	return &signedBody{budget: budget, mac: hmac.New(sha256.New, []byte(secret)), want: want, wait: wait}
}

// readFrom reads r to its end: size is the Content-Length (-1 when not
// known), limit the most bytes a body may have. Every chunk is reserved
// before it is read into; on error the caller still calls free.
func (s *signedBody) readFrom(ctx context.Context, r io.Reader, size, limit int64) error {
	for size < 0 || s.n < size {
		want := int64(bodyChunk)
		if size >= 0 {
			want = min(want, size-s.n)
		}
		if s.n+want > limit {
			want = limit + 1 - s.n // room to see one byte too many
		}
		// A whole chunk is reserved whatever its use: the budget counts
		// the memory held, not the bytes received.
		waited, err := s.budget.reserve(ctx, bodyChunk, s.held, s.wait)
		s.wait -= waited
		if err != nil {
			return err
		}
		s.held += bodyChunk
		chunk := s.budget.chunk()[:want]
		n, err := readFull(r, chunk)
		chunk = chunk[:n]
		s.chunks = append(s.chunks, chunk)
		s.mac.Write(chunk)
		s.n += int64(n)
		if s.n > limit {
			return &bodyTooLargeError{limit: limit}
		}
		switch {
		case err == nil:
		case errors.Is(err, io.EOF) && (size < 0 || s.n == size):
			return nil // the body ended (its last bytes may come with io.EOF)
		case errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF):
			return fmt.Errorf("read webhook body: %w after %d bytes", io.ErrUnexpectedEOF, s.n)
		default:
			return fmt.Errorf("read webhook body: %w", err)
		}
	}
	return nil
}

// readFull reads into p until it is full or r fails, returning r's error
// as it is (io.ReadFull turns a clean end into io.ErrUnexpectedEOF, which
// would hide a truncated chunked body among bodies that just ended).
func readFull(r io.Reader, p []byte) (int, error) {
	n := 0
	for n < len(p) {
		m, err := r.Read(p[n:])
		n += m
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

// verified tells whether the body's HMAC is the signature's, in constant
// time.
func (s *signedBody) verified() bool {
	return hmac.Equal(s.mac.Sum(nil), s.want)
}

// payload returns the body as one slice, outside the budget, and frees
// what the budget held. Call it only once the signature is verified.
func (s *signedBody) payload() []byte {
	out := make([]byte, 0, s.n)
	for _, c := range s.chunks {
		out = append(out, c...)
	}
	s.free()
	return out
}

// free releases the body's chunks and its reservation.
func (s *signedBody) free() {
	s.budget.releaseChunks(s.held, s.chunks)
	s.chunks = nil
	s.held = 0
}

// bodyTooLargeError is a body past the webhook's size limit.
type bodyTooLargeError struct{ limit int64 }

func (e *bodyTooLargeError) Error() string {
	return fmt.Sprintf("body larger than %d bytes", e.limit)
}

// isTimeout tells whether err is a read deadline running out.
func isTimeout(err error) bool {
	var ne net.Error
	return errors.Is(err, os.ErrDeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout())
}

// registerWebhookBudget exposes the budget: the bytes held now, and its
// limit, so an alert can fire before requests are refused ("busy").
func (m *metrics) registerWebhookBudget(reg prometheus.Registerer, b *byteBudget) {
	reg.MustRegister(
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "coderready_webhook_unverified_bytes",
			Help: "Bytes held by webhook bodies whose signature is not yet verified.",
		}, func() float64 { return float64(b.inUse()) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "coderready_webhook_unverified_bytes_limit",
			Help: "The budget of coderready_webhook_unverified_bytes (CODERREADY_WEBHOOK_MEMORY).",
		}, func() float64 { return float64(b.limit) }),
	)
}
