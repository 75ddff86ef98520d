# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# perfan-bpf: one non-recursive Makefile. Output goes to .output/; `make V=1` shows full commands.
# bpf/*.bpf.c -> .bpf.o -> skeleton -> loader objects -> perfan-bpf.
# Sources are found by folder (docs/architecture.md): user/LAYER/*.c. Every module but main and
# the loaders (they include skeletons) goes into libperfan.a, which the unit tests link, so a
# test pulls only the module it tests and the layers below it.

OUTPUT := .output
CC ?= cc
CLANG ?= clang
BPFTOOL ?= bpftool
ARCH := $(shell uname -m | sed 's/x86_64/x86/;s/aarch64/arm64/')

WERROR := $(if $(CI),-Werror,)
CFLAGS ?= -g -O2
CFLAGS += -Wall -Wextra $(WERROR) -std=gnu11 -fno-omit-frame-pointer -D_GNU_SOURCE
INCLUDES := -I$(OUTPUT) -Iuser -Ibpf -Iinclude
# libdebuginfod: --debuginfod (the library is only called when asked)
LIBS := -lbpf -lelf -ldw -ldebuginfod -ljansson -lz -lm
# usdt.bpf.h includes <linux/errno.h>, whose asm/ headers live under the multiarch directory
MULTIARCH_INC := $(shell $(CC) -print-multiarch 2>/dev/null | sed "s|.\+|-idirafter /usr/include/\0|")
BPF_CFLAGS := -g -O2 -target bpf -D__TARGET_ARCH_$(ARCH) -Wall $(WERROR) -Ivmlinux -Ibpf $(MULTIARCH_INC)
# the fuzz targets: clang with libFuzzer, ASan and UBSan (libclang-rt-14-dev)
FUZZ_CFLAGS := -g -O1 -std=gnu11 -D_GNU_SOURCE -fno-omit-frame-pointer \
	-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all

ifeq ($(V),1)
Q =
msg =
else
Q = @
msg = @printf '  %-8s %s\n' "$(1)" "$(2)";
endif

.DELETE_ON_ERROR:
.PHONY: all clean test unit unit-bins integration bench bench-symbols bench-timing bench-formats bench-retprobe bench-forks bench-bystander bench-allself bench-early \
	fuzz-session fuzz-regress vmlinux demo

LAYERS := lib target symbols probe session analysis regress output cli
USER_SRCS := $(foreach l,$(LAYERS),$(wildcard user/$(l)/*.c))
LOADER_SRCS := $(wildcard user/probe/*_loader.c)
MAIN_SRCS := user/cli/main.c
LIB_SRCS := $(filter-out $(LOADER_SRCS) $(MAIN_SRCS),$(USER_SRCS))
LIB_OBJS := $(patsubst user/%.c,$(OUTPUT)/user/%.o,$(LIB_SRCS))
LOADER_OBJS := $(patsubst user/%.c,$(OUTPUT)/user/%.o,$(LOADER_SRCS))
MAIN_OBJS := $(patsubst user/%.c,$(OUTPUT)/user/%.o,$(MAIN_SRCS))
# the same modules built by clang for the fuzz targets, which link only the members they use
FUZZ_OBJS := $(patsubst user/%.c,$(OUTPUT)/fuzz/user/%.o,$(LIB_SRCS))

UNIT_BINS := $(patsubst tests/unit/%.c,$(OUTPUT)/tests/%,$(wildcard tests/unit/test_*.c))
# workloads of the integration tests, built the way a production service would be (-O2, frame
# pointers, debug info) unless their rule below says otherwise
WORKLOAD_BINS := $(patsubst tests/workloads/%.c,$(OUTPUT)/workloads/%,\
			$(wildcard tests/workloads/*.c)) \
		 $(patsubst tests/workloads/%.cc,$(OUTPUT)/workloads/%,\
			$(wildcard tests/workloads/*.cc)) \
		 $(OUTPUT)/workloads/libsym_plugin.so $(OUTPUT)/workloads/grower_nofp \
		 $(OUTPUT)/workloads/libnow_plugin.so $(OUTPUT)/workloads/leaky_musl
# benchmark programs (tools/bench/)
BENCH_BINS := $(addprefix $(OUTPUT)/,bench_empty bench_churn bench_churn_nofp bench_snap \
		bench_timed bench_pair bench_symbols gen_session bench_retinsn bench_new_je bench_sys)

all: perfan-bpf $(WORKLOAD_BINS) $(BENCH_BINS) $(OUTPUT)/demo_server

perfan-bpf: $(MAIN_OBJS) $(LOADER_OBJS) $(OUTPUT)/libperfan.a
	$(call msg,BINARY,$@)
	$(Q)$(CC) $(CFLAGS) $^ $(LIBS) -o $@

$(OUTPUT)/libperfan.a: $(LIB_OBJS)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

$(OUTPUT)/user/%.o: user/%.c
	$(Q)mkdir -p $(@D)
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) $(INCLUDES) -MMD -MP -c $< -o $@

# --- BPF: the timing object needs atomic fetch-add and compare-and-swap (-mcpu=v3)
$(OUTPUT)/%.bpf.o: bpf/%.bpf.c vmlinux/vmlinux.h | $(OUTPUT)
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -MMD -MP -c $< -o $@
$(OUTPUT)/timing.bpf.o: BPF_CFLAGS += -mcpu=v3

$(OUTPUT)/%.skel.h: $(OUTPUT)/%.bpf.o
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< > $@

# Only the loaders include skeletons; say so explicitly so a parallel build orders them.
$(OUTPUT)/user/probe/leak_loader.o: $(OUTPUT)/leak.skel.h
$(OUTPUT)/user/probe/timing_loader.o: $(OUTPUT)/timing.skel.h
$(OUTPUT)/user/probe/growth_loader.o: $(OUTPUT)/growth.skel.h

# vmlinux.h is committed; regenerate it from the running kernel's BTF with `make vmlinux`.
vmlinux:
	$(BPFTOOL) btf dump file /sys/kernel/btf/vmlinux format c > vmlinux/vmlinux.h

# --- tests
$(OUTPUT)/tests/%: tests/unit/%.c $(OUTPUT)/libperfan.a | $(OUTPUT)/tests
	$(call msg,TEST-CC,$@)
	$(Q)$(CC) $(CFLAGS) $(INCLUDES) -Itests/unit -MMD -MP $< $(OUTPUT)/libperfan.a $(LIBS) -lcmocka -o $@

$(OUTPUT)/workloads/%: tests/workloads/%.c | $(OUTPUT)/workloads
	$(call msg,WL-CC,$@)
	$(Q)$(CC) -g -O2 -fno-omit-frame-pointer -Wall -Iinclude $< -o $@ -lpthread -ldl
$(OUTPUT)/workloads/%: tests/workloads/%.cc | $(OUTPUT)/workloads
	$(call msg,WL-CXX,$@)
	$(Q)g++ -g -O2 -fno-omit-frame-pointer -Wall $< -o $@
# no libc, no allocator: the process perfan-bpf must refuse
$(OUTPUT)/workloads/noalloc: tests/workloads/noalloc.c | $(OUTPUT)/workloads
	$(call msg,WL-CC,$@)
	$(Q)$(CC) -O2 -nostdlib -static -fno-stack-protector $< -o $@
# built the compilers' default way, without frame pointers: its stacks need .eh_frame rows
$(OUTPUT)/workloads/unwind: tests/workloads/unwind.cc | $(OUTPUT)/workloads
	$(call msg,WL-CXX,$@)
	$(Q)g++ -g -O2 -fomit-frame-pointer -Wall $< -o $@
# the growth workload again without frame pointers: whole stacks need .eh_frame rows
$(OUTPUT)/workloads/grower_nofp: tests/workloads/grower.c | $(OUTPUT)/workloads
	$(call msg,WL-CC,$@)
	$(Q)$(CC) -g -O2 -fomit-frame-pointer -Wall $< -o $@ -lpthread
# leaky against another libc: musl (musl-tools), dynamically linked to its libc.so, which is
# its dynamic linker too (tests/integration/exec.sh: an exec into another libc)
$(OUTPUT)/workloads/leaky_musl: tests/workloads/leaky.c | $(OUTPUT)/workloads
	$(call msg,WL-CC,$@)
	$(Q)musl-gcc -g -O2 -fno-omit-frame-pointer -Wall $< -o $@
# the library tests/workloads/leaky_sym loads with dlopen (tests/integration/symbols.sh)
$(OUTPUT)/workloads/libsym_plugin.so: tests/workloads/lib/sym_plugin.c | $(OUTPUT)/workloads
	$(call msg,WL-CC,$@)
	$(Q)$(CC) -g -O2 -fno-omit-frame-pointer -Wall -shared -fPIC $< -o $@
# the plugin tests/workloads/dlopen_now loads, built without frame pointers (tests/integration/exec.sh)
$(OUTPUT)/workloads/libnow_plugin.so: tests/workloads/lib/now_plugin.c | $(OUTPUT)/workloads
	$(call msg,WL-CC,$@)
	$(Q)$(CC) -g -O2 -fomit-frame-pointer -Wall -shared -fPIC $< -o $@
# tests/workloads/alloc/: the allocators of tests/integration/allocators.sh (Debian's
# libjemalloc2, libjemalloc-dev, libtcmalloc-minimal4, libmimalloc2.0). The C half and the C++
# half in one program per allocator, the libraries named by file (no -dev symlink needed)
ALLOC_WL := glibc jemalloc tcmalloc mimalloc static
alloc_link_jemalloc := -l:libjemalloc.so.2
alloc_link_tcmalloc := -l:libtcmalloc_minimal.so.4
alloc_link_mimalloc := -l:libmimalloc.so.2
alloc_link_static := -static
alloc_cobj_jemalloc := _jeapi # jemalloc's mallocx, rallocx, dallocx, sdallocx too
MULTIARCH_LIB := /usr/lib/$(shell $(CC) -print-multiarch)
all: $(ALLOC_WL:%=$(OUTPUT)/workloads/alloc_leaks_%) \
	$(OUTPUT)/workloads/alloc_leaks_jestatic $(OUTPUT)/workloads/alloc_leaks_jeprefix
$(OUTPUT)/workloads/alloc_leaks_c.o: tests/workloads/alloc/alloc_leaks.c | $(OUTPUT)/workloads
	$(call msg,WL-CC,$@)
	$(Q)$(CC) -g -O2 -fno-omit-frame-pointer -Wall -DALLOC_LEAKS_NO_MAIN -c $< -o $@
$(OUTPUT)/workloads/alloc_leaks_c_jeapi.o: tests/workloads/alloc/alloc_leaks.c | $(OUTPUT)/workloads
	$(call msg,WL-CC,$@)
	$(Q)$(CC) -g -O2 -fno-omit-frame-pointer -Wall -DALLOC_LEAKS_NO_MAIN -DJEMALLOC_API -c $< -o $@
$(OUTPUT)/workloads/alloc_leaks_cxx.o: tests/workloads/alloc/alloc_leaks_cxx.cc | $(OUTPUT)/workloads
	$(call msg,WL-CXX,$@)
	$(Q)g++ -g -O2 -fno-omit-frame-pointer -Wall -c $< -o $@
$(ALLOC_WL:%=$(OUTPUT)/workloads/alloc_leaks_%): $(OUTPUT)/workloads/alloc_leaks_%: \
		$(addprefix $(OUTPUT)/workloads/,alloc_leaks_cxx.o alloc_leaks_c.o alloc_leaks_c_jeapi.o)
	$(call msg,WL-LD,$@)
	$(Q)g++ -g $(OUTPUT)/workloads/alloc_leaks_cxx.o \
		$(OUTPUT)/workloads/alloc_leaks_c$(strip $(alloc_cobj_$*)).o -o $@ $(alloc_link_$*)
# jemalloc linked into a dynamic executable (libjemalloc-dev's libjemalloc_pic.a): its malloc
# is the process's
$(OUTPUT)/workloads/alloc_leaks_jestatic: tests/workloads/alloc/alloc_leaks.c | $(OUTPUT)/workloads
	$(call msg,WL-CC,$@)
	$(Q)$(CC) -g -O2 -fno-omit-frame-pointer -Wall -DJEMALLOC_API $< -o $@ \
		$(MULTIARCH_LIB)/libjemalloc_pic.a -lpthread -ldl -lm
# the same under the je_ prefix beside glibc's malloc, as redis bundles it: Debian builds no
# prefixed archive, so the public names of libjemalloc_pic.a are renamed
JE_PUBLIC := malloc calloc realloc free posix_memalign aligned_alloc memalign valloc \
	malloc_usable_size mallocx rallocx xallocx sallocx dallocx sdallocx nallocx mallctl \
	mallctlbymib mallctlnametomib malloc_stats_print malloc_conf malloc_conf_2_conf_harder \
	malloc_message
$(OUTPUT)/workloads/libjemalloc_je.a: | $(OUTPUT)/workloads
	$(call msg,OBJCOPY,$@)
	$(Q)printf '%s je_%s\n' $(foreach s,$(JE_PUBLIC),$(s) $(s)) >$@.syms
	$(Q)objcopy --redefine-syms=$@.syms $(MULTIARCH_LIB)/libjemalloc_pic.a $@
$(OUTPUT)/workloads/alloc_leaks_jeprefix: tests/workloads/alloc/alloc_leaks.c \
		$(OUTPUT)/workloads/libjemalloc_je.a | $(OUTPUT)/workloads
	$(call msg,WL-CC,$@)
	$(Q)$(CC) -g -O2 -fno-omit-frame-pointer -Wall -DJE_PREFIX $< -o $@ \
		$(OUTPUT)/workloads/libjemalloc_je.a -lpthread -ldl -lm

unit-bins: $(UNIT_BINS)

unit: $(UNIT_BINS)
	$(Q)tools/run-unit $(UNIT_BINS)

integration: all
	$(Q)tests/integration/run.sh

test:
	$(Q)tools/run-tests

# --- fuzz targets (tests/fuzz/run_*.sh build and run them)
$(OUTPUT)/fuzz/user/%.o: user/%.c
	$(Q)mkdir -p $(@D)
	$(call msg,FUZZ-CC,$@)
	$(Q)$(CLANG) $(FUZZ_CFLAGS) $(INCLUDES) -MMD -MP -c $< -o $@

$(OUTPUT)/fuzz/libperfan-fuzz.a: $(FUZZ_OBJS)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

$(OUTPUT)/fuzz/fuzz_%: tests/fuzz/fuzz_%.c $(OUTPUT)/fuzz/libperfan-fuzz.a
	$(call msg,FUZZ-CC,$@)
	$(Q)$(CLANG) $(FUZZ_CFLAGS) $(INCLUDES) $^ -ljansson -lz -lm -o $@

fuzz-session: $(OUTPUT)/fuzz/fuzz_session
fuzz-regress: $(OUTPUT)/fuzz/fuzz_regress

# --- benchmarks (tools/bench/)
# the churn workload twice: with frame pointers, and the compilers' default way
$(OUTPUT)/bench_churn $(OUTPUT)/bench_snap $(OUTPUT)/bench_timed: $(OUTPUT)/bench_%: \
		tools/bench/bench_%.c | $(OUTPUT)
	$(call msg,CC,$@)
	$(Q)$(CC) -g -O2 -fno-omit-frame-pointer -Wall $< -o $@
$(OUTPUT)/bench_churn_nofp: tools/bench/bench_churn.c | $(OUTPUT)
	$(call msg,CC,$@)
	$(Q)$(CC) -g -O2 -fomit-frame-pointer -Wall $< -o $@
# system calls in a static program, which no session's uprobes reach (tools/bench/bystander.sh)
$(OUTPUT)/bench_sys: tools/bench/bench_sys.c | $(OUTPUT)
	$(call msg,CC,$@)
	$(Q)$(CC) -g -O2 -static -Wall $< -o $@
# new+delete through jemalloc's own operator new (tools/bench/retprobe.sh)
$(OUTPUT)/bench_new_je: tools/bench/bench_new.cc | $(OUTPUT)
	$(call msg,CXX,$@)
	$(Q)g++ -g -O2 -fno-omit-frame-pointer -Wall $< -o $@ -ljemalloc
# the growth gear's workloads (tools/bench/growth.sh)
$(OUTPUT)/bench_growth: tools/bench/bench_growth.c | $(OUTPUT)
	$(call msg,CC,$@)
	$(Q)$(CC) -g -O2 -fno-omit-frame-pointer -Wall $< -o $@
# programs on perfan-bpf's own modules; gen_session writes the fixture session of
# tests/fixtures/session/ and the large sessions of tools/bench/formats.sh
$(OUTPUT)/bench_empty $(OUTPUT)/bench_pair $(OUTPUT)/bench_retinsn: $(OUTPUT)/empty.skel.h
$(OUTPUT)/bench_empty $(OUTPUT)/bench_pair $(OUTPUT)/bench_symbols $(OUTPUT)/gen_session \
		$(OUTPUT)/bench_retinsn: \
		$(OUTPUT)/%: tools/bench/%.c $(OUTPUT)/libperfan.a
	$(call msg,BINARY,$@)
	$(Q)$(CC) $(CFLAGS) $(INCLUDES) $(filter %.c %.a,$^) $(LIBS) -o $@

bench: all $(OUTPUT)/bench_growth $(OUTPUT)/bench_sys
	$(Q)tools/bench/run.sh
	$(Q)tools/bench/snapshot.sh
	$(Q)tools/bench/growth.sh
	$(Q)tools/bench/callsites.sh
	$(Q)tools/bench/forks.sh
	$(Q)tools/bench/bystander.sh
	$(Q)tools/bench/allself.sh
	$(Q)tools/bench/early.sh
bench-symbols: all
	$(Q)tools/bench/symbols.sh
bench-timing: all
	$(Q)tools/bench/timing.sh
bench-formats: all
	$(Q)tools/bench/formats.sh
bench-retprobe: all
	$(Q)tools/bench/retprobe.sh
bench-forks: all
	$(Q)tools/bench/forks.sh
bench-bystander: all $(OUTPUT)/bench_sys
	$(Q)tools/bench/bystander.sh

bench-allself: all
	$(Q)tools/bench/allself.sh
bench-early: all
	$(Q)tools/bench/early.sh

# --- the demo (tools/run-demo)
$(OUTPUT)/demo_server: tools/demo/demo_server.c | $(OUTPUT)
	$(call msg,CC,$@)
	$(Q)$(CC) -g -O2 -fno-omit-frame-pointer -Wall $< -o $@

demo: perfan-bpf $(OUTPUT)/demo_server
	$(Q)tools/run-demo

$(OUTPUT) $(OUTPUT)/tests $(OUTPUT)/workloads:
	$(Q)mkdir -p $@

clean:
	rm -rf $(OUTPUT) perfan-bpf

-include $(wildcard $(OUTPUT)/*.d $(OUTPUT)/user/*/*.d $(OUTPUT)/tests/*.d \
	$(OUTPUT)/fuzz/user/*/*.d)

# --- install, uninstall, man, deb: perfan-bpf as a system tool (README "Install")
# The version lives in one place, PERFAN_VERSION in user/cli/main.c (`perfan-bpf --version`);
# `make deb` refuses a debian/changelog that says otherwise. PREFIX and DESTDIR as usual;
# `make install` builds nothing but perfan-bpf and needs no tool beyond install(1) and sed.
VERSION := $(shell sed -n 's/^.define PERFAN_VERSION "\(.*\)"$$/\1/p' user/cli/main.c)
PREFIX ?= /usr/local
SBINDIR ?= $(PREFIX)/sbin
INCLUDEDIR ?= $(PREFIX)/include
DATADIR ?= $(PREFIX)/share
MANDIR ?= $(DATADIR)/man
DOCDIR ?= $(DATADIR)/doc/perfan-bpf
BASHCOMPDIR ?= $(DATADIR)/bash-completion/completions
SYSTEMDUNITDIR ?= $(PREFIX)/lib/systemd/system
INSTALL ?= install
DOCS := README.md $(wildcard docs/*.md)

.PHONY: install uninstall man deb version

install: perfan-bpf
	$(call msg,INSTALL,$(DESTDIR)$(PREFIX))
	$(Q)$(INSTALL) -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(BASHCOMPDIR) \
		$(DESTDIR)$(INCLUDEDIR) $(DESTDIR)$(SYSTEMDUNITDIR) $(DESTDIR)$(DOCDIR)
	$(Q)$(INSTALL) -m 0755 perfan-bpf $(DESTDIR)$(SBINDIR)/perfan-bpf
	$(Q)$(INSTALL) -m 0644 docs/man/perfan-bpf.8 $(DESTDIR)$(MANDIR)/man8/perfan-bpf.8
	$(Q)$(INSTALL) -m 0644 tools/completion/perfan-bpf $(DESTDIR)$(BASHCOMPDIR)/perfan-bpf
	$(Q)$(INSTALL) -m 0644 include/perfan.h $(DESTDIR)$(INCLUDEDIR)/perfan.h
	$(Q)sed 's|/usr/sbin/perfan-bpf|$(SBINDIR)/perfan-bpf|' tools/systemd/perfan-bpf.service \
		>$(DESTDIR)$(SYSTEMDUNITDIR)/perfan-bpf.service.tmp
	$(Q)chmod 0644 $(DESTDIR)$(SYSTEMDUNITDIR)/perfan-bpf.service.tmp
	$(Q)mv -f $(DESTDIR)$(SYSTEMDUNITDIR)/perfan-bpf.service.tmp \
		$(DESTDIR)$(SYSTEMDUNITDIR)/perfan-bpf.service
	$(Q)$(INSTALL) -m 0644 $(DOCS) $(DESTDIR)$(DOCDIR)/

uninstall:
	$(call msg,UNINSTALL,$(DESTDIR)$(PREFIX))
	$(Q)rm -f $(DESTDIR)$(SBINDIR)/perfan-bpf $(DESTDIR)$(MANDIR)/man8/perfan-bpf.8 \
		$(DESTDIR)$(BASHCOMPDIR)/perfan-bpf $(DESTDIR)$(INCLUDEDIR)/perfan.h \
		$(DESTDIR)$(SYSTEMDUNITDIR)/perfan-bpf.service \
		$(addprefix $(DESTDIR)$(DOCDIR)/,$(notdir $(DOCS)))
	$(Q)rmdir $(DESTDIR)$(DOCDIR) 2>/dev/null || true

# the manual page is written in mdoc: nothing to build, lint it (mandoc, Debian package mandoc;
# its notes on a stale mandoc.db of the system are about the system, not about this page)
man:
	$(Q)out=$$(mandoc -Tlint docs/man/perfan-bpf.8 2>&1); rc=$$?; \
		printf '%s\n' "$$out" | grep -v -e 'mandoc\.db' -e '^$$' >&2; exit $$rc

# the Debian package, built out of the tree (tools/build-deb): .output/deb/perfan-bpf_*.deb
deb:
	$(Q)VERSION=$(VERSION) tools/build-deb $(OUTPUT)/deb

version:
	@echo $(VERSION)
