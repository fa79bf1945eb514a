# coderready — build, test, lint, bench, run.
GO       ?= go
PKGS     ?= ./...
VERSION  ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS  := -X main.version=$(VERSION)

.PHONY: bench-pr bench-webhook probe-agents
.PHONY: precision
.PHONY: all build image test test-unit fuzz-short fuzz lint generate bench bench-build bench-inspect run tidy-check clean

all: build

## build: the coderready binary in ./bin
build:
	$(GO) build -ldflags "$(LDFLAGS)" -o bin/coderready ./cmd/coderready

## image: the server's container image (deploy/Dockerfile) as IMAGE
## (coderready:VERSION). The binary is built here (static, BINARY=local), so
## no Go image is pulled; BASE_IMAGE is the runtime base (a local Debian
## image builds offline), NPM_REGISTRY the registry the Dev Containers CLI
## comes from, EXTRA_CA_FILE a PEM file of CAs to trust (a TLS-intercepting
## proxy's), WITH_DEVCONTAINER_CLI=0 leaves Node and the CLI out, and
## BINARY=build compiles in GO_IMAGE instead; DOCKER_BUILD_FLAGS adds flags
## (--network=host on an engine without a bridge). See docs/install.md.
IMAGE                 ?= coderready:$(VERSION)
BASE_IMAGE            ?= debian:bookworm-slim
GO_IMAGE              ?= golang:1.26-bookworm
BINARY                ?= local
NPM_REGISTRY          ?=
EXTRA_CA_FILE         ?=
WITH_DEVCONTAINER_CLI ?= 1
# The Debian docker.io client (20.10) has BuildKit built in; a newer client
# elsewhere on PATH may want the buildx plugin (see scripts/test-images.sh).
DOCKER                ?= $(shell [ -x /usr/bin/docker ] && echo /usr/bin/docker || echo docker)
DOCKER_BUILD_FLAGS    ?=
image:
	@if [ -n "$(EXTRA_CA_FILE)" ] && ! grep -q -- '-----BEGIN CERTIFICATE-----' "$(EXTRA_CA_FILE)"; then \
		echo "EXTRA_CA_FILE=$(EXTRA_CA_FILE): no PEM certificate in it" >&2; exit 1; fi
	if [ "$(BINARY)" = local ]; then \
		CGO_ENABLED=0 GOOS=linux $(GO) build -trimpath -ldflags "-s -w $(LDFLAGS)" -o bin/image/coderready ./cmd/coderready && \
		$(MAKE) probe-agents PROBE_AGENTS_DIR=bin/image/probe-agents; fi
	DOCKER_BUILDKIT=1 $(DOCKER) build -f deploy/Dockerfile -t $(IMAGE) $(DOCKER_BUILD_FLAGS) \
		--build-arg VERSION=$(VERSION) --build-arg BINARY=$(BINARY) \
		--build-arg BASE_IMAGE=$(BASE_IMAGE) --build-arg GO_IMAGE=$(GO_IMAGE) \
		--build-arg WITH_DEVCONTAINER_CLI=$(WITH_DEVCONTAINER_CLI) \
		--build-arg NPM_REGISTRY=$(NPM_REGISTRY) \
		--build-arg EXTRA_CA_CERTS="$$(if [ -n "$(EXTRA_CA_FILE)" ]; then cat "$(EXTRA_CA_FILE)"; fi)" \
		.

## probe-agents: the agent bootstrap probe's stand-in agents (static, one
## per architecture) in PROBE_AGENTS_DIR; point CODERREADY_PROBE_AGENTS at
## it where coderready runs without its source (the server image has them)
PROBE_AGENTS_DIR ?= bin/probe-agents
probe-agents:
	for arch in amd64 arm64; do \
		CGO_ENABLED=0 GOOS=linux GOARCH=$$arch $(GO) build -trimpath -ldflags "-s -w" \
			-o $(PROBE_AGENTS_DIR)/coderready-probe-linux-$$arch ./cmd/coderready-probe || exit 1; \
	done

## test: the whole suite — unit, golden, integration tests, then short fuzz runs
test: test-unit fuzz-short

test-unit:
	$(GO) test -count=1 $(PKGS)

## fuzz-short: each fuzz target for a fixed number of inputs (no panic, no
## hang). Counts, not durations: with a wall-clock -fuzztime the Go fuzzer can
## report its own deadline as a failure ("context deadline exceeded") on a
## busy machine, and counts make the same amount of work on every machine.
## The minimize limit keeps a crash report from spending a minute shrinking
## the large corpus seeds. `make fuzz FUZZTIME=10m` fuzzes for longer.
FUZZ_DOCKERFILE   ?= 20000x
FUZZ_DEVCONTAINER ?= 100000x
FUZZ_CONFIG       ?= 20000x
FUZZ_LAYER        ?= 20000x
FUZZ_EXTRACT      ?= 5000x
FUZZ := $(GO) test -run='^$$' -fuzzminimizetime=2000x
fuzz-short:
	$(FUZZ) -fuzztime=$(FUZZ_DOCKERFILE) -fuzz='^FuzzParse$$' ./dockerfile
	$(FUZZ) -fuzztime=$(FUZZ_DEVCONTAINER) -fuzz='^FuzzParse$$' ./devcontainer
	$(FUZZ) -fuzztime=$(FUZZ_CONFIG) -fuzz='^FuzzParseConfig$$' ./checks
	$(FUZZ) -fuzztime=$(FUZZ_LAYER) -fuzz='^FuzzIndexLayer$$' ./image
	$(FUZZ) -fuzztime=$(FUZZ_EXTRACT) -fuzz='^FuzzExtract$$' ./app/source

## fuzz: each fuzz target for FUZZTIME (default 1m) of wall-clock time
FUZZTIME ?= 1m
fuzz:
	$(FUZZ) -fuzztime=$(FUZZTIME) -fuzz='^FuzzParse$$' ./dockerfile
	$(FUZZ) -fuzztime=$(FUZZTIME) -fuzz='^FuzzParse$$' ./devcontainer
	$(FUZZ) -fuzztime=$(FUZZTIME) -fuzz='^FuzzParseConfig$$' ./checks
	$(FUZZ) -fuzztime=$(FUZZTIME) -fuzz='^FuzzIndexLayer$$' ./image
	$(FUZZ) -fuzztime=$(FUZZTIME) -fuzz='^FuzzExtract$$' ./app/source

## lint: gofmt, go vet and golangci-lint (a go.mod tool)
lint:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(GO) vet $(PKGS)
	$(GO) tool golangci-lint run $(PKGS)

## generate: docs/rules.md from the rule registry
generate:
	$(GO) generate ./...

## precision: check --offline over testdata/eval and print, per rule, the
## hand judgments (TRUE/FALSE/MOOT), precision and recall; fails like the
## internal/precision test when findings and judgments differ
precision:
	$(GO) run ./tools/precision -dir testdata/eval

## bench: Go benchmarks (check over the corpus, parsers)
bench:
	$(GO) test -run='^$$' -bench=. -benchmem $(PKGS)

## bench-build: the same small project built with the engine's classic
## builder (baseline) and its BuildKit, 10 builds each, three runs
bench-build:
	CI=true $(GO) test -run='^$$' -bench=BenchmarkDockerBuild -benchtime=10x -count=3 ./build

## bench-pr: through the app (fake GitHub, real engine), delivery to the
## first completed check run and to the end of the job (the base's
## comparison), for a small Dockerfile, the golden image plus one line
## (first push) and another line (second push): the app before (export
## route, base rebuilt each push) and after, in one run
bench-pr:
	CI=true $(GO) test -run='^$$' -bench=BenchmarkPullRequestRecheck -benchtime=1x -timeout=90m -v ./app

## bench-inspect: inspect a ~2.3 GB golden image from a tarball, the daemon
## and a loopback registry, against dockle (DOCKLE=path) and crane export
bench-inspect:
	scripts/bench-inspect.sh

## bench-webhook: signed deliveries at RATE/s fired at `coderready serve` on
## loopback (GitHub is a loopback fake): ack latency p50/p99 and deliveries/s
## against a bare net/http+HMAC receiver, SQLite and (DATABASE_URL) PostgreSQL;
## then the same deliveries while ATTACKERS connections stream unsigned 25 MiB
## bodies: serve's peak RSS and the signed p50/p99, against BASE_BIN if set
## (e.g. a binary built from an older commit in a git worktree)
RATE         ?= 200
DURATION     ?= 15s
DATABASE_URL ?= postgres://postgres@127.0.0.1:55432/coderready_test?sslmode=disable
ATTACKERS    ?= 80
BASE_BIN     ?=
bench-webhook: build
	$(GO) run ./tools/benchwebhook -bin bin/coderready -rate $(RATE) -duration $(DURATION) -database-url "$(DATABASE_URL)" -attackers $(ATTACKERS) -base-bin "$(BASE_BIN)"

## run: check the examples
run:
	$(GO) run ./cmd/coderready check --offline ./examples/...

tidy-check:
	$(GO) mod tidy -diff

clean:
	rm -rf bin
