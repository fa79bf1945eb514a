package app

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/riverqueue/river"

	"github.com/coderready/coderready/app/basecache"
	"github.com/coderready/coderready/app/ghtransport"
	"github.com/coderready/coderready/app/rulepages"
	"github.com/coderready/coderready/build"
	"github.com/coderready/coderready/store"
)

// Queues: deliveries are routed quickly on their own queue; checks build.
const (
	queueDeliveries = "deliveries"
	queueChecks     = "checks"
)

// Options are the parts a caller (serve, or a test) wires in.
type Options struct {
	// Logger receives JSON logs; nil logs JSON to stderr.
	Logger *slog.Logger
	// Builder builds images; nil builds nothing (static and base-image
	// checks only).
	Builder build.Builder
	// Registerer receives the app's metrics; nil uses a fresh registry
	// served on /metrics.
	Registry *prometheus.Registry
	// HTTPClient downloads tarballs; nil uses a client with sane timeouts.
	HTTPClient *http.Client
	// GitHubTransport is the base transport of every GitHub call; nil uses
	// http.DefaultTransport.
	GitHubTransport http.RoundTripper
	// JobTimeout bounds one check job (default 1 hour).
	JobTimeout time.Duration
	// RescueAfter frees jobs left running by a replica that died (River's
	// rescuer; default JobTimeout + 5 minutes).
	RescueAfter time.Duration
	// PollInterval is how often idle workers look for jobs (default 1 s).
	PollInterval time.Duration
	// BuilderPing tells whether Builder answers; nil when there is no
	// builder to ask.
	BuilderPing func(context.Context) error
	// ConnectBuilder connects to the builder when Builder is nil (the
	// engine at DOCKER_HOST): tried at start and every
	// BuilderCheckInterval until it succeeds, so an engine that comes up
	// after the server is used. It returns the builder and its ping.
	ConnectBuilder func(context.Context) (build.Builder, func(context.Context) error, error)
	// BuilderCheckInterval is how often the builder is pinged or, while
	// there is none, connected to (default 1 minute).
	BuilderCheckInterval time.Duration
	// Manifest is app.yml, posted to GitHub by /setup.
	Manifest []byte
	// WebhookReadTimeout bounds reading one webhook body, headers excluded
	// (default 10 s): slow bodies do not hold the webhook's memory budget
	// (Settings.WebhookMemory) for long.
	WebhookReadTimeout time.Duration
	// WebhookWait is how long a webhook request waits for room in that
	// budget before it is answered 503 (default 1 s).
	WebhookWait time.Duration
}

// App is a running GitHub App: store, queue, workers and HTTP handlers.
type App struct {
	// rules serves the rule pages check runs link to.
	rules http.Handler
	// baseResults keeps base branch results between jobs (nil: not
	// kept).
	baseResults *basecache.Cache
	// adoptMu serializes adoptCredentials.
	adoptMu   sync.Mutex
	opts      Options
	log       *slog.Logger
	store     *store.Store
	river     *river.Client[*sql.Tx]
	metrics   *metrics
	registry  *prometheus.Registry
	http      *http.Client
	transport http.RoundTripper // every GitHub call: ghtransport over opts.GitHubTransport
	// builders is the builder and whether it answers (builder.go).
	builders builderState
	// stopWatch ends watchBuilder; watching is its goroutine.
	stopWatch context.CancelFunc
	watching  sync.WaitGroup

	setup setupStates
	// status is the status page's sign-in and cache (status.go).
	status statusState
	lock   *dataDirLock
	// webhookBodies holds the bytes of webhook bodies not yet verified.
	webhookBodies *byteBudget
	// deliveries commits verified deliveries in groups (webhook_enqueue.go).
	deliveries deliveryQueue

	mu       sync.RWMutex
	settings Settings
	gh       *clients
}

// New opens the store, migrates it and prepares the workers. Start starts
// them; Handler serves the HTTP endpoints.
func New(ctx context.Context, s Settings, opts Options) (*App, error) {
	if err := s.Normalize(); err != nil {
		return nil, err
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.NewJSONHandler(os.Stderr, nil))
	}
	if opts.JobTimeout <= 0 {
		opts.JobTimeout = time.Hour
	}
	if opts.RescueAfter <= 0 {
		opts.RescueAfter = opts.JobTimeout + 5*time.Minute
	}
	if opts.PollInterval <= 0 {
		opts.PollInterval = time.Second
	}
	if opts.WebhookReadTimeout <= 0 {
		opts.WebhookReadTimeout = defaultWebhookReadTimeout
	}
	if opts.WebhookWait <= 0 {
		opts.WebhookWait = defaultWebhookWait
	}
	if opts.BuilderCheckInterval <= 0 {
		opts.BuilderCheckInterval = defaultBuilderCheckInterval
	}
	reg := opts.Registry
	if reg == nil {
		reg = prometheus.NewRegistry()
	}
	hc := opts.HTTPClient
	if hc == nil {
		hc = &http.Client{Timeout: 10 * time.Minute}
	}
	rules, err := rulepages.Handler(s.Version)
	if err != nil {
		return nil, err
	}
	baseResults, err := basecache.Open(filepath.Join(s.DataDir, "base-results"))
	if err != nil {
		return nil, err
	}
	a := &App{
		rules:       rules,
		baseResults: baseResults,
		opts:        opts,
		registry:    reg,
		http:        hc,
		settings:    s,
	}
	a.log = slog.New(setupHandler{Handler: log.Handler(), missing: a.missing})
	log = a.log
	a.metrics = newMetrics(reg)
	a.builders = builderState{
		builder: opts.Builder, ping: opts.BuilderPing,
		configured: opts.Builder != nil || opts.ConnectBuilder != nil,
		upGauge:    a.metrics.builderUp,
	}
	if err := a.initStatus(); err != nil {
		return nil, err
	}
	a.webhookBodies = newByteBudget(s.WebhookMemory)
	a.metrics.registerWebhookBudget(reg, a.webhookBodies)
	a.transport = &ghtransport.Transport{Base: opts.GitHubTransport, Metrics: ghtransport.NewMetrics(reg)}
	if err := os.MkdirAll(a.workDir(), 0o750); err != nil {
		return nil, fmt.Errorf("work dir: %w", err)
	}
	if s.DatabaseURL == "" {
		l, err := lockDataDir(s.DataDir)
		if err != nil {
			return nil, err
		}
		a.lock = l
	}
	st, err := store.Open(ctx, store.Options{DatabaseURL: s.DatabaseURL, DataDir: s.DataDir, Logger: log})
	if err != nil {
		a.lock.release()
		return nil, fmt.Errorf("open store: %w", err)
	}
	a.store = st
	if err := a.newRiver(); err != nil {
		_ = st.Close()
		a.lock.release()
		return nil, err
	}
	if err := a.setClients(); err != nil {
		log.Error("github app credentials are not usable", "err", err)
	}
	a.adoptCredentials(ctx)
	if m := a.missing(); len(m) > 0 {
		log.Warn("coderready is not set up: webhooks are refused until these are set (open /setup)", "missing", m)
	}
	a.checkBuilder(ctx)
	a.warnLocalBuilds()
	return a, nil
}

// newRiver builds the queue client with its workers.
func (a *App) newRiver() error {
	workers := river.NewWorkers()
	river.AddWorker(workers, &deliveryWorker{app: a})
	river.AddWorker(workers, &checkWorker{app: a})
	river.AddWorker(workers, &cleanupWorker{app: a})
	river.AddWorker(workers, &pruneWorker{app: a})
	cfg := &river.Config{
		Logger:               a.log,
		Workers:              workers,
		JobTimeout:           a.opts.JobTimeout,
		RescueStuckJobsAfter: a.opts.RescueAfter,
		FetchPollInterval:    a.opts.PollInterval,
		FetchCooldown:        a.opts.PollInterval / 10,
		// Not poll-only: a job inserted in a transaction is picked up when
		// it commits (NOTIFY on PostgreSQL, River's notification table on
		// SQLite), not at the next poll.
		PollOnly:    false,
		MaxAttempts: 8,
		Queues: map[string]river.QueueConfig{
			queueDeliveries: {MaxWorkers: 8},
			queueChecks:     {MaxWorkers: a.settings.Workers},
		},
		ErrorHandler: &jobErrors{app: a},
		PeriodicJobs: []*river.PeriodicJob{
			river.NewPeriodicJob(river.PeriodicInterval(24*time.Hour), func() (river.JobArgs, *river.InsertOpts) {
				return pruneArgs{}, nil
			}, &river.PeriodicJobOpts{RunOnStart: true}),
		},
	}
	rc, err := river.NewClient(a.store.Driver(), cfg)
	if err != nil {
		return fmt.Errorf("queue client: %w", err)
	}
	a.river = rc
	return nil
}

// Start frees jobs a crashed process left running (SQLite: one process owns
// the file) and starts the workers.
func (a *App) Start(ctx context.Context) error {
	n, err := a.store.RescueOrphanedJobs(ctx)
	if err != nil {
		return fmt.Errorf("resume jobs: %w", err)
	}
	if n > 0 {
		a.log.Info("resuming jobs left running by the previous process", "jobs", n)
	}
	if err := a.river.Start(ctx); err != nil {
		return fmt.Errorf("start workers: %w", err)
	}
	if a.builders.configured && a.stopWatch == nil {
		wctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
		a.stopWatch = cancel
		a.watching.Go(func() { a.watchBuilder(wctx, a.opts.BuilderCheckInterval) })
	}
	return nil
}

// Shutdown stops taking jobs, lets running ones finish until ctx ends (then
// cancels them: they are retried by the next process), and closes the store.
func (a *App) Shutdown(ctx context.Context) error {
	var errs []error
	if a.stopWatch != nil {
		a.stopWatch()
		a.watching.Wait()
	}
	if err := a.river.Stop(ctx); err != nil {
		a.log.Warn("workers did not finish in time; cancelling them", "err", err)
		cctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		errs = append(errs, a.river.StopAndCancel(cctx))
		cancel()
	}
	errs = append(errs, a.store.Close())
	a.lock.release()
	return errors.Join(errs...)
}

// Handler serves /webhook, /setup, /healthz, /readyz, /metrics, the rule
// pages (/rules), and the status page (/) with its sign-in (/auth/…).
func (a *App) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/webhook", a.serveWebhook)
	mux.HandleFunc("/setup", a.serveSetup)
	mux.HandleFunc("/setup/callback", a.serveSetupCallback)
	mux.HandleFunc("/healthz", a.serveHealthz)
	mux.HandleFunc("/readyz", a.serveReadyz)
	mux.Handle("/metrics", a.metricsHandler())
	mux.Handle(rulepages.Prefix, a.rules)
	mux.Handle(rulepages.Prefix+"/", a.rules)
	mux.HandleFunc("GET /{$}", a.serveStatus)
	mux.HandleFunc("GET /auth/github", a.serveSignInGitHub)
	mux.HandleFunc("GET /auth/callback", a.serveSignInCallback)
	mux.HandleFunc("POST /auth/token", a.serveSignInToken)
	mux.HandleFunc("POST /auth/signout", a.serveSignOut)
	return mux
}

// Settings returns a copy of the current settings.
func (a *App) Settings() Settings {
	a.mu.RLock()
	defer a.mu.RUnlock()
	return a.settings
}

func (a *App) webhookSecret() string {
	a.mu.RLock()
	defer a.mu.RUnlock()
	return a.settings.WebhookSecret
}

func (a *App) missing() []string {
	a.mu.RLock()
	defer a.mu.RUnlock()
	return a.settings.Missing()
}

func (a *App) workDir() string { return a.settings.WorkDir }

// Serve runs the app on s.Listen until ctx ends, then shuts down
// gracefully: the listener closes, running requests and jobs get grace to
// finish.
func Serve(ctx context.Context, s Settings, opts Options, grace time.Duration) error {
	a, err := New(ctx, s, opts)
	if err != nil {
		return err
	}
	// The port is bound before any job starts: a server that cannot listen
	// (address in use) fails at once instead of resuming work it will
	// then abandon. The bound address is logged, so ":0" works too.
	ln, err := net.Listen("tcp", a.Settings().Listen)
	if err != nil {
		_ = a.Shutdown(context.Background())
		return fmt.Errorf("listen %s: %w", a.Settings().Listen, err)
	}
	if err := a.Start(ctx); err != nil {
		_ = ln.Close()
		_ = a.Shutdown(context.Background())
		return err
	}
	// Reads are bounded in seconds: a slow sender holds a connection (and,
	// on /webhook, part of the unverified-body budget) only that long.
	// /webhook sets its own body deadline (Options.WebhookReadTimeout).
	srv := &http.Server{
		Addr:              a.Settings().Listen,
		Handler:           a.Handler(),
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      2 * time.Minute,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	a.log.Info("coderready serve listening", "addr", ln.Addr().String(), "github", a.Settings().GitHubURL, "database", a.store.Dialect(), "builder", a.builders.status().String(), "version", a.Settings().Version)
	select {
	case err := <-errc:
		_ = a.Shutdown(context.Background())
		return fmt.Errorf("serve %s: %w", ln.Addr(), err)
	case <-ctx.Done():
	}
	a.log.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), grace)
	defer cancel()
	err = errors.Join(srv.Shutdown(sctx), a.Shutdown(sctx))
	if err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
