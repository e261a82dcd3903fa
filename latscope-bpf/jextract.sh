#!/usr/bin/env bash
# Regenerates io.latscope.bpf.raw (libbpf and libc bindings, the sock_diag netlink structs)
# with jextract.
#
# jextract is not on any package registry here; build it from openjdk/jextract's
# src/main/java with a JDK 25 (`javac --release 23`) outside this repository and
# point JEXTRACT at a launcher that runs
#   java --enable-native-access=org.openjdk.jextract -Djava.library.path=<dir with libclang.so>
#        -p <compiled classes> -m org.openjdk.jextract/org.openjdk.jextract.JextractTool
# (libclang.so = a symlink to Debian's /usr/lib/llvm-14/lib/libclang-14.so.1).
#
# Generated against: libbpf-dev 1.1.2 (Debian 12), glibc 2.36 and linux-libc-dev 6.1 headers, x86_64.
# The generated code is committed and never edited by hand; only the wrapper in
# io.latscope.bpf may import it.
set -euo pipefail
cd "$(dirname "$0")"
JEXTRACT=${JEXTRACT:-jextract}
OUT=src/main/java
PKG=io.latscope.bpf.raw
rm -rf "$OUT/io/latscope/bpf/raw"

# No libbpf functions: LatScope calls them through io.latscope.bpf.Calls (one downcall shape
# for every function; a generated handle per function cost a fresh JVM 3-5 ms per C signature
# to link). The structs, the print callback's type and the constants come from here, so the
# header class does not open libbpf (Calls does, with an error naming the package to install).
LIBBPF_STRUCTS=(bpf_object_open_opts bpf_tc_hook bpf_tc_opts bpf_prog_info bpf_map_info
  bpf_link_info bpf_test_run_opts bpf_link_create_opts bpf_xdp_attach_opts ring_buffer_opts
  bpf_trace_opts)
LIBBPF_TYPEDEFS=(ring_buffer_sample_fn libbpf_print_fn_t)
LIBBPF_CONSTANTS=(
  BPF_ANY BPF_NOEXIST BPF_EXIST BPF_F_LOCK
  BPF_TC_INGRESS BPF_TC_EGRESS BPF_TC_CUSTOM BPF_TC_F_REPLACE
  XDP_FLAGS_UPDATE_IF_NOEXIST XDP_FLAGS_SKB_MODE XDP_FLAGS_DRV_MODE XDP_FLAGS_REPLACE
  BPF_PROG_TYPE_UNSPEC BPF_PROG_TYPE_KPROBE BPF_PROG_TYPE_SCHED_CLS BPF_PROG_TYPE_TRACEPOINT
  BPF_PROG_TYPE_XDP BPF_PROG_TYPE_CGROUP_SKB BPF_PROG_TYPE_SOCK_OPS BPF_PROG_TYPE_RAW_TRACEPOINT
  BPF_PROG_TYPE_TRACING BPF_PROG_TYPE_LSM
  BPF_TRACE_FENTRY BPF_TRACE_FEXIT BPF_TRACE_RAW_TP BPF_CGROUP_INET_INGRESS BPF_CGROUP_INET_EGRESS
  BPF_CGROUP_SOCK_OPS BPF_XDP BPF_LSM_MAC BPF_F_TEST_XDP_LIVE_FRAMES BPF_F_ALLOW_MULTI
  BPF_STATS_RUN_TIME BPF_FUNC_ktime_get_ns BPF_FUNC_ringbuf_reserve
  BPF_MAP_TYPE_RINGBUF BPF_MAP_TYPE_HASH BPF_MAP_TYPE_ARRAY BPF_MAP_TYPE_PERCPU_ARRAY
)
# vsnprintf formats libbpf's messages from their va_list (its ABI differs between x86-64 and AArch64: not for Calls)
LIBC_FUNCTIONS=(vsnprintf)
LIBC_STRUCTS=(timespec)
LIBC_CONSTANTS=(CLONE_NEWNET O_RDONLY O_CLOEXEC O_DIRECTORY PROT_READ PROT_WRITE MAP_SHARED
  SYS_bpf CLOCK_MONOTONIC)
SOCK_DIAG_STRUCTS=(nlmsghdr nlmsgerr nlattr inet_diag_req_v2 inet_diag_msg inet_diag_sockid tcp_info)
SOCK_DIAG_CONSTANTS=(AF_NETLINK AF_INET AF_INET6 SOCK_DGRAM SOCK_CLOEXEC IPPROTO_TCP NETLINK_SOCK_DIAG
  SOCK_DIAG_BY_FAMILY NLMSG_ERROR NLMSG_DONE NLM_F_REQUEST NLM_F_DUMP NLMSG_ALIGNTO INET_DIAG_INFO BPF_TCP_ESTABLISHED
  BPF_TCP_SYN_SENT BPF_TCP_SYN_RECV BPF_TCP_FIN_WAIT1 BPF_TCP_FIN_WAIT2 BPF_TCP_CLOSE_WAIT BPF_TCP_LAST_ACK BPF_TCP_CLOSING)

args() { local flag=$1; shift; for x in "$@"; do printf -- '%s\n%s\n' "$flag" "$x"; done; }

mapfile -t A < <(args --include-struct "${LIBBPF_STRUCTS[@]}";
                 args --include-typedef "${LIBBPF_TYPEDEFS[@]}"; args --include-constant "${LIBBPF_CONSTANTS[@]}")
"$JEXTRACT" --target-package "$PKG" --header-class-name LibBpf \
  -I /usr/include --output "$OUT" "${A[@]}" src/main/native/libbpf_api.h

mapfile -t C < <(args --include-function "${LIBC_FUNCTIONS[@]}"; args --include-struct "${LIBC_STRUCTS[@]}";
                 args --include-constant "${LIBC_CONSTANTS[@]}")
"$JEXTRACT" --target-package "$PKG" --header-class-name LibC \
  -I /usr/include --output "$OUT" "${C[@]}" src/main/native/libc_api.h

mapfile -t D < <(args --include-struct "${SOCK_DIAG_STRUCTS[@]}"; args --include-constant "${SOCK_DIAG_CONSTANTS[@]}")
"$JEXTRACT" --target-package "$PKG" --header-class-name SockDiagH \
  -I /usr/include --output "$OUT" "${D[@]}" src/main/native/sock_diag_api.h

echo "generated $(find "$OUT/io/latscope/bpf/raw" -name '*.java' | wc -l) files in $PKG"
