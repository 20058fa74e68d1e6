# parawasm — build, test, benchmark.  `make help` lists the targets.
#
# Three builds of the same C (DESIGN.md section 4):
#   pkg/wasm/parawasm.*      single thread, SIMD       -> loadCore()
#   pkg/wasm/parawasm-mt.*   pthreads, SIMD, shared    -> createPool()
#   build/native/*           gcc: C tests, sanitizers, native baseline
# build/testpkg/ is pkg/ rebuilt with the test-only kernels of test/kernels/.

SHELL := /bin/bash
.DEFAULT_GOAL := all

# Debian's emcc needs Debian's acorn; Node here is not Debian's.
export NODE_PATH := /usr/share/nodejs
EMCC ?= emcc
CC ?= gcc
NODE ?= node
WASM_VALIDATE ?= wasm-validate

# include/parawasm/array.h is written for the next binding generator
# (namespaces, per-type dispatch, X-macro expansion): today's bindgen does
# not read it, and the array kernels are linked into the C tests only.
ARRAY_H := include/parawasm/array.h
HEADERS := include/parawasm.h $(filter-out $(ARRAY_H),$(sort $(wildcard include/parawasm/*.h)))
KERNEL_SRCS := $(sort $(wildcard src/kernels/*.c))
ARRAY_SRCS := $(sort $(wildcard src/kernels/array/*.c))
RUNTIME_H := src/runtime/runtime.h src/runtime/futex.h
# the runtime that every build links: task records, errors, progress, split/join
RUNTIME_CORE := src/runtime/task.c src/runtime/split.c
TEST_HEADERS := $(sort $(wildcard test/kernels/*.h))
TEST_SRCS := $(sort $(wildcard test/kernels/*.c))
JS_SRCS := $(sort $(wildcard js/*.js))
BINDGEN := js/tools/bindgen.mjs

# ---------------------------------------------------------------- flags

CFLAGS_COMMON := -std=c11 -Wall -Wextra -Iinclude -Isrc/runtime
EM_CFLAGS := $(CFLAGS_COMMON) -O3 -msimd128

# Link flags shared by both wasm builds, each with the reason it is there.
EM_LDFLAGS := -O3 -msimd128
# a factory per build, so that a process can hold several instances
EM_LDFLAGS += -sMODULARIZE=1
# one glue for Node, pages and workers (pthreads need "worker")
EM_LDFLAGS += -sENVIRONMENT=web,worker,node
# inputs of any size up to all of wasm32 (JS treats pointers as unsigned)
EM_LDFLAGS += -sALLOW_MEMORY_GROWTH=1 -sMAXIMUM_MEMORY=4GB -sINITIAL_MEMORY=16MB
# a library must not install process handlers, rethrow the host's unhandled
# rejections, or have any path that exits the host process
EM_LDFLAGS += -sNODEJS_CATCH_EXIT=0 -sNODEJS_CATCH_REJECTION=0 -sEXIT_RUNTIME=0
# kernels do no I/O
EM_LDFLAGS += -sFILESYSTEM=0
# the JS thread's C stack: only the runtime's small calls run there
EM_LDFLAGS += -sTOTAL_STACK=1MB
# keep wasm export names, so that JS calls exports directly, without wrappers
EM_LDFLAGS += -lexports.js

EM_ST_LDFLAGS := $(EM_LDFLAGS) -sEXPORT_NAME=ParawasmCore
EM_MT_LDFLAGS := $(EM_LDFLAGS) -pthread -sEXPORT_NAME=ParawasmMt
# createPool({ threads }) chooses the number of workers at load time; never
# spawn more lazily (kernels do not create threads)
EM_MT_LDFLAGS += -sPTHREAD_POOL_SIZE=Module.pwThreads -sPTHREAD_POOL_SIZE_STRICT=2
EM_MT_LDFLAGS += -sDEFAULT_PTHREAD_STACK_SIZE=1MB -sINITIAL_MEMORY=64MB
# growth is safe for wasm code, and parawasm's JS refreshes its views itself
EM_MT_LDFLAGS += -Wno-pthreads-mem-growth

NATIVE_CFLAGS := $(CFLAGS_COMMON) -O2 -g
SAN_FLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all

# ------------------------------------------------------------ top level

.PHONY: all help deps deps-apt deps-npm test test-c test-wasm-c test-js test-browser test-types \
        bench demo fuzz clean

all: pkg ## build the npm package in pkg/ (both wasm builds, JS, types)

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/^([a-z-]+):.*## (.*)/  make \1\t\2/' | expand -t 24

# ------------------------------------------------------------------ deps
# Installs what is missing, so that a fresh Debian machine needs nothing else.

APT_PKGS := emscripten wabt binaryen chromium
deps: deps-apt deps-npm ## install missing Debian and npm packages

deps-apt:
	@missing=""; \
	command -v emcc >/dev/null || missing="$$missing emscripten"; \
	command -v wasm-validate >/dev/null || missing="$$missing wabt"; \
	command -v wasm-opt >/dev/null || missing="$$missing binaryen"; \
	command -v chromium >/dev/null || missing="$$missing chromium"; \
	command -v gcc >/dev/null || missing="$$missing gcc"; \
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

# ---------------------------------------------------------- generation

build/gen/kernels.c pkg/gen/kernels.js pkg/gen/kernels.d.ts &: $(HEADERS) $(BINDGEN)
	$(NODE) $(BINDGEN) --c build/gen/kernels.c --js pkg/gen/kernels.js --dts pkg/gen/kernels.d.ts $(HEADERS)

build/gen-test/kernels.c build/testpkg/gen/kernels.js build/testpkg/gen/kernels.d.ts &: $(HEADERS) $(TEST_HEADERS) $(BINDGEN)
	$(NODE) $(BINDGEN) --c build/gen-test/kernels.c --js build/testpkg/gen/kernels.js \
	  --dts build/testpkg/gen/kernels.d.ts $(HEADERS) $(TEST_HEADERS)

# ------------------------------------------------------------ wasm builds

ST_SRCS := $(RUNTIME_CORE) src/runtime/serial.c $(KERNEL_SRCS)
MT_SRCS := $(RUNTIME_CORE) src/runtime/pool.c $(KERNEL_SRCS)

# $(call wasm_build,outdir,name,ldflags,sources)
define wasm_build
$(1)/$(2).js: $(4) $(HEADERS) $(RUNTIME_H) | deps-apt
	@mkdir -p $(1)
	$(EMCC) $(EM_CFLAGS) $(4) -o $(1)/$(2).js $(3)
	$(WASM_VALIDATE) --enable-threads $(1)/$(2).wasm
	@# browsers and module workers import the same glue as an ES module; the
	@# first line hides Node's globals from its Node-only branches, so that
	@# bundlers do not try to resolve require("fs") and the like
	{ echo 'var require, module, exports, __filename, __dirname, process;'; cat $(1)/$(2).js; echo; \
	  echo "export default $(if $(findstring mt,$(2)),ParawasmMt,ParawasmCore);"; } > $(1)/$(2).mjs
endef

$(eval $(call wasm_build,pkg/wasm,parawasm,$(EM_ST_LDFLAGS),$(ST_SRCS) build/gen/kernels.c))
$(eval $(call wasm_build,pkg/wasm,parawasm-mt,$(EM_MT_LDFLAGS),$(MT_SRCS) build/gen/kernels.c))
$(eval $(call wasm_build,build/testpkg/wasm,parawasm,$(EM_ST_LDFLAGS),$(ST_SRCS) $(TEST_SRCS) build/gen-test/kernels.c))
$(eval $(call wasm_build,build/testpkg/wasm,parawasm-mt,$(EM_MT_LDFLAGS),$(MT_SRCS) $(TEST_SRCS) build/gen-test/kernels.c))

# --------------------------------------------------------------- packages
# pkg/package.json is committed; the rest of pkg/ is built here.

PKG_FILES = $(1)/wasm/parawasm.js $(1)/wasm/parawasm-mt.js $(1)/wasm/package.json \
  $(1)/lib/.stamp $(1)/dist/index.cjs $(1)/index.d.ts $(1)/index.d.cts $(1)/gen/kernels.js

pkg: $(call PKG_FILES,pkg) pkg/README.md
testpkg: $(call PKG_FILES,build/testpkg) build/testpkg/package.json

define pkg_rules
$(1)/wasm/package.json:
	@mkdir -p $(1)/wasm
	echo '{ "type": "commonjs" }' > $$@
$(1)/lib/.stamp: $(JS_SRCS)
	@mkdir -p $(1)/lib
	cp $(JS_SRCS) $(1)/lib/
	@# the stamp is make's, not the package's: npm pack leaves it out
	echo .stamp > $(1)/lib/.npmignore
	@touch $$@
$(1)/dist/index.cjs: $(1)/lib/.stamp $(1)/gen/kernels.js | deps-npm
	node_modules/.bin/esbuild $(1)/lib/index.js --bundle --platform=node --format=cjs --target=node18 \
	  --define:import.meta.url=__pw_import_meta_url \
	  --banner:js="const __pw_import_meta_url = require('url').pathToFileURL(__filename).href;" \
	  --log-level=warning --outfile=$$@
$(1)/index.d.ts: js/index.d.ts
	cp $$< $$@
# the types of require('parawasm'): the same declarations, read as CommonJS,
# whose type import of the (ESM) generated kernels must say so
$(1)/index.d.cts: js/index.d.ts
	sed "s|from './gen/kernels.js';|from './gen/kernels.js' with { 'resolution-mode': 'import' };|" $$< > $$@
	grep -q "resolution-mode" $$@ || { rm -f $$@; echo "$$@: the import of ./gen/kernels.js was not found"; exit 1; }
endef
$(eval $(call pkg_rules,pkg))
$(eval $(call pkg_rules,build/testpkg))

pkg/README.md: README.md
	cp $< $@
build/testpkg/package.json: pkg/package.json
	@mkdir -p $(@D)
	sed 's/"name": "parawasm"/"name": "parawasm-test"/' $< > $@

# ------------------------------------------------------------ native

# Kernel tests: every test/c/test_*.c but the pool's own test is a program
# that calls kernels directly (no generated table), built four ways: native,
# native with ASan+UBSan, native against testlib.h's fake pool (chunks in a
# scrambled order, concurrency > 1: the parallel split and join), and wasm
# with SIMD, plain and fake pool.
KERNEL_TESTS := $(patsubst test/c/%.c,%,$(filter-out test/c/test_pool.c,$(sort $(wildcard test/c/test_*.c))))
KTEST_LIBS := test/c/no_kernels.c $(RUNTIME_CORE) $(KERNEL_SRCS) $(ARRAY_SRCS)
KTEST_DEPS := $(KTEST_LIBS) src/runtime/serial.c test/c/testlib.h $(HEADERS) $(ARRAY_H) $(RUNTIME_H) \
  $(wildcard src/kernels/*.h) $(wildcard src/kernels/array/*.h)
KTEST_NATIVE := $(foreach t,$(KERNEL_TESTS),build/native/$(t) build/native/$(t)_san build/native/$(t)_split)
KTEST_WASM := $(foreach t,$(KERNEL_TESTS),build/wasm-test/$(t).js build/wasm-test/$(t)_split.js)

build/native/test_%: test/c/test_%.c $(KTEST_DEPS)
	@mkdir -p $(@D)
	$(CC) $(NATIVE_CFLAGS) -march=native $< $(KTEST_LIBS) src/runtime/serial.c -o $@ -lm

build/native/test_%_san: test/c/test_%.c $(KTEST_DEPS)
	@mkdir -p $(@D)
	$(CC) $(NATIVE_CFLAGS) $(SAN_FLAGS) $< $(KTEST_LIBS) src/runtime/serial.c -o $@ -lm

build/native/test_%_split: test/c/test_%.c $(KTEST_DEPS)
	@mkdir -p $(@D)
	$(CC) $(NATIVE_CFLAGS) $(SAN_FLAGS) -DPW_TEST_FAKE_POOL $< $(KTEST_LIBS) -o $@ -lm

build/native/test_pool: test/c/test_pool.c $(RUNTIME_CORE) src/runtime/pool.c $(TEST_SRCS) $(KERNEL_SRCS) build/gen-test/kernels.c $(HEADERS) $(RUNTIME_H)
	@mkdir -p $(@D)
	$(CC) $(NATIVE_CFLAGS) -Itest/kernels $(filter %.c,$^) -o $@ -lpthread -lm

build/native/test_pool_tsan: test/c/test_pool.c $(RUNTIME_CORE) src/runtime/pool.c $(TEST_SRCS) $(KERNEL_SRCS) build/gen-test/kernels.c $(HEADERS) $(RUNTIME_H)
	@mkdir -p $(@D)
	$(CC) $(NATIVE_CFLAGS) -fsanitize=thread -Itest/kernels $(filter %.c,$^) -o $@ -lpthread -lm

build/native/native_bench: test/bench/native_bench.c test/c/no_kernels.c $(RUNTIME_CORE) src/runtime/serial.c $(KERNEL_SRCS) $(HEADERS) $(RUNTIME_H) $(wildcard src/kernels/*.h)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_COMMON) -O3 -march=native $(filter %.c,$^) -o $@ -lm

# the array kernels on the real native pool (plain and ThreadSanitizer):
# the same bits as serially, no data race between chunks
THREADS_ARRAY_SRCS := test/c/threads_array.c test/c/no_kernels.c $(RUNTIME_CORE) src/runtime/pool.c $(ARRAY_SRCS)
build/native/threads_array: $(THREADS_ARRAY_SRCS) $(HEADERS) $(ARRAY_H) $(RUNTIME_H) $(wildcard src/kernels/array/*.h)
	@mkdir -p $(@D)
	$(CC) $(NATIVE_CFLAGS) $(THREADS_ARRAY_SRCS) -o $@ -lpthread -lm
build/native/threads_array_tsan: $(THREADS_ARRAY_SRCS) $(HEADERS) $(ARRAY_H) $(RUNTIME_H) $(wildcard src/kernels/array/*.h)
	@mkdir -p $(@D)
	$(CC) $(NATIVE_CFLAGS) -fsanitize=thread $(THREADS_ARRAY_SRCS) -o $@ -lpthread -lm

# the array kernels timed on one thread, the same C native and in wasm (the
# wasm build also times JavaScript's built-ins in the same process)
ARRAY_BENCH_SRCS := test/bench/native_array.c test/c/no_kernels.c $(RUNTIME_CORE) src/runtime/serial.c $(ARRAY_SRCS)
build/native/native_array: $(ARRAY_BENCH_SRCS) $(HEADERS) $(ARRAY_H) $(RUNTIME_H) $(wildcard src/kernels/*.h src/kernels/array/*.h)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_COMMON) -O3 -march=native $(ARRAY_BENCH_SRCS) -o $@ -lm
build/wasm-bench/native_array.js: $(ARRAY_BENCH_SRCS) $(HEADERS) $(ARRAY_H) $(RUNTIME_H) $(wildcard src/kernels/*.h src/kernels/array/*.h) | deps-apt
	@mkdir -p $(@D)
	echo '{ "type": "commonjs" }' > $(@D)/package.json
	$(EMCC) $(EM_CFLAGS) $(ARRAY_BENCH_SRCS) -o $@ \
	  -sALLOW_MEMORY_GROWTH=1 -sMAXIMUM_MEMORY=4GB -sENVIRONMENT=node -sSINGLE_FILE=1

# the same C tests, compiled to wasm with SIMD: they run the SIMD paths
# (SINGLE_FILE: Node's fetch cannot load a .wasm from a path)
build/wasm-test/package.json:
	@mkdir -p $(@D)
	echo '{ "type": "commonjs" }' > $@
build/wasm-test/test_%.js: test/c/test_%.c $(KTEST_DEPS) | deps-apt build/wasm-test/package.json
	$(EMCC) $(EM_CFLAGS) $< $(KTEST_LIBS) src/runtime/serial.c -o $@ \
	  -sALLOW_MEMORY_GROWTH=1 -sMAXIMUM_MEMORY=4GB -sENVIRONMENT=node -sSINGLE_FILE=1
build/wasm-test/test_%_split.js: test/c/test_%.c $(KTEST_DEPS) | deps-apt build/wasm-test/package.json
	$(EMCC) $(EM_CFLAGS) -DPW_TEST_FAKE_POOL $< $(KTEST_LIBS) -o $@ \
	  -sALLOW_MEMORY_GROWTH=1 -sMAXIMUM_MEMORY=4GB -sENVIRONMENT=node -sSINGLE_FILE=1

# ---------------------------------------------------------------- tests

test: deps ## install what is missing, build, run every test (C, wasm, JS, browser)
	$(MAKE) test-c test-wasm-c test-js test-types test-browser test-pack

test-c: $(KTEST_NATIVE) build/native/test_pool build/native/test_pool_tsan build/native/threads_array build/native/threads_array_tsan ## native C tests (plain, ASan+UBSan, TSan)
	@set -e; for t in $(KTEST_NATIVE); do echo "$$t"; $$t; done
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

.PHONY: test-pack
test-pack: pkg | deps-npm ## npm pack of pkg/, installed and used from Node, TypeScript, esbuild, vite, Chromium
	$(NODE) test/pack/run.mjs

# ------------------------------------------------------- bench, demo, fuzz

build/native/native_bandwidth: test/bench/native_bandwidth.c
	@mkdir -p $(@D)
	$(CC) -std=c11 -O3 -march=native $< -o $@ -lpthread

bench: pkg testpkg build/native/native_bench build/native/native_bandwidth ## benchmarks (parawasm vs references), writes build/bench/
	$(NODE) test/bench/run.mjs

.PHONY: bench-array
bench-array: build/native/native_array build/wasm-bench/native_array.js ## array kernels on one thread: native vs wasm vs the JS built-ins (ROUNDS=n)
	$(NODE) test/bench/array.mjs --rounds $(or $(ROUNDS),3)

FUZZ_SECONDS ?= 60
build/fuzz/fuzz_checksum: test/fuzz/fuzz_checksum.c test/c/no_kernels.c $(RUNTIME_CORE) src/runtime/serial.c $(KERNEL_SRCS) $(HEADERS) $(RUNTIME_H)
	@mkdir -p $(@D)
	clang -std=c11 -Iinclude -Isrc/runtime -O1 -g -fsanitize=fuzzer,address,undefined $(filter %.c,$^) -o $@

build/fuzz/fuzz_hash: test/fuzz/fuzz_hash.c test/c/no_kernels.c $(RUNTIME_CORE) src/runtime/serial.c $(KERNEL_SRCS) $(HEADERS) $(RUNTIME_H) $(wildcard src/kernels/*.h)
	@mkdir -p $(@D)
	clang -std=c11 -Iinclude -Isrc/runtime -Isrc/kernels -O1 -g -fsanitize=fuzzer,address,undefined $(filter %.c,$^) -o $@

fuzz: build/fuzz/fuzz_checksum build/fuzz/fuzz_hash ## run each libFuzzer target for FUZZ_SECONDS (default 60)
	@mkdir -p build/fuzz/corpus-checksum build/fuzz/corpus-hash
	build/fuzz/fuzz_checksum -max_total_time=$(FUZZ_SECONDS) -max_len=70000 build/fuzz/corpus-checksum
	build/fuzz/fuzz_hash -max_total_time=$(FUZZ_SECONDS) -max_len=20000 build/fuzz/corpus-hash

demo: pkg ## the main demo on built-in sample data
	$(NODE) examples/demo.mjs

.PHONY: demo-browser
demo-browser: pkg ## the browser demo: BLAKE3 and SHA-256 of a file on the pool (PORT=n to choose the port)
	$(NODE) examples/browser/serve.mjs

clean: ## remove everything make built
	rm -rf build pkg/wasm pkg/lib pkg/dist pkg/gen pkg/index.d.ts pkg/index.d.cts pkg/README.md
