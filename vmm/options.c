// SPDX-License-Identifier: GPL-2.0
/* `kvmx run` option parsing and --help. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "boot.h"
#include "options.h"
#include "util.h"

enum {
	OPT_FLAT = 0x100,
	OPT_DEVICE,
	OPT_IRQCHIP,
	OPT_NO_SANDBOX,
	OPT_DISK,
	OPT_NET,
	OPT_RNG,
};

static const struct option long_options[] = {
	{ "mem",	required_argument, NULL, 'm' },
	{ "cpus",	required_argument, NULL, 'c' },
	{ "kernel",	required_argument, NULL, 'k' },
	{ "initrd",	required_argument, NULL, 'i' },
	{ "append",	required_argument, NULL, 'a' },
	{ "flat",	required_argument, NULL, OPT_FLAT },
	{ "device",	required_argument, NULL, OPT_DEVICE },
	{ "irqchip",	required_argument, NULL, OPT_IRQCHIP },
	{ "disk",	required_argument, NULL, OPT_DISK },
	{ "net",	required_argument, NULL, OPT_NET },
	{ "rng",	no_argument,	   NULL, OPT_RNG },
	{ "no-sandbox",	no_argument,	   NULL, OPT_NO_SANDBOX },
	{ "verbose",	no_argument,	   NULL, 'v' },
	{ "help",	no_argument,	   NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

void options_usage(FILE *out)
{
	fprintf(out,
"usage: kvmx run [options]\n"
"\n"
"Run a virtual machine on a KVM-compatible device.  Give exactly one of\n"
"--kernel or --flat.  The guest's serial console (COM1) is on stdin/stdout.\n"
"\n"
"  -m, --mem SIZE        guest RAM, a multiple of 2 MiB; K/M/G suffixes\n"
"                        (default 256M)\n"
"  -c, --cpus N          number of vCPUs, one host thread each (default 1)\n"
"  -k, --kernel FILE     Linux bzImage, entered at its 64-bit entry point\n"
"  -i, --initrd FILE     initial ramdisk for --kernel\n"
"  -a, --append STRING   kernel command line (default \"console=ttyS0\")\n"
"      --flat FILE@ADDR  load a raw binary at guest physical ADDR (below\n"
"                        1 MiB, 16-byte aligned) and start there in real\n"
"                        mode with CS = ADDR >> 4, IP = 0\n"
"      --device PATH     the KVM device to open (default /dev/kvm)\n"
"      --irqchip MODE    auto (default): the in-kernel irqchip if offered;\n"
"                        kernel: require it; user: userspace PIC only\n"
"      --disk SPEC       virtio-blk disk; SPEC is FILE[,format=raw|qcow2]\n"
"                        [,readonly][,snapshot] (snapshot: writes are\n"
"                        discarded at exit); repeatable, up to %d\n"
"      --net tap=NAME    virtio-net on the host tap interface NAME\n"
"      --rng             virtio-rng fed from the host's getrandom()\n"
"      --no-sandbox      keep capabilities and skip the seccomp filter\n"
"  -v, --verbose         log unclaimed I/O and setup details to stderr\n"
"  -h, --help            this text\n"
"\n"
"Console: Ctrl-A x quits, Ctrl-A Ctrl-A sends Ctrl-A.\n"
"\n"
"Exit status: 0 guest powered off (or halted for good), 1 kvmx error,\n"
"2 guest reset (reboot), 3 guest crashed (triple fault, KVM internal error),\n"
"4 quit with Ctrl-A x, 128+N killed by signal N.\n",
		OPTIONS_MAX_DISKS);
}

int options_parse_disk(struct disk_option *disk, const char *spec)
{
	char buf[OPTIONS_MAX_PATH + 64], *tok, *save = NULL;
	size_t len = strlen(spec);

	memset(disk, 0, sizeof(*disk));
	if (!len || len >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, spec, len + 1);
	tok = strtok_r(buf, ",", &save);
	if (!tok || buf[0] == ',' || strlen(tok) >= sizeof(disk->path))
		return -EINVAL;
	strcpy(disk->path, tok);
	while ((tok = strtok_r(NULL, ",", &save))) {
		if (!strcmp(tok, "format=raw")) {
			disk->format = DISK_FORMAT_RAW;
			disk->format_given = true;
		} else if (!strcmp(tok, "format=qcow2")) {
			disk->format = DISK_FORMAT_QCOW2;
			disk->format_given = true;
		} else if (!strcmp(tok, "readonly")) {
			disk->readonly = true;
		} else if (!strcmp(tok, "snapshot")) {
			disk->snapshot = true;
		} else {
			return -EINVAL;
		}
	}
	return 0;
}

static int parse_cpus(const char *s, int *cpus)
{
	uint64_t v;

	if (parse_u64(s, &v) || v < 1 || v > VM_MAX_VCPUS)
		return -EINVAL;
	*cpus = v;
	return 0;
}

static int options_check(struct options *o)
{
	if (o->kernel && o->has_flat) {
		vmm_error("--kernel and --flat are exclusive");
		return -EINVAL;
	}
	if (!o->kernel && !o->has_flat) {
		vmm_error("nothing to run: give --kernel FILE or --flat FILE@ADDR (see --help)");
		return -EINVAL;
	}
	if (!o->kernel && (o->initrd || o->append)) {
		vmm_error("%s needs --kernel", o->initrd ? "--initrd" : "--append");
		return -EINVAL;
	}
	return 0;
}

int options_parse(struct options *o, int argc, char **argv)
{
	int c;

	memset(o, 0, sizeof(*o));
	o->mem = OPTIONS_DEFAULT_MEM;
	o->cpus = 1;
	o->device = OPTIONS_DEFAULT_DEVICE;
	o->irqchip = IRQCHIP_AUTO;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":m:c:k:i:a:vh", long_options, NULL)) != -1) {
		switch (c) {
		case 'm':
			if (parse_size(optarg, &o->mem) || !o->mem ||
			    o->mem % LAYOUT_RAM_ALIGN) {
				vmm_error("--mem %s: not a size that is a multiple of 2 MiB", optarg);
				return -EINVAL;
			}
			break;
		case 'c':
			if (parse_cpus(optarg, &o->cpus)) {
				vmm_error("--cpus %s: not a number from 1 to %d", optarg,
					  VM_MAX_VCPUS);
				return -EINVAL;
			}
			break;
		case 'k':
			o->kernel = optarg;
			break;
		case 'i':
			o->initrd = optarg;
			break;
		case 'a':
			o->append = optarg;
			break;
		case OPT_FLAT:
			if (flat_parse_spec(optarg, o->flat_path, sizeof(o->flat_path),
					    &o->flat_gpa)) {
				vmm_error("--flat %s: expected FILE@ADDR", optarg);
				return -EINVAL;
			}
			o->has_flat = true;
			break;
		case OPT_DEVICE:
			o->device = optarg;
			break;
		case OPT_IRQCHIP:
			if (!strcmp(optarg, "auto")) {
				o->irqchip = IRQCHIP_AUTO;
			} else if (!strcmp(optarg, "kernel")) {
				o->irqchip = IRQCHIP_KERNEL;
			} else if (!strcmp(optarg, "user")) {
				o->irqchip = IRQCHIP_USER;
			} else {
				vmm_error("--irqchip %s: expected auto, kernel or user", optarg);
				return -EINVAL;
			}
			break;
		case OPT_DISK:
			if (o->nr_disks == OPTIONS_MAX_DISKS) {
				vmm_error("--disk %s: at most %d disks", optarg, OPTIONS_MAX_DISKS);
				return -EINVAL;
			}
			if (options_parse_disk(&o->disks[o->nr_disks], optarg)) {
				vmm_error("--disk %s: expected FILE[,format=raw|qcow2][,readonly][,snapshot]",
					  optarg);
				return -EINVAL;
			}
			o->nr_disks++;
			break;
		case OPT_NET:
			if (strncmp(optarg, "tap=", 4) || !optarg[4] || o->tap) {
				vmm_error("--net %s: expected a single tap=NAME", optarg);
				return -EINVAL;
			}
			o->tap = optarg + 4;
			break;
		case OPT_RNG:
			o->rng = true;
			break;
		case OPT_NO_SANDBOX:
			o->no_sandbox = true;
			break;
		case 'v':
			o->verbose = true;
			break;
		case 'h':
			o->help = true;
			return 0;
		case ':':
			vmm_error("%s: missing argument", argv[optind - 1]);
			return -EINVAL;
		default:
			vmm_error("%s: unknown option (see --help)", argv[optind - 1]);
			return -EINVAL;
		}
	}
	if (optind < argc) {
		vmm_error("%s: unexpected argument (see --help)", argv[optind]);
		return -EINVAL;
	}
	return options_check(o);
}
