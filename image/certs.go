package image

import (
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"path"
	"strings"
	"time"
)

// CAStore is the trust store Go's crypto/x509 (and so the Coder agent)
// would load in the image: the first CA bundle file found, plus the
// certificate directories, or what SSL_CERT_FILE / SSL_CERT_DIR in the
// config's Env name instead.
type CAStore struct {
	// Bundle is the bundle file read ("" when there is none).
	Bundle string `json:"bundle,omitempty"`
	// Dirs are the certificate directories that exist.
	Dirs []string `json:"dirs,omitempty"`
	// Certificates are the distinct certificates found, in load order.
	Certificates []Certificate `json:"certificates,omitempty"`
	// Truncated is set when Limits.MaxCertificates stopped the list.
	Truncated bool `json:"truncated,omitempty"`
	// Unread counts files in the directories whose content was not
	// captured (links to places outside the wanted paths).
	Unread int `json:"unread,omitempty"`
	// SSLCertFile and SSLCertDir are the config's overrides, when set.
	SSLCertFile string `json:"sslCertFile,omitempty"`
	SSLCertDir  string `json:"sslCertDir,omitempty"`
}

// Certificate is one trusted certificate.
type Certificate struct {
	Subject string `json:"subject"`
	// SHA256 is the fingerprint of the DER encoding, lowercase hex.
	SHA256   string    `json:"sha256"`
	NotAfter time.Time `json:"notAfter"`
	// File is where it was first found.
	File string `json:"file"`
}

// HasCertificate reports whether the trust store holds the certificate
// with this SHA-256 fingerprint (hex, any case, colons allowed).
func (f *Facts) HasCertificate(fingerprint string) bool {
	want := strings.ToLower(strings.NewReplacer(":", "", " ", "").Replace(fingerprint))
	for _, c := range f.CA.Certificates {
		if c.SHA256 == want {
			return true
		}
	}
	return false
}

func (d *detector) certificates(max int) {
	st := &d.f.CA
	bundles, dirs := caBundleFiles, caDirs
	if v, ok := d.f.Config.Getenv("SSL_CERT_FILE"); ok && v != "" {
		st.SSLCertFile = v
		bundles = []string{v}
	}
	if v, ok := d.f.Config.Getenv("SSL_CERT_DIR"); ok && v != "" {
		st.SSLCertDir = v
		dirs = strings.Split(v, ":")
	}
	seen := map[string]bool{}
	add := func(file string, data []byte) {
		for len(data) > 0 {
			var block *pem.Block
			block, data = pem.Decode(data)
			if block == nil {
				return
			}
			// As x509.CertPool.AppendCertsFromPEM: only plain CERTIFICATE blocks.
			if block.Type != "CERTIFICATE" || len(block.Headers) != 0 {
				continue
			}
			cert, err := x509.ParseCertificate(block.Bytes)
			if err != nil {
				continue
			}
			sum := sha256.Sum256(block.Bytes)
			fp := hex.EncodeToString(sum[:])
			if seen[fp] {
				continue
			}
			if len(st.Certificates) >= max {
				st.Truncated = true
				return
			}
			seen[fp] = true
			st.Certificates = append(st.Certificates, Certificate{
				Subject: cert.Subject.String(), SHA256: fp, NotAfter: cert.NotAfter.UTC(), File: file,
			})
		}
	}
	for _, b := range bundles {
		if _, c := d.content(b); c != nil {
			st.Bundle = b
			add(b, c.Data)
			break
		} else if file, ok := d.f.Stat(b); ok && file.Type == TypeFile {
			// There, but its content was not captured (an override
			// outside the wanted paths): say so rather than guess.
			st.Bundle = b
			d.f.warn("CA bundle %s was not read (not a wanted path)", b)
			break
		}
	}
	for _, dir := range dirs {
		names, ok := d.f.ReadDir(dir)
		if !ok {
			continue
		}
		st.Dirs = append(st.Dirs, dir)
		for _, n := range names {
			p := path.Join(dir, n)
			// Go skips links to files of the same directory (the hash
			// links update-ca-certificates makes).
			if lf, ok := d.f.Lstat(p); ok && lf.Type == TypeSymlink && !strings.Contains(lf.Link, "/") {
				continue
			}
			if _, c := d.content(p); c != nil {
				add(p, c.Data)
			} else if file, ok := d.f.Stat(p); ok && file.Type == TypeFile {
				st.Unread++
			}
		}
	}
}
