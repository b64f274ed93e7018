/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The VM: the KVM device, VM and vCPU file descriptors, guest RAM, the two
 * buses and the interrupt lines, and how the run ends.
 */
#ifndef KVMX_VMM_VM_H
#define KVMX_VMM_VM_H

#include <linux/kvm.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "bus.h"
#include "irq.h"
#include "mem.h"

#define VM_MAX_VCPUS	64
#define VM_NR_IRQS	16	/* ISA IRQs 0..15 */

/* The process exit status; Documentation/vmm.rst lists the same values. */
enum vm_exit_status {
	VM_EXIT_POWEROFF	= 0,	/* ACPI S5, or a halt that cannot end */
	VM_EXIT_ERROR		= 1,	/* kvmx itself failed: options, files, ioctls */
	VM_EXIT_RESET		= 2,	/* the guest asked for a reset (i8042, ACPI) */
	VM_EXIT_CRASH		= 3,	/* triple fault, KVM internal error, bad entry */
	VM_EXIT_QUIT		= 4,	/* the user typed the console escape Ctrl-A x */
};

/* How interrupts reach the guest. */
enum irqchip_mode {
	IRQCHIP_AUTO,		/* in-kernel when the device offers it, else user */
	IRQCHIP_KERNEL,		/* KVM_CREATE_IRQCHIP + KVM_CREATE_PIT2, or fail */
	IRQCHIP_USER,		/* no in-kernel chip: KVM_INTERRUPT from the PIC model */
};

struct vm;
struct pic;

struct vcpu {
	struct vm *vm;		/* set at creation */
	int id;			/* vCPU index == APIC ID */
	int fd;			/* KVM_CREATE_VCPU */
	struct kvm_run *run;	/* mmap of fd; only this vCPU's thread touches it */
	pthread_t thread;
	bool thread_started;	/* written by main before/after pthread_create */
	/* Exits by KVM_EXIT_* reason (the last slot: any other); this thread only. */
	uint64_t exits[KVM_EXIT_SYSTEM_EVENT + 2];
};

struct vm {
	/* Set by vm_open(), constant afterwards. */
	const char *device_path;
	enum irqchip_mode irqchip_mode;
	int kvm_fd;
	int run_size;			/* KVM_GET_VCPU_MMAP_SIZE */
	/*
	 * Set by the creation thread (vm_create_start()), read only after
	 * vm_create_wait(): the thread touches nothing else of struct vm.
	 */
	int vm_fd;
	struct kvm_cpuid2 *supported_cpuid;
	bool irqchip_in_kernel;
	bool has_tsc_deadline;
	int create_err;
	pthread_t create_thread;
	bool create_started;

	/* guest_mem_init() while the VM is created, then vm_add_memslots(). */
	struct guest_mem mem;
	struct bus pio_bus;		/* registered before the vCPUs start */
	struct bus mmio_bus;
	struct irq_line irqs[VM_NR_IRQS];
	struct pic *pic;		/* userspace PIC when !irqchip_in_kernel */

	int nr_vcpus;
	struct vcpu vcpus[VM_MAX_VCPUS];

	/* How the run ends: the first vm_request_stop() wins. */
	pthread_mutex_t stop_lock;
	bool stopping;			/* also read unlocked as a hint */
	int exit_status;
	int stop_fd[2];			/* pipe: written once on stop, polled by I/O thread */
};

/* Open the device and check its API version. */
int vm_open(struct vm *vm, const char *device_path, enum irqchip_mode mode);
/*
 * KVM_CREATE_VM, supported CPUID, irqchip and PIT on a thread of their own:
 * kvm.ko's KVM_CREATE_VM waits ~10 ms for the kernel thread it starts per
 * VM, time the caller spends loading the guest instead.  vm_create_wait()
 * returns its result (the error line is printed already).
 */
int vm_create_start(struct vm *vm);
int vm_create_wait(struct vm *vm);
/* Register vm->mem (guest_mem_init()) as memslots. */
int vm_add_memslots(struct vm *vm);
int vm_create_vcpus(struct vm *vm, int nr_vcpus);
int vm_start_vcpus(struct vm *vm);
/* Waits for every vCPU thread; returns the exit status. */
int vm_wait(struct vm *vm);
void vm_close(struct vm *vm);

/* End the run with @status (first caller wins) and kick every vCPU. */
void vm_request_stop(struct vm *vm, int status);
bool vm_stopping(struct vm *vm);

static inline struct irq_line *vm_irq(struct vm *vm, unsigned int irq)
{
	return irq < VM_NR_IRQS ? &vm->irqs[irq] : NULL;
}

/* A vm ioctl that must succeed; prints the one error line naming it. */
int vm_ioctl(struct vm *vm, unsigned long req, void *arg, const char *name);
int vcpu_ioctl(struct vcpu *vcpu, unsigned long req, void *arg, const char *name);
int kvm_check_extension(struct vm *vm, int cap);

/* vcpu.c */
int vcpu_create(struct vm *vm, struct vcpu *vcpu, int id);
/* Make the vCPU leave KVM_RUN soon (to inject, or to stop). */
void vcpu_kick(struct vcpu *vcpu);
void *vcpu_thread(void *arg);

#endif /* KVMX_VMM_VM_H */
