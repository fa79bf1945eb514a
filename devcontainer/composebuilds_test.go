package devcontainer

import (
	"reflect"
	"testing"
)

// TestComposeBuildFiles: a repository's Compose file names the Dockerfiles
// its services build by context and dockerfile, with the platform each
// builds for and the stage it stops at, variables taken from the project's
// .env and their defaults;
// remote contexts, paths out of the repository and unresolved variables
// name nothing.
func TestComposeBuildFiles(t *testing.T) {
	for _, tc := range []struct {
		name, compose, env, dir string
		want                    []ComposeBuildFile
	}{
		{"a Dockerfile in another folder than its context", "services:\n  django:\n    build:\n      context: .\n      dockerfile: ./docker/django/Dockerfile\n", "", "app",
			[]ComposeBuildFile{{Dockerfile: "app/docker/django/Dockerfile", Context: "app", Service: "django"}}},
		{"context and dockerfile", "services:\n  base:\n    build:\n      context: base\n      dockerfile: Dockerfile.dev\n", "", "images",
			[]ComposeBuildFile{{Dockerfile: "images/base/Dockerfile.dev", Context: "images/base", Service: "base"}}},
		{"a build string", "services:\n  web:\n    build: ./web\n", "", ".", []ComposeBuildFile{{Dockerfile: "web/Dockerfile", Context: "web", Service: "web"}}},
		{"the image it tags", "services:\n  app:\n    image: local/reflex-app:${TAG:-latest}\n    build:\n      context: .\n      dockerfile: prod.Dockerfile\n", "", "production-compose",
			[]ComposeBuildFile{{Dockerfile: "production-compose/prod.Dockerfile", Context: "production-compose", Image: "local/reflex-app:latest", Service: "app"}}},
		{"a platform from .env", "services:\n  base:\n    platform: ${PLATFORM}\n    build: base\n", "# comment\nPLATFORM=linux/amd64\n", "images",
			[]ComposeBuildFile{{Dockerfile: "images/base/Dockerfile", Context: "images/base", Platform: "linux/amd64", Service: "base"}}},
		{"an unresolved platform", "services:\n  base:\n    platform: ${PLATFORM}\n    build: base\n", "", ".",
			[]ComposeBuildFile{{Dockerfile: "base/Dockerfile", Context: "base", Service: "base"}}},
		{"a variable context from .env", "services:\n  x:\n    build:\n      context: ${DIR}\n", "DIR=tools\n", ".", []ComposeBuildFile{{Dockerfile: "tools/Dockerfile", Context: "tools", Service: "x"}}},
		{"an unresolved variable", "services:\n  x:\n    build:\n      context: ${DIR}/x\n", "", ".", nil},
		{"a remote context", "services:\n  x:\n    build: https://github.com/o/r.git#main\n", "", ".", nil},
		{"out of the repository", "services:\n  x:\n    build: ../../x\n", "", "a", nil},
		{"each service's own args", "services:\n  debian12:\n    build:\n      context: .\n      dockerfile: Dockerfile\n      args:\n        image: debian:12\n  lldb:\n    build:\n      dockerfile: Dockerfile.lldb\n      args: [\"image=${LLDB_IMAGE:-debian:12}\"]\n", "", ".",
			[]ComposeBuildFile{{Dockerfile: "Dockerfile", Context: ".", Args: map[string]string{"image": "debian:12"}, Service: "debian12"}, {Dockerfile: "Dockerfile.lldb", Context: ".", Args: map[string]string{"image": "debian:12"}, Service: "lldb"}}},
		{"a target stage", "services:\n  dev:\n    build:\n      context: .\n      target: ${TARGET:-development}\n", "", ".",
			[]ComposeBuildFile{{Dockerfile: "Dockerfile", Context: ".", Target: "development", Service: "dev"}}},
		{"an unresolved target", "services:\n  dev:\n    build:\n      context: .\n      target: ${TARGET}\n", "", ".",
			[]ComposeBuildFile{{Dockerfile: "Dockerfile", Context: ".", Service: "dev"}}},
		{"an image only", "services:\n  db:\n    image: postgres:16\n", "", ".", nil},
		{"not YAML", "services: [\n", "", ".", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var env []byte
			if tc.env != "" {
				env = []byte(tc.env)
			}
			if got := ComposeBuildFiles([]byte(tc.compose), tc.dir, env); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got %+v, want %+v", got, tc.want)
			}
		})
	}
}

// TestIsComposeFileName: the names Compose reads by default and their
// variants, not other YAML files.
func TestIsComposeFileName(t *testing.T) {
	for name, want := range map[string]bool{
		"compose.yaml": true, "docker-compose.yml": true, "docker-compose.dev.yaml": true, "Compose.yml": true,
		"compose.json": false, "ci.yml": false, "my-compose.yml": false,
	} {
		if got := IsComposeFileName(name); got != want {
			t.Errorf("IsComposeFileName(%q) = %v, want %v", name, got, want)
		}
	}
}
