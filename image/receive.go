package image

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// receiveRepo is the one repository the engine pushes to. One fixed name
// keeps the engine's record of what it pushed where (its v2metadata, one
// entry per layer and repository) from growing with every read; reads
// are told apart by their tags.
const receiveRepo = "coderready/receive"

// receiver is the registry the engine pushes an image to when coderready
// reads it by push. It implements the part of the registry API the Docker
// engine's push uses (the /v2/ ping, blob HEAD, uploads by POST, PATCH and
// PUT including cross-repository mounts, manifest PUT) and nothing else:
// blobs are never served back.
//
// A blob HEAD is answered "have" only for a compressed digest the receiver
// verified before (received in this process, or recorded in the
// receiveStore) whose layer index is in the cache: the engine then skips
// the layer. Every uploaded blob is indexed while it streams in (its
// compressed bytes hashed, decompressed, its tar indexed and hashed), and
// kept only as that index: after the upload's digest is checked, the index
// is cached under the DiffID computed from the content and the blob's
// digest recorded. A blob whose bytes do not hash to the digest the engine
// names is refused and nothing of it is kept.
type receiver struct {
	c      *cache
	store  *receiveStore
	ws     *wantSet
	limits Limits

	mu        sync.Mutex
	uploads   map[string]*upload
	blobs     map[v1.Hash]*receivedBlob
	manifests map[string]*receivedManifest
	observers map[int]func(ReceiveEvent)
	nextObs   int
}

// ReceiveEvent is one thing the receiver did for the engine, in order:
// the receiver's own record of what crossed.
type ReceiveEvent struct {
	// Kind is "have" (a blob HEAD answered present), "miss" (absent),
	// "mount" (a cross-repository mount accepted), "upload" (a blob
	// received and verified), "refused" (an upload refused) or "manifest".
	Kind   string
	Digest string
	// Size is the blob's size as stored (uploads, haves).
	Size int64
	// DiffID is the layer's DiffID, when the blob is a layer.
	DiffID string
	// Err says why an upload was refused.
	Err string
}

// receivedBlob is a blob uploaded in this receiver's lifetime: a layer's
// index or, for a small non-tar blob (the config), its bytes.
type receivedBlob struct {
	size  int64
	layer *layerIndex
	small []byte
}

type receivedManifest struct {
	raw       []byte
	digest    v1.Hash
	mediaType string
}

// upload is one blob upload in progress: the bytes PATCHed and PUT go
// through a pipe to consume, which indexes them.
type upload struct {
	mu     sync.Mutex // one request at a time writes to the pipe
	pw     *io.PipeWriter
	n      int64
	done   chan struct{}
	result uploadResult
}

type uploadResult struct {
	digest v1.Hash
	size   int64
	layer  *layerIndex
	small  []byte
	err    error
}

func newReceiver(c *cache, store *receiveStore, ws *wantSet, limits Limits) *receiver {
	return &receiver{c: c, store: store, ws: ws, limits: limits,
		uploads: map[string]*upload{}, blobs: map[v1.Hash]*receivedBlob{}, manifests: map[string]*receivedManifest{}}
}

// observe calls f with every event until the returned function is
// called.
func (r *receiver) observe(f func(ReceiveEvent)) (stop func()) {
	if f == nil {
		return func() {}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.observers == nil {
		r.observers = map[int]func(ReceiveEvent){}
	}
	id := r.nextObs
	r.nextObs++
	r.observers[id] = f
	return func() {
		r.mu.Lock()
		delete(r.observers, id)
		r.mu.Unlock()
	}
}

func (r *receiver) record(e ReceiveEvent) {
	r.mu.Lock()
	obs := make([]func(ReceiveEvent), 0, len(r.observers))
	for _, f := range r.observers {
		obs = append(obs, f)
	}
	r.mu.Unlock()
	for _, f := range obs {
		f(e)
	}
}

// have reports whether the blob d is known with its layer indexed, and
// its size as stored.
func (r *receiver) have(d v1.Hash) (int64, bool) {
	r.mu.Lock()
	b := r.blobs[d]
	r.mu.Unlock()
	if b != nil {
		return b.size, true
	}
	rec, ok := r.store.blob(d)
	if !ok || !r.c.hasLayer(rec.DiffID) {
		return 0, false
	}
	return rec.Size, true
}

// close ends the uploads still open (the engine gave up on them).
func (r *receiver) close() {
	r.mu.Lock()
	defer r.mu.Unlock()
	for id, u := range r.uploads {
		_ = u.pw.CloseWithError(errors.New("the receiver closed"))
		delete(r.uploads, id)
	}
}

func (r *receiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	w.Header().Set("Docker-Distribution-API-Version", "registry/2.0")
	p := req.URL.Path
	if p == "/v2/" || p == "/v2" {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte("{}"))
		return
	}
	rest, ok := strings.CutPrefix(p, "/v2/")
	if !ok {
		regError(w, http.StatusNotFound, "NOT_FOUND", "not a registry path")
		return
	}
	if i := strings.LastIndex(rest, "/blobs/uploads"); i > 0 {
		id := strings.Trim(rest[i+len("/blobs/uploads"):], "/")
		r.serveUpload(w, req, rest[:i], id)
		return
	}
	if i := strings.LastIndex(rest, "/blobs/"); i > 0 {
		r.serveBlob(w, req, rest[i+len("/blobs/"):])
		return
	}
	if i := strings.LastIndex(rest, "/manifests/"); i > 0 {
		r.serveManifest(w, req, rest[:i], rest[i+len("/manifests/"):])
		return
	}
	regError(w, http.StatusNotFound, "NOT_FOUND", "not a registry path")
}

// regError writes an error as the registry API spells it.
func regError(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{"errors": []map[string]string{{"code": code, "message": msg}}})
}

func (r *receiver) serveBlob(w http.ResponseWriter, req *http.Request, digest string) {
	d, err := v1.NewHash(digest)
	if err != nil {
		regError(w, http.StatusBadRequest, "DIGEST_INVALID", err.Error())
		return
	}
	if req.Method != http.MethodHead && req.Method != http.MethodGet {
		regError(w, http.StatusMethodNotAllowed, "UNSUPPORTED", "blobs are only asked about")
		return
	}
	size, ok := r.have(d)
	if !ok || req.Method == http.MethodGet {
		// Blobs are never served back: a GET is answered as unknown.
		r.record(ReceiveEvent{Kind: "miss", Digest: d.String()})
		regError(w, http.StatusNotFound, "BLOB_UNKNOWN", "blob unknown to the receiver")
		return
	}
	r.record(ReceiveEvent{Kind: "have", Digest: d.String(), Size: size})
	w.Header().Set("Content-Length", strconv.FormatInt(size, 10))
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Docker-Content-Digest", d.String())
	w.WriteHeader(http.StatusOK)
}

func (r *receiver) serveUpload(w http.ResponseWriter, req *http.Request, repo, id string) {
	if id == "" {
		if req.Method != http.MethodPost {
			regError(w, http.StatusMethodNotAllowed, "UNSUPPORTED", "start an upload with POST")
			return
		}
		r.startUpload(w, req, repo)
		return
	}
	r.mu.Lock()
	u := r.uploads[id]
	r.mu.Unlock()
	if u == nil {
		regError(w, http.StatusNotFound, "BLOB_UPLOAD_UNKNOWN", "no such upload")
		return
	}
	loc := "/v2/" + repo + "/blobs/uploads/" + id
	switch req.Method {
	case http.MethodGet:
		u.mu.Lock()
		n := u.n
		u.mu.Unlock()
		uploadHeaders(w, loc, id, n)
		w.WriteHeader(http.StatusNoContent)
	case http.MethodPatch:
		n, err := u.write(req.Body)
		if err != nil {
			r.abort(id, u, err)
			regError(w, http.StatusBadRequest, "BLOB_UPLOAD_INVALID", err.Error())
			return
		}
		uploadHeaders(w, loc, id, n)
		w.WriteHeader(http.StatusAccepted)
	case http.MethodPut:
		r.finishUpload(w, req, repo, id, u)
	case http.MethodDelete:
		r.abort(id, u, errors.New("cancelled"))
		w.WriteHeader(http.StatusNoContent)
	default:
		regError(w, http.StatusMethodNotAllowed, "UNSUPPORTED", req.Method)
	}
}

func uploadHeaders(w http.ResponseWriter, loc, id string, n int64) {
	w.Header().Set("Location", loc)
	w.Header().Set("Docker-Upload-UUID", id)
	end := n - 1
	if end < 0 {
		end = 0
	}
	w.Header().Set("Range", fmt.Sprintf("0-%d", end))
	w.Header().Set("Content-Length", "0")
}

func (r *receiver) startUpload(w http.ResponseWriter, req *http.Request, repo string) {
	q := req.URL.Query()
	if m := q.Get("mount"); m != "" {
		if d, err := v1.NewHash(m); err == nil {
			if size, ok := r.have(d); ok {
				r.record(ReceiveEvent{Kind: "mount", Digest: d.String(), Size: size})
				w.Header().Set("Location", "/v2/"+repo+"/blobs/"+d.String())
				w.Header().Set("Docker-Content-Digest", d.String())
				w.Header().Set("Content-Length", "0")
				w.WriteHeader(http.StatusCreated)
				return
			}
		}
	}
	var idb [16]byte
	_, _ = rand.Read(idb[:])
	id := hex.EncodeToString(idb[:])
	pr, pw := io.Pipe()
	u := &upload{pw: pw, done: make(chan struct{})}
	go func() {
		u.result = r.consume(context.Background(), pr)
		// Whatever the indexer did not read fails the writer, with the
		// indexer's error when it stopped on one.
		err := u.result.err
		if err == nil {
			err = errors.New("the upload's content ended")
		}
		_ = pr.CloseWithError(err)
		close(u.done)
	}()
	r.mu.Lock()
	r.uploads[id] = u
	r.mu.Unlock()
	loc := "/v2/" + repo + "/blobs/uploads/" + id
	if d := q.Get("digest"); d != "" {
		// A monolithic upload: POST with the whole blob.
		r.finishUpload(w, req, repo, id, u)
		return
	}
	uploadHeaders(w, loc, id, 0)
	w.WriteHeader(http.StatusAccepted)
}

// write copies a request body into the upload's pipe.
func (u *upload) write(body io.Reader) (int64, error) {
	u.mu.Lock()
	defer u.mu.Unlock()
	n, err := io.Copy(u.pw, body)
	u.n += n
	if err != nil {
		// The indexer's error, when it stopped reading, says more.
		select {
		case <-u.done:
			if u.result.err != nil {
				err = u.result.err
			}
		default:
		}
	}
	return u.n, err
}

func (r *receiver) abort(id string, u *upload, err error) {
	r.mu.Lock()
	delete(r.uploads, id)
	r.mu.Unlock()
	_ = u.pw.CloseWithError(err)
	<-u.done
}

// finishUpload takes the last bytes of an upload (PUT ?digest=), waits for
// its index, checks the digest and keeps the blob.
func (r *receiver) finishUpload(w http.ResponseWriter, req *http.Request, repo, id string, u *upload) {
	want, err := v1.NewHash(req.URL.Query().Get("digest"))
	if err != nil {
		r.abort(id, u, err)
		regError(w, http.StatusBadRequest, "DIGEST_INVALID", "the upload names no valid digest: "+err.Error())
		return
	}
	if _, err := u.write(req.Body); err != nil {
		r.abort(id, u, err)
		r.record(ReceiveEvent{Kind: "refused", Digest: want.String(), Err: err.Error()})
		regError(w, http.StatusBadRequest, "BLOB_UPLOAD_INVALID", err.Error())
		return
	}
	_ = u.pw.Close()
	<-u.done
	r.mu.Lock()
	delete(r.uploads, id)
	r.mu.Unlock()
	res := u.result
	if res.err == nil && res.digest != want {
		res.err = &DigestError{What: "blob digest", Expected: want.String(), Got: res.digest.String()}
	}
	if res.err != nil {
		r.record(ReceiveEvent{Kind: "refused", Digest: want.String(), Err: res.err.Error()})
		code := "BLOB_UPLOAD_INVALID"
		if errors.Is(res.err, ErrDigestMismatch) {
			code = "DIGEST_INVALID"
		}
		regError(w, http.StatusBadRequest, code, res.err.Error())
		return
	}
	b := &receivedBlob{size: res.size, layer: res.layer, small: res.small}
	ev := ReceiveEvent{Kind: "upload", Digest: want.String(), Size: res.size}
	if res.layer != nil {
		// Only now is the index known to be the content's, and the blob to
		// be the digest's: cache the index, then say where it came from.
		r.c.putLayer(res.layer)
		r.store.putBlob(want, blobRecord{DiffID: res.layer.DiffID, Size: res.size})
		ev.DiffID = res.layer.DiffID
	}
	r.mu.Lock()
	r.blobs[want] = b
	r.mu.Unlock()
	r.record(ev)
	w.Header().Set("Location", "/v2/"+repo+"/blobs/"+want.String())
	w.Header().Set("Docker-Content-Digest", want.String())
	w.Header().Set("Content-Length", "0")
	w.WriteHeader(http.StatusCreated)
}

// consume reads an upload's content as it arrives: a blob that starts like
// JSON (a config) and is small is kept whole; anything else is a layer and
// is indexed, its DiffID computed from the decompressed content.
func (r *receiver) consume(ctx context.Context, pr io.Reader) uploadResult {
	raw := newHashReader(pr)
	br := bufio.NewReaderSize(raw, 64<<10)
	head, _ := br.Peek(1)
	var res uploadResult
	if len(head) == 1 && head[0] == '{' {
		b, err := io.ReadAll(io.LimitReader(br, maxMetadataSize+1))
		switch {
		case err != nil:
			res.err = err
		case len(b) > maxMetadataSize:
			res.err = fmt.Errorf("a JSON blob of more than %d bytes", maxMetadataSize)
		default:
			res.small = b
		}
	} else {
		res.layer, res.err = readLayer(ctx, br, r.ws, newBudget(r.limits).forLayer(), expected{})
		if res.err == nil {
			_, res.err = io.Copy(io.Discard, br)
		}
	}
	if res.err != nil {
		return res
	}
	d, err := v1.NewHash(raw.sum())
	if err != nil {
		res.err = err
		return res
	}
	res.digest, res.size = d, raw.n
	return res
}

func (r *receiver) serveManifest(w http.ResponseWriter, req *http.Request, repo, ref string) {
	switch req.Method {
	case http.MethodHead, http.MethodGet:
		r.mu.Lock()
		m := r.manifests[ref]
		r.mu.Unlock()
		if m == nil {
			regError(w, http.StatusNotFound, "MANIFEST_UNKNOWN", "manifest unknown")
			return
		}
		w.Header().Set("Content-Type", m.mediaType)
		w.Header().Set("Docker-Content-Digest", m.digest.String())
		w.Header().Set("Content-Length", strconv.Itoa(len(m.raw)))
		if req.Method == http.MethodGet {
			_, _ = w.Write(m.raw)
		}
	case http.MethodPut:
		raw, err := io.ReadAll(io.LimitReader(req.Body, maxMetadataSize+1))
		if err != nil || len(raw) > maxMetadataSize {
			regError(w, http.StatusBadRequest, "MANIFEST_INVALID", "unreadable or too large")
			return
		}
		d, _, err := v1.SHA256(bytes.NewReader(raw))
		if err != nil {
			regError(w, http.StatusBadRequest, "MANIFEST_INVALID", err.Error())
			return
		}
		m := &receivedManifest{raw: raw, digest: d, mediaType: req.Header.Get("Content-Type")}
		r.mu.Lock()
		r.manifests[ref] = m
		r.manifests[d.String()] = m
		r.mu.Unlock()
		r.record(ReceiveEvent{Kind: "manifest", Digest: d.String(), Size: int64(len(raw))})
		w.Header().Set("Location", "/v2/"+repo+"/manifests/"+d.String())
		w.Header().Set("Docker-Content-Digest", d.String())
		w.Header().Set("Content-Length", "0")
		w.WriteHeader(http.StatusCreated)
	default:
		regError(w, http.StatusMethodNotAllowed, "UNSUPPORTED", req.Method)
	}
}

// manifest returns the manifest pushed under tag, forgetting it.
func (r *receiver) takeManifest(tag string) *receivedManifest {
	r.mu.Lock()
	defer r.mu.Unlock()
	m := r.manifests[tag]
	delete(r.manifests, tag)
	if m != nil {
		delete(r.manifests, m.digest.String())
	}
	return m
}

// blob returns a blob received in this receiver's lifetime.
func (r *receiver) blob(d v1.Hash) *receivedBlob {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.blobs[d]
}
