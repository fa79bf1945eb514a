package app

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/coderready/coderready/build"
)

func TestSettingsFromEnv(t *testing.T) {
	t.Setenv(EnvAppID, "42")
	t.Setenv(EnvBuildNetwork, "none")
	t.Setenv(EnvBuildEngine, "classic")
	t.Setenv(EnvBuildMemory, "2g")
	t.Setenv(EnvBuildCPUs, "1.5")
	t.Setenv(EnvBuildPids, "512")
	t.Setenv(EnvNoRegistry, "true")
	s, err := SettingsFromEnv()
	if err != nil {
		t.Fatal(err)
	}
	want := build.Limits{Memory: 2 << 30, NanoCPUs: 1.5e9, Pids: 512}
	if s.AppID != 42 || s.Build.Network != "none" || s.Build.Engine != build.EngineClassic || s.Build.Limits != want || !s.NoRegistry || !s.CompareBase {
		t.Errorf("settings %+v", s)
	}

	for _, tc := range []struct{ env, value, errHas string }{
		{EnvAppID, "app", EnvAppID},
		{EnvBuildEngine, "kaniko", EnvBuildEngine},
		{EnvBuildNetwork, "bridge", EnvBuildNetwork},
		{EnvBuildMemory, "a lot", EnvBuildMemory},
		{EnvBuildPids, "-3", EnvBuildPids},
		{EnvNoRegistry, "perhaps", EnvNoRegistry},
	} {
		t.Run(tc.env, func(t *testing.T) {
			t.Setenv(tc.env, tc.value)
			if _, err := SettingsFromEnv(); err == nil || !strings.Contains(err.Error(), tc.errHas) {
				t.Errorf("%s=%q: error %v, want one naming %s", tc.env, tc.value, err, tc.errHas)
			}
		})
	}
}

// TestWorkDirApartFromDataDir: the jobs' checkouts never live inside the
// data dir (the key, the credentials, the database), nor it in them; by
// default they go to the system's temporary folder.
func TestWorkDirApartFromDataDir(t *testing.T) {
	data := t.TempDir()
	s := Settings{DataDir: data}
	if err := s.Normalize(); err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(os.TempDir(), "coderready-work"); s.WorkDir != want {
		t.Errorf("default work dir %s, want %s", s.WorkDir, want)
	}
	outside := t.TempDir()
	link := filepath.Join(outside, "link")
	if err := os.MkdirAll(filepath.Join(data, "work"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(data, "work"), link); err != nil {
		t.Fatal(err)
	}
	for name, work := range map[string]string{
		"inside the data dir":      filepath.Join(data, "work"),
		"the data dir itself":      data,
		"holding the data dir":     filepath.Dir(data),
		"a link into the data dir": link,
		"inside, through dot-dot":  filepath.Join(outside, "..", filepath.Base(data), "w"),
	} {
		t.Run(name, func(t *testing.T) {
			s := Settings{DataDir: data, WorkDir: work}
			err := s.Normalize()
			if err == nil || !strings.Contains(err.Error(), "overlap") || !strings.Contains(err.Error(), EnvWorkDir) {
				t.Fatalf("work dir %s: error %v, want the overlap named", work, err)
			}
		})
	}
	s = Settings{DataDir: data, WorkDir: filepath.Join(outside, "work")}
	if err := s.Normalize(); err != nil {
		t.Fatalf("a work dir apart: %v", err)
	}
	if fi, err := os.Stat(s.WorkDir); err != nil || fi.Mode().Perm() != 0o700 {
		t.Fatalf("work dir made %v, %v; want mode 0700", fi, err)
	}
}

// TestDefaultDataDir: serve's state (database, key) goes to the XDG state
// folder, not a cache folder, and the folder is the server user's only.
func TestDefaultDataDir(t *testing.T) {
	home := t.TempDir()
	t.Setenv("HOME", home)
	for _, tc := range []struct{ xdg, want string }{
		{"", filepath.Join(home, ".local", "state", "coderready")},
		{"relative/state", filepath.Join(home, ".local", "state", "coderready")}, // not absolute: ignored, as the XDG spec says
		{filepath.Join(home, "state"), filepath.Join(home, "state", "coderready")},
	} {
		t.Setenv("XDG_STATE_HOME", tc.xdg)
		s := Settings{WorkDir: filepath.Join(t.TempDir(), "work")}
		if err := s.Normalize(); err != nil {
			t.Fatal(err)
		}
		if s.DataDir != tc.want {
			t.Errorf("XDG_STATE_HOME=%q: data dir %s, want %s", tc.xdg, s.DataDir, tc.want)
		}
		fi, err := os.Stat(s.DataDir)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != 0o700 {
			t.Errorf("data dir mode %v, want 0700", fi.Mode().Perm())
		}
	}
}
