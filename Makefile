# Custos: the two commands of the README are `make run` and `make test`.
# Everything else here is a step they use, or a convenience.

BUILD_DIR ?= build
BUILD_TYPE ?= RelWithDebInfo
SANITIZE ?= 0
JOBS ?= 2
# CI=true (as CI sets it) turns warnings into errors and runs the unit tests under the sanitizers
# (instead of in the optimized build), then the fuzz targets.
CI ?=
WERROR ?= $(if $(filter true 1,$(CI)),ON,OFF)

# UNITY=OFF compiles each source alone (a quicker rebuild after a one-file change; CUSTOS_UNITY).
UNITY ?= ON
# In CI the rooms' unit tests run once, in the sanitizer tree (test-sanitize), not also in
# $(BUILD_DIR), whose tests are then the multi-process, simulator and browser ones.
UNIT_TESTS ?= $(if $(filter true 1,$(CI)),OFF,ON)

SANITIZE_FLAG := $(if $(filter 1,$(SANITIZE)),ON,OFF)
CMAKE_FLAGS := -G Ninja -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) -DCUSTOS_WERROR=$(WERROR) -DCUSTOS_SANITIZE=$(SANITIZE_FLAG) \
	-DCUSTOS_UNITY=$(UNITY) -DCUSTOS_UNIT_TESTS=$(UNIT_TESTS)

.PHONY: all deps configure build test test-only sanitize-build test-sanitize test-fuzz fuzz run format soak chaos clean help

all: build

help:
	@echo "make run      install what is missing, build, run a local 4-validator network"
	@echo "make test     install what is missing, build, run every test"
	@echo "make deps     install missing Debian packages (root or sudo)"
	@echo "make build    build into $(BUILD_DIR)/ (binaries in $(BUILD_DIR)/bin); UNITY=OFF compiles each source alone"
	@echo "make format   clang-format every C++ file"
	@echo "make soak     long simulator soak (100,000 seeds)"
	@echo "make chaos    long chaos run on real nodes (CHAOS_ROUNDS=60 rounds of each scenario, about 100 minutes)"
	@echo "make test-sanitize  build $(SANITIZE_DIR)/ (clang, ASan+UBSan), run the rooms' unit tests there"
	@echo "make fuzz     build the libFuzzer targets into $(SANITIZE_DIR)/, fuzz each FUZZ_SECONDS=60"

deps:
	@./scripts/install-deps.sh

configure: deps
	@cmake -S . -B $(BUILD_DIR) $(CMAKE_FLAGS) > /dev/null

build: configure
	@cmake --build $(BUILD_DIR) -j $(JOBS)

test: build
	@$(MAKE) --no-print-directory test-only
ifneq ($(filter true 1,$(CI)),)
	@$(MAKE) --no-print-directory test-sanitize
	@$(MAKE) --no-print-directory test-fuzz
endif

test-only:
	@ctest --test-dir $(BUILD_DIR) --output-on-failure -j $(JOBS)

# The sanitizer tree, build-sanitize/ (SANITIZE_DIR): clang 14 with AddressSanitizer,
# UndefinedBehaviorSanitizer and the fuzzer's coverage in every room (CUSTOS_FUZZ). The rooms' unit
# tests and the libFuzzer targets (fuzz/, docs/FUZZING.md) build there from the same objects.
SANITIZE_DIR ?= build-sanitize
SANITIZE_CXX ?= clang++-14
FUZZ_SECONDS ?= 60
FUZZ_CI_SECONDS ?= 5
FUZZ_TARGETS ?=
sanitize-build: deps
	@cmake -S . -B $(SANITIZE_DIR) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=$(SANITIZE_CXX) \
		-DCUSTOS_FUZZ=ON -DCUSTOS_WERROR=$(WERROR) -DCUSTOS_UNITY=$(UNITY) -DCUSTOS_UNIT_TESTS=ON > /dev/null
	@cmake --build $(SANITIZE_DIR) -j $(JOBS) --target custos-unit-tests custos-fuzz

# The rooms' unit tests under the sanitizers.
test-sanitize: sanitize-build
	@ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
		ctest --test-dir $(SANITIZE_DIR) --output-on-failure -j $(JOBS) -L unit

# `make fuzz` fuzzes each target FUZZ_SECONDS (FUZZ_TARGETS="json bundle" to choose); in CI,
# `make test` replays the committed corpus (fuzz/corpus/) and fuzzes each FUZZ_CI_SECONDS.
fuzz: sanitize-build
	@FUZZ_DIR=$(SANITIZE_DIR) scripts/fuzz.sh run $(FUZZ_SECONDS) $(FUZZ_TARGETS)

test-fuzz: sanitize-build
	@FUZZ_DIR=$(SANITIZE_DIR) scripts/fuzz.sh run $(FUZZ_CI_SECONDS) $(FUZZ_TARGETS)

# The local 4-validator network in ./localnet (LOCALNET=DIR to choose another directory):
# initialised once, resumed on every later run. NO_DEMO=1 skips the demo custody trail.
LOCALNET ?= localnet
NO_DEMO ?=
run: build
	@if [ ! -f "$(LOCALNET)/genesis.json" ]; then \
		$(BUILD_DIR)/bin/custos-dev localnet init --dir "$(LOCALNET)" || exit 1; \
	fi
	@exec $(BUILD_DIR)/bin/custos-dev localnet run --dir "$(LOCALNET)" $(if $(filter 1 true yes,$(NO_DEMO)),--no-demo,)

format:
	@git ls-files '*.cpp' '*.hpp' | xargs clang-format -i

# 100,000 simulator seeds across four configurations, $(JOBS) runs in parallel (hours on 2 cores).
# Any failing seed is printed with its invariant and makes the target fail; replay it with
# custos-sim --seed N and the same options (see consensus/README.md).
SOAK_SIM = $(BUILD_DIR)/bin/custos-sim
# The chaos harness's long form (tests/node/chaos_test.cpp): CHAOS_ROUNDS rounds of each scenario
# under load: SIGSTOP/SIGCONT of each validator in turn (about 16 s a round), kill -9 and restart
# of each in turn (about 17 s a round), a bad network on
# every link (delay, jitter, stalls, then a stream damaged in flight; about 9 s a round), and
# partitions (each validator cut off, 2|2, a ring, a flapping link; about 27 s a round), the same
# in network namespaces with a bad network between them (about 22 s a round, as root), and one
# validator's clock 2 min ahead then behind across restarts (about 12 s a round); after each,
# the property checks, the audits and the table's line. `make test` runs one round of each.
CHAOS_ROUNDS ?= 60
chaos: build
	CUSTOS_CHAOS_ROUNDS=$(CHAOS_ROUNDS) $(BUILD_DIR)/bin/custos-test-node -tc='chaos: *'

soak: build
	@printf '%s\n' \
		"--seeds 100000..119999 --validators 4 --byzantine 1" \
		"--seeds 120000..139999 --validators 4 --byzantine 1" \
		"--seeds 140000..159999 --validators 4 --byzantine 1" \
		"--seeds 160000..179999 --validators 4 --byzantine 1" \
		"--seeds 200000..204999 --validators 7 --unequal-power --byzantine 2" \
		"--seeds 205000..209999 --validators 7 --unequal-power --byzantine 2" \
		"--seeds 300000..303499 --validators 5 --byzantine 1 --crash 0.4 --loss 0.2" \
		"--seeds 303500..306999 --validators 5 --byzantine 1 --crash 0.4 --loss 0.2" \
		"--seeds 400000..401499 --validators 10 --byzantine 3" \
		"--seeds 401500..402999 --validators 10 --byzantine 3" \
	| xargs -P $(JOBS) -I{} sh -c '$(SOAK_SIM) {}'

clean:
	rm -rf build build-sanitize build-fuzz
