package ghtransport

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/prometheus/client_golang/prometheus"
)

// Metrics are the Prometheus series of GitHub calls. One Metrics serves
// every Transport of a process; a nil *Metrics records nothing.
type Metrics struct {
	calls     *prometheus.CounterVec
	remaining *prometheus.GaugeVec
	retries   *prometheus.CounterVec
	limits    *prometheus.CounterVec
}

// NewMetrics registers the series on reg (again on the same registry
// returns the series already there):
//
//   - coderready_github_api_calls_total{method,route,code}: every attempt,
//     code the HTTP status or "error" for a connection error; route the
//     operation family (see Route);
//   - coderready_github_rate_limit_remaining{resource}: x-ratelimit-remaining
//     of the latest answer per resource;
//   - coderready_github_api_retries_total{route,reason}: retries, reason
//     server_error, connection or secondary_rate_limit;
//   - coderready_github_rate_limited_total{kind}: rate limit answers, kind
//     primary or secondary.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	return &Metrics{
		calls: register(reg, prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "coderready_github_api_calls_total",
			Help: "GitHub API requests sent, by method, operation family and HTTP status (\"error\" when no answer came).",
		}, []string{"method", "route", "code"})),
		remaining: register(reg, prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "coderready_github_rate_limit_remaining",
			Help: "GitHub API requests left in the current rate limit window, from the latest x-ratelimit-remaining header, by resource.",
		}, []string{"resource"})),
		retries: register(reg, prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "coderready_github_api_retries_total",
			Help: "GitHub API requests sent again, by operation family and reason (server_error, connection, secondary_rate_limit).",
		}, []string{"route", "reason"})),
		limits: register(reg, prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "coderready_github_rate_limited_total",
			Help: "GitHub rate limit answers, by kind (primary, secondary).",
		}, []string{"kind"})),
	}
}

// register registers c, or returns the collector already registered
// under its name.
func register[C prometheus.Collector](reg prometheus.Registerer, c C) C {
	if reg == nil {
		return c
	}
	if err := reg.Register(c); err != nil {
		var are prometheus.AlreadyRegisteredError
		if errors.As(err, &are) {
			if existing, ok := are.ExistingCollector.(C); ok {
				return existing
			}
		}
		panic("ghtransport: register metrics: " + err.Error())
	}
	return c
}

func (m *Metrics) call(method, route, code string) {
	if m == nil {
		return
	}
	m.calls.WithLabelValues(method, route, code).Inc()
}

func (m *Metrics) retry(route, reason string) {
	if m == nil {
		return
	}
	m.retries.WithLabelValues(route, reason).Inc()
}

func (m *Metrics) limited(primary bool) {
	if m == nil {
		return
	}
	kind := "secondary"
	if primary {
		kind = "primary"
	}
	m.limits.WithLabelValues(kind).Inc()
}

// rateLimit records x-ratelimit-remaining.
func (m *Metrics) rateLimit(h http.Header) {
	if m == nil {
		return
	}
	v := h.Get("X-Ratelimit-Remaining")
	if v == "" {
		return
	}
	n, err := strconv.ParseFloat(v, 64)
	if err != nil {
		return
	}
	resource := h.Get("X-Ratelimit-Resource")
	if resource == "" {
		resource = "core"
	}
	m.remaining.WithLabelValues(resource).Set(n)
}
