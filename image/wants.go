package image

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"path"
	"regexp"
	"sort"
	"strings"
)

// Want declares files whose contents the reader captures while it streams
// the layers, as dockle's assessors declare the files they judge. Nothing
// else is read: every other entry contributes only its tar header.
type Want struct {
	// Pattern is an absolute path or a path.Match glob, matched against
	// the path as written in the layer ("/etc/sudoers.d/*").
	Pattern string
	// Keep keeps the file's content (up to MaxBytes).
	Keep bool
	// Markers are regular expressions searched in the content; the
	// distinct matches are kept. A match must be at most maxMarkerLen
	// bytes long.
	Markers []string
	// MaxBytes caps the bytes read from the file (and Limits.MaxFileRead
	// caps it further); 0 means Limits.MaxFileRead.
	MaxBytes int64
	// Report puts the capture of each matching file of the final
	// filesystem in Facts.Contents, for rules that judge files the facts do
	// not interpret. (DefaultWants do not set it: their files are
	// interpreted into the facts.)
	Report bool
}

// Capture is what was kept of a wanted file.
type Capture struct {
	// Data is the content (or its first MaxBytes) when the want keeps it.
	Data []byte
	// Markers are the distinct marker matches, sorted.
	Markers []string
	// Size is the file's size from its tar header.
	Size int64
	// Truncated is set when the file was longer than what was read.
	Truncated bool
}

// The locations Go's crypto/x509 reads on Linux (root_linux.go).
var (
	caBundleFiles = []string{
		"/etc/ssl/certs/ca-certificates.crt",
		"/etc/pki/tls/certs/ca-bundle.crt",
		"/etc/ssl/ca-bundle.pem",
		"/etc/pki/tls/cacert.pem",
		"/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem",
		"/etc/ssl/cert.pem",
	}
	caDirs = []string{"/etc/ssl/certs", "/etc/pki/tls/certs"}
)

// Marker expressions used by the facts.
const (
	markerGlibc   = `GNU C Library[^\x00\n]{0,120}?version [0-9]+\.[0-9]+`
	markerGlibcxx = `GLIBCXX_3\.4(?:\.[0-9]+)?`
	markerBusybox = `BusyBox v[0-9][0-9.]*`
	markerSSLCli  = `ssl_client`
	markerTLS     = `TLS %s from peer`
	markerOpenSSL = `s_client`
	maxMarkerLen  = 512
	textFileMax   = 1 << 20
	caFileMax     = 8 << 20
	binaryScanMax = 0 // Limits.MaxFileRead
)

// DefaultWants are the files the image rules need: passwd, group,
// os-release, sudoers, CA bundles and certificate directories, and the
// libc, libstdc++ and busybox binaries scanned for version markers.
func DefaultWants() []Want {
	w := []Want{
		{Pattern: "/etc/passwd", Keep: true, MaxBytes: textFileMax},
		{Pattern: "/etc/group", Keep: true, MaxBytes: textFileMax},
		{Pattern: "/etc/os-release", Keep: true, MaxBytes: 64 << 10},
		{Pattern: "/usr/lib/os-release", Keep: true, MaxBytes: 64 << 10},
		{Pattern: "/etc/sudoers", Keep: true, MaxBytes: textFileMax},
		{Pattern: "/etc/sudoers.d/*", Keep: true, MaxBytes: textFileMax},
	}
	for _, f := range caBundleFiles {
		w = append(w, Want{Pattern: f, Keep: true, MaxBytes: caFileMax})
	}
	for _, d := range caDirs {
		w = append(w, Want{Pattern: d + "/*", Keep: true, MaxBytes: caFileMax})
	}
	// Where update-ca-certificates' links in /etc/ssl/certs point.
	for _, p := range []string{"/usr/share/ca-certificates/*/*", "/usr/local/share/ca-certificates/*", "/usr/local/share/ca-certificates/*/*"} {
		w = append(w, Want{Pattern: p, Keep: true, MaxBytes: caFileMax})
	}
	for _, dir := range []string{"/lib*/", "/lib*/*/", "/usr/lib*/", "/usr/lib*/*/"} {
		w = append(w,
			Want{Pattern: dir + "libc.so.6", Markers: []string{markerGlibc}, MaxBytes: binaryScanMax},
			Want{Pattern: dir + "libstdc++.so.6*", Markers: []string{markerGlibcxx}, MaxBytes: binaryScanMax},
		)
	}
	for _, p := range []string{"/bin/busybox", "/usr/bin/busybox", "/sbin/busybox", "/usr/sbin/busybox", "/bin/busybox.static"} {
		w = append(w, Want{Pattern: p, Markers: []string{markerBusybox, markerSSLCli, markerTLS, markerOpenSSL}, MaxBytes: binaryScanMax})
	}
	return w
}

// wantSet is a compiled []Want with a fast pre-filter: most tar entries are
// rejected by a map lookup or a prefix comparison.
type wantSet struct {
	wants   []Want
	res     [][]*regexp.Regexp
	exact   map[string][]int
	globs   []globWant
	maxRead int64
	key     string
}

type globWant struct {
	pattern string
	dirLit  string // literal prefix of the pattern
	baseLit string // literal prefix of the last element
	idx     int
}

// wantMatch is what to do with one entry.
type wantMatch struct {
	keep    bool
	report  bool
	max     int64
	markers []*regexp.Regexp
}

const globMeta = `*?[\`

// compileWants compiles the wants; the key it computes names everything
// that changes what a layer index or the facts hold (the wants and the
// limits that shape captures), so cached entries made under other settings
// are not used.
func compileWants(wants []Want, limits Limits) (*wantSet, error) {
	maxRead := limits.MaxFileRead
	s := &wantSet{wants: wants, exact: map[string][]int{}, maxRead: maxRead}
	h := sha256.New()
	_, _ = fmt.Fprintf(h, "maxRead=%d maxCapture=%d maxCerts=%d\n", maxRead, limits.MaxCaptureBytes, limits.MaxCertificates)
	for i, w := range wants {
		if !strings.HasPrefix(w.Pattern, "/") {
			return nil, fmt.Errorf("want %q: pattern must be absolute", w.Pattern)
		}
		if _, err := path.Match(w.Pattern, "/"); err != nil {
			return nil, fmt.Errorf("want %q: %w", w.Pattern, err)
		}
		var res []*regexp.Regexp
		for _, m := range w.Markers {
			re, err := regexp.Compile(m)
			if err != nil {
				return nil, fmt.Errorf("want %q: marker %q: %w", w.Pattern, m, err)
			}
			res = append(res, re)
		}
		s.res = append(s.res, res)
		_, _ = fmt.Fprintf(h, "%s\x00%v\x00%d\x00%v\x00%s\n", w.Pattern, w.Keep, w.MaxBytes, w.Report, strings.Join(w.Markers, "\x00"))
		if !strings.ContainsAny(w.Pattern, globMeta) {
			s.exact[w.Pattern] = append(s.exact[w.Pattern], i)
			continue
		}
		g := globWant{pattern: w.Pattern, idx: i}
		if j := strings.IndexAny(w.Pattern, globMeta); j >= 0 {
			g.dirLit = w.Pattern[:j]
		}
		base := path.Base(w.Pattern)
		if j := strings.IndexAny(base, globMeta); j >= 0 {
			g.baseLit = base[:j]
		} else {
			g.baseLit = base
		}
		s.globs = append(s.globs, g)
	}
	s.key = hex.EncodeToString(h.Sum(nil))[:16]
	return s, nil
}

// match returns what to capture of the file at p (an absolute clean path).
func (s *wantSet) match(p string) (wantMatch, bool) {
	var m wantMatch
	found := false
	add := func(i int) {
		w := s.wants[i]
		found = true
		m.keep = m.keep || w.Keep
		m.report = m.report || w.Report
		max := w.MaxBytes
		if max <= 0 || max > s.maxRead {
			max = s.maxRead
		}
		if max > m.max {
			m.max = max
		}
		m.markers = append(m.markers, s.res[i]...)
	}
	for _, i := range s.exact[p] {
		add(i)
	}
	if len(s.globs) > 0 {
		base := p[strings.LastIndexByte(p, '/')+1:]
		for _, g := range s.globs {
			if !strings.HasPrefix(p, g.dirLit) || !strings.HasPrefix(base, g.baseLit) {
				continue
			}
			if ok, _ := path.Match(g.pattern, p); ok {
				add(g.idx)
			}
		}
	}
	return m, found
}

// capture reads a wanted file's content from r (the tar entry) as m says.
func capture(r io.Reader, size int64, m wantMatch) (*Capture, error) {
	c := &Capture{Size: size, Truncated: size > m.max}
	lr := io.LimitReader(r, m.max)
	if m.keep {
		n := size
		if n > m.max {
			n = m.max
		}
		buf := bytes.NewBuffer(make([]byte, 0, n))
		if _, err := io.Copy(buf, lr); err != nil {
			return nil, err
		}
		c.Data = buf.Bytes()
		if len(m.markers) > 0 {
			c.Markers = findMarkers(c.Data, m.markers, nil, true)
		}
		return c, nil
	}
	found, err := scanMarkers(lr, m.markers)
	if err != nil {
		return nil, err
	}
	c.Markers = found
	return c, nil
}

// scanMarkers searches a stream in chunks that overlap by maxMarkerLen, so
// a binary of any size is scanned in constant memory.
func scanMarkers(r io.Reader, res []*regexp.Regexp) ([]string, error) {
	const chunk = 256 << 10
	buf := make([]byte, maxMarkerLen+chunk)
	set := map[string]struct{}{}
	carry := 0
	for {
		n, err := io.ReadFull(r, buf[carry:])
		data := buf[:carry+n]
		final := errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF)
		if err != nil && !final {
			return nil, err
		}
		collectMarkers(data, res, set, final)
		if final {
			break
		}
		copy(buf, data[len(data)-maxMarkerLen:])
		carry = maxMarkerLen
	}
	return sortedKeys(set), nil
}

func findMarkers(data []byte, res []*regexp.Regexp, set map[string]struct{}, final bool) []string {
	if set == nil {
		set = map[string]struct{}{}
	}
	collectMarkers(data, res, set, final)
	return sortedKeys(set)
}

// collectMarkers adds the matches in data. Unless this is the final chunk,
// a match starting in the trailing overlap is left for the next chunk,
// which sees it whole.
func collectMarkers(data []byte, res []*regexp.Regexp, set map[string]struct{}, final bool) {
	limit := len(data)
	if !final {
		limit -= maxMarkerLen
	}
	for _, re := range res {
		for _, loc := range re.FindAllIndex(data, -1) {
			if loc[0] >= limit {
				break
			}
			set[string(data[loc[0]:loc[1]])] = struct{}{}
		}
	}
}

func sortedKeys(set map[string]struct{}) []string {
	if len(set) == 0 {
		return nil
	}
	out := make([]string, 0, len(set))
	for k := range set {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
