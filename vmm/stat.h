/* SPDX-License-Identifier: GPL-2.0 */
/* kvmx stat: per-VM exits and exit latency from kvmx.ko's statistics. */
#ifndef KVMX_VMM_STAT_H
#define KVMX_VMM_STAT_H

int cmd_stat(int argc, char **argv);

#endif
