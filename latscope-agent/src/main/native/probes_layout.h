/* SPDX-License-Identifier: Apache-2.0 */
/* What jextract reads to generate io.latscope.agent.layout (scripts/jextract-layouts): the
 * ring-buffer records of probes.h. BPF programs get the __u8.. types from vmlinux.h;
 * here they come from the UAPI header, as jextract has no -include. */
#include <linux/types.h>
#include "probes.h"
