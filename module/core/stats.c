// SPDX-License-Identifier: GPL-2.0
/*
 * Statistics files: KVM_GET_STATS_FD on the VM and vCPU fds, in kvm's
 * binary format (Documentation/virt/kvm/api.rst, "KVM_GET_STATS_FD"), and
 * the same bytes in debugfs, kvmx/<pid>-<serial>/stats and .../vcpu<id>/stats,
 * where `kvmx stat` finds every VM of the host.
 *
 * A statistics file is: the header, the id string ("kvm-<pid>" or
 * "kvm-<pid>/vcpu-<id>") right after it, the descriptors, then the data,
 * one u64 per value.  The descriptors never change after module load, so
 * they are built once; the data is copied from the live counters on every
 * read (each value exact, the set not a snapshot: kvm reads the same way).
 */
#define pr_fmt(fmt) "kvmx: " fmt

#include <linux/anon_inodes.h>
#include <linux/debugfs.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "kvmx_host.h"

/* Names of enum kvmx_exit_kind, as they appear in the statistics names. */
static const char *const exit_kind_names[KVMX_NR_EXIT_KINDS] = {
	[KVMX_EXIT_IO]		= "io",
	[KVMX_EXIT_MMIO]	= "mmio",
	[KVMX_EXIT_HLT]		= "hlt",
	[KVMX_EXIT_CPUID]	= "cpuid",
	[KVMX_EXIT_MSR]		= "msr",
	[KVMX_EXIT_TDP_FAULT]	= "tdp_fault",
	[KVMX_EXIT_HYPERCALL]	= "hypercall",
	[KVMX_EXIT_EXT_INTR]	= "ext_intr",
	[KVMX_EXIT_WINDOW]	= "window",
	[KVMX_EXIT_EXCEPTION]	= "exception",
	[KVMX_EXIT_XSETBV]	= "xsetbv",
	[KVMX_EXIT_SHUTDOWN]	= "shutdown",
	[KVMX_EXIT_OTHER]	= "other",
};

/* Bytes of the id and of each descriptor's name (kvm's value, 48). */
#define KVMX_STATS_NAME_SIZE	48
#define DESC_SIZE	(sizeof(struct kvm_stats_desc) + KVMX_STATS_NAME_SIZE)
#define VM_NR_DESC	2
#define VCPU_NR_DESC	(2 + 2 * KVMX_NR_EXIT_KINDS)

#define COUNTER		(KVM_STATS_TYPE_CUMULATIVE | KVM_STATS_UNIT_NONE | \
			 KVM_STATS_BASE_POW10)
#define INSTANT		(KVM_STATS_TYPE_INSTANT | KVM_STATS_UNIT_NONE | \
			 KVM_STATS_BASE_POW10)
#define CYCLES_HIST	(KVM_STATS_TYPE_LOG_HIST | KVM_STATS_UNIT_CYCLES | \
			 KVM_STATS_BASE_POW10)

/**
 * struct stats_layout - the constant part of one kind of statistics file
 * @descs:      @nr_desc descriptors of DESC_SIZE bytes each
 * @nr_desc:    number of descriptors
 * @data_size:  bytes of the data block (the exported prefix of the struct)
 */
struct stats_layout {
	u8 *descs;
	u32 nr_desc;
	u32 data_size;
};

static u8 vm_descs[VM_NR_DESC * DESC_SIZE];
static u8 vcpu_descs[VCPU_NR_DESC * DESC_SIZE];
static struct stats_layout vm_layout = { vm_descs };
static struct stats_layout vcpu_layout = { vcpu_descs };

static struct dentry *debugfs_root;
static atomic_t vm_serial = ATOMIC_INIT(0);

static void add_desc(struct stats_layout *l, const char *name, u32 flags,
		     size_t offset, u16 size)
{
	struct kvm_stats_desc *d = (void *)(l->descs + l->nr_desc * DESC_SIZE);

	d->flags = flags;
	d->exponent = 0;
	d->size = size;
	d->offset = offset;
	d->bucket_size = 0;	/* log2 histograms have none */
	strscpy(d->name, name, KVMX_STATS_NAME_SIZE);
	l->nr_desc++;
	l->data_size = max_t(u32, l->data_size, offset + size * sizeof(u64));
}

static void build_layouts(void)
{
	char name[KVMX_STATS_NAME_SIZE];
	int k;

	add_desc(&vm_layout, "remote_tlb_flush", COUNTER,
		 offsetof(struct kvmx_vm_stat, remote_tlb_flush), 1);
	add_desc(&vm_layout, "vcpus", INSTANT,
		 offsetof(struct kvmx_vm_stat, vcpus), 1);

	add_desc(&vcpu_layout, "exits", COUNTER,
		 offsetof(struct kvmx_vcpu_stat, exits), 1);
	add_desc(&vcpu_layout, "signal_exits", COUNTER,
		 offsetof(struct kvmx_vcpu_stat, signal_exits), 1);
	for (k = 0; k < KVMX_NR_EXIT_KINDS; k++) {
		snprintf(name, sizeof(name), "exits_%s", exit_kind_names[k]);
		add_desc(&vcpu_layout, name, COUNTER,
			 offsetof(struct kvmx_vcpu_stat, exits_kind[k]), 1);
	}
	for (k = 0; k < KVMX_NR_EXIT_KINDS; k++) {
		snprintf(name, sizeof(name), "exit_cycles_%s_hist",
			 exit_kind_names[k]);
		add_desc(&vcpu_layout, name, CYCLES_HIST,
			 offsetof(struct kvmx_vcpu_stat, exit_cycles[k]),
			 KVMX_STAT_HIST_BUCKETS);
	}
	WARN_ON(vm_layout.nr_desc != VM_NR_DESC ||
		vcpu_layout.nr_desc != VCPU_NR_DESC);
}

/* The exported values are the leading u64s of the stat structs. */
static_assert(offsetof(struct kvmx_vm_stat, pid) ==
	      VM_NR_DESC * sizeof(u64));
static_assert(offsetof(struct kvmx_vcpu_stat, exit_tsc) ==
	      (2 + KVMX_NR_EXIT_KINDS * (1 + KVMX_STAT_HIST_BUCKETS)) *
	      sizeof(u64));

/* bucket 0 counts zeros, bucket i values in [2^(i-1), 2^i), the last more */
void kvmx_stat_hist_add(u64 *hist, u64 value)
{
	unsigned int i = min_t(unsigned int, fls64(value),
			       KVMX_STAT_HIST_BUCKETS - 1);

	hist[i]++;
}

/**
 * struct stats_file - one open statistics file
 * @vm:      the VM (holds a reference while opened through KVM_GET_STATS_FD)
 * @vcpu:    the vCPU, or NULL for the VM's statistics
 * @layout:  vm_layout or vcpu_layout
 * @id:      the id string
 */
struct stats_file {
	struct kvmx_vm *vm;
	struct kvmx_vcpu *vcpu;
	const struct stats_layout *layout;
	char id[KVMX_STATS_NAME_SIZE];
};

static struct stats_file *stats_file_new(struct kvmx_vm *vm,
					 struct kvmx_vcpu *vcpu)
{
	struct stats_file *sf = kzalloc(sizeof(*sf), GFP_KERNEL_ACCOUNT);

	if (!sf)
		return NULL;
	sf->vm = vm;
	sf->vcpu = vcpu;
	sf->layout = vcpu ? &vcpu_layout : &vm_layout;
	if (vcpu)
		snprintf(sf->id, sizeof(sf->id), "kvm-%d/vcpu-%u",
			 vm->stat.pid, vcpu->vcpu_id);
	else
		snprintf(sf->id, sizeof(sf->id), "kvm-%d", vm->stat.pid);
	return sf;
}

/* Copy the part of [@src, @src + @len) at file offset @start that *@pos wants. */
static int copy_region(char __user **buf, size_t *count, loff_t *pos,
		       loff_t start, const void *src, size_t len)
{
	size_t off, n;

	if (!*count || *pos < start || *pos >= start + len)
		return 0;
	off = *pos - start;
	n = min(len - off, *count);
	if (copy_to_user(*buf, src + off, n))
		return -EFAULT;
	*buf += n;
	*count -= n;
	*pos += n;
	return 0;
}

static void copy_values(u64 *dst, const u64 *src, u32 bytes)
{
	u32 i;

	for (i = 0; i < bytes / sizeof(u64); i++)
		dst[i] = READ_ONCE(src[i]);
}

static ssize_t stats_read(struct stats_file *sf, char __user *buf,
			  size_t count, loff_t *ppos)
{
	const struct stats_layout *l = sf->layout;
	struct kvm_stats_header h = {
		.name_size = KVMX_STATS_NAME_SIZE,
		.num_desc = l->nr_desc,
		.id_offset = sizeof(h),
		.desc_offset = sizeof(h) + KVMX_STATS_NAME_SIZE,
		.data_offset = sizeof(h) + KVMX_STATS_NAME_SIZE +
			       l->nr_desc * DESC_SIZE,
	};
	size_t asked = count;
	loff_t pos = *ppos;
	u64 *data;
	int r;

	if (pos < 0)
		return -EINVAL;
	data = kmalloc(l->data_size, GFP_KERNEL);
	if (!data)
		return -ENOMEM;
	if (sf->vcpu)
		copy_values(data, (u64 *)&sf->vcpu->stat, l->data_size);
	else
		copy_values(data, (u64 *)&sf->vm->stat, l->data_size);

	r = copy_region(&buf, &count, &pos, 0, &h, sizeof(h));
	if (!r)
		r = copy_region(&buf, &count, &pos, h.id_offset, sf->id,
				sizeof(sf->id));
	if (!r)
		r = copy_region(&buf, &count, &pos, h.desc_offset, l->descs,
				l->nr_desc * DESC_SIZE);
	if (!r)
		r = copy_region(&buf, &count, &pos, h.data_offset, data,
				l->data_size);
	kfree(data);
	if (r)
		return r;
	*ppos = pos;
	return asked - count;
}

/* KVM_GET_STATS_FD: the file holds a reference on the VM. */

static ssize_t stats_fd_read(struct file *file, char __user *buf,
			     size_t count, loff_t *ppos)
{
	return stats_read(file->private_data, buf, count, ppos);
}

static int stats_fd_release(struct inode *inode, struct file *file)
{
	struct stats_file *sf = file->private_data;

	kvmx_vm_put(sf->vm);
	kfree(sf);
	return 0;
}

static const struct file_operations stats_fd_fops = {
	.owner		= THIS_MODULE,
	.read		= stats_fd_read,
	.llseek		= default_llseek,
	.release	= stats_fd_release,
};

static long stats_fd_open(struct kvmx_vm *vm, struct kvmx_vcpu *vcpu)
{
	struct stats_file *sf = stats_file_new(vm, vcpu);
	struct file *file;
	int fd;

	if (!sf)
		return -ENOMEM;
	fd = get_unused_fd_flags(O_CLOEXEC);
	if (fd < 0) {
		kfree(sf);
		return fd;
	}
	file = anon_inode_getfile(vcpu ? "kvm-vcpu-stats" : "kvm-vm-stats",
				  &stats_fd_fops, sf, O_RDONLY);
	if (IS_ERR(file)) {
		put_unused_fd(fd);
		kfree(sf);
		return PTR_ERR(file);
	}
	/* Positioned reads (pread), as on kvm's stats files. */
	file->f_mode |= FMODE_PREAD;
	refcount_inc(&vm->users);
	fd_install(fd, file);
	return fd;
}

long kvmx_vm_stats_fd(struct kvmx_vm *vm)
{
	return stats_fd_open(vm, NULL);
}

long kvmx_vcpu_stats_fd(struct kvmx_vcpu *vcpu)
{
	return stats_fd_open(vcpu->vm, vcpu);
}

/*
 * debugfs: the same format, for tools that watch all VMs.  The files hold
 * no reference: removing them at VM destruction waits for readers in
 * progress (debugfs's file proxy), and later calls fail with -EIO.
 * Writing anything to a VM's file zeroes the statistics of the VM and
 * its vCPUs.
 */

static int debugfs_vm_open(struct inode *inode, struct file *file)
{
	struct kvmx_vm *vm = inode->i_private;

	file->private_data = stats_file_new(vm, NULL);
	return file->private_data ? 0 : -ENOMEM;
}

static int debugfs_vcpu_open(struct inode *inode, struct file *file)
{
	struct kvmx_vcpu *vcpu = inode->i_private;

	file->private_data = stats_file_new(vcpu->vm, vcpu);
	return file->private_data ? 0 : -ENOMEM;
}

static int debugfs_release(struct inode *inode, struct file *file)
{
	kfree(file->private_data);
	return 0;
}

static ssize_t debugfs_vm_write(struct file *file, const char __user *buf,
				size_t count, loff_t *ppos)
{
	struct stats_file *sf = file->private_data;

	kvmx_stats_reset(sf->vm);
	return count;
}

static const struct file_operations debugfs_vm_fops = {
	.owner		= THIS_MODULE,
	.open		= debugfs_vm_open,
	.read		= stats_fd_read,
	.write		= debugfs_vm_write,
	.llseek		= default_llseek,
	.release	= debugfs_release,
};

static const struct file_operations debugfs_vcpu_fops = {
	.owner		= THIS_MODULE,
	.open		= debugfs_vcpu_open,
	.read		= stats_fd_read,
	.llseek		= default_llseek,
	.release	= debugfs_release,
};

/*
 * Zero the counters.  Not atomic against running vCPUs: an exit handled
 * during the reset may survive it (the cost of lock-free counting).
 */
void kvmx_stats_reset(struct kvmx_vm *vm)
{
	/* Pairs with the release that publishes a new vCPU. */
	int i, n = smp_load_acquire(&vm->nr_vcpus);

	WRITE_ONCE(vm->stat.remote_tlb_flush, 0);
	for (i = 0; i < n; i++) {
		struct kvmx_vcpu_stat *s = &vm->vcpus[i]->stat;

		memset(s, 0, offsetof(struct kvmx_vcpu_stat, exit_tsc));
	}
}

/* Before the VM fd exists (its number is not known yet: serial instead). */
void kvmx_stats_vm_created(struct kvmx_vm *vm)
{
	char name[32];

	vm->stat.pid = task_pid_nr(current);
	if (!debugfs_root)
		return;
	snprintf(name, sizeof(name), "%d-%d", vm->stat.pid,
		 atomic_inc_return(&vm_serial));
	vm->stat.debugfs = debugfs_create_dir(name, debugfs_root);
	debugfs_create_file("stats", 0600, vm->stat.debugfs, vm,
			    &debugfs_vm_fops);
}

void kvmx_stats_vm_destroyed(struct kvmx_vm *vm)
{
	debugfs_remove_recursive(vm->stat.debugfs);
	vm->stat.debugfs = NULL;
}

/* vm->lock held; the vCPU is published. */
void kvmx_stats_vcpu_created(struct kvmx_vcpu *vcpu)
{
	struct kvmx_vm *vm = vcpu->vm;
	struct dentry *dir;
	char name[24];

	lockdep_assert_held(&vm->lock);
	WRITE_ONCE(vm->stat.vcpus, vm->stat.vcpus + 1);
	if (IS_ERR_OR_NULL(vm->stat.debugfs))
		return;
	snprintf(name, sizeof(name), "vcpu%u", vcpu->vcpu_id);
	dir = debugfs_create_dir(name, vm->stat.debugfs);
	debugfs_create_file("stats", 0400, dir, vcpu, &debugfs_vcpu_fops);
}

void kvmx_stats_init(void)
{
	build_layouts();
	debugfs_root = debugfs_create_dir("kvmx", NULL);
	if (IS_ERR(debugfs_root))
		debugfs_root = NULL;
}

void kvmx_stats_exit(void)
{
	debugfs_remove_recursive(debugfs_root);
}
