#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# Installs the Debian 12 packages perfan-bpf needs to build, run and test, when any is missing.
# Run as root. Idempotent: does nothing (and needs no network) when everything is there.
set -eu
pkgs=(
	make gcc clang llvm pkg-config binutils util-linux   # toolchain; strip/readelf; setpriv/unshare
	g++ bpftrace                                         # C++ timing workload; timing benchmark
	libbpf-dev bpftool libelf-dev zlib1g-dev libdw-dev   # BPF loader, ELF and DWARF
	systemtap-sdt-dev                                    # <sys/sdt.h> for include/perfan.h
	libjansson-dev                                       # JSON
	libcmocka-dev libclang-rt-14-dev jq                  # unit tests, fuzzing, integration tests
	clang-format                                         # tools/check-format (the test command)
	libdebuginfod-dev g++ elfutils                        # --debuginfod; C++ test fixtures; eu-addr2line (bench)
	libc6-dbg                                            # glibc debug info: file:line in glibc frames (tests rely on it)
	golang-go libxml2-utils chromium file                # formats tests: go tool pprof, xmllint, headless browser
	libbenchmark-dev python3-pytest-benchmark hyperfine  # regress fixtures (tests/fixtures/regress/gen)
	debhelper dpkg-dev lintian mandoc bash-completion    # make deb, make man; the install tests
	systemd strace man-db                                # install tests: systemd-analyze, system calls, man -w
	prometheus curl                                      # the agent's tests: promtool, a real scrape
	libjemalloc-dev libtcmalloc-minimal4 libmimalloc2.0  # allocators' tests: jemalloc (.so, .a), tcmalloc, mimalloc
	python3                                              # CPython's small objects (python.sh), against tracemalloc
	musl-tools                                           # exec into a program of another libc (exec.sh)
)
missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q '^install ok installed$' || missing+=("$p")
done
[[ ${#missing[@]} == 0 ]] && exit 0
if [[ $EUID != 0 ]]; then
	echo "install-deps: missing packages: ${missing[*]}; run as root to install them" >&2
	exit 2
fi
echo "install-deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
