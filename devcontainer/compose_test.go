package devcontainer

import (
	"maps"
	"strings"
	"testing"
	"testing/fstest"
)

func TestComposeService(t *testing.T) {
	tests := []struct {
		name    string
		config  string
		files   map[string]string
		want    ComposeService
		wantErr string
	}{
		{
			name:   "build mapping, paths from the compose file's folder",
			config: `{"dockerComposeFile": "../docker/compose.yml", "service": "app"}`,
			files: map[string]string{
				"docker/compose.yml": "services:\n  app:\n    build:\n      context: ..\n      dockerfile: docker/app.Dockerfile\n      target: dev\n      args:\n        GO_VERSION: ${GO_VERSION:-1.22}\n        FROM_ENV: $NAME\n        HOST_ONLY:\n  db:\n    image: postgres:16\n",
				"docker/.env":        "# project settings\nNAME='coder'\n",
			},
			want: ComposeService{Name: "app", File: "docker/compose.yml", EnvFile: "docker/.env", Build: &ComposeBuild{
				Context: ".", Dockerfile: "docker/app.Dockerfile", Target: "dev",
				Args: map[string]string{"GO_VERSION": "1.22", "FROM_ENV": "coder"},
			}},
		},
		{
			name:   "build string, args list, override file",
			config: `{"dockerComposeFile": ["compose.yml", "compose.dev.yml"], "service": "web"}`,
			files: map[string]string{
				".devcontainer/compose.yml":     "services:\n  web:\n    image: web:latest\n    build: ./web\n",
				".devcontainer/compose.dev.yml": "services:\n  web:\n    build:\n      args: [\"A=1\", \"B=$${literal}\"]\n",
			},
			want: ComposeService{Name: "web", Image: "web:latest", File: ".devcontainer/compose.dev.yml", Build: &ComposeBuild{
				Context: ".devcontainer/web", Dockerfile: ".devcontainer/web/Dockerfile", Args: map[string]string{"A": "1", "B": "${literal}"},
			}},
		},
		{
			name:   "image only",
			config: `{"dockerComposeFile": "compose.yml", "service": "app"}`,
			files:  map[string]string{".devcontainer/compose.yml": "services:\n  app:\n    image: coderready-test/debian:${TAG-bookworm}\n"},
			want:   ComposeService{Name: "app", Image: "coderready-test/debian:bookworm", ImageFromHost: true, File: ".devcontainer/compose.yml"},
		},
		{
			name:   "image from the project's .env",
			config: `{"dockerComposeFile": "compose.yml", "service": "app"}`,
			files: map[string]string{".devcontainer/compose.yml": "services:\n  app:\n    image: coderready-test/debian:${TAG:-latest}\n",
				".devcontainer/.env": "TAG=bookworm\n"},
			want: ComposeService{Name: "app", Image: "coderready-test/debian:bookworm", File: ".devcontainer/compose.yml", EnvFile: ".devcontainer/.env"},
		},
		{
			name:    "no such service",
			config:  `{"dockerComposeFile": "compose.yml", "service": "api"}`,
			files:   map[string]string{".devcontainer/compose.yml": "services:\n  app:\n    image: x\n"},
			wantErr: `no Compose file defines the service "api"`,
		},
		{
			name:    "no service",
			config:  `{"dockerComposeFile": "compose.yml"}`,
			files:   map[string]string{".devcontainer/compose.yml": "services: {}\n"},
			wantErr: "`service` is not set",
		},
		{
			name:    "missing file",
			config:  `{"dockerComposeFile": "compose.yml", "service": "app"}`,
			wantErr: "the Compose file .devcontainer/compose.yml",
		},
		{
			name:    "outside",
			config:  `{"dockerComposeFile": "../../compose.yml", "service": "app"}`,
			wantErr: "outside the scanned folder",
		},
		{
			name:    "bad yaml",
			config:  `{"dockerComposeFile": "compose.yml", "service": "app"}`,
			files:   map[string]string{".devcontainer/compose.yml": "services:\n  app: [\n"},
			wantErr: "the Compose file .devcontainer/compose.yml: yaml",
		},
		{
			name:    "remote context",
			config:  `{"dockerComposeFile": "compose.yml", "service": "app"}`,
			files:   map[string]string{".devcontainer/compose.yml": "services:\n  app:\n    build: https://github.com/x/y.git\n"},
			wantErr: "remote build contexts",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fsys := fstest.MapFS{}
			for name, content := range tt.files {
				fsys[name] = &fstest.MapFile{Data: []byte(content)}
			}
			c, err := Parse(".devcontainer/devcontainer.json", []byte(tt.config))
			if err != nil {
				t.Fatal(err)
			}
			got, err := c.Plan(fsys).ComposeService(fsys)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.Name != tt.want.Name || got.Image != tt.want.Image || got.File != tt.want.File || got.EnvFile != tt.want.EnvFile || (got.Build == nil) != (tt.want.Build == nil) {
				t.Fatalf("got %+v, want %+v", got, tt.want)
			}
			if b, w := got.Build, tt.want.Build; b != nil {
				if b.Context != w.Context || b.Dockerfile != w.Dockerfile || b.Target != w.Target || !maps.Equal(b.Args, w.Args) {
					t.Errorf("build %+v, want %+v", *b, *w)
				}
			}
		})
	}
}

func TestInterpolate(t *testing.T) {
	env := map[string]string{"SET": "v", "EMPTY": ""}
	for in, want := range map[string]string{
		"${SET}":           "v",
		"$SET/x":           "v/x",
		"${UNSET:-d}":      "d",
		"${EMPTY:-d}":      "d",
		"${EMPTY-d}":       "",
		"${UNSET-d}":       "d",
		"${SET:+alt}":      "alt",
		"${UNSET:+alt}":    "",
		"$$SET":            "$SET",
		"${UNSET}":         "",
		"${UNSET:?needed}": "",
		"plain":            "plain",
	} {
		if got := interpolate(in, env); got != want {
			t.Errorf("interpolate(%q) = %q, want %q", in, got, want)
		}
	}
}
