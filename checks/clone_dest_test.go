package checks

import "testing"

func TestCloneDest(t *testing.T) {
	tests := []struct {
		args []string
		at   int
		dir  string
		ok   bool
	}{
		{[]string{"clone", "--depth", "1", "https://github.com/crytic/building-secure-contracts.git"}, 3, "building-secure-contracts", true},
		{[]string{"clone", "https://github.com/asdf-vm/asdf.git", "~/.asdf", "--branch", "v0.11.1"}, 2, "~/.asdf", true},
		{[]string{"clone", "-b", "main", "git@github.com:x/tool", "/opt/tool"}, 4, "/opt/tool", true},
		{[]string{"-c", "advice.detachedHead=false", "clone", "--depth=1", "https://e.com/y/"}, 4, "y", true},
		{[]string{"clone", "$REPO"}, 0, "", false},
		{[]string{"fetch", "origin", "main"}, 0, "", false},
		{[]string{"clone"}, 0, "", false},
	}
	for _, tt := range tests {
		at, dir, ok := cloneDest(tt.args)
		if at != tt.at || dir != tt.dir || ok != tt.ok {
			t.Errorf("cloneDest(%q) = %d, %q, %v; want %d, %q, %v", tt.args, at, dir, ok, tt.at, tt.dir, tt.ok)
		}
	}
}
