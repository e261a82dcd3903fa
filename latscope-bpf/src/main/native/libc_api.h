/* SPDX-License-Identifier: Apache-2.0 */
/* The few libc calls the wrapper needs (namespaces, mmap of ring buffers, raw bpf()),
 * turned into io.latscope.bpf.raw.LibC by ../../../jextract.sh. */
#define _GNU_SOURCE
#include <sched.h>
#include <fcntl.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <net/if.h>
#include <time.h>
#include <stdio.h>
#include <string.h>
#include <stdarg.h>
