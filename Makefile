# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# perfan-bpf: one non-recursive Makefile. Output goes to .output/; `make V=1` shows full commands.
# bpf/*.bpf.c -> .bpf.o -> skeleton -> loader objects -> perfan-bpf.
# Pure modules (every folder of user/ but the loaders in probe/ and the CLI) go into libperfan.a,
# which unit
# tests link against, so a test pulls only the module it tests and the layers below it.

OUTPUT := .output
CC ?= cc
CLANG ?= clang
BPFTOOL ?= bpftool
ARCH := $(shell uname -m | sed 's/x86_64/x86/;s/aarch64/arm64/')

WERROR := $(if $(CI),-Werror,)
CFLAGS ?= -g -O2
CFLAGS += -Wall -Wextra $(WERROR) -std=gnu11 -fno-omit-frame-pointer -D_GNU_SOURCE
INCLUDES := -I$(OUTPUT) -Iuser -Ibpf -Iinclude
LIBS := -lbpf -lelf -ldw -ljansson -lz -lm
# usdt.bpf.h includes <linux/errno.h>, whose asm/ headers live under the multiarch directory
MULTIARCH_INC := $(shell $(CC) -print-multiarch 2>/dev/null | sed "s|.\+|-idirafter /usr/include/\0|")
BPF_CFLAGS := -g -O2 -target bpf -D__TARGET_ARCH_$(ARCH) -Wall $(WERROR) -Ivmlinux -Ibpf $(MULTIARCH_INC)

ifeq ($(V),1)
Q =
msg =
else
Q = @
msg = @printf '  %-8s %s\n' "$(1)" "$(2)";
endif

.DELETE_ON_ERROR:
.PHONY: all clean test unit unit-bins integration bench vmlinux demo

BPF_SRCS := $(wildcard bpf/*.bpf.c)
BPF_NAMES := $(patsubst bpf/%.bpf.c,%,$(BPF_SRCS))
SKELS := $(patsubst %,$(OUTPUT)/%.skel.h,$(BPF_NAMES))

# Modules that include skeletons or own the process: not part of the pure library.
# Sources are found by folder (docs/architecture.md): user/LAYER/*.c
LAYERS := lib target symbols probe session analysis regress output cli
USER_SRCS := $(foreach l,$(LAYERS),$(wildcard user/$(l)/*.c))
# the modules that include skeletons, and main: not in libperfan.a (a unit test links only the
# archive members it uses, so commands that use the loaders may sit in it)
LOADER_SRCS := $(wildcard user/probe/*_loader.c)
CLI_SRCS := user/cli/main.c
LIB_SRCS := $(filter-out $(LOADER_SRCS) $(CLI_SRCS),$(USER_SRCS))
LIB_OBJS := $(patsubst user/%.c,$(OUTPUT)/user/%.o,$(LIB_SRCS))
LOADER_OBJS := $(patsubst user/%.c,$(OUTPUT)/user/%.o,$(LOADER_SRCS))
CLI_OBJS := $(patsubst user/%.c,$(OUTPUT)/user/%.o,$(CLI_SRCS))

UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(patsubst tests/unit/%.c,$(OUTPUT)/tests/%,$(UNIT_SRCS))
WORKLOAD_SRCS := $(wildcard tests/workloads/*.c)
WORKLOAD_BINS := $(patsubst tests/workloads/%.c,$(OUTPUT)/workloads/%,$(WORKLOAD_SRCS))

all: perfan-bpf $(WORKLOAD_BINS) $(OUTPUT)/bench_empty $(OUTPUT)/bench_churn \
     $(OUTPUT)/bench_snap $(OUTPUT)/demo_server

perfan-bpf: $(CLI_OBJS) $(LOADER_OBJS) $(OUTPUT)/libperfan.a
	$(call msg,BINARY,$@)
	$(Q)$(CC) $(CFLAGS) $^ $(LIBS) -o $@

$(OUTPUT)/libperfan.a: $(LIB_OBJS)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

$(OUTPUT)/%.bpf.o: bpf/%.bpf.c vmlinux/vmlinux.h | $(OUTPUT)
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -MMD -MP -c $< -o $@

$(OUTPUT)/%.skel.h: $(OUTPUT)/%.bpf.o
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< > $@

# Only the loaders include skeletons; say so explicitly so a parallel build orders them.
$(OUTPUT)/user/probe/leak_loader.o: $(OUTPUT)/leak.skel.h
$(OUTPUT)/demo_server: tools/demo/demo_server.c | $(OUTPUT)
	$(call msg,CC,$@)
	$(Q)$(CC) -g -O2 -fno-omit-frame-pointer -Wall $< -o $@

demo: perfan-bpf $(OUTPUT)/demo_server
	$(Q)tools/run-demo

# No libc, no allocator: the process perfan-bpf must refuse
$(OUTPUT)/workloads/noalloc: tests/workloads/noalloc.c | $(OUTPUT)/workloads
	$(call msg,WL-CC,$@)
	$(Q)$(CC) -O2 -nostdlib -static -fno-stack-protector $< -o $@

$(OUTPUT)/bench_empty: $(OUTPUT)/empty.skel.h

$(OUTPUT)/user/%.o: user/%.c
	$(Q)mkdir -p $(@D)
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) $(INCLUDES) -MMD -MP -c $< -o $@

$(OUTPUT)/tests/%: tests/unit/%.c $(OUTPUT)/libperfan.a | $(OUTPUT)/tests
	$(call msg,TEST-CC,$@)
	$(Q)$(CC) $(CFLAGS) $(INCLUDES) -Itests/unit -MMD -MP $< $(OUTPUT)/libperfan.a $(LIBS) -lcmocka -o $@

# Workloads are built the way a production service would be: -O2, frame pointers, debug info.
$(OUTPUT)/workloads/%: tests/workloads/%.c | $(OUTPUT)/workloads
	$(call msg,WL-CC,$@)
	$(Q)$(CC) -g -O2 -fno-omit-frame-pointer -Wall -Iinclude $< -o $@ -lpthread -ldl

$(OUTPUT)/bench_empty: tools/bench/bench_empty.c $(OUTPUT)/libperfan.a
	$(call msg,BINARY,$@)
	$(Q)$(CC) $(CFLAGS) $(INCLUDES) $(filter %.c %.a,$^) $(LIBS) -o $@

$(OUTPUT)/bench_snap: tools/bench/bench_snap.c | $(OUTPUT)
	$(call msg,CC,$@)
	$(Q)$(CC) -g -O2 -fno-omit-frame-pointer -Wall $< -o $@

$(OUTPUT)/bench_churn: tools/bench/bench_churn.c | $(OUTPUT)
	$(call msg,CC,$@)
	$(Q)$(CC) -g -O2 -fno-omit-frame-pointer -Wall $< -o $@

# the same, built the compilers' default way: its stacks need .eh_frame rows (make bench)
all: $(OUTPUT)/bench_churn_nofp
$(OUTPUT)/bench_churn_nofp: tools/bench/bench_churn.c | $(OUTPUT)
	$(call msg,CC,$@)
	$(Q)$(CC) -g -O2 -fomit-frame-pointer -Wall $< -o $@

$(OUTPUT) $(OUTPUT)/user $(OUTPUT)/tests $(OUTPUT)/workloads:
	$(Q)mkdir -p $@

# vmlinux.h is committed; regenerate it from the running kernel's BTF with `make vmlinux`.
vmlinux:
	$(BPFTOOL) btf dump file /sys/kernel/btf/vmlinux format c > vmlinux/vmlinux.h

unit-bins: $(UNIT_BINS)

unit: $(UNIT_BINS)
	$(Q)tools/run-unit $(UNIT_BINS)

integration: all
	$(Q)tests/integration/run.sh

test:
	$(Q)tools/run-tests

bench: all
	$(Q)tools/bench/run.sh
	$(Q)tools/bench/snapshot.sh

clean:
	rm -rf $(OUTPUT) perfan-bpf

-include $(wildcard $(OUTPUT)/*.d $(OUTPUT)/user/*/*.d $(OUTPUT)/tests/*.d)

# --- regress fuzz (begin)
# libFuzzer target of the regression detector's readers (tests/fuzz/run_regress.sh builds and
# runs it). Needs clang and libclang-rt-14-dev; the pure modules are compiled in with the
# sanitizers rather than taken from libperfan.a.
FUZZ_REGRESS_CFLAGS := -g -O1 -std=gnu11 -D_GNU_SOURCE -fno-omit-frame-pointer \
	-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined
FUZZ_REGRESS_SRCS := tests/fuzz/fuzz_regress.c $(wildcard user/regress/*.c) user/lib/safe_file.c \
	user/lib/array.c user/lib/json_put.c user/lib/errtext.c
.PHONY: fuzz-regress
fuzz-regress: $(OUTPUT)/fuzz/fuzz_regress
$(OUTPUT)/fuzz/fuzz_regress: $(FUZZ_REGRESS_SRCS) user/regress/stats.h user/regress/regress.h user/regress/results_io.h \
			     user/regress/regress_report.h user/lib/array.h user/lib/json_put.h \
			     user/lib/errtext.h
	$(call msg,FUZZ-CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CLANG) $(FUZZ_REGRESS_CFLAGS) -Iuser $(FUZZ_REGRESS_SRCS) -ljansson -lm -o $@
# --- regress fuzz (end)

# --- session fuzz (begin)
# libFuzzer target of the session-file reader and the offline analyses (tests/fuzz/
# run_session.sh runs it). Built by clang with ASan and UBSan from the sources it exercises,
# not from libperfan.a, which the default compiler builds without instrumentation.
FUZZ_SESSION_SRCS := tests/fuzz/fuzz_session.c user/session/session_file.c user/session/session.c \
	user/session/leak_json.c user/lib/stacktab.c user/analysis/report.c user/output/report_text.c user/output/report_json.c \
	user/analysis/diff.c user/output/diff_report.c user/analysis/trend.c user/output/trend_report.c user/lib/stack_name.c \
	user/lib/bytes_fmt.c user/analysis/profile.c user/output/folded.c user/output/pprof.c user/analysis/frame_tree.c \
	user/output/flamegraph.c user/output/html_report.c user/lib/safe_file.c user/lib/sanitize.c \
	user/lib/stack.c user/output/report_format.c user/lib/array.c user/lib/json_put.c \
	user/lib/errtext.c
FUZZ_SESSION_CFLAGS := -g -O1 -std=gnu11 -D_GNU_SOURCE -fno-omit-frame-pointer \
	-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all

.PHONY: fuzz-session
fuzz-session: $(OUTPUT)/fuzz/fuzz_session

$(OUTPUT)/fuzz/fuzz_session: $(FUZZ_SESSION_SRCS) $(wildcard user/*/*.h bpf/*.h)
	$(call msg,FUZZ-CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CLANG) $(FUZZ_SESSION_CFLAGS) $(INCLUDES) $(filter %.c,$^) -ljansson -lz -lm -o $@
# --- session fuzz (end)

# --- symbols (begin)
# Symbolization: libdebuginfod for --debuginfod (the library is only called when asked).
LIBS += -ldebuginfod
.PHONY: bench-symbols
# tools/bench/symbols.sh: perfan-bpf's symbolizer against addr2line and eu-addr2line
$(OUTPUT)/bench_symbols: tools/bench/bench_symbols.c $(OUTPUT)/libperfan.a
	$(call msg,BINARY,$@)
	$(Q)$(CC) $(CFLAGS) $(INCLUDES) $(filter %.c %.a,$^) $(LIBS) -o $@

bench-symbols: $(OUTPUT)/bench_symbols
	$(Q)tools/bench/symbols.sh

# The library tests/workloads/leaky_sym loads with dlopen (tests/integration/symbols.sh)
all: $(OUTPUT)/workloads/libsym_plugin.so
$(OUTPUT)/workloads/libsym_plugin.so: tests/workloads/lib/sym_plugin.c | $(OUTPUT)/workloads
	$(call msg,WL-CC,$@)
	$(Q)$(CC) -g -O2 -fno-omit-frame-pointer -Wall -shared -fPIC $< -o $@
# --- symbols (end)

# --- timing (begin)
# `perfan-bpf time`: the BPF object needs atomic fetch-add and compare-and-swap (-mcpu=v3);
# the loader includes its skeleton; a C++ workload that throws; `make bench-timing`.
$(OUTPUT)/timing.bpf.o: BPF_CFLAGS += -mcpu=v3
$(OUTPUT)/user/probe/timing_loader.o: $(OUTPUT)/timing.skel.h
TIMING_CXX_WORKLOADS := $(OUTPUT)/workloads/throwing
all: $(TIMING_CXX_WORKLOADS) $(OUTPUT)/bench_timed $(OUTPUT)/bench_pair
# Built the compilers' default way, without frame pointers: stacks through it need .eh_frame
all: $(OUTPUT)/workloads/unwind
$(OUTPUT)/workloads/unwind: tests/workloads/unwind.cc | $(OUTPUT)/workloads
	$(call msg,WL-CXX,$@)
	$(Q)g++ -g -O2 -fomit-frame-pointer -Wall $< -o $@
$(OUTPUT)/workloads/%: tests/workloads/%.cc | $(OUTPUT)/workloads
	$(call msg,WL-CXX,$@)
	$(Q)g++ -g -O2 -fno-omit-frame-pointer -Wall $< -o $@
$(OUTPUT)/bench_timed: tools/bench/bench_timed.c | $(OUTPUT)
	$(call msg,CC,$@)
	$(Q)$(CC) -g -O2 -fno-omit-frame-pointer -Wall $< -o $@
$(OUTPUT)/bench_pair: tools/bench/bench_pair.c $(OUTPUT)/empty.skel.h $(OUTPUT)/libperfan.a
	$(call msg,BINARY,$@)
	$(Q)$(CC) $(CFLAGS) $(INCLUDES) $(filter %.c %.a,$^) $(LIBS) -o $@
.PHONY: bench-timing
bench-timing: all
	$(Q)tools/bench/timing.sh
# --- timing (end)

# --- formats (begin)
# Output formats (folded, pprof, svg, html; docs/formats.md). gen_session writes the fixture
# session of tests/fixtures/session/ and the large sessions of tools/bench/formats.sh.
all: $(OUTPUT)/gen_session
$(OUTPUT)/gen_session: tools/bench/gen_session.c $(OUTPUT)/libperfan.a
	$(call msg,BINARY,$@)
	$(Q)$(CC) $(CFLAGS) $(INCLUDES) $(filter %.c %.a,$^) $(LIBS) -o $@
# session.c interns strings through strmap.c: the session fuzz target compiles it in too
$(OUTPUT)/fuzz/fuzz_session: user/lib/strmap.c
.PHONY: bench-formats
bench-formats: all
	$(Q)tools/bench/formats.sh
# --- formats (end)
