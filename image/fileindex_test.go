package image

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"
)

// TestFileIndexJSON: the index is written exactly as the map of Files it
// replaced was (paths in byte order, HTML escaped or not as the encoder
// says), reads back the same, and answers Get and ReadDir like the map.
func TestFileIndexJSON(t *testing.T) {
	files := map[string]File{
		"/":             {Type: TypeDir, Mode: 0o755},
		"/a":            {Type: TypeDir, Mode: 0o700, UID: 1000, GID: 1000, Layer: 2},
		"/a/b":          {Type: TypeFile, Mode: 0o4755, Size: 12, Layer: 1},
		"/a-c":          {Type: TypeSymlink, Mode: 0o777, Link: "a/<b>&"},
		"/a/h":          {Type: TypeFile, Mode: 0o644, Size: 3, HardLink: "/a/b"},
		"/a/hl":         {Type: TypeSymlink, Mode: 0o777, Link: "b", HardLink: "/a-c"},
		"/a/dangling":   {Type: TypeHardlink, HardLink: "/nope"},
		"/big":          {Type: TypeFile, UID: 1 << 40, GID: -1, Layer: 1 << 40},
		"/odd":          {Type: "socket", Mode: 0o600},
		"/a/b\u2028<x>": {Type: TypeFile},
	}
	for _, escape := range []bool{true, false} {
		var want, got bytes.Buffer
		we, ge := json.NewEncoder(&want), json.NewEncoder(&got)
		we.SetEscapeHTML(escape)
		ge.SetEscapeHTML(escape)
		if err := we.Encode(files); err != nil {
			t.Fatal(err)
		}
		if err := ge.Encode(NewFileIndex(files)); err != nil {
			t.Fatal(err)
		}
		if got.String() != want.String() {
			t.Errorf("escape=%v:\ngot  %s\nwant %s", escape, got.String(), want.String())
		}
	}
	raw, err := json.Marshal(&Facts{Files: NewFileIndex(files)})
	if err != nil {
		t.Fatal(err)
	}
	var back Facts
	if err := json.Unmarshal(raw, &back); err != nil {
		t.Fatal(err)
	}
	if got := fileMap(&back); !reflect.DeepEqual(got, files) {
		t.Errorf("read back %v", got)
	}
	for p, f := range files {
		if g, ok := back.Files.Get(p); !ok || g != f {
			t.Errorf("Get(%q) = %+v, %v; want %+v", p, g, ok, f)
		}
	}
	if names, ok := back.ReadDir("/a"); !ok || !reflect.DeepEqual(names, []string{"b", "b\u2028<x>", "dangling", "h", "hl"}) {
		t.Errorf("ReadDir(/a) = %q, %v", names, ok)
	}
	if raw, _ := json.Marshal(&Facts{Files: NewFileIndex(nil)}); bytes.Contains(raw, []byte(`"files"`)) {
		t.Errorf("an empty index is written: %s", raw)
	}
}
