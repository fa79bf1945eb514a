package app

import (
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// metrics are the app's Prometheus series (GitHub API calls and rate limits
// are ghtransport's).
type metrics struct {
	deliveries   *prometheus.CounterVec
	ackSeconds   prometheus.Histogram
	jobs         *prometheus.CounterVec
	jobSeconds   *prometheus.HistogramVec
	buildSeconds *prometheus.HistogramVec
	checkRuns    *prometheus.CounterVec
	builderUp    prometheus.Gauge
	baseResults  *prometheus.CounterVec
	phaseSeconds *prometheus.HistogramVec
}

func newMetrics(reg prometheus.Registerer) *metrics {
	m := &metrics{
		deliveries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "coderready_webhook_deliveries_total",
			Help: "Webhook deliveries by event and result (accepted, duplicate, ignored, ping, bad_signature, too_large, busy, timeout, bad_request, not_configured, error).",
		}, []string{"event", "result"}),
		ackSeconds: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "coderready_webhook_ack_seconds",
			Help:    "Time from a delivery's arrival to its acknowledgement.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1},
		}),
		jobs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "coderready_jobs_total",
			Help: "Jobs finished by kind and state (completed, retry, snoozed, cancelled, failed).",
		}, []string{"kind", "state"}),
		jobSeconds: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "coderready_job_duration_seconds",
			Help:    "Job run time by kind, builds included.",
			Buckets: prometheus.ExponentialBuckets(0.05, 2.5, 12),
		}, []string{"kind"}),
		buildSeconds: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "coderready_build_duration_seconds",
			Help:    "Image build time by build path and outcome.",
			Buckets: prometheus.ExponentialBuckets(1, 2, 12),
		}, []string{"path", "outcome"}),
		checkRuns: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "coderready_check_runs_completed_total",
			Help: "Check runs completed by conclusion.",
		}, []string{"conclusion"}),
		baseResults: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "coderready_base_results_total",
			Help: "Base branch results of targets looked up in the cache, by result (hit: reused; miss: the base is checked).",
		}, []string{"result"}),
		phaseSeconds: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "coderready_phase_seconds",
			Help:    "Where check jobs spend their time, by phase: queued, source (fetching a snapshot), base_images, build, image_read and checks (per target), compare (the base branch's side), report (posting to GitHub).",
			Buckets: prometheus.ExponentialBuckets(0.01, 3, 11),
		}, []string{"phase"}),
	}
	m.builderUp = prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "coderready_builder_up",
		Help: "1 when the builder answered at its last check (every minute), 0 when it did not or there is none.",
	})
	reg.MustRegister(m.deliveries, m.ackSeconds, m.jobs, m.jobSeconds, m.buildSeconds, m.checkRuns, m.builderUp, m.baseResults, m.phaseSeconds)
	return m
}

// metricsHandler serves the app's registry plus the Go runtime's and the
// process's collectors (registered once per registry).
func (a *App) metricsHandler() http.Handler {
	_ = a.registry.Register(collectors.NewGoCollector())
	_ = a.registry.Register(collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return promhttp.HandlerFor(a.registry, promhttp.HandlerOpts{Registry: a.registry})
}
