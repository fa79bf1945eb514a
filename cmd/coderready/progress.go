package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"time"

	"golang.org/x/term"
)

// progressPrinter writes one line per slow step of each target to w (the
// build and image reads a scan waits on), so a long `check` is not silent:
//
//	coderready: .devcontainer/devcontainer.json: building
//	coderready: .devcontainer/devcontainer.json: done in 41.2s
type progressPrinter struct {
	w     io.Writer
	mu    sync.Mutex
	start map[string]time.Time
}

// newProgress returns the printer --progress asks for, or nil: "plain"
// always prints, "none" never, "auto" when w is a terminal.
func newProgress(mode string, w io.Writer) (*progressPrinter, error) {
	switch mode {
	case "none":
		return nil, nil
	case "plain":
	case "auto":
		f, ok := w.(*os.File)
		if !ok || !term.IsTerminal(int(f.Fd())) {
			return nil, nil
		}
	default:
		return nil, fmt.Errorf("--progress %q: want auto, plain or none", mode)
	}
	return &progressPrinter{w: w, start: map[string]time.Time{}}, nil
}

// under returns scan's Options.Progress for a scan of arg (a folder or a
// file): target paths, relative to the scanned folder, are printed as the
// report prints them.
func (p *progressPrinter) under(arg string) func(target, stage string) {
	dir := arg
	if fi, err := os.Stat(arg); err == nil && !fi.IsDir() {
		dir = filepath.Dir(arg)
	}
	return func(target, stage string) {
		p.stage(filepath.Join(dir, filepath.FromSlash(target)), stage)
	}
}

// stage prints target's stage when it is worth a line.
func (p *progressPrinter) stage(target, stage string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	switch stage {
	case "planning":
		p.start[target] = time.Now()
	case "reading base image", "building", "reading image":
		_, _ = fmt.Fprintf(p.w, "coderready: %s: %s\n", target, stage)
	case "done":
		if t, ok := p.start[target]; ok {
			_, _ = fmt.Fprintf(p.w, "coderready: %s: done in %s\n", target, time.Since(t).Round(100*time.Millisecond))
		}
	}
}
