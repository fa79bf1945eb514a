package checks

import (
	"strings"
	"testing"

	"github.com/coderready/coderready/devcontainer"
	"github.com/coderready/coderready/dockerfile"
)

// TestServiceImage: a final stage that starts an application server, a web
// server, a Java application or a program built in another stage, or that
// is built on an image without a shell, is a service's image (CR127, with
// why); a workspace's signs, a devcontainer.json that builds it, or the
// config switch say it is not, nor does a command that starts nothing of
// the kind.
func TestServiceImage(t *testing.T) {
	const goService = "FROM golang:1.23 AS builder\nRUN go build -o /workspace/manager .\nFROM alpine:3.20\nWORKDIR /\nCOPY --from=builder /workspace/manager .\nENTRYPOINT [\"/manager\"]\n"
	for _, tt := range []struct {
		name, path, src string
		mod             func(*DockerfileInput)
		want            string // part of the note; "" for none
	}{
		{"Spring Boot's launcher", "app/Dockerfile", "FROM eclipse-temurin:21-jre\nCOPY target/app.jar /app.jar\nENTRYPOINT [\"java\", \"org.springframework.boot.loader.launch.JarLauncher\"]\n", nil, "a Java application (`java … org.springframework.boot.loader.launch.JarLauncher`)"},
		{"java -jar in a shell", "app/Dockerfile", "FROM eclipse-temurin:21-jre\nCOPY app.jar /app.jar\nENTRYPOINT [\"sh\", \"-c\", \"exec java $JAVA_OPTS -jar /app.jar\"]\n", nil, "`java … -jar /app.jar`"},
		{"an application server", "api/Dockerfile", "FROM python:3.12-slim\nCOPY . /app\nCMD gunicorn -b :8000 app:app\n", nil, "the application server `gunicorn`"},
		{"the CMD an entrypoint script runs", "php/fpm/Dockerfile", "FROM debian:12\nENTRYPOINT [\"docker-php-entrypoint\"]\nCMD [\"php-fpm\"]\n", nil, "its CMD starts the server `php-fpm`"},
		{"nginx behind tini", "web/Dockerfile", "FROM nginx:1.27\nENTRYPOINT [\"tini\", \"--\"]\nCMD [\"nginx\", \"-g\", \"daemon off;\"]\n", nil, "the server `nginx`"},
		{"a program built in another stage", "Dockerfile", goService, nil, "runs `/manager`, a program built in stage `builder`"},
		{"distroless", "Dockerfile", "FROM gcr.io/distroless/static:nonroot\nCOPY manager /manager\n", nil, "which has no shell"},
		{"scratch with a whole system copied in", "Dockerfile", "FROM debian:12 AS sys\nFROM scratch\nCOPY --from=sys / /\nCMD [\"bash\"]\n", nil, ""},
		{"a dev image's path", ".devcontainer/Dockerfile", goService, nil, ""},
		{"a workspace image's path", "images/workspace/Dockerfile", goService, nil, ""},
		{"a stage named for working in", "Dockerfile", "FROM golang:1.23 AS dev\nRUN go build -o /out/app .\nFROM alpine:3.20\nCOPY --from=dev /out/app /app\nENTRYPOINT [\"/app\"]\n", nil, ""},
		{"a devcontainer.json builds it", "Dockerfile", goService, func(in *DockerfileInput) {
			c, err := devcontainer.Parse(".devcontainer/devcontainer.json", []byte(`{"build": {"dockerfile": "../Dockerfile"}}`))
			if err != nil {
				t.Fatal(err)
			}
			in.Devcontainer = c
		}, ""},
		{"a devcontainer.json runs its image", "Dockerfile", goService, func(in *DockerfileInput) { in.DevcontainerImage = ".devcontainer/devcontainer.json" }, ""},
		{"the config judges service images", "Dockerfile", goService, func(in *DockerfileInput) { in.Config.CheckServiceImages = true }, ""},
		{"a program on PATH built in another stage", "Dockerfile", "FROM golang:1.23 AS build\nRUN go build -o /src/lazygit .\nFROM alpine:3.20\nCOPY --from=build /src/lazygit /bin/\nENTRYPOINT [\"lazygit\"]\n", nil, "runs `lazygit`, a program built in stage `build`"},
		{"distroless with a shell copied in", "Dockerfile", "FROM busybox:1.36 AS sh\nFROM nvcr.io/nvidia/distroless/cc:v4.0.4\nCOPY --from=sh /bin/sh /usr/bin/\nCMD [\"/usr/bin/sh\"]\n", nil, ""},
		{"a test's fixture", "internal/rule/testdata/Dockerfile.alpine", "FROM alpine:latest\n", nil, "a `testdata` folder"},
		{"Rails's server behind Thruster", "Dockerfile", "FROM ruby:3.4-slim\nENV RAILS_ENV=\"production\"\nCOPY . /rails\nENTRYPOINT [\"/rails/bin/docker-entrypoint\"]\nCMD [\"./bin/thrust\", \"./bin/rails\", \"server\"]\n", nil, "the Rails server"},
		{"a server's image with its own command", "web/Dockerfile", "FROM node:22 AS build\nRUN npm run build\nFROM nginx:alpine\nCOPY --from=build /app/dist /usr/share/nginx/html\n", nil, "keeps `nginx`'s own command"},
		{"php's Apache image with its own command", "Dockerfile", "FROM php:8.3-apache\nCOPY src/ /var/www/html/\n", nil, "keeps `php`'s own command"},
		{"php's CLI image with its own command", "Dockerfile", "FROM php:8.3-cli\nCOPY src/ /app/\n", nil, ""},
		{"Rails's server in development", "Dockerfile", "FROM ruby:3.4\nWORKDIR /otwa\nCMD bundle exec rails s -p 3000\n", nil, ""},
		{"rails console", "Dockerfile", "FROM ruby:3.4\nCMD [\"bin/rails\", \"console\"]\n", nil, ""},
		{"a release copied into the WORKDIR", "Dockerfile", "FROM elixir:1.17 AS builder\nRUN mix release\nFROM debian:12-slim\nWORKDIR /opt/app\nCOPY --from=builder /opt/built .\nCMD [\"bin/teslamate\", \"start\"]\n", nil, "runs `bin/teslamate`, a program built in stage `builder`"},
		{"a folder of binaries copied into /usr/local", "Dockerfile", "FROM rust:1.80 AS builder\nRUN cargo build --release\nFROM debian:12-slim\nCOPY --from=builder /release /usr/local/\nENTRYPOINT [\"noseyparker\"]\n", nil, "runs `noseyparker`"},
		{"a file copied beside a script the image runs", "Dockerfile", "FROM golang:1.23 AS b\nRUN go build -o /out/x .\nFROM debian:12\nWORKDIR /app\nCOPY --from=b /out/x.json /app/\nCMD [\"bin/start\"]\n", nil, ""},
		{"a shell", "Dockerfile", "FROM ubuntu:24.04\nCMD [\"bash\"]\n", nil, ""},
		{"a program installed by the image", "Dockerfile", "FROM ubuntu:24.04\nRUN apt-get install -y redis\nCMD [\"redis-server\"]\n", nil, ""},
		{"a java tool, no application", "Dockerfile", "FROM eclipse-temurin:21\nCMD [\"java\", \"-version\"]\n", nil, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f, err := dockerfile.Parse(tt.path, []byte(tt.src))
			if err != nil {
				t.Fatal(err)
			}
			in := &DockerfileInput{File: f, Config: DefaultConfig()}
			if tt.mod != nil {
				tt.mod(in)
			}
			note, ok := ServiceImage(in)
			switch {
			case tt.want == "" && ok:
				t.Errorf("a service image: %s", note.Message)
			case tt.want != "" && !ok:
				t.Errorf("not a service image, want one: %s", tt.want)
			case ok && (!strings.Contains(note.Message, tt.want) || note.RuleID != RuleServiceImage || note.Severity != SeverityInfo):
				t.Errorf("note %+v, want it to say %s", note, tt.want)
			}
		})
	}
}

// TestLowerForService: a service image's warnings become info; errors and
// info stay.
func TestLowerForService(t *testing.T) {
	got := LowerForService([]Finding{{RuleID: "CR101", Severity: SeverityWarning}, {RuleID: "CR100", Severity: SeverityError}, {RuleID: "CR104", Severity: SeverityInfo}})
	for i, want := range []Severity{SeverityInfo, SeverityError, SeverityInfo} {
		if got[i].Severity != want {
			t.Errorf("%s: %v, want %v", got[i].RuleID, got[i].Severity, want)
		}
	}
}
