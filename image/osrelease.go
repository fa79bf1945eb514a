package image

import (
	"bufio"
	"bytes"
	"strings"
)

// OSRelease is the image's os-release (/etc/os-release, else
// /usr/lib/os-release).
type OSRelease struct {
	ID              string   `json:"id,omitempty"`
	IDLike          []string `json:"idLike,omitempty"`
	VersionID       string   `json:"versionId,omitempty"`
	VersionCodename string   `json:"versionCodename,omitempty"`
	Name            string   `json:"name,omitempty"`
	PrettyName      string   `json:"prettyName,omitempty"`
	// Path is the file read.
	Path string `json:"path,omitempty"`
}

// Family returns the ID and the ID_LIKE IDs, most specific first, for
// matching a distribution family ("ubuntu", "debian").
func (o OSRelease) Family() []string {
	if o.ID == "" {
		return o.IDLike
	}
	return append([]string{o.ID}, o.IDLike...)
}

func (d *detector) osRelease() {
	for _, p := range []string{"/etc/os-release", "/usr/lib/os-release"} {
		resolved, c := d.content(p)
		if c == nil {
			continue
		}
		kv := parseOSRelease(c.Data)
		d.f.OS = OSRelease{
			ID:              kv["ID"],
			IDLike:          strings.Fields(kv["ID_LIKE"]),
			VersionID:       kv["VERSION_ID"],
			VersionCodename: kv["VERSION_CODENAME"],
			Name:            kv["NAME"],
			PrettyName:      kv["PRETTY_NAME"],
			Path:            resolved,
		}
		return
	}
}

// parseOSRelease reads os-release's shell-like KEY=value lines: values may
// be double- or single-quoted, with backslash escapes in double quotes.
func parseOSRelease(data []byte) map[string]string {
	kv := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			continue
		}
		kv[strings.TrimSpace(k)] = unquoteShell(strings.TrimSpace(v))
	}
	return kv
}

func unquoteShell(v string) string {
	var b strings.Builder
	for i := 0; i < len(v); i++ {
		switch c := v[i]; c {
		case '\'':
			j := strings.IndexByte(v[i+1:], '\'')
			if j < 0 {
				b.WriteString(v[i+1:])
				return b.String()
			}
			b.WriteString(v[i+1 : i+1+j])
			i += j + 1
		case '"':
			i++
			for ; i < len(v) && v[i] != '"'; i++ {
				if v[i] == '\\' && i+1 < len(v) && strings.IndexByte("\"\\$`", v[i+1]) >= 0 {
					i++
				}
				b.WriteByte(v[i])
			}
		case '\\':
			if i+1 < len(v) {
				i++
				b.WriteByte(v[i])
			}
		case '#':
			if i == 0 || v[i-1] == ' ' || v[i-1] == '\t' {
				return strings.TrimSpace(b.String())
			}
			b.WriteByte(c)
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}
