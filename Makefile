# l2lb: see README.md. Every target that needs tools depends on `setup`, which is idempotent.
SHELL := /bin/bash
NODES ?= 3
export npm_config_nodedir := /usr
export npm_config_loglevel := error
NODE := node --enable-source-maps
JEST := node --experimental-vm-modules --no-warnings node_modules/jest/bin/jest.js
# Suites that start servers and processes run one file at a time. Each integration suite run on its
# own lets jest exit, but the whole integration project run in one jest still keeps 5 sockets open
# after its last test passed (seen in a fresh-clone CI run): --forceExit keeps that leak from
# hanging `make test` until it is found (jest still prints its "did not exit" warning).
JEST_IN_BAND := $(JEST) --runInBand --forceExit

.PHONY: setup build test test-unit test-integration test-lab demo demo-lab bench lint image \
        cluster-up cluster-down lab-up lab-down clean

setup:
	@bash scripts/setup.sh

build: setup
	@npx tsc -p tsconfig.json
	@if [ -f speaker/native/binding.gyp ]; then bash scripts/build-native.sh; fi

test: build
	@$(JEST) --selectProjects unit
	@$(JEST_IN_BAND) --selectProjects integration
	@$(JEST_IN_BAND) --selectProjects lab

test-unit: build
	@$(JEST) --selectProjects unit
test-integration: build
	@$(JEST_IN_BAND) --selectProjects integration
test-lab: build
	@$(JEST_IN_BAND) --selectProjects lab

# The story on a real cluster (3 kubelet nodes, l2lb's image, helm install); demo-lab tells it on
# the process lab (programs as host processes, seconds instead of minutes).
demo: build
	@$(NODE) dist/e2e/demo/real.js
demo-lab: build
	@$(NODE) dist/e2e/demo/main.js

# BENCH=allocator,packets,controller,failover,realcluster,membership-scale,election-change,spread,
# spread-realcluster picks benchmarks; SPREAD_BENCH_MBIT/_PARALLEL/_SECONDS change the spreading
# benches' shaping and pulls;
# L2LB_SOAK_SECONDS shortens the soak; L2LB_REALCLUSTER_TRIALS sets the real-cluster failover trials
# (default 10); L2LB_FAILOVER_PHASES=fifty runs the 50-speaker phase alone.
bench: build
	@$(NODE) --expose-gc dist/e2e/bench/main.js

lint: setup
	@npx eslint .

cluster-up: build
	@$(NODE) dist/e2e/testenv/cli.js up
cluster-down: build
	@$(NODE) dist/e2e/testenv/cli.js down

lab-up: build
	@$(NODE) dist/e2e/lab/cli.js up --nodes $(NODES)
lab-down: build
	@$(NODE) dist/e2e/lab/cli.js down

# Builds the container image (docker, podman or buildah) and prints its archive path and digest.
image:
	@bash scripts/image.sh

clean:
	rm -rf dist speaker/native/build .l2lb
