/* SPDX-License-Identifier: Apache-2.0 */
/* The sock_diag netlink messages SockDiag sends and reads (struct nlmsghdr, nlmsgerr, inet_diag_req_v2,
 * inet_diag_msg, the attribute header and struct tcp_info), turned into
 * io.latscope.bpf.raw.SockDiagH and struct classes by ../../../jextract.sh. */
#include <sys/socket.h>       /* AF_NETLINK, AF_INET, AF_INET6, SOCK_DGRAM, SOCK_CLOEXEC */
#include <netinet/in.h>       /* IPPROTO_TCP */
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <linux/inet_diag.h>
#include <linux/tcp.h>        /* struct tcp_info (glibc's netinet/tcp.h has an older one) */
#include <linux/bpf.h>        /* BPF_TCP_ESTABLISHED: the kernel's TCP state numbers are not UAPI elsewhere */
