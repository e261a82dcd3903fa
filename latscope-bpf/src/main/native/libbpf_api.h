/* SPDX-License-Identifier: Apache-2.0 */
/* The C surface that jextract turns into io.latscope.bpf.raw.LibBpf.
 * Only what the hand-written wrapper in io.latscope.bpf uses is generated:
 * the exact function, struct and constant lists are in ../../../jextract.sh. */
#include <bpf/libbpf.h>
#include <bpf/bpf.h>
