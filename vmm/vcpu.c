// SPDX-License-Identifier: GPL-2.0
/* One host thread per vCPU: the KVM_RUN loop and the exit handlers. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "pic.h"
#include "util.h"
#include "vm.h"

int vcpu_create(struct vm *vm, struct vcpu *vcpu, int id)
{
	vcpu->vm = vm;
	vcpu->id = id;
	vcpu->fd = ioctl(vm->vm_fd, KVM_CREATE_VCPU, (unsigned long)id);
	if (vcpu->fd < 0)
		return vmm_error_errno(errno, "KVM_CREATE_VCPU %d on %s", id,
				       vm->device_path);
	vcpu->run = mmap(NULL, vm->run_size, PROT_READ | PROT_WRITE, MAP_SHARED,
			 vcpu->fd, 0);
	if (vcpu->run == MAP_FAILED) {
		int err = errno;

		close(vcpu->fd);
		return vmm_error_errno(err, "mmap of vCPU %d kvm_run", id);
	}
	return 0;
}

void vcpu_kick(struct vcpu *vcpu)
{
	if (!vcpu->run)
		return;
	__atomic_store_n(&vcpu->run->immediate_exit, 1, __ATOMIC_SEQ_CST);
	if (vcpu->thread_started && !pthread_equal(vcpu->thread, pthread_self()))
		pthread_kill(vcpu->thread, SIGUSR1);
}

/*
 * Back from a kick: re-arm KVM_RUN unless the run is ending.  The second
 * look at `stopping` closes the race with a stop that set immediate_exit
 * between our first look and the clear.
 */
static void vcpu_clear_kick(struct vcpu *vcpu)
{
	if (vm_stopping(vcpu->vm))
		return;
	__atomic_store_n(&vcpu->run->immediate_exit, 0, __ATOMIC_SEQ_CST);
	if (vm_stopping(vcpu->vm))
		__atomic_store_n(&vcpu->run->immediate_exit, 1, __ATOMIC_SEQ_CST);
}

/*
 * Exit handlers.  Contract: return 0 to resume the guest; return -1 to leave
 * the loop, after calling vm_request_stop() with the exit status.
 */
typedef int (*exit_handler_fn)(struct vcpu *vcpu);

static int handle_io(struct vcpu *vcpu)
{
	struct kvm_run *run = vcpu->run;
	uint8_t *data = (uint8_t *)run + run->io.data_offset;
	bool is_write = run->io.direction == KVM_EXIT_IO_OUT;
	uint32_t i;

	for (i = 0; i < run->io.count; i++, data += run->io.size) {
		if (!bus_access(&vcpu->vm->pio_bus, run->io.port, data, run->io.size,
				is_write))
			vmm_debug("vCPU %d: unclaimed %s port 0x%x size %u", vcpu->id,
				  is_write ? "write to" : "read of", run->io.port,
				  run->io.size);
	}
	return 0;
}

static int handle_mmio(struct vcpu *vcpu)
{
	struct kvm_run *run = vcpu->run;

	if (run->mmio.len > sizeof(run->mmio.data))
		return 0;
	if (!bus_access(&vcpu->vm->mmio_bus, run->mmio.phys_addr, run->mmio.data,
			run->mmio.len, run->mmio.is_write))
		vmm_debug("vCPU %d: unclaimed MMIO %s 0x%llx size %u", vcpu->id,
			  run->mmio.is_write ? "write" : "read",
			  (unsigned long long)run->mmio.phys_addr, run->mmio.len);
	return 0;
}

/* Only with the userspace irqchip: the in-kernel LAPIC handles HLT itself. */
static int handle_hlt(struct vcpu *vcpu)
{
	struct vm *vm = vcpu->vm;

	if (!vcpu->run->if_flag || !vm->pic) {
		/* Interrupts disabled and nothing to wake it: the guest is done. */
		vmm_debug("vCPU %d halted with interrupts disabled", vcpu->id);
		vm_request_stop(vm, VM_EXIT_POWEROFF);
		return -1;
	}
	while (!vm_stopping(vm) && !pic_has_interrupt(vm->pic))
		pic_wait(vm->pic);
	return 0;
}

static int handle_shutdown(struct vcpu *vcpu)
{
	vmm_debug("vCPU %d: triple fault (KVM_EXIT_SHUTDOWN)", vcpu->id);
	vm_request_stop(vcpu->vm, VM_EXIT_CRASH);
	return -1;
}

static int handle_system_event(struct vcpu *vcpu)
{
	switch (vcpu->run->system_event.type) {
	case KVM_SYSTEM_EVENT_SHUTDOWN:
		vm_request_stop(vcpu->vm, VM_EXIT_POWEROFF);
		break;
	case KVM_SYSTEM_EVENT_RESET:
		vm_request_stop(vcpu->vm, VM_EXIT_RESET);
		break;
	default:
		vmm_error("vCPU %d: system event %u", vcpu->id,
			  vcpu->run->system_event.type);
		vm_request_stop(vcpu->vm, VM_EXIT_CRASH);
		break;
	}
	return -1;
}

static int handle_fail_entry(struct vcpu *vcpu)
{
	vmm_error("vCPU %d: KVM_EXIT_FAIL_ENTRY, hardware reason 0x%llx", vcpu->id,
		  (unsigned long long)vcpu->run->fail_entry.hardware_entry_failure_reason);
	vm_request_stop(vcpu->vm, VM_EXIT_CRASH);
	return -1;
}

static int handle_internal_error(struct vcpu *vcpu)
{
	struct kvm_run *run = vcpu->run;

	vmm_error("vCPU %d: KVM_EXIT_INTERNAL_ERROR, suberror %u (ndata %u, data[0] 0x%llx)",
		  vcpu->id, run->internal.suberror, run->internal.ndata,
		  run->internal.ndata ? (unsigned long long)run->internal.data[0] : 0ULL);
	vm_request_stop(vcpu->vm, VM_EXIT_CRASH);
	return -1;
}

static int handle_nothing(struct vcpu *vcpu)
{
	(void)vcpu;	/* KVM_EXIT_INTR, KVM_EXIT_IRQ_WINDOW_OPEN: just loop */
	return 0;
}

static const exit_handler_fn exit_handlers[] = {
	[KVM_EXIT_IO]			= handle_io,
	[KVM_EXIT_MMIO]			= handle_mmio,
	[KVM_EXIT_HLT]			= handle_hlt,
	[KVM_EXIT_SHUTDOWN]		= handle_shutdown,
	[KVM_EXIT_SYSTEM_EVENT]		= handle_system_event,
	[KVM_EXIT_FAIL_ENTRY]		= handle_fail_entry,
	[KVM_EXIT_INTERNAL_ERROR]	= handle_internal_error,
	[KVM_EXIT_INTR]			= handle_nothing,
	[KVM_EXIT_IRQ_WINDOW_OPEN]	= handle_nothing,
};

/* Userspace irqchip: inject when the guest can take it, else ask for a window. */
static int vcpu_inject_user(struct vcpu *vcpu)
{
	struct kvm_run *run = vcpu->run;
	struct kvm_interrupt irq;
	int vector;

	if (vcpu->id != 0 || !pic_has_interrupt(vcpu->vm->pic)) {
		run->request_interrupt_window = 0;
		return 0;
	}
	if (!run->ready_for_interrupt_injection || !run->if_flag) {
		run->request_interrupt_window = 1;
		return 0;
	}
	vector = pic_ack(vcpu->vm->pic);
	run->request_interrupt_window = 0;
	if (vector < 0)
		return 0;
	irq.irq = vector;
	return vcpu_ioctl(vcpu, KVM_INTERRUPT, &irq, "KVM_INTERRUPT");
}

static void vcpu_loop(struct vcpu *vcpu)
{
	struct vm *vm = vcpu->vm;
	struct kvm_run *run = vcpu->run;
	exit_handler_fn handler;

	while (!vm_stopping(vm)) {
		if (!vm->irqchip_in_kernel && vcpu_inject_user(vcpu)) {
			vm_request_stop(vm, VM_EXIT_ERROR);
			return;
		}
		if (ioctl(vcpu->fd, KVM_RUN, 0) < 0) {
			if (errno == EINTR || errno == EAGAIN) {
				vcpu_clear_kick(vcpu);
				continue;
			}
			vmm_error_errno(errno, "KVM_RUN (vCPU %d) on %s", vcpu->id,
					vm->device_path);
			vm_request_stop(vm, VM_EXIT_ERROR);
			return;
		}
		vcpu->exits[MIN(run->exit_reason, ARRAY_SIZE(vcpu->exits) - 1)]++;
		handler = run->exit_reason < ARRAY_SIZE(exit_handlers) ?
			  exit_handlers[run->exit_reason] : NULL;
		if (!handler) {
			vmm_error("vCPU %d: unexpected exit reason %u", vcpu->id,
				  run->exit_reason);
			vm_request_stop(vm, VM_EXIT_CRASH);
			return;
		}
		if (handler(vcpu))
			return;
	}
}

/* With --verbose: how often this vCPU came back to userspace, and why. */
static void vcpu_report_exits(const struct vcpu *vcpu)
{
	static const char *const names[] = {
		[KVM_EXIT_IO] = "io", [KVM_EXIT_MMIO] = "mmio", [KVM_EXIT_HLT] = "hlt",
		[KVM_EXIT_INTR] = "intr", [KVM_EXIT_IRQ_WINDOW_OPEN] = "irq-window",
		[KVM_EXIT_SHUTDOWN] = "shutdown", [KVM_EXIT_SYSTEM_EVENT] = "system-event",
	};
	char line[512];
	size_t i, n = 0;
	uint64_t total = 0;

	for (i = 0; i < ARRAY_SIZE(vcpu->exits); i++) {
		const char *name = i < ARRAY_SIZE(names) && names[i] ? names[i] : NULL;

		total += vcpu->exits[i];
		if (!vcpu->exits[i] || n >= sizeof(line))
			continue;
		if (name)
			n += snprintf(line + n, sizeof(line) - n, " %s=%llu", name,
				      (unsigned long long)vcpu->exits[i]);
		else
			n += snprintf(line + n, sizeof(line) - n, " other(%zu)=%llu", i,
				      (unsigned long long)vcpu->exits[i]);
	}
	vmm_debug("vCPU %d: %llu exits:%s", vcpu->id, (unsigned long long)total,
		  n ? line : " none");
}

void *vcpu_thread(void *arg)
{
	struct vcpu *vcpu = arg;
	sigset_t set;

	/* Only SIGUSR1 (the stop kick) is for vCPU threads. */
	sigfillset(&set);
	sigdelset(&set, SIGUSR1);
	sigdelset(&set, SIGSYS);
	pthread_sigmask(SIG_SETMASK, &set, NULL);
	vcpu_loop(vcpu);
	vcpu_report_exits(vcpu);
	return NULL;
}
