package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/google/go-github/v62/github"
	"github.com/riverqueue/river"
)

// MaxWebhookBytes bounds a webhook body: GitHub caps payloads at 25 MB.
const MaxWebhookBytes = 25 << 20

// deliveryArgs is a webhook delivery as it waits in the queue: the raw,
// verified payload, routed by the delivery worker.
type deliveryArgs struct {
	DeliveryID string `json:"delivery_id"`
	Event      string `json:"event"`
	Action     string `json:"action,omitempty"`
	// Payload is empty: the payload waits in the store, beside the
	// delivery ID, which keeps the queue insert the webhook waits for
	// small. (Set only by jobs queued before that change.)
	Payload json.RawMessage `json:"payload,omitempty"`
}

// Kind names the job kind in the queue.
func (deliveryArgs) Kind() string { return "github_delivery" }

// InsertOpts puts deliveries on their own queue, so a burst of them never
// waits behind builds.
func (deliveryArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: queueDeliveries, MaxAttempts: 10}
}

// handledEvents are the events the app acts on; others are answered 204.
var handledEvents = map[string]bool{
	"pull_request":              true,
	"check_suite":               true,
	"check_run":                 true,
	"installation":              true,
	"installation_repositories": true,
}

// serveWebhook verifies, records and enqueues one delivery. Nothing is
// parsed before the signature is verified; nothing is built in the request.
// Until it is verified the body is hashed as it arrives, held within the
// shared budget of unverified bytes, and must arrive within
// Options.WebhookReadTimeout: unsigned senders cannot make the server hold
// more than that budget, nor hold it for long.
func (a *App) serveWebhook(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	event := r.Header.Get(github.EventTypeHeader)
	delivery := r.Header.Get(github.DeliveryIDHeader)
	log := a.log.With("delivery", delivery, "event", event)
	result := "error"
	defer func() {
		a.metrics.deliveries.WithLabelValues(metricEvent(event), result).Inc()
		a.metrics.ackSeconds.Observe(time.Since(start).Seconds())
	}()
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		result = "bad_request"
		http.Error(w, "webhook: POST only", http.StatusMethodNotAllowed)
		return
	}
	secret := a.webhookSecret()
	if secret == "" {
		// Another replica may have finished the setup flow.
		a.adoptCredentials(r.Context())
		secret = a.webhookSecret()
	}
	if secret == "" {
		result = "not_configured"
		log.Warn("webhook refused: the app has no webhook secret yet", "missing", a.missing())
		http.Error(w, "coderready is not set up: missing "+strings.Join(a.missing(), ", ")+" (see /setup)", http.StatusServiceUnavailable)
		return
	}
	sig := r.Header.Get(github.SHA256SignatureHeader)
	if !strings.HasPrefix(sig, "sha256=") {
		result = "bad_signature"
		log.Warn("webhook refused: no X-Hub-Signature-256 (sha256) signature")
		http.Error(w, "missing X-Hub-Signature-256", http.StatusUnauthorized)
		return
	}
	ct, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil {
		result = "bad_request"
		http.Error(w, "bad Content-Type", http.StatusUnsupportedMediaType)
		return
	}
	// The two content types GitHub sends (and go-github accepts): the
	// payload is the body, or the body's "payload" form field.
	if ct != "application/json" && ct != "application/x-www-form-urlencoded" {
		result = "bad_request"
		http.Error(w, fmt.Sprintf("webhook request has unsupported Content-Type %q", ct), http.StatusUnsupportedMediaType)
		return
	}
	mac, err := parseSignature(sig)
	if err != nil {
		result = "bad_signature"
		log.Warn("webhook refused: signature check failed", "err", err)
		http.Error(w, "signature check failed", http.StatusUnauthorized)
		return
	}
	if r.ContentLength > MaxWebhookBytes {
		result = "too_large"
		log.Warn("webhook refused: body over the limit", "limit_bytes", MaxWebhookBytes, "content_length", r.ContentLength)
		stopReading(w)
		http.Error(w, fmt.Sprintf("body larger than %d bytes", MaxWebhookBytes), http.StatusRequestEntityTooLarge)
		return
	}
	if r.ContentLength > a.webhookBodies.maxBody() {
		result = a.refuseBody(w, log, errBudgetTooSmall)
		return
	}
	// The deadline counts from the end of the headers, so a body sent a
	// byte at a time is cut off in seconds. (A ResponseWriter without a
	// connection, as in tests, has no deadline to set.)
	if err := http.NewResponseController(w).SetReadDeadline(start.Add(a.opts.WebhookReadTimeout)); err != nil && !errors.Is(err, http.ErrNotSupported) {
		log.Warn("webhook: could not set the body's read deadline", "err", err)
	}
	body := newSignedBody(a.webhookBodies, secret, mac, a.opts.WebhookWait)
	defer body.free()
	if err := body.readFrom(r.Context(), r.Body, r.ContentLength, MaxWebhookBytes); err != nil {
		result = a.refuseBody(w, log, err)
		return
	}
	if !body.verified() {
		result = "bad_signature"
		log.Warn("webhook refused: signature check failed")
		http.Error(w, "signature check failed", http.StatusUnauthorized)
		return
	}
	// Verified: the payload leaves the unverified budget.
	payload := body.payload()
	if ct == "application/x-www-form-urlencoded" {
		form, err := url.ParseQuery(string(payload))
		if err != nil {
			result = "bad_request"
			http.Error(w, "form-encoded payload: "+err.Error(), http.StatusBadRequest)
			return
		}
		payload = []byte(form.Get("payload"))
	}
	if event == "" || delivery == "" {
		result = "bad_request"
		http.Error(w, "missing X-GitHub-Event or X-GitHub-Delivery", http.StatusBadRequest)
		return
	}
	if event == "ping" {
		result = "ping"
		log.Info("ping")
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"msg":"pong"}`+"\n")
		return
	}
	if !handledEvents[event] {
		result = "ignored"
		w.WriteHeader(http.StatusNoContent)
		return
	}
	var head struct {
		Action string `json:"action"`
	}
	if err := json.Unmarshal(payload, &head); err != nil {
		result = "bad_request"
		log.Warn("webhook refused: payload is not JSON", "err", err)
		http.Error(w, "payload is not JSON: "+err.Error(), http.StatusBadRequest)
		return
	}
	log = log.With("action", head.Action)
	isNew, err := a.enqueueDelivery(r.Context(), deliveryArgs{DeliveryID: delivery, Event: event, Action: head.Action}, payload)
	if err != nil {
		// 500 makes the delivery show as failed on GitHub's side, where it
		// can be redelivered: better than a 2xx for work that was lost.
		log.Error("webhook: could not queue the delivery", "err", err)
		http.Error(w, "could not queue the delivery", http.StatusInternalServerError)
		return
	}
	if !isNew {
		result = "duplicate"
		log.Info("duplicate delivery ignored")
		w.WriteHeader(http.StatusOK)
		_, _ = io.WriteString(w, "duplicate delivery\n")
		return
	}
	result = "accepted"
	log.Debug("delivery queued")
	w.WriteHeader(http.StatusAccepted)
}

// refuseBody answers a body that could not be read whole, and returns
// the result label of the refusal.
func (a *App) refuseBody(w http.ResponseWriter, log *slog.Logger, err error) string {
	stopReading(w)
	var tooLarge *bodyTooLargeError
	switch {
	case errors.As(err, &tooLarge):
		log.Warn("webhook refused: body over the limit", "limit_bytes", MaxWebhookBytes)
		http.Error(w, fmt.Sprintf("body larger than %d bytes", MaxWebhookBytes), http.StatusRequestEntityTooLarge)
		return "too_large"
	case errors.Is(err, errBudgetTooSmall):
		log.Warn("webhook refused: body larger than the unverified-body budget holds for one request", "budget_bytes", a.webhookBodies.limit)
		http.Error(w, fmt.Sprintf("%s: at most %d bytes (half of %s=%d)", errBudgetTooSmall, a.webhookBodies.maxBody(), EnvWebhookMemory, a.webhookBodies.limit), http.StatusRequestEntityTooLarge)
		return "too_large"
	case errors.Is(err, errBudgetBusy):
		log.Warn("webhook refused: the unverified-body budget stayed full", "budget_bytes", a.webhookBodies.limit, "waited", a.opts.WebhookWait)
		w.Header().Set("Retry-After", webhookRetryAfter)
		http.Error(w, errBudgetBusy.Error(), http.StatusServiceUnavailable)
		return "busy"
	case isTimeout(err):
		log.Warn("webhook refused: the body did not arrive within the read timeout", "timeout", a.opts.WebhookReadTimeout)
		http.Error(w, fmt.Sprintf("body not received within %s", a.opts.WebhookReadTimeout), http.StatusRequestTimeout)
		return "timeout"
	default:
		// Mostly a sender that went away: nobody reads the answer.
		log.Warn("webhook refused: could not read the body", "err", err)
		http.Error(w, "could not read the body", http.StatusBadRequest)
		return "bad_request"
	}
}

// stopReading makes the server read no more of a refused body: the
// connection closes after the answer instead of draining what the sender
// still has to send (which, for a slow sender, would hold the handler).
func stopReading(w http.ResponseWriter) {
	w.Header().Set("Connection", "close")
	_ = http.NewResponseController(w).SetReadDeadline(time.Now())
}

// enqueueDelivery records the delivery ID and queues the delivery, in a
// transaction shared with the deliveries arriving at the same time
// (deliveryQueue): a delivery is queued exactly once, and never
// acknowledged without being stored.
func (a *App) enqueueDelivery(ctx context.Context, args deliveryArgs, payload []byte) (bool, error) {
	return a.deliveries.enqueue(ctx, a.commitDeliveries, args, payload)
}

// metricEvent keeps the event label's values to the known set.
func metricEvent(e string) string {
	if handledEvents[e] || e == "ping" {
		return e
	}
	return "other"
}

// logAttrs are the attributes every log line of a job carries.
func logAttrs(delivery, repo string, pr int, sha string) []any {
	return []any{slog.String("delivery", delivery), slog.String("repo", repo), slog.Int("pr", pr), slog.String("head_sha", sha)}
}
