package checks

import (
	"path"
	"slices"
	"strings"
	"testing"

	"github.com/coderready/coderready/dockerfile"
	"github.com/coderready/coderready/image"
)

// fakeImage builds image facts by hand: the files a rule looks at and
// nothing else.
type fakeImage struct{ f *image.Facts }

func newFakeImage() *fakeImage {
	f := &image.Facts{
		Platform:       image.Platform{OS: "linux", Architecture: "amd64"},
		Config:         image.Config{Env: []string{"PATH=/usr/local/bin:/usr/bin:/bin"}},
		Libc:           image.Libc{Kind: image.LibcGlibc, Version: "2.36"},
		OS:             image.OSRelease{ID: "debian"},
		Files:          map[string]image.File{},
		Users:          []image.User{{Name: "root", UID: 0, GID: 0, Home: "/root", Shell: "/bin/bash"}},
		PackageManager: "apt",
	}
	fi := &fakeImage{f: f}
	fi.dir("/tmp", 0o1777).dir("/root", 0o700)
	return fi
}

func (fi *fakeImage) dir(p string, mode image.Mode) *fakeImage {
	for d := path.Dir(p); d != "/" && d != "."; d = path.Dir(d) {
		if _, ok := fi.f.Files[d]; !ok {
			fi.f.Files[d] = image.File{Type: image.TypeDir, Mode: 0o755}
		}
	}
	fi.f.Files[p] = image.File{Type: image.TypeDir, Mode: mode}
	return fi
}

// bin adds executables to /usr/bin.
func (fi *fakeImage) bin(names ...string) *fakeImage {
	fi.dir("/usr/bin", 0o755)
	for _, n := range names {
		fi.f.Files["/usr/bin/"+n] = image.File{Type: image.TypeFile, Mode: 0o755, Size: 1000}
	}
	return fi
}

// base is a Debian-like image with what Coder needs, running as root.
func (fi *fakeImage) base() *fakeImage {
	fi.bin("sh", "bash", "env", "mktemp", "chmod", "sleep", "head", "grep", "curl", "git", "ssh", "jq", "tar", "gzip", "mkdir", "id", "chown")
	// merged /usr, as Debian has it
	fi.f.Files["/bin"] = image.File{Type: image.TypeSymlink, Mode: 0o777, Link: "usr/bin"}
	fi.f.CA = image.CAStore{Bundle: "/etc/ssl/certs/ca-certificates.crt", Certificates: []image.Certificate{{Subject: "CN=Root", SHA256: strings.Repeat("ab", 32)}}}
	return fi
}

func (fi *fakeImage) user(name string, uid int, home, shell string) *fakeImage {
	fi.f.Users = append(fi.f.Users, image.User{Name: name, UID: uid, GID: uid, Home: home, Shell: shell})
	fi.f.Config.User = name
	fi.dir(home, 0o755)
	f := fi.f.Files[home]
	f.UID = uid
	fi.f.Files[home] = f
	return fi
}

func (fi *fakeImage) without(paths ...string) *fakeImage {
	for _, p := range paths {
		delete(fi.f.Files, p)
	}
	return fi
}

func (fi *fakeImage) with(mod func(*image.Facts)) *fakeImage {
	mod(fi.f)
	return fi
}

// ready is an image every default rule is happy with.
func ready() *fakeImage {
	return newFakeImage().base().user("coder", 1000, "/home/coder", "/bin/bash")
}

type imgCase struct {
	name  string
	img   *fakeImage
	df    string // Dockerfile the image is built from (optional)
	mod   func(*ImageInput)
	want  []int  // finding lines (0 for findings on the image as a whole); nil: must not fire
	fixes string // a substring of the first finding's fix (description or edit)
}

func TestImageRules(t *testing.T) {
	tests := map[string][]imgCase{
		"CR301": {
			{name: "no download tool", img: ready().without("/usr/bin/curl"), want: []int{0}, fixes: "apt-get install -y --no-install-recommends curl ca-certificates"},
			{name: "points at FROM with an edit", img: ready().without("/usr/bin/curl"), df: "FROM acme/base:1\nRUN apt-get update && apt-get install -y vim\nUSER coder\n", want: []int{1}, fixes: "vim curl ca-certificates"},
			{name: "busybox counts", img: ready().without("/usr/bin/curl").bin("busybox")},
			{name: "the Dockerfile installs it", img: ready().without("/usr/bin/curl"), df: "FROM acme/base:1\nRUN apt-get update && apt-get install -y curl\n", mod: func(in *ImageInput) { in.BaseOnly = true }},
			{name: "curl", img: ready()},
		},
		"CR302": {
			{name: "no shell", img: ready().without("/usr/bin/sh", "/bin/sh"), want: []int{0}},
			{name: "no env", img: ready().without("/usr/bin/env"), want: []int{0}},
			{name: "shell", img: ready()},
		},
		"CR303": {
			{name: "no mktemp, no grep", img: ready().without("/usr/bin/mktemp", "/usr/bin/grep"), want: []int{0, 0}},
			{name: "all there", img: ready()},
		},
		"CR304": {
			{name: "busybox without TLS", img: ready().without("/usr/bin/curl").bin("busybox").with(func(f *image.Facts) {
				f.Files["/usr/bin/wget"] = image.File{Type: image.TypeSymlink, Mode: 0o777, Link: "busybox"}
				f.Busybox = &image.Busybox{Path: "/usr/bin/busybox", Scanned: true}
			}), want: []int{0}},
			{name: "busybox with TLS", img: ready().without("/usr/bin/curl").bin("busybox").with(func(f *image.Facts) {
				f.Busybox = &image.Busybox{Path: "/usr/bin/busybox", Scanned: true, InternalTLS: true}
			})},
			{name: "curl", img: ready()},
		},
		"CR305": {
			{name: "no git", img: ready().without("/usr/bin/git"), want: []int{0}, fixes: "git"},
			{name: "git", img: ready()},
		},
		"CR306": {
			{name: "no CA", img: ready().with(func(f *image.Facts) { f.CA = image.CAStore{} }), want: []int{0}, fixes: "ca-certificates"},
			{name: "CA", img: ready()},
		},
		"CR307": {
			{name: "org CA missing", img: ready(), mod: func(in *ImageInput) { in.Config.OrgCAs = []OrgCA{{Name: "Acme", SHA256: strings.Repeat("cd", 32)}} }, want: []int{0}, fixes: "update-ca-certificates"},
			{name: "org CA present", img: ready(), mod: func(in *ImageInput) { in.Config.OrgCAs = []OrgCA{{Name: "Acme", SHA256: strings.Repeat("ab", 32)}} }},
		},
		"CR308": {
			{name: "root", img: newFakeImage().base(), want: []int{0}},
			{name: "non-root", img: ready()},
		},
		"CR309": {
			{name: "unknown user", img: ready().with(func(f *image.Facts) { f.Config.User = "dev" }), df: "FROM acme/base:1\nUSER dev\n", want: []int{2}},
			{name: "uid only", img: ready().with(func(f *image.Facts) { f.Config.User = "4242" }), want: []int{0}},
			{name: "known user", img: ready()},
		},
		"CR310": {
			{name: "home missing", img: ready().without("/home/coder"), want: []int{0}},
			{name: "home owned by root", img: ready().with(func(f *image.Facts) { f.Files["/home/coder"] = image.File{Type: image.TypeDir, Mode: 0o755} }), want: []int{0}},
			{name: "home fine", img: ready()},
		},
		"CR311": {
			{name: "s390x", img: ready().with(func(f *image.Facts) { f.Platform = image.Platform{OS: "linux", Architecture: "s390x"} }), want: []int{0}},
			{name: "index with ppc64le", img: ready().with(func(f *image.Facts) {
				f.Platforms = []image.Platform{{OS: "linux", Architecture: "amd64"}, {OS: "linux", Architecture: "ppc64le"}, {OS: "unknown", Architecture: "unknown"}}
			}), want: []int{0}},
			{name: "arm64 v8", img: ready().with(func(f *image.Facts) { f.Platform = image.Platform{OS: "linux", Architecture: "arm64", Variant: "v8"} })},
		},
		"CR312": {
			{name: "musl", img: ready().with(func(f *image.Facts) { f.Libc = image.Libc{Kind: image.LibcMusl} }), want: []int{0}},
			{name: "glibc", img: ready()},
		},
		"CR313": {
			{name: "recommended and required", img: ready().without("/usr/bin/jq"), mod: func(in *ImageInput) { in.Config.RequiredTools = []string{"make"} }, want: []int{0, 0}, fixes: "jq"},
			{name: "all present", img: ready()},
		},
		"CR314": {
			{name: "tmp 0755", img: ready().dir("/tmp", 0o755), want: []int{0}},
			{name: "no tmp", img: ready().without("/tmp"), want: []int{0}},
			{name: "tmp 1777", img: ready()},
		},
		"CR316": {
			{name: "zsh not installed", img: ready().with(func(f *image.Facts) { f.Users[1].Shell = "/usr/bin/zsh" }), want: []int{0}},
			{name: "nologin", img: ready().with(func(f *image.Facts) { f.Users[1].Shell = "/usr/sbin/nologin" }), want: []int{0}, fixes: "usermod --shell /bin/bash coder"},
			{name: "bash", img: ready()},
		},
		"CR317": {
			{name: "old glibc", img: ready().with(func(f *image.Facts) { f.Libc.Version = "2.17" }), want: []int{0}},
			{name: "new glibc", img: ready()},
		},
		"CR318": {
			{name: "no tar", img: ready().without("/usr/bin/tar"), want: []int{0}},
			{name: "tar and gzip", img: ready()},
		},
		"CR319": {
			{name: "dockerd without sudo", img: ready().bin("dockerd"), want: []int{0}},
			{name: "dockerd with sudo", img: ready().bin("dockerd", "sudo").with(func(f *image.Facts) {
				f.Sudoers = []image.SudoRule{{Who: "coder", NoPasswd: true, AllCommands: true}}
			})},
			{name: "no services", img: ready()},
		},
		"CR320": {
			{name: "uid 1000 is ubuntu", img: newFakeImage().base().user("ubuntu", 1000, "/home/ubuntu", "/bin/bash"), want: []int{0}},
			{name: "coder 1000", img: ready()},
		},
		"CR321": {
			{name: "dockerd entrypoint", img: ready().with(func(f *image.Facts) { f.Config.Entrypoint = []string{"/usr/bin/dockerd"} }), want: []int{0}},
			{name: "bash cmd", img: ready().with(func(f *image.Facts) { f.Config.Cmd = []string{"bash"} })},
		},
		"CR323": {
			{name: "armv7", img: ready().with(func(f *image.Facts) { f.Platform = image.Platform{OS: "linux", Architecture: "arm", Variant: "v7"} }), want: []int{0}},
			{name: "amd64", img: ready()},
		},
		"CR325": {
			{name: "dev container without id", img: ready().without("/usr/bin/id"), mod: func(in *ImageInput) { in.DevcontainerBuild = true }, want: []int{0}},
			{name: "not a dev container", img: ready().without("/usr/bin/id")},
		},
		"CR326": {
			{name: "not in docker group", img: ready().bin("docker"), want: []int{0}},
			{name: "in docker group", img: ready().bin("docker").with(func(f *image.Facts) {
				f.Groups = append(f.Groups, image.Group{Name: "docker", GID: 999, Members: []string{"coder"}})
			})},
		},
	}
	for id, cases := range tests {
		if Lookup(id) == nil {
			t.Fatalf("%s is not registered", id)
		}
		for _, tc := range cases {
			t.Run(id+"/"+tc.name, func(t *testing.T) {
				in := &ImageInput{Facts: tc.img.f, Config: DefaultConfig(), Ref: "acme/base:1"}
				if tc.df != "" {
					f, err := dockerfile.Parse("Dockerfile", []byte(tc.df))
					if err != nil {
						t.Fatal(err)
					}
					in.Dockerfile = f
				}
				if tc.mod != nil {
					tc.mod(in)
				}
				var got []int
				var fs []Finding
				for _, f := range CheckImage(in) {
					if f.RuleID == id {
						got = append(got, f.Location.StartLine)
						fs = append(fs, f)
						want := in.Ref
						if tc.df != "" {
							want = "Dockerfile"
						}
						if f.Location.Path != want {
							t.Errorf("path %q, want %q", f.Location.Path, want)
						}
					}
				}
				if !slices.Equal(got, tc.want) {
					t.Fatalf("findings on lines %v, want %v: %+v", got, tc.want, fs)
				}
				if tc.fixes != "" {
					fix := fs[0].Fix
					text := ""
					if fix != nil {
						text = fix.Description
						for _, e := range fix.Edits {
							text += "\n" + e.Text
						}
					}
					if !strings.Contains(text, tc.fixes) {
						t.Fatalf("fix %q lacks %q", text, tc.fixes)
					}
				}
			})
		}
	}
	for _, r := range Rules() {
		if r.Family == FamilyImage && r.ID != "CR300" && r.ID != "CR315" && r.ID != "CR322" && r.ID != "CR324" {
			if _, ok := tests[r.ID]; !ok {
				t.Errorf("%s has no test cases", r.ID)
			}
		}
	}
}

func TestImageBudgetAndRoleRules(t *testing.T) {
	big := ready().with(func(f *image.Facts) {
		f.Size = 3 << 30
		f.Layers = []image.Layer{{DiffID: "sha256:a", Size: 1 << 30, CreatedBy: "RUN apt-get install -y openjdk-17"}, {DiffID: "sha256:b", Size: 2 << 30, CreatedBy: "RUN apt-get install -y golang"}}
	})
	tests := []struct {
		name string
		id   string
		img  *fakeImage
		cfg  func(*Config)
		want int
		has  string
	}{
		{"over size", "CR315", big, func(c *Config) { c.MaxImageSize = 2 << 30 }, 1, "golang"},
		{"over layers", "CR315", big, func(c *Config) { c.MaxLayers = 1 }, 1, "2 layers"},
		{"no budget", "CR315", big, nil, 0, ""},
		{"under budget", "CR315", big, func(c *Config) { c.MaxImageSize = 4 << 30 }, 0, ""},
		{"missing locale", "CR322", ready().with(func(f *image.Facts) { f.Config.Env = append(f.Config.Env, "LANG=de_DE.UTF-8") }), nil, 1, "LANG=de_DE.UTF-8"},
		{"C.UTF-8", "CR322", ready().with(func(f *image.Facts) { f.Config.Env = append(f.Config.Env, "LANG=C.UTF-8") }), nil, 0, ""},
		{"generated locale", "CR322", ready().dir("/usr/lib/locale/de_DE.utf8", 0o755).with(func(f *image.Facts) { f.Config.Env = append(f.Config.Env, "LANG=de_DE.UTF-8") }), nil, 0, ""},
		{"host without docker", "CR324", ready(), func(c *Config) { c.ImageRole = RoleDevcontainerHost }, 1, "`docker`"},
		{"workspace role", "CR324", ready(), nil, 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.id+"/"+tt.name, func(t *testing.T) {
			cfg := DefaultConfig()
			if tt.cfg != nil {
				tt.cfg(cfg)
			}
			var got []Finding
			for _, f := range CheckImage(&ImageInput{Facts: tt.img.f, Config: cfg, Ref: "acme/base:1"}) {
				if f.RuleID == tt.id {
					got = append(got, f)
				}
			}
			if len(got) != tt.want {
				t.Fatalf("%d findings, want %d: %+v", len(got), tt.want, got)
			}
			if tt.has != "" && !strings.Contains(got[0].Message+got[0].Details, tt.has) {
				t.Fatalf("finding lacks %q: %+v", tt.has, got[0])
			}
		})
	}
}
