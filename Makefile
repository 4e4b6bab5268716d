# Custos: the two commands of the README are `make run` and `make test`.
# Everything else here is a step they use, or a convenience.

BUILD_DIR ?= build
BUILD_TYPE ?= RelWithDebInfo
SANITIZE ?= 0
JOBS ?= 2
# CI=true (as CI sets it) turns warnings into errors and adds a sanitizer run of the unit tests.
CI ?=
WERROR ?= $(if $(filter true 1,$(CI)),ON,OFF)

SANITIZE_FLAG := $(if $(filter 1,$(SANITIZE)),ON,OFF)
CMAKE_FLAGS := -G Ninja -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) -DCUSTOS_WERROR=$(WERROR) -DCUSTOS_SANITIZE=$(SANITIZE_FLAG)

.PHONY: all deps configure build test test-only test-sanitize run format soak clean help

all: build

help:
	@echo "make run      install what is missing, build, run a local 4-validator network"
	@echo "make test     install what is missing, build, run every test"
	@echo "make deps     install missing Debian packages (root or sudo)"
	@echo "make build    build into $(BUILD_DIR)/ (binaries in $(BUILD_DIR)/bin)"
	@echo "make format   clang-format every C++ file"
	@echo "make soak     long simulator soak (100,000 seeds)"

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
endif

test-only:
	@ctest --test-dir $(BUILD_DIR) --output-on-failure -j $(JOBS)

# Unit tests once under AddressSanitizer + UndefinedBehaviorSanitizer, in their own build tree.
test-sanitize:
	@$(MAKE) --no-print-directory build BUILD_DIR=build-sanitize SANITIZE=1 BUILD_TYPE=Debug
	@ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
		ctest --test-dir build-sanitize --output-on-failure -j $(JOBS) -L unit

run: build
	@echo "make run: the local 4-validator network arrives with the validator-node issue;"
	@echo "until then this builds everything; try: $(BUILD_DIR)/bin/custos --help"

format:
	@git ls-files '*.cpp' '*.hpp' | xargs clang-format -i

clean:
	rm -rf build build-sanitize
