package app

import (
	"context"
	"log/slog"
)

// setupHandler adds `setup_missing` (what the app still lacks) to every log
// line while the app is not set up, so no line reads as if all were well.
type setupHandler struct {
	slog.Handler
	missing func() []string
}

// Handle adds the attribute when something is missing.
func (h setupHandler) Handle(ctx context.Context, r slog.Record) error {
	if m := h.missing(); len(m) > 0 {
		r = r.Clone()
		r.AddAttrs(slog.Any("setup_missing", m))
	}
	return h.Handler.Handle(ctx, r)
}

// WithAttrs keeps the wrapper.
func (h setupHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return setupHandler{Handler: h.Handler.WithAttrs(as), missing: h.missing}
}

// WithGroup keeps the wrapper.
func (h setupHandler) WithGroup(name string) slog.Handler {
	return setupHandler{Handler: h.Handler.WithGroup(name), missing: h.missing}
}
