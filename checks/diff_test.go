package checks

import (
	"encoding/json"
	"reflect"
	"slices"
	"testing"

	"github.com/coderready/coderready/image"
)

// TestDiffSidesKept: a side kept as JSON (the base branch's, between
// pushes) compares exactly as the facts it was read from.
func TestDiffSidesKept(t *testing.T) {
	cfg := DefaultConfig()
	cfg.RequiredTools = []string{"make"}
	old := newFakeImage().base().with(func(f *image.Facts) { f.Size = 100 << 20 }).f
	cur := newFakeImage().base().user("coder", 1000, "/home/coder", "/bin/bash").without("/usr/bin/ssh").bin("make", "sudo").
		with(func(f *image.Facts) {
			f.Size = 120 << 20
			f.CA.Certificates = append(f.CA.Certificates, image.Certificate{Subject: "CN=Acme", SHA256: "cd"})
		}).f
	direct := DiffImages("base", old, "head", cur, cfg)

	raw, err := json.Marshal(NewImageSide("base", old, cfg))
	if err != nil {
		t.Fatal(err)
	}
	var kept ImageSide
	if err := json.Unmarshal(raw, &kept); err != nil {
		t.Fatal(err)
	}
	fromKept := DiffSides(&kept, NewImageSide("head", cur, cfg))
	if !reflect.DeepEqual(direct, fromKept) {
		t.Errorf("a kept side compares differently:\n direct %+v\n   kept %+v", direct, fromKept)
	}
	if !slices.Equal(direct.ToolsGained, []string{"make", "sudo"}) || !slices.Equal(direct.ToolsLost, []string{"ssh"}) ||
		!direct.UserChanged || !slices.Equal(direct.CAAdded, []string{"CN=Acme"}) || direct.SizeDelta != 20<<20 {
		t.Errorf("diff %+v: want make and sudo gained, ssh lost, the user changed, CN=Acme added, +20 MiB", direct)
	}
}
