# coderready — build, test, lint, bench, run.
GO       ?= go
PKGS     ?= ./...
FUZZTIME ?= 10s
VERSION  ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS  := -X main.version=$(VERSION)

.PHONY: all build test test-unit fuzz-short lint generate bench bench-inspect run tidy-check clean

all: build

## build: the coderready binary in ./bin
build:
	$(GO) build -ldflags "$(LDFLAGS)" -o bin/coderready ./cmd/coderready

## test: the whole suite — unit, golden, integration tests, then short fuzz runs
test: test-unit fuzz-short

test-unit:
	$(GO) test -count=1 $(PKGS)

## fuzz-short: each fuzz target for $(FUZZTIME) (no panic, no hang); the
## short minimize time keeps a crash report from spending a minute shrinking
## the large corpus seeds
FUZZ := $(GO) test -run='^$$' -fuzztime=$(FUZZTIME) -fuzzminimizetime=5s
fuzz-short:
	$(FUZZ) -fuzz='^FuzzParse$$' ./dockerfile
	$(FUZZ) -fuzz='^FuzzParse$$' ./devcontainer
	$(FUZZ) -fuzz='^FuzzParseConfig$$' ./checks

## lint: gofmt, go vet and golangci-lint (a go.mod tool)
lint:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(GO) vet $(PKGS)
	$(GO) tool golangci-lint run $(PKGS)

## generate: docs/rules.md from the rule registry
generate:
	$(GO) generate ./...

## bench: Go benchmarks (check over the corpus, parsers)
bench:
	$(GO) test -run='^$$' -bench=. -benchmem $(PKGS)

## bench-inspect: inspect a ~2.3 GB golden image from a tarball, the daemon
## and a loopback registry, against dockle (DOCKLE=path) and crane export
bench-inspect:
	scripts/bench-inspect.sh

## run: check the examples
run:
	$(GO) run ./cmd/coderready check --offline ./examples/...

tidy-check:
	$(GO) mod tidy -diff

clean:
	rm -rf bin
