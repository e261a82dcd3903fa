/* SPDX-License-Identifier: Apache-2.0 */
/* What jextract reads to generate io.latscope.sync.layout (scripts/jextract-layouts): the
 * probe payload and ring-buffer sample of sync.h. BPF programs get the __u8.. types from
 * vmlinux.h; here they come from the UAPI header, as jextract has no -include. */
#include <linux/types.h>
#include "sync.h"
