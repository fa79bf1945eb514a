package githubfake

import (
	"testing"
)

// The expected patches are git's (git diff --no-index, headers cut).
func TestUnifiedDiff(t *testing.T) {
	tests := []struct {
		name       string
		old, new   string
		want       string
		adds, dels int
	}{
		{
			name: "two hunks with function context",
			old:  "a\nb\nc\nd\ne\nf\ng\nh\ni\nj\nk\nl\nm\nn\n",
			new:  "a\nb\nc\nD\ne\nf\ng\nh\ni\nj\nk\nl\nM\nn\n",
			want: "@@ -1,7 +1,7 @@\n a\n b\n c\n-d\n+D\n e\n f\n g\n@@ -10,5 +10,5 @@ i\n j\n k\n l\n-m\n+M\n n",
			adds: 2, dels: 2,
		},
		{
			name: "last line gains a newline",
			old:  "x\ny",
			new:  "x\ny\nz\n",
			want: "@@ -1,2 +1,3 @@\n x\n-y\n\\ No newline at end of file\n+y\n+z",
			adds: 2, dels: 1,
		},
		{
			name: "last line loses its newline",
			old:  "a\nb\n",
			new:  "a\nb",
			want: "@@ -1,2 +1,2 @@\n a\n-b\n+b\n\\ No newline at end of file",
			adds: 1, dels: 1,
		},
		{
			name: "new file",
			old:  "",
			new:  "one\ntwo\n",
			want: "@@ -0,0 +1,2 @@\n+one\n+two",
			adds: 2,
		},
		{
			name: "deleted file",
			old:  "a\nb\n",
			new:  "",
			want: "@@ -1,2 +0,0 @@\n-a\n-b",
			dels: 2,
		},
		{
			name: "insertion",
			old:  "a\nb\nc\nd\ne\nf\ng\nh\n",
			new:  "a\nb\nc\nX\nd\ne\nf\ng\nh\n",
			want: "@@ -1,6 +1,7 @@\n a\n b\n c\n+X\n d\n e\n f",
			adds: 1,
		},
		{
			name: "function context skips indented lines",
			old:  "func main() {\n\tx := 1\n\ty := 2\n\tz := 3\n\tw := 4\n\treturn\n}\n",
			new:  "func main() {\n\tx := 1\n\ty := 2\n\tz := 3\n\tw := 5\n\treturn\n}\n",
			want: "@@ -2,6 +2,6 @@ func main() {\n \tx := 1\n \ty := 2\n \tz := 3\n-\tw := 4\n+\tw := 5\n \treturn\n }",
			adds: 1, dels: 1,
		},
		{
			name: "no change",
			old:  "same\n",
			new:  "same\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, adds, dels := unifiedDiff(tt.old, tt.new)
			if got != tt.want || adds != tt.adds || dels != tt.dels {
				t.Errorf("unifiedDiff = +%d -%d\n%s\nwant +%d -%d\n%s", adds, dels, got, tt.adds, tt.dels, tt.want)
			}
		})
	}
}

func TestParsePatch(t *testing.T) {
	patch, _, _ := unifiedDiff("a\nb\nc\nd\ne\nf\ng\nh\ni\nj\nk\nl\nm\nn\n", "a\nb\nc\nD\ne\nf\ng\nh\ni\nj\nk\nl\nM\nN\nn\n")
	d, err := parsePatch(patch)
	if err != nil {
		t.Fatal(err)
	}
	// Right side: lines 1-7 (hunk 0) and 10-15 (hunk 1).
	for line, hunk := range map[int]int{1: 0, 4: 0, 7: 0, 10: 1, 13: 1, 14: 1, 15: 1} {
		if at, ok := d.right[line]; !ok || at.hunk != hunk {
			t.Errorf("right line %d: %+v, %v; want hunk %d", line, at, ok, hunk)
		}
	}
	for _, line := range []int{8, 9, 16} {
		if _, ok := d.right[line]; ok {
			t.Errorf("right line %d is outside the diff", line)
		}
	}
	if at, ok := d.left[4]; !ok || d.lines[at.idx] != "-d" {
		t.Errorf("left line 4: %+v", at)
	}
	if got := d.hunkUpTo(d.right[4]); got != "@@ -1,7 +1,7 @@\n a\n b\n c\n-d\n+D" {
		t.Errorf("hunk = %q", got)
	}
	if _, err := parsePatch("no header"); err == nil {
		t.Error("patch without a hunk header parsed")
	}
}
