package checks

import (
	"strings"
	"testing"

	"github.com/coderready/coderready/devcontainer"
)

// exactContext is withContext for a context known exactly (a
// devcontainer.json's build.context, ".devcontainer").
func exactContext(files map[string]string) func(*DockerfileInput) {
	return func(in *DockerfileInput) {
		withContext(files)(in)
		in.ExactContext = ".devcontainer"
	}
}

// TestCR124: a COPY or ADD source the exactly known context lacks is an
// error at the instruction; sources that exist, are judged elsewhere or
// cannot be judged, and contexts not known exactly, are not reported.
func TestCR124(t *testing.T) {
	ctx := map[string]string{"scripts/setup.sh": "#!/bin/sh\n", "requirements.txt": "x\n", "conf/app.conf": "x\n"}
	runRuleCases(t, "CR124", []ruleCase{
		{"a file the context lacks", "FROM debian:12\nCOPY scripts/setup.sh /tmp/\nCOPY .env /app/.env\n", exactContext(ctx), []want{{line: 3}}},
		{"paths relative to the context, a leading slash too", "FROM debian:12\nCOPY ./requirements.txt /conf/ /tmp/\nADD /scripts/setup.sh /x\n", exactContext(ctx), nil},
		{"one of several sources missing", "FROM debian:12\nCOPY requirements.txt setup.py /tmp/\n", exactContext(ctx), []want{{line: 2}}},
		{"a path relative to the Dockerfile, not the context", "FROM debian:12\nCOPY ../scripts/setup.sh /tmp/\nCOPY .devcontainer/scripts/setup.sh /tmp/\n", exactContext(ctx), []want{{line: 3}}},
		{"from a stage or an image", "FROM debian:12 AS b\nFROM debian:12\nCOPY --from=b /out /out\nCOPY --from=ghcr.io/astral-sh/uv:0.5 /uv /bin/\n", exactContext(ctx), nil},
		{"a URL, a wildcard, a heredoc", "FROM debian:12\nADD https://example.org/x.tar.gz /tmp/\nCOPY *.whl /tmp/\nCOPY <<EOF /etc/x\nhello\nEOF\n", exactContext(ctx), nil},
		{"a variable's value", "FROM debian:12\nARG CONF=conf/app.conf\nARG MISSING=conf/none.conf\nCOPY ${CONF} /etc/\nCOPY $MISSING /etc/\n", exactContext(ctx), []want{{line: 5}}},
		{"a variable nobody sets", "FROM debian:12\nARG F\nCOPY ${F} /etc/\n", exactContext(ctx), nil},
		{"in a stage the build does not run", "FROM debian:12 AS unused\nCOPY missing.txt /\nFROM debian:12\nCOPY requirements.txt /\n", exactContext(ctx), nil},
		{"in a stage the final one copies from", "FROM debian:12 AS b\nCOPY missing.txt /\nFROM debian:12\nCOPY --from=b /missing.txt /\n", exactContext(ctx), []want{{line: 2}}},
		{"a context not known exactly", "FROM debian:12\nCOPY .env /app/.env\n", withContext(ctx), nil},
		{"a file an initializeCommand may make: envbuilder's", "FROM debian:12\nCOPY JLink_Linux_V832_x86_64.deb /tmp/\nCOPY requirements.txt /tmp/\n", initContext(ctx, ""), []want{{line: 2}}},
		{"a file an initializeCommand may make, native only", "FROM debian:12\nCOPY JLink_Linux_V832_x86_64.deb /tmp/\n", initContext(ctx, ConfigBuilderNative), nil},
	})
}

// initContext is exactContext for a config with an initializeCommand,
// built by the given builder ("" for either).
func initContext(files map[string]string, b ConfigBuilder) func(*DockerfileInput) {
	return func(in *DockerfileInput) {
		exactContext(files)(in)
		in.InitAdds = true
		if b != "" {
			cfg := DefaultConfig()
			cfg.Builder = b
			in.Config = cfg
		}
	}
}

// TestCR124ComposeContext: for a Compose Dev Container the message names
// the service's build context, not a `build.context` of the config.
func TestCR124ComposeContext(t *testing.T) {
	c, err := devcontainer.Parse(".devcontainer/devcontainer.json", []byte(`{"dockerComposeFile": "compose.yml", "service": "web"}`))
	if err != nil {
		t.Fatal(err)
	}
	got := checkRule(t, "CR124", "FROM python:3.12\nCOPY wagtail/package.json /app/\n", func(in *DockerfileInput) {
		exactContext(map[string]string{"setup.sh": "x"})(in)
		in.Devcontainer = c
	})
	if len(got) != 1 || !strings.Contains(got[0].Message, "the build context of its Compose service") {
		t.Fatalf("CR124 %+v, want one naming the Compose service's context", got)
	}
}
