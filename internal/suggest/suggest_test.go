package suggest

import "testing"

func TestDistance(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want int
	}{
		{"", "", 0},
		{"", "abc", 3},
		{"abc", "", 3},
		{"image", "image", 0},
		{"imgae", "image", 2}, // a transposition is two edits
		{"kitten", "sitting", 3},
		{"remoteUsr", "remoteUser", 1},
	} {
		if got := Distance(tc.a, tc.b); got != tc.want {
			t.Errorf("Distance(%q, %q) = %d, want %d", tc.a, tc.b, got, tc.want)
		}
		if got := Distance(tc.b, tc.a); got != tc.want {
			t.Errorf("Distance(%q, %q) = %d, want %d (symmetric)", tc.b, tc.a, got, tc.want)
		}
	}
}

func TestNearest(t *testing.T) {
	for _, tc := range []struct {
		name  string
		s     string
		known []string
		want  int
	}{
		{"empty", "ubuntu", nil, -1},
		{"exact", "debian", []string{"ubuntu", "debian"}, 1},
		{"far still picked", "alpine", []string{"golang"}, 0},
		{"first of equals", "ab", []string{"xb", "ax"}, 0},
		{"closer wins", "library/ubunt", []string{"library/debian", "library/ubuntu"}, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := Nearest(tc.s, tc.known); got != tc.want {
				t.Errorf("Nearest(%q, %q) = %d, want %d", tc.s, tc.known, got, tc.want)
			}
		})
	}
}

func TestTypo(t *testing.T) {
	props := []string{"name", "image", "build", "remoteUser", "containerUser", "forwardPorts", "postCreateCommand",
		"postStartCommand", "postAttachCommand", "customizations", "overrideFeatureInstallOrder"}
	config := []string{"require-digest", "required-tools", "max-size", "suggestions", "sha256", "builder"}
	for _, tc := range []struct {
		name  string
		s     string
		known []string
		want  string // "" for no suggestion
	}{
		{"letter dropped", "remoteUsr", props, "remoteUser"},
		{"letters swapped", "imgae", props, "image"},
		{"case only", "forwardports", props, "forwardPorts"},
		{"case keeps the known spelling", "REMOTEUSER", props, "remoteUser"},
		{"underscore for hyphen", "require_digest", config, "require-digest"},
		{"two swapped in a key", "required-toosl", config, "required-tools"},
		{"three letters of a long name", "overideFeatureInstalOrdr", props, "overrideFeatureInstallOrder"},
		{"two letters of five", "bxyld", props, "build"},
		{"three letters of five is too many", "bzzzd", props, ""},
		{"cut short", "sha", config, "sha256"},
		{"plural dropped", "suggestion", config, "suggestions"},
		{"ambiguous prefix", "post", props, ""},
		{"too short to guess", "nm", props, ""},
		{"unrelated", "gpu", props, ""},
		{"nothing known", "image", nil, ""},
		{"edits are half the word", "abcd", []string{"abxy"}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := Typo(tc.s, tc.known)
			if got != tc.want || ok != (tc.want != "") {
				t.Errorf("Typo(%q) = %q, %v; want %q, %v", tc.s, got, ok, tc.want, tc.want != "")
			}
		})
	}
}
