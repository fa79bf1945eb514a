package image

import (
	"fmt"
	"sort"
	"strings"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// Facts is everything the image rules know of an image. It is built once
// per image from its config and layers, cached by image ID, and
// serialisable to JSON.
type Facts struct {
	// Reference is where the image was read from (with transport).
	Reference string `json:"reference,omitempty"`
	// Transport is the source kind.
	Transport Transport `json:"transport,omitempty"`
	// Read says how an engine image's layers crossed from the engine
	// (docker-daemon: only).
	Read *ReadInfo `json:"read,omitempty"`
	// Digest is the manifest digest when the source knows it cheaply.
	Digest string `json:"digest,omitempty"`
	// IndexDigest is the multi-platform index's digest, when the image was
	// picked from one whose digest the source knows.
	IndexDigest string `json:"indexDigest,omitempty"`
	// ID is the image ID: the digest of the config.
	ID string `json:"id"`
	// Platform is the image's platform, from its config.
	Platform Platform `json:"platform"`
	// Platforms are all the platforms of the index the image came from.
	Platforms []Platform `json:"platforms,omitempty"`
	// Created is the config's creation time.
	Created time.Time `json:"created,omitzero"`
	Config  Config    `json:"config"`
	OS      OSRelease `json:"os"`
	// PackageManager is the first of apt, apk, dnf, microdnf, yum, zypper
	// whose executable the image holds; empty if none.
	PackageManager string   `json:"packageManager,omitempty"`
	Libc           Libc     `json:"libc"`
	Busybox        *Busybox `json:"busybox,omitempty"`
	// Users and Groups are parsed from /etc/passwd and /etc/group.
	Users  []User  `json:"users,omitempty"`
	Groups []Group `json:"groups,omitempty"`
	// Sudoers are the user specifications of /etc/sudoers and
	// /etc/sudoers.d/*.
	Sudoers []SudoRule `json:"sudoers,omitempty"`
	CA      CAStore    `json:"ca"`
	// Size is the sum of the layers' uncompressed sizes.
	Size int64 `json:"size"`
	// CompressedSize is the sum of the layers' blob sizes, when known.
	CompressedSize int64   `json:"compressedSize,omitempty"`
	Layers         []Layer `json:"layers"`
	// Files is the final filesystem: every path (absolute, clean) with its
	// entry, including the layer that last wrote it.
	Files *FileIndex `json:"files,omitzero"`
	// Contents are the captures of the files matched by wants with Report
	// set, by path.
	Contents map[string]*Capture `json:"contents,omitempty"`
	// Warnings are what could not be read exactly (truncated captures,
	// odd tar entries), for a person to look at.
	Warnings []string `json:"warnings,omitempty"`
}

// Config is the part of the image config the rules judge.
type Config struct {
	User         string            `json:"user,omitempty"`
	Entrypoint   []string          `json:"entrypoint,omitempty"`
	Cmd          []string          `json:"cmd,omitempty"`
	Env          []string          `json:"env,omitempty"`
	WorkingDir   string            `json:"workingDir,omitempty"`
	Labels       map[string]string `json:"labels,omitempty"`
	Shell        []string          `json:"shell,omitempty"`
	ExposedPorts []string          `json:"exposedPorts,omitempty"`
	Volumes      []string          `json:"volumes,omitempty"`
	StopSignal   string            `json:"stopSignal,omitempty"`
}

// Getenv returns the value of key in the config's Env (the last one wins,
// as in Docker).
func (c Config) Getenv(key string) (string, bool) {
	val, found := "", false
	for _, kv := range c.Env {
		if k, v, ok := strings.Cut(kv, "="); ok && k == key {
			val, found = v, true
		}
	}
	return val, found
}

// DefaultPath is the PATH a container gets when its image sets none.
const DefaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

// SearchPath is the config's PATH, or DefaultPath when it sets none.
func (c Config) SearchPath() string {
	if p, ok := c.Getenv("PATH"); ok {
		return p
	}
	return DefaultPath
}

// Layer describes one layer of the image.
type Layer struct {
	DiffID string `json:"diffId"`
	// Digest and CompressedSize are the blob's, when the manifest is read.
	Digest         string `json:"digest,omitempty"`
	CompressedSize int64  `json:"compressedSize,omitempty"`
	// Size is the uncompressed tar stream's length.
	Size int64 `json:"size"`
	// Entries counts the layer's tar entries (whiteouts included).
	Entries int `json:"entries"`
	// CreatedBy is the history's command for the layer, when recorded.
	CreatedBy string `json:"createdBy,omitempty"`
}

func configFrom(cfg *v1.ConfigFile) Config {
	c := cfg.Config
	out := Config{
		User:       c.User,
		Entrypoint: c.Entrypoint,
		Cmd:        c.Cmd,
		Env:        c.Env,
		WorkingDir: c.WorkingDir,
		Labels:     c.Labels,
		Shell:      c.Shell,
		StopSignal: c.StopSignal,
	}
	for p := range c.ExposedPorts {
		out.ExposedPorts = append(out.ExposedPorts, p)
	}
	sort.Strings(out.ExposedPorts)
	for v := range c.Volumes {
		out.Volumes = append(out.Volumes, v)
	}
	sort.Strings(out.Volumes)
	return out
}

// buildFacts merges the layers and derives the facts from the merged
// filesystem and the captured files.
// It releases the layer indexes (sets the slice's elements to nil) as it
// merges them.
func buildFacts(id string, cfg *v1.ConfigFile, layers []*layerIndex, limits Limits, ws *wantSet) *Facts {
	var caps map[string]*Capture
	f := &Facts{
		ID:       id,
		Platform: platformFromConfig(cfg),
		Config:   configFrom(cfg),
	}
	if !cfg.Created.IsZero() {
		f.Created = cfg.Created.UTC()
	}
	var history []string
	for _, h := range cfg.History {
		if !h.EmptyLayer {
			history = append(history, h.CreatedBy)
		}
	}
	entries := 0
	for _, li := range layers {
		entries += li.Entries.len()
	}
	t := newTree(entries + 64)
	for i, li := range layers {
		l := Layer{DiffID: li.DiffID, Size: li.Size, Entries: li.Entries.len()}
		if len(history) == len(layers) {
			l.CreatedBy = history[i]
		}
		f.Layers = append(f.Layers, l)
		f.Size += li.Size
		for _, w := range li.Warnings {
			f.warn("layer %d: %s", i, w)
		}
		t.apply(i, li)
		layers[i] = nil // merged: the index keeps only the entries it uses
	}
	f.Files, caps = t.flatten()
	f.Warnings = append(f.Warnings, t.warnings...)
	d := &detector{f: f, caps: caps}
	d.osRelease()
	d.accounts()
	d.sudoers()
	d.libc()
	d.busybox()
	d.certificates(limits.MaxCertificates)
	d.packageManager()
	for p, c := range caps {
		if m, ok := ws.match(p); ok && m.report {
			if f.Contents == nil {
				f.Contents = map[string]*Capture{}
			}
			f.Contents[p] = c
		}
	}
	return f
}

func (f *Facts) warn(format string, args ...any) {
	if len(f.Warnings) < 4*maxWarnings {
		f.Warnings = append(f.Warnings, fmt.Sprintf(format, args...))
	}
}

// detector derives facts from the merged files and their captures.
type detector struct {
	f      *Facts
	caps   map[string]*Capture
	warned map[string]bool
}

// content returns the capture of the file p resolves to.
func (d *detector) content(p string) (string, *Capture) {
	resolved, file, err := d.f.resolve(p, true)
	if err != nil || file.Type != TypeFile {
		return "", nil
	}
	c := d.caps[resolved]
	if c != nil && c.Truncated && c.Data != nil && !d.warned[resolved] {
		if d.warned == nil {
			d.warned = map[string]bool{}
		}
		d.warned[resolved] = true
		d.f.warn("%s: only the first %d of %d bytes were read", resolved, len(c.Data), c.Size)
	}
	return resolved, c
}
