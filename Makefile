# Rafiki in C — one non-recursive Makefile.
#
#   make            = make all: optimised build (assertions stay on) of build/rafiki, the unit,
#                   integration and vector test binaries, benchmarks and tools into build/
#   make run        install missing packages, build, run `rafiki serve` on SQLite
#   make test       install test packages, build, start throwaway Postgres+Redis, run every suite
#   make check      ASan+UBSan build of the unit tests, run them
#   make fuzz       build libFuzzer targets with clang and run each for FUZZ_SECONDS
#   make bench      build and run every benchmark under bench/
#   make interop    the Node interop tests against build/rafiki (Postgres cases need make test)
#   make fmt / fmt-check
#   make check-style  the house rules a machine can check (scripts/check-style.sh): function
#                   length, banned calls, layer arrows, error forms, opening comments, guards
#
# Sources are found by directory: every src/<layer>/*.c goes into the library, src/cmd/ holds
# the program entry points, tests/unit/<layer>/*_test.c into one Criterion binary per layer
# (with tests/unit/runner.c: LeakSanitizer checks the tests' processes, not Criterion's runner),
# tests/integration/*_test.c into another, tests/fuzz/*.c are one fuzzer each and bench/*.c
# one benchmark each.

# The layer rules below are the first rules in this file; without this, plain `make` would
# build only build/lib/libbase.a.
.DEFAULT_GOAL := all

BUILD    ?= build
SHARED   ?= ../shared
CC       ?= cc
SAN      ?=
OPT      ?= -O2
V        ?= 0
Q        := $(if $(filter 1,$(V)),,@)
FUZZ_SECONDS ?= 20
FUZZ_SMOKE_SECONDS ?= 5

PKGS     := libmicrohttpd libcurl jansson hiredis libpq openssl sqlite3 libsodium
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)

WARN := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wformat=2 \
        -Wimplicit-fallthrough -Wvla
# Codec and money code is also built with -Wconversion.
STRICT_DIRS := src/ilp src/stream src/ledger
CFLAGS_BASE := -std=c17 -D_GNU_SOURCE -g $(OPT) $(WARN) -Isrc -MMD -MP $(PKG_CFLAGS) -pthread
ifeq ($(SAN),1)
  CFLAGS_BASE += -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
  LDSAN := -fsanitize=address,undefined
endif
LDLIBS := $(PKG_LIBS) -pthread -lm

# Builds use every core (make test's sub-makes too): a serial build of the three variants (normal,
# ASan, fuzzers) was most of make test's time. A -j on the command line still wins.
NPROC := $(shell nproc 2>/dev/null || echo 2)
MAKEFLAGS += -j$(NPROC)

# Layers in dependency order: a layer may use only the layers before it (make check-style checks
# the includes). Each layer is its own static library, so a test binary links only the layers it
# needs. From the bottom: base library, ILP codec, STREAM, HTTP server and client, the GraphQL
# language (graphql: lexer, parser into an arena AST, printer; base and jansson only), storage,
# ledger (account service), connector; then the payments domain (wallet addresses, payments,
# quotes, fees, webhooks, users; no HTTP routes), the GNAP authorization server (auth), and the
# faces over them: Open Payments (openpay: resource server, wallet address documents, SPSP), the
# admin REST API (admin) and the HTML pages (web: consent, login, wallet pages).
LAYERS   := base ilp stream http graphql store ledger connector payments auth openpay admin web
layer_libs = $(foreach l,$(call upto,$(1)),$(BUILD)/lib/lib$(l).a)
# upto(L): the layers from base up to and including L, reversed for link order.
upto = $(call rev,$(wordlist 1,$(call idx,$(1)),$(LAYERS)))
idx = $(words $(call _idx,$(1),$(LAYERS)))
_idx = $(if $(filter $(1),$(firstword $(2))),$(firstword $(2)),$(firstword $(2)) \
       $(call _idx,$(1),$(wordlist 2,$(words $(2)),$(2))))
rev = $(if $(1),$(call rev,$(wordlist 2,$(words $(1)),$(1))) $(firstword $(1)))

ALL_LIBS := $(call layer_libs,web)
LIB_SRCS := $(foreach l,$(LAYERS),$(wildcard src/$(l)/*.c))

define layer_rules
$(BUILD)/lib/lib$(1).a: $(patsubst %.c,$(BUILD)/obj/%.o,$(wildcard src/$(1)/*.c)) | $(BUILD)/obj/empty.o
	@mkdir -p $$(dir $$@)
	rm -f $$@ && ar rcs $$@ $$^ $$(if $$^,,$$(BUILD)/obj/empty.o)
UNIT_$(1) := $(patsubst %.c,$(BUILD)/obj/%.o,$(wildcard tests/unit/$(1)/*.c))
ifneq ($$(UNIT_$(1)),)
UNIT_BINS += $(BUILD)/unit/$(1)
$(BUILD)/unit/$(1): $$(UNIT_$(1)) $(BUILD)/obj/tests/unit/runner.o $(call layer_libs,$(1))
	@mkdir -p $$(dir $$@)
	$$(CC) $$(LDSAN) -o $$@ $$(UNIT_$(1)) $(BUILD)/obj/tests/unit/runner.o $(call layer_libs,$(1)) \
	  $$(LDLIBS) -lcriterion
endif
endef
UNIT_BINS :=
$(foreach l,$(LAYERS),$(eval $(call layer_rules,$(l))))

$(BUILD)/obj/empty.o:
	@mkdir -p $(dir $@)
	echo 'typedef int rafiki_empty_t;' | $(CC) -x c -c - -o $@

# The GraphQL schemas are built into the admin layer with .incbin (src/admin/admin_gql_schemas.c).
GQL_SCHEMAS := schema/graphql/backend.graphql schema/graphql/auth.graphql
$(BUILD)/obj/src/admin/admin_gql_schemas.o $(BUILD)/fuzzobj/src/admin/admin_gql_schemas.o: \
  $(GQL_SCHEMAS)

CMD_SRCS := $(wildcard src/cmd/*.c)
CMD_OBJS := $(CMD_SRCS:%.c=$(BUILD)/obj/%.o)

INTEG_SRCS := $(wildcard tests/integration/*.c)
INTEG_OBJS := $(INTEG_SRCS:%.c=$(BUILD)/obj/%.o)
VEC_SRCS  := $(wildcard tests/vectors/*.c)
VEC_OBJS  := $(VEC_SRCS:%.c=$(BUILD)/obj/%.o)
BENCH_SRCS := $(wildcard bench/*.c)
BENCH_BINS := $(BENCH_SRCS:bench/%.c=$(BUILD)/bench/%)
FUZZ_SRCS := $(wildcard tests/fuzz/*.c)
FUZZ_BINS := $(FUZZ_SRCS:tests/fuzz/%.c=$(BUILD)/fuzz/%)
TOOL_SRCS := $(wildcard tests/tools/*.c)
TOOL_BINS := $(TOOL_SRCS:tests/tools/%.c=$(BUILD)/tools/%)

.PHONY: all run test check fuzz bench fmt fmt-check check-style deps deps-test clean unit \
        integration vectors interop
all: $(BUILD)/rafiki $(BUILD)/test-vectors $(UNIT_BINS) $(BUILD)/integration-tests \
     $(BENCH_BINS) $(TOOL_BINS)

deps:
	@bash scripts/deps.sh build
deps-test:
	@bash scripts/deps.sh test

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(CFLAGS_BASE) $(if $(filter $(STRICT_DIRS),$(patsubst %/,%,$(dir $<))),-Wconversion) \
	  -c $< -o $@

$(BUILD)/rafiki: $(CMD_OBJS) $(ALL_LIBS)
	$(CC) $(LDSAN) -o $@ $(CMD_OBJS) $(ALL_LIBS) $(LDLIBS)

$(BUILD)/test-vectors: $(VEC_OBJS) $(ALL_LIBS)
	$(CC) $(LDSAN) -o $@ $(VEC_OBJS) $(ALL_LIBS) $(LDLIBS)

$(BUILD)/integration-tests: $(INTEG_OBJS) $(ALL_LIBS)
	$(CC) $(LDSAN) -o $@ $(INTEG_OBJS) $(ALL_LIBS) $(LDLIBS) -lcriterion

$(BUILD)/bench/%: bench/%.c $(ALL_LIBS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_BASE) -o $@ $< $(ALL_LIBS) $(LDLIBS)

$(BUILD)/tools/%: tests/tools/%.c $(ALL_LIBS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_BASE) -o $@ $< $(ALL_LIBS) $(LDLIBS)

# libFuzzer targets link instrumented per-layer archives, so only the objects a target uses
# are pulled in.
FUZZ_CFLAGS := -std=c17 -D_GNU_SOURCE -g -O1 -Isrc -MMD -MP $(PKG_CFLAGS) -pthread \
               -fsanitize=address,undefined -fno-sanitize-recover=undefined
FUZZ_LIBS := $(foreach l,$(call rev,$(LAYERS)),$(BUILD)/fuzzlib/lib$(l).a)
$(BUILD)/fuzzobj/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC-FUZZ $<"
	$(Q)clang $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c $< -o $@
define fuzz_layer
$(BUILD)/fuzzlib/lib$(1).a: $(patsubst %.c,$(BUILD)/fuzzobj/%.o,$(wildcard src/$(1)/*.c))
	@mkdir -p $$(dir $$@)
	rm -f $$@ && ar rcs $$@ $$^
endef
$(foreach l,$(LAYERS),$(eval $(call fuzz_layer,$(l))))
$(BUILD)/fuzz/%: tests/fuzz/%.c $(FUZZ_LIBS)
	@mkdir -p $(dir $@)
	clang $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $< $(FUZZ_LIBS) $(LDLIBS)

# make run: the playground, two wallets peered on this machine (rafiki playground; data in
# data/playground, Ctrl-C stops it). `rafiki serve` alone runs one instance.
run: deps
	@$(MAKE) --no-print-directory $(BUILD)/rafiki
	./$(BUILD)/rafiki playground

# Criterion runs each test in a child process: a sanitizer report there (a leak at the child's
# exit, say) does not fail the test, so the log is searched for one.
unit: $(UNIT_BINS)
	@for t in $(UNIT_BINS); do echo "== $$t"; \
	  ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 ./$$t --jobs 2 >$$t.log 2>&1; \
	  rc=$$?; cat $$t.log; [ $$rc -eq 0 ] || exit 1; \
	  if grep -qE 'ERROR: (Leak|Address)Sanitizer|runtime error:' $$t.log; then \
	    echo "$$t: a sanitizer report in a test's process (above)"; exit 1; fi; done

vectors: $(BUILD)/test-vectors
	./$(BUILD)/test-vectors $(SHARED)/vectors tests/vectors/local

# The Node interop tests (tests/interop/*.test.mjs) against build/rafiki; the Postgres cases
# run only under scripts/with-services.sh (make test does that). npm ci runs again whenever
# package-lock.json is newer than the installed tree, so a new dependency reaches old checkouts.
interop: $(BUILD)/rafiki $(TOOL_BINS)
	cd tests/interop && { [ node_modules/.package-lock.json -nt package-lock.json ] || npm ci --no-audit --no-fund --loglevel=error; } && \
	  RAFIKI_BUILD=$(abspath $(BUILD)) node --test --test-concurrency=1 ./*.test.mjs

# make test: formatting, the house rules (check-style), the sanitizer build of the unit tests, a
# short run of every fuzzer, then
# every suite against throwaway Postgres and Redis (its last line sums them all), and the Open
# Payments interop suites again against the sanitizer build of rafiki (scripts/test-all.sh).
test: deps-test
	@$(MAKE) --no-print-directory all
	@$(MAKE) --no-print-directory fmt-check
	@$(MAKE) --no-print-directory check-style
	@$(MAKE) --no-print-directory check
	@$(MAKE) --no-print-directory BUILD=build/asan SAN=1 OPT=-O1 build/asan/rafiki
	@$(MAKE) --no-print-directory fuzz FUZZ_SECONDS=$(FUZZ_SMOKE_SECONDS)
	bash scripts/with-services.sh bash scripts/test-all.sh

check: deps-test
	@$(MAKE) --no-print-directory BUILD=build/asan SAN=1 OPT=-O1 unit

fuzz: deps-test $(FUZZ_BINS)
	bash scripts/fuzz.sh $(FUZZ_SECONDS) $(FUZZ_BINS)

bench: deps
	@bash scripts/deps.sh bench
	@$(MAKE) --no-print-directory all
	bash scripts/with-services.sh bash scripts/bench.sh

FMT_FILES = $(shell find src tests bench -name '*.[ch]' 2>/dev/null)
fmt:
	clang-format -i $(FMT_FILES)
fmt-check:
	@clang-format --dry-run --Werror $(FMT_FILES)
check-style:
	@bash scripts/check-style.sh

clean:
	rm -rf build

# Header dependencies of the normal and the fuzzer objects (a changed struct in a header must
# rebuild every instrumented object that uses it, or a fuzzer links two layouts of it).
-include $(shell find $(BUILD)/obj $(BUILD)/fuzzobj $(BUILD)/fuzz -name '*.d' 2>/dev/null)
