# parawasm — build, test, benchmark.  `make help` lists the targets.
#
# pkg/ (the npm package) is built by the same command every user runs for
# their own kernels, `parawasm build` (js/tools/build.mjs), with every
# parawasm family; then the SDK (headers, runtime C, family sources, the
# build tools and the make fragment of the flags) is copied in.
#   pkg/wasm/parawasm.*      single thread, SIMD       -> the core without shared memory
#   pkg/wasm/parawasm-mt.*   pthreads, SIMD, shared    -> the pool, and the core with shared memory
#   build/native/*           gcc: C tests, sanitizers, native baseline
# build/testpkg/ is a second package built the same way from the
# test-only kernels of test/kernels/ (a user package, to the build tool).

SHELL := /bin/bash
.DEFAULT_GOAL := all

# Debian's emcc needs Debian's acorn; Node here is not Debian's.
export NODE_PATH := /usr/share/nodejs
EMCC ?= emcc
CC ?= gcc
NODE ?= node
WASM_VALIDATE ?= wasm-validate

# parawasm's families (js/tools/families.mjs): FAMILIES (as `parawasm build
# --with` takes them), FAMILY_UNITS (third-party library units that a family
# compiles apart, each with its own flags: FLAGS_<name> and
# NATIVE_FLAGS_<name>), made from the one table
build/families.mk: js/tools/families.mjs
	@mkdir -p $(@D)
	$(NODE) $< > $@
include build/families.mk
# the headers of kernels and of the kernel API (parawasm/testing.h is the C test harness)
SDK_HEADERS := include/parawasm.h $(sort $(filter-out include/parawasm/testing.h,$(wildcard include/parawasm/*.h)))
KERNEL_SRCS := $(sort $(filter-out $(FAMILY_UNITS),$(wildcard src/kernels/*/*.c)))
# helpers every family may use (simd.h), and each family's own headers
KERNEL_COMMON_H := $(sort $(wildcard src/kernels/*.h))
KERNEL_HDRS := $(KERNEL_COMMON_H) $(sort $(wildcard src/kernels/*/*.h))
RUNTIME_H := src/runtime/runtime.h src/runtime/futex.h src/runtime/pool.h src/runtime/alloc.h
# the runtime that every build links: task records, errors, progress, split/join
RUNTIME_CORE := src/runtime/task.c src/runtime/split.c src/runtime/alloc.c
RUNTIME_SRCS := $(sort $(wildcard src/runtime/*.c))
TEST_HEADERS := $(sort $(wildcard test/kernels/*.h))
TEST_SRCS := $(sort $(wildcard test/kernels/*.c))
JS_RUNTIME := $(sort $(wildcard js/runtime/* js/families/*))
JS_TOOLS := $(sort $(wildcard js/tools/*.mjs))
JS_CLI := js/cli.js $(sort $(wildcard js/cli/*.js))
# the tools that ship in the package (runtime-cjs.mjs is the repository's)
PKG_TOOLS := $(filter-out js/tools/runtime-cjs.mjs js/tools/package-readme.mjs,$(JS_TOOLS))
BUILD_TOOL := $(NODE) js/tools/build.mjs

# ---------------------------------------------------------------- flags
# The emcc flags live in js/tools/flags.mjs (each with its reason); make
# reads them from the fragment made from it, the same one the SDK ships.

build/flags.mk: js/tools/flags.mjs
	@mkdir -p $(@D)
	$(NODE) $< > $@
include build/flags.mk

KINCLUDES := -Iinclude -Isrc/runtime -Isrc/kernels $(addprefix -I,$(sort $(dir $(KERNEL_SRCS))))
CFLAGS_COMMON := -std=c11 -Wall -Wextra $(KINCLUDES)
EM_CFLAGS := $(CFLAGS_COMMON) $(PW_CFLAGS) -O3
# parawasm's allocator as the packages link it (js/tools/flags.mjs: PW_MALLOC)
EM_MALLOC := $(PW_MALLOC)

NATIVE_CFLAGS := $(CFLAGS_COMMON) -O2 -g
SAN_FLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all

# ------------------------------------------------------------ top level

.PHONY: all pkg testpkg help deps deps-apt deps-npm test test-c test-wasm-c test-js test-browser test-types \
        test-fuzz bench soak demo fuzz clean

all: pkg ## build the npm package in pkg/ (both wasm builds, JS, types)

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/^([a-z-]+):.*## (.*)/  make \1\t\2/' | expand -t 24

# ------------------------------------------------------------------ deps
# Installs what is missing, so that a fresh Debian machine needs nothing else.

deps: deps-apt deps-npm ## install missing Debian and npm packages

deps-apt:
	@missing=""; \
	command -v emcc >/dev/null || missing="$$missing emscripten"; \
	command -v wasm-validate >/dev/null || missing="$$missing wabt"; \
	command -v wasm-opt >/dev/null || missing="$$missing binaryen"; \
	command -v chromium >/dev/null || missing="$$missing chromium"; \
	command -v gcc >/dev/null || missing="$$missing gcc"; \
	[ -f /usr/include/stb/stb_image.h ] || missing="$$missing libstb-dev"; \
	echo 'int main(void) { return 0; }' | $(CC) -m32 -fsanitize=undefined -x c - -o /tmp/pw-m32-probe 2>/dev/null \
	  || missing="$$missing gcc-multilib"; \
	[ ! -x /tmp/pw-m32-probe ] || /tmp/pw-m32-probe 2>/dev/null || command -v qemu-i386 >/dev/null \
	  || missing="$$missing qemu-user"; \
	rm -f /tmp/pw-m32-probe; \
	command -v $(FUZZ_CC) >/dev/null || missing="$$missing clang"; \
	if [ -n "$$missing" ]; then \
	  echo "deps: installing$$missing"; \
	  SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); \
	  $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -q && \
	  $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $$missing; \
	fi

deps-npm: node_modules/.package-lock.json

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund
	@touch $@

# --------------------------------------------------------------- packages
# pkg/package.json is committed (the build keeps its fields and owns only
# type, main, module, browser, types, exports, files, sideEffects); the
# rest of pkg/ is built here.

# parawasm's JS runtime as one CommonJS module: what a package's index.cjs requires
build/sdk/runtime.cjs: $(JS_RUNTIME) js/tools/runtime-cjs.mjs js/tools/families.mjs | deps-npm
	$(NODE) js/tools/runtime-cjs.mjs $@

PKG_INPUTS := $(SDK_HEADERS) $(RUNTIME_SRCS) $(RUNTIME_H) $(KERNEL_SRCS) $(FAMILY_UNITS) $(KERNEL_HDRS) $(JS_RUNTIME) $(JS_TOOLS) \
  build/sdk/runtime.cjs

pkg: build/stamps/pkg ## build the npm package in pkg/
build/stamps/pkg: $(PKG_INPUTS) $(JS_CLI) build/flags.mk pkg/package.json README.md | deps-apt
	$(BUILD_TOOL) --quiet --name parawasm --out pkg --with $(FAMILIES)
	$(WASM_VALIDATE) --enable-threads pkg/wasm/parawasm.wasm
	$(WASM_VALIDATE) --enable-threads pkg/wasm/parawasm-mt.wasm
	@# the SDK: what `parawasm build` needs from the package
	rm -rf pkg/sdk pkg/lib/tools pkg/lib/cli
	mkdir -p pkg/sdk/src/runtime pkg/sdk/src/kernels pkg/lib/tools
	cp -r include pkg/sdk/include
	cp $(RUNTIME_SRCS) $(RUNTIME_H) pkg/sdk/src/runtime/
	cp $(KERNEL_COMMON_H) pkg/sdk/src/kernels/
	for d in $(sort $(dir $(KERNEL_SRCS))); do cp -r $$d pkg/sdk/src/kernels/; done
	cp build/flags.mk pkg/sdk/parawasm.mk
	cp $(PKG_TOOLS) pkg/lib/tools/
	cp js/cli.js pkg/lib/cli.js
	if [ -d js/cli ]; then cp -r js/cli pkg/lib/cli; fi
	$(NODE) js/tools/package-readme.mjs README.md pkg/README.md
	@mkdir -p $(@D) && touch $@

testpkg: build/stamps/testpkg
build/stamps/testpkg: $(PKG_INPUTS) $(TEST_HEADERS) $(TEST_SRCS) | deps-apt
	$(BUILD_TOOL) --quiet --name parawasm-test --out build/testpkg --with $(FAMILIES) $(TEST_HEADERS) $(TEST_SRCS)
	@mkdir -p $(@D) && touch $@

# ------------------------------------------------------------ native

# Kernel tests: every test/c/test_*.c but the pool's own test is a program
# that calls kernels directly (no generated table), built five ways: native,
# native with ASan+UBSan, native against testlib.h's fake pool (chunks in a
# scrambled order, concurrency > 1: the parallel split and join), 32-bit
# native (gcc -m32 with UBSan: size_t is 32 bits as in wasm32, so a size or
# count that wraps near 4 GiB wraps here too; SSE arithmetic, -mfpmath=sse,
# rounds floats and doubles as wasm does, where x87 would keep extra bits), and wasm with SIMD, plain and
# fake pool.
KERNEL_TESTS := $(patsubst test/c/%.c,%,$(filter-out test/c/test_pool.c,$(sort $(wildcard test/c/test_*.c))))
KTEST_LIBS := test/c/no_kernels.c $(RUNTIME_CORE) $(KERNEL_SRCS)
KTEST_DEPS := $(KTEST_LIBS) src/runtime/serial.c test/c/testlib.h include/parawasm/testing.h $(SDK_HEADERS) $(RUNTIME_H) $(KERNEL_HDRS)

# The families' library units (stb_image for the image family), an object
# of each a build: plain, sanitized, 32-bit, wasm. The sanitized one leaves
# out UBSan's shift check: stb_image_write's JPEG bit writer shifts bits into
# the sign bit of an int, which every two's complement target does as meant.
UNIT_NAMES := $(basename $(notdir $(FAMILY_UNITS)))
UNITS_NATIVE := $(UNIT_NAMES:%=build/native/%.o)
UNITS_SAN := $(UNIT_NAMES:%=build/native/%_san.o)
UNITS_M32 := $(UNIT_NAMES:%=build/native/%_m32.o)
UNITS_WASM := $(UNIT_NAMES:%=build/wasm-test/%.o)
unit_src = $(filter %/$(1).c,$(FAMILY_UNITS))
build/native/%_san.o: $(FAMILY_UNITS) $(KERNEL_HDRS) | deps-apt
	@mkdir -p $(@D)
	$(CC) $(NATIVE_CFLAGS) $(NATIVE_FLAGS_$*) $(SAN_FLAGS) -fno-sanitize=shift -c $(call unit_src,$*) -o $@
build/native/%_m32.o: $(FAMILY_UNITS) $(KERNEL_HDRS) | deps-apt
	@mkdir -p $(@D)
	$(CC) $(NATIVE_CFLAGS) $(NATIVE_FLAGS_$*) -m32 -msse2 -mfpmath=sse -c $(call unit_src,$*) -o $@
build/native/%.o: $(FAMILY_UNITS) $(KERNEL_HDRS) | deps-apt
	@mkdir -p $(@D)
	$(CC) $(NATIVE_CFLAGS) $(NATIVE_FLAGS_$*) -march=native -c $(call unit_src,$*) -o $@
build/wasm-test/%.o: $(FAMILY_UNITS) $(KERNEL_HDRS) | deps-apt
	@mkdir -p $(@D)
	$(EMCC) $(EM_CFLAGS) $(FLAGS_$*) -c $(call unit_src,$*) -o $@
# (test_cancel needs mmap and signals: native only, and no fake pool)
KTEST_NATIVE := $(foreach t,$(KERNEL_TESTS),build/native/$(t) build/native/$(t)_san \
  $(if $(filter test_cancel,$(t)),,build/native/$(t)_split))
KTEST_M32 := $(foreach t,$(KERNEL_TESTS),build/native/$(t)_m32)
# 32-bit programs run directly where the kernel runs them (ia32 emulation),
# else under qemu-i386 (Debian's qemu-user; about 10x slower there, and
# too slow for ASan, hence UBSan alone in the 32-bit builds)
M32_RUN = $$(build/native/m32_probe 2>/dev/null || echo qemu-i386)
KTEST_WASM := $(foreach t,$(filter-out test_cancel,$(KERNEL_TESTS)),build/wasm-test/$(t).js build/wasm-test/$(t)_split.js) \
  build/wasm-test/test_alloc_sbrk.js

# The library under the tests (the runtime and every kernel), compiled once
# a build (plain, sanitized, wasm) rather than once a test program; the
# fake-pool builds (-DPW_TEST_FAKE_POOL, only seen by the test programs and
# parawasm/testing.h) link the same objects, less serial.c.
KLIB_SRCS := $(KTEST_LIBS) src/runtime/serial.c
KLIB_HDRS := $(SDK_HEADERS) $(RUNTIME_H) $(KERNEL_HDRS)
klib = $(patsubst %.c,build/klib/$(1)/%.o,$(if $(2),$(KTEST_LIBS),$(KLIB_SRCS)))
build/klib/plain/%.o: %.c $(KLIB_HDRS) | deps-apt
	@mkdir -p $(@D)
	$(CC) $(NATIVE_CFLAGS) -march=native -c $< -o $@
build/klib/san/%.o: %.c $(KLIB_HDRS) | deps-apt
	@mkdir -p $(@D)
	$(CC) $(NATIVE_CFLAGS) $(SAN_FLAGS) -c $< -o $@
build/klib/wasm/%.o: %.c $(KLIB_HDRS) | deps-apt
	@mkdir -p $(@D)
	$(EMCC) $(EM_CFLAGS) -c $< -o $@
KTEST_HDRS := test/c/testlib.h include/parawasm/testing.h $(KLIB_HDRS)
# kept between runs (make would delete them as intermediate files)
.PRECIOUS: build/klib/%.o

# test_nomem refuses allocations through the linker's wrappers (its plain
# and sanitized builds; the others report it skipped)
WRAP_nomem := -DPW_WRAP_MALLOC $(foreach f,malloc calloc realloc aligned_alloc posix_memalign free,-Wl,--wrap=$(f))
build/native/test_%: test/c/test_%.c $(KTEST_HDRS) $(call klib,plain) $(UNITS_NATIVE)
	@mkdir -p $(@D)
	$(CC) $(NATIVE_CFLAGS) -march=native $(WRAP_$*) $< $(call klib,plain) $(UNITS_NATIVE) -o $@ -lm

build/native/test_%_san: test/c/test_%.c $(KTEST_HDRS) $(call klib,san) $(UNITS_SAN)
	@mkdir -p $(@D)
	$(CC) $(NATIVE_CFLAGS) $(SAN_FLAGS) $(WRAP_$*) $< $(call klib,san) $(UNITS_SAN) -o $@ -lm

build/native/m32_probe: | deps-apt
	@mkdir -p $(@D)
	echo 'int main(void) { return 0; }' | $(CC) -m32 -x c - -o $@

build/native/test_%_m32: test/c/test_%.c $(KTEST_DEPS) $(UNITS_M32) | deps-apt
	@mkdir -p $(@D)
	$(CC) $(NATIVE_CFLAGS) -m32 -msse2 -mfpmath=sse -fsanitize=undefined -fno-sanitize-recover=all $< $(KTEST_LIBS) \
	  src/runtime/serial.c $(UNITS_M32) -o $@ -lm

build/native/test_%_split: test/c/test_%.c $(KTEST_HDRS) $(call klib,san,noserial) $(UNITS_SAN)
	@mkdir -p $(@D)
	$(CC) $(NATIVE_CFLAGS) $(SAN_FLAGS) -DPW_TEST_FAKE_POOL $< $(call klib,san,noserial) $(UNITS_SAN) -o $@ -lm

# the kernel table of the test kernels, for the pool's native test
build/gen-test/kernels.c: $(SDK_HEADERS) $(TEST_HEADERS) $(JS_TOOLS)
	$(NODE) js/tools/bindgen.mjs --c $@ $(SDK_HEADERS) $(TEST_HEADERS)

build/native/test_pool: test/c/test_pool.c $(RUNTIME_CORE) src/runtime/pool.c $(TEST_SRCS) $(KERNEL_SRCS) build/gen-test/kernels.c $(UNITS_NATIVE) $(SDK_HEADERS) $(RUNTIME_H)
	@mkdir -p $(@D)
	$(CC) $(NATIVE_CFLAGS) -Itest/kernels $(filter %.c %.o,$^) -o $@ -lpthread -lm

build/native/test_pool_tsan: test/c/test_pool.c $(RUNTIME_CORE) src/runtime/pool.c $(TEST_SRCS) $(KERNEL_SRCS) build/gen-test/kernels.c $(UNITS_NATIVE) $(SDK_HEADERS) $(RUNTIME_H)
	@mkdir -p $(@D)
	$(CC) $(NATIVE_CFLAGS) -fsanitize=thread -Itest/kernels $(filter %.c %.o,$^) -o $@ -lpthread -lm

# the family units built -O3 -march=native, for the native benchmarks (defined
# before the rules that list them: make expands prerequisites as it reads)
UNITS_O3 := $(UNIT_NAMES:%=build/bench/%.o)
build/bench/%.o: $(FAMILY_UNITS) $(KERNEL_HDRS) | deps-apt
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_COMMON) $(NATIVE_FLAGS_$*) -O3 -march=native -c $(call unit_src,$*) -o $@
build/native/native_bench: test/bench/native_bench.c test/c/no_kernels.c $(RUNTIME_CORE) src/runtime/serial.c $(KERNEL_SRCS) $(UNITS_O3) $(SDK_HEADERS) $(RUNTIME_H) $(KERNEL_HDRS)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_COMMON) -O3 -march=native $(filter %.c %.o,$^) -o $@ -lm

# image kernels, one thread: the same C native (-O3 -march=native) and wasm
IMAGE_BENCH_SRCS := test/bench/bench_cpu.h test/bench/native_image.c test/c/no_kernels.c $(RUNTIME_CORE) src/runtime/serial.c $(KERNEL_SRCS)
build/native/native_image: $(IMAGE_BENCH_SRCS) $(UNITS_O3) $(SDK_HEADERS) $(KERNEL_HDRS) $(RUNTIME_H)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_COMMON) -O3 -march=native $(filter %.c %.o,$^) -o $@ -lm
# the same on PW_THREADS pthreads (test/bench/native_threads.c): the C's own scaling
IMAGE_BENCH_MT_SRCS := $(filter-out src/runtime/serial.c,$(IMAGE_BENCH_SRCS)) test/bench/native_threads.c
build/native/native_image_mt: $(IMAGE_BENCH_MT_SRCS) $(UNITS_O3) $(SDK_HEADERS) $(KERNEL_HDRS) $(RUNTIME_H)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_COMMON) -O3 -march=native $(filter %.c %.o,$^) -o $@ -lm -lpthread
build/wasm-bench/native_image.js: $(IMAGE_BENCH_SRCS) $(UNITS_WASM) $(SDK_HEADERS) $(KERNEL_HDRS) $(RUNTIME_H)
	@mkdir -p $(@D)
	echo '{ "type": "commonjs" }' > $(@D)/package.json
	$(EMCC) $(EM_CFLAGS) $(filter %.c %.o,$^) -o $@ \
	  -sALLOW_MEMORY_GROWTH=1 -sMAXIMUM_MEMORY=4GB -sENVIRONMENT=node -sSINGLE_FILE=1

.PHONY: bench-image
bench-image: build/native/native_image build/wasm-bench/native_image.js ## image kernels, one thread: native C and the same C in wasm
	build/native/native_image
	$(NODE) --no-liftoff build/wasm-bench/native_image.js

# the array kernels on the real native pool (plain and ThreadSanitizer):
# the same bits as serially, no data race between chunks
ARRAY_SRCS := $(filter src/kernels/array/%,$(KERNEL_SRCS))
THREADS_ARRAY_SRCS := test/c/threads_array.c test/c/no_kernels.c $(RUNTIME_CORE) src/runtime/pool.c $(ARRAY_SRCS)
build/native/threads_array: $(THREADS_ARRAY_SRCS) $(SDK_HEADERS) $(RUNTIME_H) $(KERNEL_HDRS)
	@mkdir -p $(@D)
	$(CC) $(NATIVE_CFLAGS) $(THREADS_ARRAY_SRCS) -o $@ -lpthread -lm
build/native/threads_array_tsan: $(THREADS_ARRAY_SRCS) $(SDK_HEADERS) $(RUNTIME_H) $(KERNEL_HDRS)
	@mkdir -p $(@D)
	$(CC) $(NATIVE_CFLAGS) -fsanitize=thread $(THREADS_ARRAY_SRCS) -o $@ -lpthread -lm

# the array kernels timed on one thread, the same C native and in wasm (the
# wasm build also times JavaScript's built-ins in the same process)
# The array kernels' scalar fallbacks (compilers without vector extensions)
NOVEC_ARRAY_SRCS := test/c/test_array.c test/c/no_kernels.c $(RUNTIME_CORE) src/runtime/serial.c $(ARRAY_SRCS)
build/native/test_array_novec: $(NOVEC_ARRAY_SRCS) $(KTEST_HDRS)
	@mkdir -p $(@D)
	$(CC) $(NATIVE_CFLAGS) -DPW_NO_VECTOR_EXT $(NOVEC_ARRAY_SRCS) -o $@ -lm
ARRAY_BENCH_SRCS := test/bench/native_array.c test/c/no_kernels.c $(RUNTIME_CORE) src/runtime/serial.c $(ARRAY_SRCS)
build/native/native_array: $(ARRAY_BENCH_SRCS) test/bench/bench_cpu.h $(SDK_HEADERS) $(RUNTIME_H) $(KERNEL_HDRS)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_COMMON) -O3 -march=native $(ARRAY_BENCH_SRCS) -o $@ -lm
build/wasm-bench/native_array.js: $(ARRAY_BENCH_SRCS) test/bench/bench_cpu.h $(SDK_HEADERS) $(RUNTIME_H) $(KERNEL_HDRS) | deps-apt
	@mkdir -p $(@D)
	echo '{ "type": "commonjs" }' > $(@D)/package.json
	$(EMCC) $(EM_CFLAGS) $(ARRAY_BENCH_SRCS) -o $@ \
	  -sALLOW_MEMORY_GROWTH=1 -sMAXIMUM_MEMORY=4GB -sENVIRONMENT=node -sSINGLE_FILE=1

# the same C tests, compiled to wasm with SIMD: they run the SIMD paths
# (SINGLE_FILE: Node's fetch cannot load a .wasm from a path)
build/wasm-test/package.json:
	@mkdir -p $(@D)
	echo '{ "type": "commonjs" }' > $@
build/wasm-test/test_%.js: test/c/test_%.c $(KTEST_HDRS) $(call klib,wasm) $(UNITS_WASM) | deps-apt build/wasm-test/package.json
	$(EMCC) $(EM_CFLAGS) $< $(call klib,wasm) $(UNITS_WASM) -o $@ \
	  -sALLOW_MEMORY_GROWTH=1 -sMAXIMUM_MEMORY=4GB -sENVIRONMENT=node -sSINGLE_FILE=1
# the allocator as the packages link it: malloc() itself, up to 4 GiB
build/wasm-test/test_alloc_sbrk.js: test/c/test_alloc.c $(KTEST_DEPS) $(UNITS_WASM) | deps-apt build/wasm-test/package.json
	$(EMCC) $(EM_CFLAGS) -DPW_TEST_SBRK $(EM_MALLOC) $< $(KTEST_LIBS) src/runtime/serial.c $(UNITS_WASM) -o $@ \
	  -sALLOW_MEMORY_GROWTH=1 -sMAXIMUM_MEMORY=4GB -sENVIRONMENT=node -sSINGLE_FILE=1
build/wasm-test/test_%_split.js: test/c/test_%.c $(KTEST_HDRS) $(call klib,wasm,noserial) $(UNITS_WASM) | deps-apt build/wasm-test/package.json
	$(EMCC) $(EM_CFLAGS) -DPW_TEST_FAKE_POOL $< $(call klib,wasm,noserial) $(UNITS_WASM) -o $@ \
	  -sALLOW_MEMORY_GROWTH=1 -sMAXIMUM_MEMORY=4GB -sENVIRONMENT=node -sSINGLE_FILE=1

# ---------------------------------------------------------------- tests

test: deps ## install what is missing, build, run every test (C, wasm, fuzz, JS, browser, runtimes, the example project)
	$(MAKE) test-c test-wasm-c test-fuzz test-js test-types test-browser test-pack test-runtimes test-example

test-c: $(KTEST_NATIVE) build/native/test_runtime_m32 build/native/m32_probe build/native/test_pool build/native/test_pool_tsan build/native/threads_array build/native/threads_array_tsan build/native/test_array_novec ## native C tests (plain, ASan+UBSan, TSan, 32-bit sizes, no vector extensions)
	@set -e; for t in $(KTEST_NATIVE); do echo "$$t"; $$t; done
	build/native/test_array_novec
	@# the size and chunking helpers with a 32-bit size_t (every kernel: make test-big)
	$(M32_RUN) build/native/test_runtime_m32
	build/native/test_pool 1
	build/native/test_pool 3
	TSAN_OPTIONS=halt_on_error=1 build/native/test_pool_tsan 2
	build/native/threads_array 3
	TSAN_OPTIONS=halt_on_error=1 build/native/threads_array_tsan 2

test-wasm-c: $(KTEST_WASM) ## the C tests compiled to wasm (SIMD paths)
	@set -e; for t in $(KTEST_WASM); do echo "$$t"; $(NODE) $$t; done

test-js: pkg testpkg ## JS tests (node --test) against pkg/ and build/testpkg/
	$(NODE) --test --test-concurrency=1 test/js/

test-types: pkg | deps-npm ## type-check a TypeScript user of the package
	node_modules/.bin/tsc -p test/types/tsconfig.json

test-browser: pkg testpkg | deps-npm ## the core and the pool in headless Chromium
	$(NODE) test/browser/run.mjs

.PHONY: test-big
test-big: pkg testpkg $(KTEST_M32) build/native/m32_probe ## long checks: every kernel near 2 and 4 GiB on 1, 2, 4 threads and the core, foreign 2-4 GiB inputs, all C tests 32-bit (about 4 GiB of memory)
	@set -e; for t in $(KTEST_M32); do echo "$$t"; $(M32_RUN) $$t; done
	$(NODE) --test --test-concurrency=1 test/big/

.PHONY: test-pack
test-pack: pkg | deps-npm ## npm pack of pkg/, installed and used from Node, TypeScript, esbuild, vite, Chromium
	$(NODE) test/pack/run.mjs

# The SDK as a user meets it: examples/own-kernels and test/example/stb-user
# (stb_image from libstb-dev) copied to a temporary folder, parawasm's
# tarball installed there, built with `npx parawasm build`, tested, and used
# next to parawasm in one Node app and one esbuild/vite bundle in Chromium.
.PHONY: test-example
test-example: pkg | deps-npm ## examples/own-kernels and a stb_image user package, built from the npm pack tarball; Node, esbuild, vite, Chromium
	$(NODE) test/example/run.mjs

EXAMPLE_SRCS := examples/own-kernels/src/own_kernels.h examples/own-kernels/src/own_kernels.c
# the example's kernels and two kernels for per-call figures, as a user's
# package (make bench)
BENCH_PKG_SRCS := $(EXAMPLE_SRCS) test/bench/own_bench.h test/bench/own_bench.c
build/stamps/bench-pkg: $(PKG_INPUTS) $(BENCH_PKG_SRCS) | deps-apt
	$(BUILD_TOOL) --quiet --name own-kernels-bench --prefix my_ --out build/example/bench-pkg $(BENCH_PKG_SRCS)
	@mkdir -p $(@D) && touch $@
# the example's kernels built natively, the baseline of the wasm builds
build/native/native_own_kernels: test/bench/native_own_kernels.c $(EXAMPLE_SRCS) test/c/no_kernels.c $(RUNTIME_CORE) src/runtime/serial.c $(SDK_HEADERS) $(RUNTIME_H)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_COMMON) -Iexamples/own-kernels/src -O3 -march=native $(filter %.c,$^) -o $@ -lm

# Deno and Bun are devDependencies: npm ci brings their binaries (npm
# optional dependencies of the deno and bun packages)
.PHONY: test-runtimes
test-runtimes: pkg | deps-npm ## pkg/ in Node, Deno and Bun: ESM and CommonJS, the threaded pool and the fallback pool
	$(NODE) test/runtimes/run.mjs

# ------------------------------------------------------- bench, demo, fuzz

build/native/native_bandwidth: test/bench/native_bandwidth.c
	@mkdir -p $(@D)
	$(CC) -std=c11 -O3 -march=native $< -o $@ -lpthread

.PHONY: bench-array
bench-array: build/native/native_array build/wasm-bench/native_array.js ## array kernels on one thread: native vs wasm vs the JS built-ins (ROUNDS=n)
	$(NODE) test/bench/array.mjs --rounds $(or $(ROUNDS),3)

bench: pkg testpkg build/stamps/bench-pkg build/native/native_bench build/native/native_bandwidth build/native/native_own_kernels build/native/native_array build/native/native_image ## benchmarks (parawasm vs references), writes build/bench/
	$(NODE) test/bench/run.mjs

# ------------------------------------------------------------------ fuzz
# Every test/fuzz/fuzz_*.c is a libFuzzer target (ASan + UBSan), linked
# with every kernel, the families' library units and the runtime; a new
# target needs no Makefile line:
#   - its libFuzzer options go on a line "FUZZ-OPTIONS: ..." of its source;
#   - src/runtime/serial.c comes from an archive, so that a target may stand
#     in for it (test/fuzz/fuzz_pool.h: the split-and-join path without
#     threads) and the linker then leaves it out;
#   - a source that mentions PW_FUZZ_SEEDS is also built natively with
#     -DPW_FUZZ_SEEDS, as a program that writes the target's own seed inputs
#     into the folder given (fuzz_image.c: PNGs and JPEGs from the encoders).
# Every target also starts from the generic seeds of test/fuzz/seeds.mjs.
# make test runs each target on FUZZ_RUNS inputs from a fixed seed: the
# same inputs on every machine, however fast. make fuzz runs each for
# FUZZ_SECONDS, growing a corpus in build/fuzz/corpus/.
FUZZ_CC ?= clang
FUZZ_SRCS := $(sort $(wildcard test/fuzz/fuzz_*.c))
FUZZ_BINS := $(patsubst test/fuzz/%.c,build/fuzz/%,$(FUZZ_SRCS))
FUZZ_SEEDERS := $(patsubst test/fuzz/fuzz_%.c,build/fuzz/seeder_%,$(if $(FUZZ_SRCS),$(shell grep -l PW_FUZZ_SEEDS $(FUZZ_SRCS))))
FUZZ_CFLAGS := -std=c11 -Wall -Wextra $(KINCLUDES) -Itest/fuzz -O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all
# the families' library units with the fuzzers' sanitizers (less UBSan's
# shift check: see the unit objects above)
UNITS_FUZZ := $(UNIT_NAMES:%=build/fuzz/%.o)
FUZZ_DEPS := test/c/no_kernels.c $(RUNTIME_CORE) $(KERNEL_SRCS) $(UNITS_FUZZ) build/fuzz/libpwserial.a \
  $(SDK_HEADERS) $(RUNTIME_H) $(KERNEL_HDRS) $(wildcard test/fuzz/*.h)
FUZZ_RUNS ?= 3000
FUZZ_SECONDS ?= 60
# prints the options on the FUZZ-OPTIONS line of the source file that follows
FUZZ_OPTIONS := sed -n 's/^.*FUZZ-OPTIONS:[[:space:]]*//p'
# the seed folders of target $$t, in the shell
FUZZ_SEED_DIRS = build/fuzz/seeds/common $$([ -d build/fuzz/seeds/$$t ] && echo build/fuzz/seeds/$$t)

build/fuzz/%.o: $(FAMILY_UNITS) $(KERNEL_HDRS) | deps-apt
	@mkdir -p $(@D)
	$(FUZZ_CC) $(KINCLUDES) $(NATIVE_FLAGS_$*) -std=c11 -O1 -g -fsanitize=fuzzer-no-link,address,undefined \
	  -fno-sanitize=shift -c $(call unit_src,$*) -o $@

build/fuzz/libpwserial.a: src/runtime/serial.c $(SDK_HEADERS) $(RUNTIME_H) | deps-apt
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c $< -o build/fuzz/serial.o
	rm -f $@ && ar rcs $@ build/fuzz/serial.o

build/fuzz/fuzz_%: test/fuzz/fuzz_%.c $(FUZZ_DEPS) | deps-apt
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer $(filter %.c %.o,$^) build/fuzz/libpwserial.a -o $@ -lm

build/fuzz/seeder_%: test/fuzz/fuzz_%.c test/c/no_kernels.c $(RUNTIME_CORE) src/runtime/serial.c $(KERNEL_SRCS) \
    $(UNITS_NATIVE) $(SDK_HEADERS) $(KERNEL_HDRS) $(RUNTIME_H)
	@mkdir -p $(@D)
	$(CC) $(NATIVE_CFLAGS) -Itest/fuzz -DPW_FUZZ_SEEDS $(filter %.c %.o,$^) -o $@ -lm

# (fuzz_image also starts from the test's JPEG fixtures: progressive, with
# restart markers, 4:2:2, which its encoder does not write)
build/fuzz/seeds/.stamp: test/fuzz/seeds.mjs $(FUZZ_SEEDERS) $(wildcard test/js/fixtures/*.jpg)
	rm -rf $(@D)
	$(NODE) $< $(@D)/common
	@set -e; for s in $(FUZZ_SEEDERS); do t=fuzz_$${s##*/seeder_}; mkdir -p $(@D)/$$t; $$s $(@D)/$$t; done
	@if [ -d $(@D)/fuzz_image ]; then cp test/js/fixtures/*.jpg $(@D)/fuzz_image/; fi
	@touch $@

test-fuzz: $(FUZZ_BINS) build/fuzz/seeds/.stamp ## every libFuzzer target on FUZZ_RUNS inputs (default 3000; fixed seed)
	@set -e; for f in $(FUZZ_BINS); do \
	  t=$${f##*/}; out=build/fuzz/test-corpus/$$t; rm -rf $$out; mkdir -p $$out; \
	  opts=$$($(FUZZ_OPTIONS) test/fuzz/$$t.c); \
	  echo "$$f -seed=1 -runs=$(FUZZ_RUNS) $$opts"; \
	  $$f -seed=1 -runs=$(FUZZ_RUNS) $$opts -artifact_prefix=build/fuzz/$$t- -print_final_stats=1 \
	    $$out $(FUZZ_SEED_DIRS) 2>build/fuzz/$$t.log \
	    || { tail -n 40 build/fuzz/$$t.log; echo "$$t FAILED: log build/fuzz/$$t.log, input build/fuzz/$$t-crash-*"; exit 1; }; \
	  grep -E '^stat::(number_of_executed_units|new_units_added)' build/fuzz/$$t.log | tr '\n' ' '; echo; \
	done

fuzz: $(FUZZ_BINS) build/fuzz/seeds/.stamp ## run each libFuzzer target for FUZZ_SECONDS (default 60), growing build/fuzz/corpus/
	@set -e; for f in $(FUZZ_BINS); do \
	  t=$${f##*/}; mkdir -p build/fuzz/corpus/$$t; opts=$$($(FUZZ_OPTIONS) test/fuzz/$$t.c); \
	  echo "$$f -max_total_time=$(FUZZ_SECONDS) $$opts"; \
	  $$f -max_total_time=$(FUZZ_SECONDS) $$opts -artifact_prefix=build/fuzz/$$t- build/fuzz/corpus/$$t $(FUZZ_SEED_DIRS); \
	done

# ------------------------------------------------------------------ soak
PW_SOAK_CALLS ?= 1000000
soak: testpkg ## a long soak of pool calls with aborts, frees and destroy() in flight (PW_SOAK_CALLS, default 1,000,000)
	PW_SOAK_CALLS=$(PW_SOAK_CALLS) $(NODE) --test --test-reporter=spec test/js/pool-soak.test.js

demo: pkg ## the main demo on built-in sample data
	$(NODE) examples/demo.mjs

.PHONY: demo-browser
demo-browser: pkg ## the browser demo: BLAKE3 and SHA-256 of a file on the pool (PORT=n to choose the port)
	$(NODE) examples/browser/serve.mjs

.PHONY: demo-image
demo-image: pkg ## the image demo: live resize, blur and sharpen of a photo on the pool (PORT=n to choose the port)
	$(NODE) examples/image/serve.mjs

.PHONY: demo-array
demo-array: pkg ## the array demo: sort, quantiles and a histogram of millions of values on the pool, the page live (PORT=n to choose the port)
	$(NODE) examples/array/serve.mjs

clean: ## remove everything make built (and parawasm build's object cache)
	rm -rf build node_modules/.cache/parawasm pkg/wasm pkg/lib pkg/gen pkg/sdk pkg/index.js pkg/index.cjs pkg/browser.js pkg/*-fallback-worker.js pkg/fallback-worker.js \
	  pkg/index.d.ts pkg/index.d.cts pkg/README.md
