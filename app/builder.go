package app

import (
	"context"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/coderready/coderready/build"
)

// defaultBuilderCheckInterval is how often the builder is looked at: a
// builder that went away is noticed, one that comes up later is used,
// within a minute.
const defaultBuilderCheckInterval = time.Minute

// builderCheckTimeout bounds one look at the builder.
const builderCheckTimeout = 5 * time.Second

// builderState is what is known of the builder: whether there is one, and
// whether it answered when last asked. Readiness does not depend on it: a
// builder outage must not take the server out of its load balancer, or
// GitHub's deliveries fail (GitHub does not redeliver on its own). Jobs
// that run meanwhile are checked without builds and say so.
type builderState struct {
	mu      sync.RWMutex
	builder build.Builder
	ping    func(context.Context) error
	// configured: a builder is wanted (Options.Builder or ConnectBuilder);
	// false when the server builds nothing.
	configured bool
	up         bool
	err        string
	checked    time.Time
	since      time.Time // when up last changed
	upGauge    prometheus.Gauge
}

// builderStatus is a snapshot of builderState for the pages and logs.
type builderStatus struct {
	Configured bool      `json:"configured"`
	Up         bool      `json:"up"`
	Error      string    `json:"error,omitempty"`
	Checked    time.Time `json:"checked,omitzero"`
	Since      time.Time `json:"since,omitzero"`
}

// String is the status in one line: "ok", "down: …", "none (…)".
func (s builderStatus) String() string {
	switch {
	case !s.Configured:
		return "none (static and base-image checks only)"
	case s.Up:
		return "ok"
	case s.Error != "":
		return "down: " + s.Error + " (checked again every minute; jobs meanwhile run without builds)"
	}
	return "not checked yet"
}

// current returns the builder to use now: nil while there is none or it
// is down.
func (b *builderState) current() build.Builder {
	b.mu.RLock()
	defer b.mu.RUnlock()
	if !b.up {
		return nil
	}
	return b.builder
}

func (b *builderState) status() builderStatus {
	b.mu.RLock()
	defer b.mu.RUnlock()
	return builderStatus{Configured: b.configured, Up: b.up, Error: b.err, Checked: b.checked, Since: b.since}
}

// record stores the outcome of one look and returns whether up changed.
func (b *builderState) record(up bool, err error) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	changed := up != b.up || b.checked.IsZero()
	now := time.Now()
	if changed {
		b.since = now
	}
	b.up, b.checked, b.err = up, now, ""
	if err != nil {
		b.err = err.Error()
	}
	if b.upGauge != nil {
		v := 0.0
		if up {
			v = 1
		}
		b.upGauge.Set(v)
	}
	return changed
}

// checkBuilder looks at the builder once: it connects when there is none
// yet (Options.ConnectBuilder), else pings it. A change is logged.
func (a *App) checkBuilder(ctx context.Context) {
	b := &a.builders
	if !b.configured {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, builderCheckTimeout)
	defer cancel()
	b.mu.RLock()
	have, ping := b.builder, b.ping
	b.mu.RUnlock()
	var err error
	switch {
	case have == nil:
		var nb build.Builder
		var np func(context.Context) error
		nb, np, err = a.opts.ConnectBuilder(ctx)
		if err == nil {
			b.mu.Lock()
			b.builder, b.ping = nb, np
			b.mu.Unlock()
		}
	case ping != nil:
		err = ping(ctx)
	}
	if !b.record(err == nil, err) {
		return
	}
	if err != nil {
		a.log.Warn("the builder does not answer: jobs run without builds until it does (checked every minute)", "err", err)
		return
	}
	a.log.Info("the builder answers: images are built")
}

// watchBuilder looks at the builder every interval until ctx ends.
func (a *App) watchBuilder(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			a.checkBuilder(ctx)
		}
	}
}
