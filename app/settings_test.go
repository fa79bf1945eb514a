package app

import (
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
	if s.AppID != 42 || s.BuildNetwork != "none" || s.BuildEngine != build.EngineClassic || s.BuildLimits != want || !s.NoRegistry || !s.CompareBase {
		t.Errorf("settings %+v", s)
	}

	for _, tc := range []struct{ env, value, errHas string }{
		{EnvAppID, "app", EnvAppID},
		{EnvBuildEngine, "kaniko", EnvBuildEngine},
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
