package image

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"os"
	"path/filepath"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// receiveStore keeps, beside the layer cache, what reading images by push
// has learned (CacheDir/<version>/received/):
//
//   - blobs/<hex>.json: a compressed blob digest the receiver verified and
//     the DiffID its content decompressed to (a fact about content, shared
//     by every engine and every reader, like the layer indexes);
//   - engines/<engine>/<hex>.json: per engine and layer DiffID, whether the
//     engine pushed the layer to the receiver (it then remembers the blob
//     digest it pushed and only asks whether the receiver has it) and how
//     many times it exported it by `docker save` meanwhile. Only the choice
//     of route reads it: a wrong entry costs time, never correctness.
//
// Entries are small files written atomically; a missing or unreadable
// entry is "not known". A nil or disabled store does nothing.
type receiveStore struct {
	dir string
}

func newReceiveStore(cacheDir string) *receiveStore {
	if cacheDir == "" {
		return &receiveStore{}
	}
	return &receiveStore{dir: filepath.Join(cacheDir, cacheVersion, "received")}
}

// blobRecord is what the receiver verified of a blob: the DiffID of its
// decompressed content and its size as stored.
type blobRecord struct {
	DiffID string `json:"diffID"`
	Size   int64  `json:"size"`
}

// engineLayer is what is known of one layer of one engine.
type engineLayer struct {
	// Pushed is set once the engine pushed the layer to the receiver.
	Pushed bool `json:"pushed,omitempty"`
	// Saves counts the `docker save` exports of the layer since.
	Saves int `json:"saves,omitempty"`
}

func (s *receiveStore) blob(d v1.Hash) (blobRecord, bool) {
	var rec blobRecord
	if !s.read(filepath.Join("blobs", d.Hex+".json"), &rec) || rec.DiffID == "" || d.Algorithm != "sha256" {
		return blobRecord{}, false
	}
	return rec, true
}

func (s *receiveStore) putBlob(d v1.Hash, rec blobRecord) {
	if d.Algorithm == "sha256" {
		s.write(filepath.Join("blobs", d.Hex+".json"), rec)
	}
}

// engineDir names an engine's folder by a hash of its ID (engine IDs hold
// colons).
func engineDir(engineID string) string {
	sum := sha256.Sum256([]byte(engineID))
	return filepath.Join("engines", hex.EncodeToString(sum[:8]))
}

func (s *receiveStore) engineLayer(engineID string, diffID v1.Hash) engineLayer {
	var st engineLayer
	if engineID == "" || !s.read(filepath.Join(engineDir(engineID), diffID.Hex+".json"), &st) {
		return engineLayer{}
	}
	return st
}

func (s *receiveStore) putEngineLayer(engineID string, diffID v1.Hash, st engineLayer) {
	if engineID != "" {
		s.write(filepath.Join(engineDir(engineID), diffID.Hex+".json"), st)
	}
}

func (s *receiveStore) read(rel string, v any) bool {
	if s == nil || s.dir == "" {
		return false
	}
	b, err := os.ReadFile(filepath.Join(s.dir, rel))
	if err != nil {
		return false
	}
	return json.Unmarshal(b, v) == nil
}

func (s *receiveStore) write(rel string, v any) {
	if s == nil || s.dir == "" {
		return
	}
	b, err := json.Marshal(v)
	if err != nil {
		return
	}
	_ = writeAtomic(filepath.Join(s.dir, rel), func(w io.Writer) error {
		_, err := w.Write(b)
		return err
	})
}
