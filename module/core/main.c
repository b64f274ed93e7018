// SPDX-License-Identifier: GPL-2.0
/*
 * kvmx: module entry, the device node and the system ioctls.
 */
#define pr_fmt(fmt) "kvmx: " fmt

#include <linux/fs.h>
#include <linux/kvmx.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/namei.h>

#include "kvmx_arch.h"

static char *devname = "kvm";
module_param(devname, charp, 0444);
MODULE_PARM_DESC(devname, "Name of the device node under /dev (default: kvm)");

/* Capabilities the core answers itself; everything else goes to the arch. */
static long core_check_extension(long ext)
{
	switch (ext) {
	case KVM_CAP_USER_MEMORY:
	case KVM_CAP_DESTROY_MEMORY_REGION_WORKS:
	case KVM_CAP_JOIN_MEMORY_REGIONS_WORKS:
	case KVM_CAP_IMMEDIATE_EXIT:
	case KVM_CAP_READONLY_MEM:
	case KVM_CAP_INTERNAL_ERROR_DATA:
	case KVM_CAP_CHECK_EXTENSION_VM:
	case KVM_CAP_BINARY_STATS_FD:
	case KVM_CAP_COALESCED_PIO:
	case KVMX_CAP_MARK_DEAD:
		return 1;
	case KVM_CAP_COALESCED_MMIO:
		return KVM_COALESCED_MMIO_PAGE_OFFSET;
	case KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2:
		return KVMX_DIRTY_LOG_PROTECT_FLAGS;
	case KVM_CAP_NR_MEMSLOTS:
		return KVMX_USER_MEMSLOTS;
	case KVM_CAP_NR_VCPUS:
		return min_t(long, num_online_cpus(), KVMX_MAX_VCPUS);
	case KVM_CAP_MAX_VCPUS:
		return KVMX_MAX_VCPUS;
	case KVM_CAP_MAX_VCPU_ID:
		return KVMX_MAX_VCPU_IDS;
	default:
		return -ENOENT;
	}
}

long kvmx_check_extension(struct kvmx_vm *vm, long ext)
{
	long r = core_check_extension(ext);

	return r == -ENOENT ? kvmx_arch_check_extension(vm, ext) : r;
}

static long kvmx_dev_ioctl(struct file *filp, unsigned int ioctl,
			   unsigned long arg)
{
	long r;

	switch (ioctl) {
	case KVM_GET_API_VERSION:
		return arg ? -EINVAL : KVMX_API_VERSION;
	case KVM_CREATE_VM:
		return kvmx_create_vm(arg);
	case KVM_CHECK_EXTENSION:
		return kvmx_check_extension(NULL, arg);
	case KVM_GET_VCPU_MMAP_SIZE:
		return arg ? -EINVAL : KVMX_VCPU_MMAP_PAGES * PAGE_SIZE;
	default:
		r = kvmx_arch_dev_ioctl(ioctl, arg);
		return r == -ENOTTY ? -EINVAL : r;
	}
}

static const struct file_operations kvmx_dev_fops = {
	.owner		= THIS_MODULE,
	.unlocked_ioctl	= kvmx_dev_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
	.llseek		= noop_llseek,
};

struct miscdevice kvmx_dev = {
	.fops	= &kvmx_dev_fops,
	.mode	= 0666,
};

/* A name already present in the misc class would make sysfs complain loudly. */
static bool devname_taken(const char *name)
{
	struct path path;
	char *p = kasprintf(GFP_KERNEL, "/sys/class/misc/%s", name);
	bool taken;

	if (!p)
		return false;
	taken = !kern_path(p, 0, &path);
	if (taken)
		path_put(&path);
	kfree(p);
	return taken;
}

static int __init kvmx_init(void)
{
	int r;

	if (!devname || !*devname || strchr(devname, '/')) {
		pr_err("invalid devname parameter\n");
		return -EINVAL;
	}
	if (devname_taken(devname)) {
		pr_err("/dev/%s is taken (is kvm.ko loaded?); use devname=\n",
		       devname);
		return -EBUSY;
	}

	r = kvmx_arch_init();
	if (r)
		return r;
	r = kvmx_hw_init();
	if (r)
		goto err_arch;
	kvmx_stats_init();

	kvmx_dev.name = devname;
	kvmx_dev.minor = strcmp(devname, "kvm") ? MISC_DYNAMIC_MINOR : KVM_MINOR;
	r = misc_register(&kvmx_dev);
	if (r) {
		pr_err("cannot register /dev/%s: %d\n", devname, r);
		goto err_stats;
	}
	return 0;

err_stats:
	kvmx_stats_exit();
	kvmx_hw_exit();
err_arch:
	kvmx_arch_exit();
	return r;
}

static void __exit kvmx_exit(void)
{
	misc_deregister(&kvmx_dev);
	kvmx_stats_exit();
	kvmx_hw_exit();
	kvmx_arch_exit();
}

module_init(kvmx_init);
module_exit(kvmx_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("kvmx: the KVM interface on Intel VMX and AMD SVM");
