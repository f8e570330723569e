# colstate — the two commands README.md promises:
#   make demo   plan and apply examples/quickstart on an embedded Weaviate
#   make test   install what the tests need and run them all
SHELL := /bin/bash
comma := ,
empty :=
space := $(empty) $(empty)
WEAVIATE_VERSION := v1.35.2
GOBIN := $(shell go env GOPATH)/bin
export PATH := $(GOBIN):$(PATH)
WEAVIATE_BIN := $(GOBIN)/weaviate-server
VERSITYGW_VERSION := v1.8.0
VERSITYGW_BIN := $(GOBIN)/versitygw

.PHONY: all build demo test unit e2e weaviate versitygw deps fmt vet bench soak clean compat compat-servers

all: build

build:
	go build -o bin/colstate ./cmd/colstate

deps:
	go mod download

# Install weaviate-server with `go install`; does nothing when the installed
# binary already reports $(WEAVIATE_VERSION).
weaviate:
	@if [ -x "$(WEAVIATE_BIN)" ] && go version -m "$(WEAVIATE_BIN)" 2>/dev/null | grep -q "mod.*github.com/weaviate/weaviate[[:space:]]*$(WEAVIATE_VERSION)"; then \
		echo "weaviate-server $(WEAVIATE_VERSION) already installed at $(WEAVIATE_BIN)"; \
	else \
		echo "installing weaviate-server $(WEAVIATE_VERSION) (takes a few minutes the first time)"; \
		go install github.com/weaviate/weaviate/cmd/weaviate-server@$(WEAVIATE_VERSION); \
	fi

# Install versitygw, the S3 server the object-storage tests start (like
# weaviate-server above); does nothing when $(VERSITYGW_VERSION) is installed.
versitygw:
	@if [ -x "$(VERSITYGW_BIN)" ] && go version -m "$(VERSITYGW_BIN)" 2>/dev/null | grep -q "mod.*github.com/versity/versitygw[[:space:]]*$(VERSITYGW_VERSION)"; then \
		echo "versitygw $(VERSITYGW_VERSION) already installed at $(VERSITYGW_BIN)"; \
	else \
		echo "installing versitygw $(VERSITYGW_VERSION) (takes a few minutes the first time)"; \
		go install github.com/versity/versitygw/cmd/versitygw@$(VERSITYGW_VERSION); \
	fi

demo: build weaviate
	./bin/colstate -chdir examples/quickstart plan
	./bin/colstate -chdir examples/quickstart apply -auto-approve
	./bin/colstate -chdir examples/quickstart plan

vet:
	go vet ./...
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { gofmt -l $$(git ls-files '*.go'); echo "gofmt needed"; exit 1; }

# CI=true makes a missing weaviate-server or versitygw a failure, not a skip.
test: deps weaviate versitygw vet
	go test -count=1 -timeout 30m ./...

# make bench: colstate against Weaviate's own backups and raw gRPC loops, on
# local disk and on a versitygw S3 server
# (see README "Benchmarks"). Not part of make test. Pass flags with
# BENCHFLAGS, e.g. make bench BENCHFLAGS="-count 20000 -runs 1" or "-large".
BENCHFLAGS ?=
bench: build weaviate versitygw
	go run ./bench/cmd/colbench -colstate bin/colstate $(BENCHFLAGS)

# make cover: statement coverage of the unit tests and the CLI's end-to-end
# tests together, per package and in total (scripts/cover.sh). Not part of
# make test: it runs the whole suite under -cover. Raw data and the merged
# profile go to COVER_OUT (go tool cover -html=.cover/cover.out).
COVER_OUT ?= .cover
.PHONY: cover
cover: weaviate
	COVER_OUT=$(COVER_OUT) scripts/cover.sh

# make soak: the generative round-trip harness (docs/roundtrip.md) with random
# seeds until SOAK_DURATION is up; prints how many sequences and steps ran and
# every failure with the command that replays it. SOAK_FEATURES picks the
# generator switches (default: those that pass; "all" for every one),
# SOAK_SEED=N replays one sequence, SOAK_STEPS sets the steps per sequence.
SOAK_DURATION ?= 30m
SOAK_FEATURES ?= default
SOAK_LOG ?= soak.log
soak: weaviate
	@echo "soak: $(SOAK_DURATION), features $(SOAK_FEATURES); full log in $(SOAK_LOG)"
	@rm -f $(abspath $(SOAK_LOG)).summary; CI=true SOAK_DURATION=$(SOAK_DURATION) SOAK_FEATURES=$(SOAK_FEATURES) SOAK_SEED=$(SOAK_SEED) SOAK_STEPS=$(SOAK_STEPS) \
		SOAK_REPORT=$(abspath $(SOAK_LOG)).summary go test ./cmd/colstate -run '^TestRoundTripSoak$$' -count=1 -timeout 0 -v >$(SOAK_LOG) 2>&1; \
		status=$$?; cat $(abspath $(SOAK_LOG)).summary 2>/dev/null || tail -40 $(SOAK_LOG); exit $$status

# make compat: round trips between $(WEAVIATE_VERSION) and older
# weaviate-server releases (docs/compat.md). Not part of make test: it
# builds each older server with `go install` into its own GOBIN,
# $(COMPAT_DIR)/<version>/ (a few minutes each the first time; skipped when
# the binary there already reports that version), then runs
# internal/compattest with COLSTATE_COMPAT_SERVERS naming them.
COMPAT_VERSIONS ?= v1.27.0 v1.30.10
COMPAT_DIR ?= $(shell go env GOPATH)/compat
COMPAT_BINS := $(foreach v,$(COMPAT_VERSIONS),$(COMPAT_DIR)/$(v)/weaviate-server)
compat-servers:
	@for v in $(COMPAT_VERSIONS); do \
		bin="$(COMPAT_DIR)/$$v/weaviate-server"; \
		if [ -x "$$bin" ] && go version -m "$$bin" 2>/dev/null | grep -q "mod.*github.com/weaviate/weaviate[[:space:]]*$$v"; then \
			echo "weaviate-server $$v already installed at $$bin"; \
		else \
			echo "installing weaviate-server $$v into $(COMPAT_DIR)/$$v (takes a few minutes)"; \
			GOBIN="$(COMPAT_DIR)/$$v" go install github.com/weaviate/weaviate/cmd/weaviate-server@$$v || exit 1; \
		fi; \
	done

compat: weaviate compat-servers
	CI=true COLSTATE_COMPAT_SERVERS=$(subst $(space),$(comma),$(strip $(COMPAT_BINS))) \
		go test -count=1 -timeout 30m -v -run 'TestOlderToNewest|TestNewestToOlder' ./internal/compattest

clean:
	rm -rf bin examples/quickstart/.colstate soak.log soak.log.summary .cover
