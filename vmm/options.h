/* SPDX-License-Identifier: GPL-2.0 */
/* Command-line options of `kvmx run`. */
#ifndef KVMX_VMM_OPTIONS_H
#define KVMX_VMM_OPTIONS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "layout.h"
#include "vm.h"

#define OPTIONS_DEFAULT_MEM	(256ULL << 20)
#define OPTIONS_DEFAULT_DEVICE	"/dev/kvm"
#define OPTIONS_MAX_DISKS	4
#define OPTIONS_MAX_PATH	4096

enum disk_format {
	DISK_FORMAT_RAW,
	DISK_FORMAT_QCOW2,
};

struct disk_option {
	char path[OPTIONS_MAX_PATH];
	enum disk_format format;
	bool format_given;	/* format= present; otherwise probed */
	bool readonly;
	bool snapshot;		/* writes go to a private overlay, discarded at exit */
};

struct options {
	uint64_t mem;
	int cpus;
	const char *kernel;
	const char *initrd;
	const char *append;
	char flat_path[OPTIONS_MAX_PATH];
	uint64_t flat_gpa;
	bool has_flat;
	const char *device;
	enum irqchip_mode irqchip;
	bool no_sandbox;
	bool rng;
	int nr_disks;
	struct disk_option disks[OPTIONS_MAX_DISKS];
	const char *tap;	/* --net tap=NAME */
	bool verbose;
	bool help;
};

/*
 * Parse `kvmx run` arguments (argv[0] is "run").  Returns 0, or -EINVAL
 * after printing the one error line naming the bad option.
 */
int options_parse(struct options *opts, int argc, char **argv);
/* --disk FILE[,format=raw|qcow2][,readonly][,snapshot] */
int options_parse_disk(struct disk_option *disk, const char *spec);
void options_usage(FILE *out);

#endif /* KVMX_VMM_OPTIONS_H */
