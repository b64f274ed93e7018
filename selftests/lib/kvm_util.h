/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Small helpers around the /dev/kvm ABI for the selftests.
 *
 * Every helper whose name has no leading underscores checks its ioctl and
 * fails the running test case (harness.h) with the ioctl, errno and values
 * when it does not succeed; the "__" variants return the raw ioctl result
 * for negative tests.  They must be called from inside a test case.
 *
 * A typical test:
 *
 *	struct kvm_vm *vm = vm_create_default();
 *	struct kvm_vcpu *vcpu = vcpu_create(vm, 0);
 *
 *	vm_load_code(vm, guest_start, guest_end);
 *	vcpu_setup_mode(vcpu, GUEST_MODE_LONG64, GUEST_CODE_GPA);
 *	CHECK_EQ(vcpu_ucall(vcpu, &uc), UCALL_DONE);
 *	vm_free(vm);
 *
 * The device is /dev/kvm unless the environment variable KVM_DEVICE names
 * another one.  KVM_RUN is guarded by a wall-clock limit (KVMX_RUN_TIMEOUT
 * seconds, default 20) so a guest that never exits fails its case.
 */
#ifndef KVMX_SELFTEST_KVM_UTIL_H
#define KVMX_SELFTEST_KVM_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <linux/kvm.h>

#include "guest_layout.h"
#include "harness.h"

#define KVM_DEFAULT_DEVICE	"/dev/kvm"
#define VM_MAX_TRACKED_SLOTS	32

/* Bits the guest setup uses (Intel SDM "Control Registers", "IA32_EFER"). */
#define X86_CR0_PE		(1ULL << 0)
#define X86_CR0_MP		(1ULL << 1)
#define X86_CR0_ET		(1ULL << 4)
#define X86_CR0_NE		(1ULL << 5)
#define X86_CR0_WP		(1ULL << 16)
#define X86_CR0_NW		(1ULL << 29)
#define X86_CR0_CD		(1ULL << 30)
#define X86_CR0_PG		(1ULL << 31)
#define X86_CR4_PSE		(1ULL << 4)
#define X86_CR4_PAE		(1ULL << 5)
#define X86_CR4_OSFXSR		(1ULL << 9)
#define X86_CR4_OSXMMEXCPT	(1ULL << 10)
#define X86_CR4_OSXSAVE		(1ULL << 18)
#define EFER_SCE		(1ULL << 0)
#define EFER_LME		(1ULL << 8)
#define EFER_LMA		(1ULL << 10)
#define EFER_NX			(1ULL << 11)

/* Page-table entry bits. */
#define PTE_PRESENT		(1ULL << 0)
#define PTE_WRITE		(1ULL << 1)
#define PTE_USER		(1ULL << 2)
#define PTE_LARGE		(1ULL << 7)

/* Exception vectors the tests catch. */
#define X86_VEC_UD		6
#define X86_VEC_DF		8
#define X86_VEC_GP		13
#define X86_VEC_PF		14

/* The RESET values of the segment registers (Intel SDM "Processor Built-In Self-Test"). */
#define X86_RESET_CS_SELECTOR	0xf000

/* One memslot this VM was given, as the helpers remember it. */
struct vm_slot {
	uint32_t slot;
	uint32_t flags;
	uint64_t gpa;
	uint64_t size;
	void *hva;		/* anonymous mapping, owned by the VM */
};

struct kvm_vm {
	int kvm_fd;		/* the device, opened by vm_create() */
	int fd;			/* the VM */
	int nr_slots;
	struct vm_slot slots[VM_MAX_TRACKED_SLOTS];
};

struct kvm_vcpu {
	struct kvm_vm *vm;
	int fd;
	uint32_t id;
	struct kvm_run *run;	/* mmap of the vCPU fd */
	size_t run_size;
};

/* What the guest passed through the ucall port. */
struct ucall {
	uint64_t type;		/* UCALL_* */
	uint64_t args[3];	/* RDI, RSI, RDX */
};

enum guest_mode {
	GUEST_MODE_REAL,	/* CS = DS = SS = 0, 16-bit */
	GUEST_MODE_PROT32,	/* flat 32-bit segments, CR0.PE, no paging */
	GUEST_MODE_PAGED32,	/* + CR0.PG, CR4.PSE, GUEST_PD32_GPA */
	GUEST_MODE_LONG64,	/* + EFER.LME/LMA, CR4.PAE, GUEST_PML4_GPA */
};

/* The device. */
const char *kvm_device_path(void);
int kvm_open(void);		/* skips the case if the device is missing */
int kvm_check_cap(long cap);	/* KVM_CHECK_EXTENSION on a fresh device fd */
bool kvm_cpu_is_intel(void);
bool kvm_cpu_is_amd(void);
bool host_is_tcg(void);	/* the machine is QEMU's TCG (hypervisor leaf) */
bool hv_is_kvmx(void);	/* /dev/kvm is kvmx.ko (/sys/module/kvmx exists) */
struct kvm_cpuid2 *kvm_get_supported_cpuid(int kvm_fd);	/* malloc'd */
struct kvm_cpuid_entry2 *cpuid_find(struct kvm_cpuid2 *cpuid,
				    uint32_t function, uint32_t index);
/* One leaf of the vCPU's table as KVM_GET_CPUID2 gives it (fails if absent). */
struct kvm_cpuid_entry2 vcpu_get_cpuid_entry(struct kvm_vcpu *vcpu,
					     uint32_t function, uint32_t index);

/* VMs and memory. */
struct kvm_vm *vm_create(void);		/* type 0, no memory */
struct kvm_vm *vm_create_default(void);	/* + RAM and tables (guest_layout.h) */
void vm_free(struct kvm_vm *vm);
int __vm_set_memslot(struct kvm_vm *vm, uint32_t slot, uint64_t gpa,
		     uint64_t size, uint32_t flags, void *hva);
void *vm_add_memslot(struct kvm_vm *vm, uint32_t slot, uint64_t gpa,
		     uint64_t size, uint32_t flags);
void *vm_alloc_backing(size_t size);
void *vm_gpa_to_hva(struct kvm_vm *vm, uint64_t gpa);
void vm_load(struct kvm_vm *vm, uint64_t gpa, const void *start, const void *end);
void vm_load_code(struct kvm_vm *vm, const void *start, const void *end);
/* Where a label of code loaded by vm_load_code() sits in the guest. */
#define GUEST_CODE_ADDR(label, start) \
	((uint64_t)GUEST_CODE_GPA + (uint64_t)((const uint8_t *)(label) - (const uint8_t *)(start)))
void vm_setup_tables(struct kvm_vm *vm);
void vm_set_idt_gate64(struct kvm_vm *vm, int vector, uint64_t handler_gva);
void vm_set_idt_gate32(struct kvm_vm *vm, int vector, uint32_t handler_gva);

/* vCPUs. */
int kvm_vcpu_mmap_size(int kvm_fd);
struct kvm_vcpu *__vcpu_create(struct kvm_vm *vm, uint32_t id, bool set_cpuid);
struct kvm_vcpu *vcpu_create(struct kvm_vm *vm, uint32_t id); /* + supported CPUID */
void vcpu_free(struct kvm_vcpu *vcpu);
void vcpu_get_regs(struct kvm_vcpu *vcpu, struct kvm_regs *regs);
void vcpu_set_regs(struct kvm_vcpu *vcpu, const struct kvm_regs *regs);
void vcpu_get_sregs(struct kvm_vcpu *vcpu, struct kvm_sregs *sregs);
void vcpu_set_sregs(struct kvm_vcpu *vcpu, const struct kvm_sregs *sregs);
uint64_t vcpu_get_msr(struct kvm_vcpu *vcpu, uint32_t index);
void vcpu_set_msr(struct kvm_vcpu *vcpu, uint32_t index, uint64_t value);
int __vcpu_get_msr(struct kvm_vcpu *vcpu, uint32_t index, uint64_t *value);
int __vcpu_set_msr(struct kvm_vcpu *vcpu, uint32_t index, uint64_t value);
/* Fill sregs/regs for a mode (see enum guest_mode), RIP = rip, RSP = stack. */
void guest_mode_sregs(enum guest_mode mode, struct kvm_sregs *sregs);
void vcpu_setup_mode(struct kvm_vcpu *vcpu, enum guest_mode mode, uint64_t rip);

/* Running. */
int __vcpu_run(struct kvm_vcpu *vcpu);	/* raw KVM_RUN, with the guard */
uint32_t vcpu_run(struct kvm_vcpu *vcpu);	/* must succeed; exit_reason */
void vcpu_run_expect_exit(struct kvm_vcpu *vcpu, uint32_t exit_reason);
uint64_t vcpu_ucall(struct kvm_vcpu *vcpu, struct ucall *uc);
/* After a ucall exit (vcpu_is_ucall_exit()): its type and arguments. */
void vcpu_get_ucall(struct kvm_vcpu *vcpu, struct ucall *uc, struct kvm_regs *regs);
void vcpu_expect_sync(struct kvm_vcpu *vcpu, uint64_t stage, struct ucall *uc);
void vcpu_expect_done(struct kvm_vcpu *vcpu);
bool vcpu_is_ucall_exit(struct kvm_vcpu *vcpu);
void *vcpu_io_data(struct kvm_vcpu *vcpu);
const char *exit_reason_str(uint32_t exit_reason);
unsigned int test_timeout_seconds(void);

#endif
