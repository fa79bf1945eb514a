package image

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// rawLayer is a layer blob given as bytes, valid or not, with a made-up
// DiffID: what a broken or hostile registry could serve.
type rawLayer struct{ data []byte }

func (l rawLayer) Digest() (v1.Hash, error) {
	sum := sha256.Sum256(l.data)
	return v1.Hash{Algorithm: "sha256", Hex: hex.EncodeToString(sum[:])}, nil
}
func (l rawLayer) DiffID() (v1.Hash, error) {
	sum := sha256.Sum256(append([]byte("diff"), l.data...))
	return v1.Hash{Algorithm: "sha256", Hex: hex.EncodeToString(sum[:])}, nil
}
func (l rawLayer) Compressed() (io.ReadCloser, error) {
	return io.NopCloser(bytes.NewReader(l.data)), nil
}
func (l rawLayer) Uncompressed() (io.ReadCloser, error) {
	return nil, errors.New("rawLayer: not uncompressed")
}
func (l rawLayer) Size() (int64, error)                { return int64(len(l.data)), nil }
func (l rawLayer) MediaType() (types.MediaType, error) { return types.DockerLayer, nil }

// bomb is a small gzip that expands to n bytes of zeros in one file.
func bomb(t testing.TB, n int64) []byte {
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	tw := tar.NewWriter(zw)
	if err := tw.WriteHeader(&tar.Header{Name: "zeros", Typeflag: tar.TypeReg, Mode: 0o644, Size: n}); err != nil {
		t.Fatal(err)
	}
	zeros := make([]byte, 1<<20)
	for w := int64(0); w < n; w += int64(len(zeros)) {
		if _, err := tw.Write(zeros[:min(int64(len(zeros)), n-w)]); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestBrokenLayers(t *testing.T) {
	good := gzipBytes(t, tarBytes(t, file("etc/passwd", rootPasswd), file("etc/group", rootGroup)))
	corrupt := bytes.Clone(good)
	for i := 20; i < len(corrupt)-20; i += 7 {
		corrupt[i] ^= 0x5a
	}
	full := tarBytes(t, file("etc/a", strings.Repeat("x", 4096)), file("etc/b", "b"))
	truncated := gzipBytes(t, full[:1024])
	many := make([]ent, 50)
	for i := range many {
		many[i] = file(fmt.Sprintf("f/%d", i), "")
	}
	bombLayer := bomb(t, 64<<20)
	if len(bombLayer) > 1<<20 {
		t.Fatalf("bomb is %d bytes; want a small one", len(bombLayer))
	}
	cases := []struct {
		name   string
		blob   []byte
		limits Limits
		want   string
		is     error
	}{
		{"corrupt gzip", corrupt, Limits{}, "gzip: flate: corrupt input", nil},
		{"truncated tar", truncated, Limits{}, "tar: truncated: unexpected EOF", nil},
		{"escaping name", gzipBytes(t, tarBytes(t, file("../../etc/evil", "x"))), Limits{}, `"../../etc/evil" escapes the image root`, nil},
		{"escaping hard link", gzipBytes(t, tarBytes(t, hardlink("etc/x", "../../etc/shadow"))), Limits{}, "escapes the image root", nil},
		{"decompression bomb", bombLayer, Limits{MaxBytes: 8 << 20}, "uncompressed size passes 8388608 bytes", ErrLimit},
		{"too many entries", gzipBytes(t, tarBytes(t, many...)), Limits{MaxEntries: 20}, "more than 20 entries", ErrLimit},
		{"not a tar", gzipBytes(t, []byte(strings.Repeat("not a tar ", 100))), Limits{}, "tar:", nil},
	}
	reg := testRegistry(t)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			base := layer(t, file("etc/os-release", debianOSRel))
			ref := reg + "/test/broken:" + strings.ReplaceAll(c.name, " ", "-")
			push(t, ref, img(t, "linux/amd64", v1.Config{}, base, rawLayer{c.blob}))
			_, err := Inspect(t.Context(), ref, Options{Limits: c.limits})
			if err == nil {
				t.Fatal("no error")
			}
			if !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), "read layer 1 (sha256:") {
				t.Errorf("error %q; want it to name layer 1 and say %q", err, c.want)
			}
			t.Log(err)
			if c.is != nil && !errors.Is(err, c.is) {
				t.Errorf("error %v is not %v", err, c.is)
			}
		})
	}
}

// TestDigestMismatch serves another blob than the one the manifest names.
func TestDigestMismatch(t *testing.T) {
	real := quietRegistry()
	honest := gzipBytes(t, tarBytes(t, file("etc/passwd", rootPasswd)))
	// The same length and a valid gzip (only the header's MTIME differs),
	// so only the digest check can catch it.
	evil := bytes.Clone(honest)
	evil[4] ^= 0xff
	d, _ := rawLayer{honest}.Digest()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet && strings.HasSuffix(r.URL.Path, "/blobs/"+d.String()) {
			w.Header().Set("Content-Length", fmt.Sprint(len(evil)))
			_, _ = w.Write(evil)
			return
		}
		real.ServeHTTP(w, r)
	}))
	defer srv.Close()
	ref := strings.TrimPrefix(srv.URL, "http://") + "/test/tampered:1"
	push(t, ref, img(t, "linux/amd64", v1.Config{}, rawLayer{honest}))
	_, err := Inspect(t.Context(), ref, Options{})
	if err == nil || !strings.Contains(err.Error(), "read layer 0 ("+d.String()+")") || !strings.Contains(err.Error(), "sha256") {
		t.Fatalf("error %v; want a digest mismatch naming layer 0", err)
	}
	t.Log(err)
}
