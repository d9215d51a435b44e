# Companion Hub — `make help` lists the targets. The two that matter on a fresh machine:
#   make run    start the hub on its embedded defaults (SQLite, in-process, offline providers)
#   make test   every check and every test, integration tests against real PostgreSQL, Redis and Temporal included

SHELL := /usr/bin/env bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

GO          ?= go
BIN         := bin/companionhub
PKGS        := ./...
TEST_FLAGS  ?= -race -count=1 -timeout 25m
# Integration tests use testcontainers with locally built images; Ryuk's image cannot be pulled here.
export TESTCONTAINERS_RYUK_DISABLED := true

.PHONY: help
help: ## list the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  \033[36m%-16s\033[0m %s\n", $$1, $$2}' $(MAKEFILE_LIST)

.PHONY: run
run: build ## start the hub on the embedded defaults at http://127.0.0.1:8080 (loopback only; COMPANIONHUB_HTTP_ADDR=:8080 to expose it)
	COMPANIONHUB_DEV=$${COMPANIONHUB_DEV:-true} ./$(BIN) serve

.PHONY: build
build: ## build bin/companionhub
	$(GO) build -o $(BIN) ./cmd/companionhub

# The JSON report of the last `make test`, and how slow a test must be to be listed after it.
TEST_REPORT ?= bin/test-report.json
SLOWEST     ?= 5s

.PHONY: test
test: check test-images temporal-cli speech-tools browser-tools fuzz-short ## run every check and every test (unit, conformance, integration, end-to-end, a moment of fuzzing), then list the slowest
	@mkdir -p $(dir $(TEST_REPORT))
	@# The slowest tests are listed whatever the outcome: a failed run is when they matter most.
	status=0; $(GO) tool gotestsum --format testname --format-hide-empty-pkg --jsonfile $(TEST_REPORT) -- $(TEST_FLAGS) $(PKGS) || status=$$?; \
	$(MAKE) --no-print-directory slowest; exit $$status

# FUZZTIME is how long `make fuzz` fuzzes each target; `make test` fuzzes each for FUZZTIME_SHORT.
FUZZTIME       ?= 30s
FUZZTIME_SHORT ?= 2s

.PHONY: fuzz
fuzz: ## fuzz every native fuzz target for $(FUZZTIME) each (failing inputs land in testdata/fuzz)
	GO=$(GO) FUZZTIME=$(FUZZTIME) scripts/fuzz.sh

.PHONY: fuzz-short
fuzz-short: ## fuzz every target for $(FUZZTIME_SHORT): part of `make test`
	GO=$(GO) FUZZTIME=$(FUZZTIME_SHORT) scripts/fuzz.sh

.PHONY: slowest
slowest: ## list the tests of the last `make test` slower than $(SLOWEST), slowest first
	@echo "Tests slower than $(SLOWEST) (report: $(TEST_REPORT)):"
	@$(GO) tool gotestsum tool slowest --jsonfile $(TEST_REPORT) --threshold $(SLOWEST)

.PHONY: check
check: fmt-check vet wire-check large-files ## static checks: gofmt, go vet, wire drift, no large tracked files (the layering test runs with the tests)

.PHONY: fmt-check
fmt-check: ## fail when a file is not gofmt-formatted
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go' -not -path './.git/*')); \
	if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi

.PHONY: large-files
large-files: ## fail when a tracked file is over 1 MB (build output must never be committed)
	@scripts/large-files.sh

.PHONY: vet
vet: ## go vet every package
	$(GO) vet $(PKGS)

WIRE_PKGS   := . ./core ./test/wiresets

.PHONY: generate
generate: ## regenerate the wire_gen.go files (façade, core, the adapters' sets)
	$(GO) tool wire gen $(WIRE_PKGS)

.PHONY: wire-check
wire-check: ## fail when a wire_gen.go is not what its wire.go generates
	@$(GO) tool wire diff $(WIRE_PKGS) >/tmp/companionhub-wire.diff 2>&1 || { cat /tmp/companionhub-wire.diff; echo "wire_gen.go is stale: run make generate"; exit 1; }

.PHONY: test-images
test-images: ## build the PostgreSQL and Redis test images from Debian packages (cached by tag)
	scripts/test-images.sh

.PHONY: image
image: ## build the container image companionhub:latest (static binary, non-root, no registry needed; cached)
	GO=$(GO) scripts/image.sh

.PHONY: temporal-cli
temporal-cli: ## build the temporal CLI (the tests' Temporal dev server) once and cache it
	GO=$(GO) scripts/temporal-cli.sh

.PHONY: screenshots
screenshots: browser-tools ## refresh the web app's screenshots in docs/screenshots (desktop and phone, taken by the browser tests)
	COMPANIONHUB_TEST_SCREENSHOTS=$(CURDIR)/docs/screenshots $(GO) test -count=1 -run 'TestJourney|TestPhone|TestCommunity|TestCompanionWritesFirst' ./test/browser/

.PHONY: speech-tools
speech-tools: ## install espeak-ng (the espeak speech backend's program) from Debian's packages when it is missing
	scripts/speech-tools.sh

.PHONY: browser-tools
browser-tools: ## install Chromium (the browser tests' browser) from Debian's packages when it is missing
	scripts/browser-tools.sh

.PHONY: test-unit
test-unit: ## only the tests that need neither Docker nor Temporal (they skip, saying why)
	$(GO) tool gotestsum --format testname --format-hide-empty-pkg -- -short $(TEST_FLAGS) $(PKGS)

.PHONY: bench
bench: test-images temporal-cli ## benchmarks, printed as numbers and ratios to baselines measured in the same run
	$(GO) run ./test/bench

.PHONY: clean
clean: ## remove build output
	rm -rf bin
