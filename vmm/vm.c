// SPDX-License-Identifier: GPL-2.0
/* VM lifetime: device, irqchip, memory slots, vCPU threads, stopping. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "layout.h"
#include "pic.h"
#include "util.h"
#include "vm.h"

/* KVM_GET_SUPPORTED_CPUID fails with E2BIG until the array is big enough. */
#define CPUID_MAX_ENTRIES	256

int vm_ioctl(struct vm *vm, unsigned long req, void *arg, const char *name)
{
	if (ioctl(vm->vm_fd, req, arg) < 0)
		return vmm_error_errno(errno, "%s on %s", name, vm->device_path);
	return 0;
}

int vcpu_ioctl(struct vcpu *vcpu, unsigned long req, void *arg, const char *name)
{
	if (ioctl(vcpu->fd, req, arg) < 0)
		return vmm_error_errno(errno, "%s (vCPU %d) on %s", name, vcpu->id,
				       vcpu->vm->device_path);
	return 0;
}

int kvm_check_extension(struct vm *vm, int cap)
{
	int fd = vm->vm_fd >= 0 ? vm->vm_fd : vm->kvm_fd;
	int r = ioctl(fd, KVM_CHECK_EXTENSION, cap);

	return r < 0 ? 0 : r;
}

static void irq_set_kernel(struct irq_line *line, int level)
{
	struct vm *vm = line->owner;
	struct kvm_irq_level irq = { .irq = line->irq, .level = level };

	/* Cannot fail for a valid GSI once the irqchip exists. */
	if (ioctl(vm->vm_fd, KVM_IRQ_LINE, &irq) < 0)
		vmm_debug("KVM_IRQ_LINE %u: %s", line->irq, strerror(errno));
}

static void irq_set_user(struct irq_line *line, int level)
{
	struct vm *vm = line->owner;

	pic_set_irq(vm->pic, line->irq, level);
	/* vCPU 0 may be halted in userspace, or in the guest: wake it either way. */
	pic_kick(vm->pic);
	if (level && vm->nr_vcpus && pic_has_interrupt(vm->pic))
		vcpu_kick(&vm->vcpus[0]);
}

static int vm_get_supported_cpuid(struct vm *vm)
{
	size_t size = sizeof(*vm->supported_cpuid) +
		      CPUID_MAX_ENTRIES * sizeof(struct kvm_cpuid_entry2);

	vm->supported_cpuid = calloc(1, size);
	if (!vm->supported_cpuid)
		return vmm_error_errno(ENOMEM, "KVM_GET_SUPPORTED_CPUID");
	vm->supported_cpuid->nent = CPUID_MAX_ENTRIES;
	if (ioctl(vm->kvm_fd, KVM_GET_SUPPORTED_CPUID, vm->supported_cpuid) < 0)
		return vmm_error_errno(errno, "KVM_GET_SUPPORTED_CPUID on %s",
				       vm->device_path);
	return 0;
}

static int vm_setup_irqchip(struct vm *vm, enum irqchip_mode mode)
{
	struct kvm_pit_config pit = { .flags = 0 };
	bool offered = kvm_check_extension(vm, KVM_CAP_IRQCHIP) &&
		       kvm_check_extension(vm, KVM_CAP_PIT2);
	unsigned int i;

	if (mode == IRQCHIP_KERNEL && !offered) {
		vmm_error("--irqchip=kernel: %s offers no KVM_CAP_IRQCHIP/KVM_CAP_PIT2",
			  vm->device_path);
		return -EOPNOTSUPP;
	}
	vm->irqchip_in_kernel = offered && mode != IRQCHIP_USER;
	if (vm->irqchip_in_kernel) {
		if (vm_ioctl(vm, KVM_CREATE_IRQCHIP, NULL, "KVM_CREATE_IRQCHIP") ||
		    vm_ioctl(vm, KVM_CREATE_PIT2, &pit, "KVM_CREATE_PIT2"))
			return -EIO;
	} else {
		vm->pic = pic_create();
		if (!vm->pic)
			return vmm_error_errno(ENOMEM, "userspace PIC");
	}
	for (i = 0; i < VM_NR_IRQS; i++) {
		vm->irqs[i] = (struct irq_line){
			.set = vm->irqchip_in_kernel ? irq_set_kernel : irq_set_user,
			.irq = i,
			.owner = vm,
		};
	}
	vmm_debug("irqchip: %s", vm->irqchip_in_kernel ? "in-kernel" : "userspace");
	return 0;
}

static void kick_handler(int sig)
{
	(void)sig;	/* only interrupts KVM_RUN */
}

int vm_open(struct vm *vm, const char *device_path, enum irqchip_mode mode)
{
	struct sigaction sa = { .sa_handler = kick_handler };
	int version;

	memset(vm, 0, sizeof(*vm));
	vm->device_path = device_path;
	vm->irqchip_mode = mode;
	vm->vm_fd = -1;
	vm->stop_fd[0] = vm->stop_fd[1] = -1;
	pthread_mutex_init(&vm->stop_lock, NULL);
	bus_init(&vm->pio_bus, "pio");
	bus_init(&vm->mmio_bus, "mmio");
	/* The stop kick; installed now, before the sandbox forbids sigaction. */
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGUSR1, &sa, NULL) < 0)
		return vmm_error_errno(errno, "sigaction(SIGUSR1)");

	vm->kvm_fd = open(device_path, O_RDWR | O_CLOEXEC);
	if (vm->kvm_fd < 0)
		return vmm_error_errno(errno, "--device %s", device_path);
	version = ioctl(vm->kvm_fd, KVM_GET_API_VERSION, 0);
	if (version != KVM_API_VERSION) {
		vmm_error("KVM_GET_API_VERSION on %s: %d, expected %d", device_path,
			  version, KVM_API_VERSION);
		return -EINVAL;
	}
	vm->run_size = ioctl(vm->kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (vm->run_size < (int)sizeof(struct kvm_run))
		return vmm_error_errno(vm->run_size < 0 ? errno : EINVAL,
				       "KVM_GET_VCPU_MMAP_SIZE on %s", device_path);
	return 0;
}

/* KVM_CREATE_VM and everything that must precede the vCPUs. */
static int vm_create(struct vm *vm)
{
	uint64_t addr = LAYOUT_IDENTITY_MAP_GPA;
	int err;

	vm->vm_fd = ioctl(vm->kvm_fd, KVM_CREATE_VM, 0);
	if (vm->vm_fd < 0)
		return vmm_error_errno(errno, "KVM_CREATE_VM on %s", vm->device_path);
	if (pipe2(vm->stop_fd, O_CLOEXEC) < 0)
		return vmm_error_errno(errno, "pipe");

	err = vm_get_supported_cpuid(vm);
	if (err)
		return err;
	vm->has_tsc_deadline = kvm_check_extension(vm, KVM_CAP_TSC_DEADLINE_TIMER);

	/* VMX without unrestricted guest needs these to emulate real mode. */
	if (kvm_check_extension(vm, KVM_CAP_SET_IDENTITY_MAP_ADDR) &&
	    vm_ioctl(vm, KVM_SET_IDENTITY_MAP_ADDR, &addr, "KVM_SET_IDENTITY_MAP_ADDR"))
		return -EIO;
	if (kvm_check_extension(vm, KVM_CAP_SET_TSS_ADDR) &&
	    ioctl(vm->vm_fd, KVM_SET_TSS_ADDR, (unsigned long)LAYOUT_TSS_GPA) < 0)
		return vmm_error_errno(errno, "KVM_SET_TSS_ADDR on %s", vm->device_path);

	return vm_setup_irqchip(vm, vm->irqchip_mode);
}

static void *vm_create_thread(void *arg)
{
	struct vm *vm = arg;

	vm->create_err = vm_create(vm);
	return NULL;
}

int vm_create_start(struct vm *vm)
{
	int err = pthread_create(&vm->create_thread, NULL, vm_create_thread, vm);

	if (err)
		return vmm_error_errno(err, "starting the VM creation thread");
	vm->create_started = true;
	return 0;
}

int vm_create_wait(struct vm *vm)
{
	if (!vm->create_started)
		return -EINVAL;
	pthread_join(vm->create_thread, NULL);
	vm->create_started = false;
	return vm->create_err;
}

int vm_add_memslots(struct vm *vm)
{
	int i, err;

	for (i = 0; i < vm->mem.nr_ranges; i++) {
		struct kvm_userspace_memory_region region = {
			.slot = i,
			.guest_phys_addr = vm->mem.ranges[i].gpa,
			.memory_size = vm->mem.ranges[i].size,
			.userspace_addr = (uintptr_t)vm->mem.ranges[i].hva,
		};

		err = vm_ioctl(vm, KVM_SET_USER_MEMORY_REGION, &region,
			       "KVM_SET_USER_MEMORY_REGION");
		if (err)
			return err;
	}
	return 0;
}

int vm_create_vcpus(struct vm *vm, int nr_vcpus)
{
	int max = kvm_check_extension(vm, KVM_CAP_MAX_VCPUS);
	int i, err;

	if (!max)
		max = kvm_check_extension(vm, KVM_CAP_NR_VCPUS);
	if (!max)
		max = 4;	/* what api.rst promises when the caps are absent */
	if (nr_vcpus > max || nr_vcpus > VM_MAX_VCPUS) {
		vmm_error("--cpus %d: %s supports at most %d", nr_vcpus,
			  vm->device_path, MIN(max, VM_MAX_VCPUS));
		return -EINVAL;
	}
	if (nr_vcpus > 1 && !vm->irqchip_in_kernel) {
		vmm_error("--cpus %d: SMP needs the in-kernel irqchip (LAPIC)", nr_vcpus);
		return -EINVAL;
	}
	for (i = 0; i < nr_vcpus; i++) {
		err = vcpu_create(vm, &vm->vcpus[i], i);
		if (err)
			return err;
		vm->nr_vcpus++;
	}
	return 0;
}

int vm_start_vcpus(struct vm *vm)
{
	int i, err;

	for (i = 0; i < vm->nr_vcpus; i++) {
		struct vcpu *vcpu = &vm->vcpus[i];

		err = pthread_create(&vcpu->thread, NULL, vcpu_thread, vcpu);
		if (err) {
			vm_request_stop(vm, VM_EXIT_ERROR);
			return vmm_error_errno(err, "starting vCPU %d thread", i);
		}
		vcpu->thread_started = true;
	}
	return 0;
}

int vm_wait(struct vm *vm)
{
	int i;

	for (i = 0; i < vm->nr_vcpus; i++)
		if (vm->vcpus[i].thread_started)
			pthread_join(vm->vcpus[i].thread, NULL);
	return vm->exit_status;
}

void vm_request_stop(struct vm *vm, int status)
{
	int i;

	pthread_mutex_lock(&vm->stop_lock);
	if (vm->stopping) {
		pthread_mutex_unlock(&vm->stop_lock);
		return;
	}
	vm->exit_status = status;
	__atomic_store_n(&vm->stopping, true, __ATOMIC_RELEASE);
	for (i = 0; i < vm->nr_vcpus; i++) {
		struct vcpu *vcpu = &vm->vcpus[i];

		__atomic_store_n(&vcpu->run->immediate_exit, 1, __ATOMIC_RELEASE);
		if (vcpu->thread_started && !pthread_equal(vcpu->thread, pthread_self()))
			pthread_kill(vcpu->thread, SIGUSR1);
	}
	if (vm->pic)
		pic_kick(vm->pic);
	if (vm->stop_fd[1] >= 0 && write(vm->stop_fd[1], "x", 1) < 0)
		vmm_debug("stop pipe: %s", strerror(errno));
	pthread_mutex_unlock(&vm->stop_lock);
}

bool vm_stopping(struct vm *vm)
{
	return __atomic_load_n(&vm->stopping, __ATOMIC_ACQUIRE);
}

void vm_close(struct vm *vm)
{
	int i;

	if (vm->create_started)
		vm_create_wait(vm);

	for (i = 0; i < vm->nr_vcpus; i++) {
		munmap(vm->vcpus[i].run, vm->run_size);
		close(vm->vcpus[i].fd);
	}
	vm->nr_vcpus = 0;
	if (vm->vm_fd >= 0)
		close(vm->vm_fd);
	if (vm->kvm_fd >= 0)
		close(vm->kvm_fd);
	vm->vm_fd = vm->kvm_fd = -1;
	for (i = 0; i < 2; i++)
		if (vm->stop_fd[i] >= 0)
			close(vm->stop_fd[i]);
	guest_mem_exit(&vm->mem);
	pic_destroy(vm->pic);
	vm->pic = NULL;
	free(vm->supported_cpuid);
	vm->supported_cpuid = NULL;
}
