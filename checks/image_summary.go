package checks

import (
	"github.com/coderready/coderready/image"
)

// ImageSummary is what a person wants to know of an image at a glance; the
// text, JSON and (later) check-run renderers print it. It is derived from
// image.Facts and small enough to keep with every result.
type ImageSummary struct {
	Ref       string   `json:"ref"`
	ID        string   `json:"id,omitempty"`
	Digest    string   `json:"digest,omitempty"`
	Platform  string   `json:"platform"`
	Platforms []string `json:"platforms,omitempty"`
	OS        string   `json:"os,omitempty"`
	// PackageManager is apt, apk, dnf, microdnf, yum or zypper ("" if none).
	PackageManager string `json:"package_manager,omitempty"`
	// Libc is "glibc 2.36", "musl" or "none".
	Libc string `json:"libc"`
	// User is the config user ("" means root).
	User string `json:"user"`
	// DownloadTool is what the Coder agent bootstrap would use: the path of
	// curl, wget or busybox, the first found in that order ("" if none).
	DownloadTool string `json:"download_tool,omitempty"`
	// Tools maps tool names (git, bash, sh, ssh, jq, sudo, docker, ...) to
	// the path found on PATH; tools not found are absent.
	Tools map[string]string `json:"tools"`
	// CACertificates counts the distinct certificates in the trust store.
	CACertificates int          `json:"ca_certificates"`
	CABundle       string       `json:"ca_bundle,omitempty"`
	Size           int64        `json:"size"`
	Layers         []ImageLayer `json:"layers"`
}

// ImageLayer is one layer's size and the command that made it.
type ImageLayer struct {
	DiffID    string `json:"diff_id"`
	Size      int64  `json:"size"`
	CreatedBy string `json:"created_by,omitempty"`
}

// SummaryTools are the tools an ImageSummary looks up.
var SummaryTools = []string{"sh", "bash", "zsh", "git", "ssh", "jq", "sudo", "tar", "gzip", "docker", "code-server"}

// SummarizeImage derives the summary from facts.
func SummarizeImage(ref string, f *image.Facts) *ImageSummary {
	s := &ImageSummary{
		Ref:            ref,
		ID:             f.ID,
		Digest:         f.Digest,
		Platform:       f.Platform.String(),
		OS:             f.OS.PrettyName,
		PackageManager: f.PackageManager,
		Libc:           f.Libc.Kind,
		User:           f.Config.User,
		Tools:          map[string]string{},
		CACertificates: len(f.CA.Certificates),
		CABundle:       f.CA.Bundle,
		Size:           f.Size,
	}
	if s.OS == "" {
		s.OS = f.OS.ID
	}
	if f.Libc.Kind == image.LibcGlibc && f.Libc.Version != "" {
		s.Libc += " " + f.Libc.Version
	}
	for _, p := range f.Platforms {
		s.Platforms = append(s.Platforms, p.String())
	}
	for _, t := range []string{"curl", "wget", "busybox"} {
		if p, ok := f.LookPath(t); ok {
			s.DownloadTool = p
			break
		}
	}
	for _, t := range SummaryTools {
		if p, ok := f.LookPath(t); ok {
			s.Tools[t] = p
		}
	}
	for _, l := range f.Layers {
		s.Layers = append(s.Layers, ImageLayer{DiffID: l.DiffID, Size: l.Size, CreatedBy: l.CreatedBy})
	}
	return s
}
