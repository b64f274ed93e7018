// SPDX-License-Identifier: GPL-2.0
/*
 * kvmx: a lean VMM for any KVM-compatible device.
 *
 * main() spells out the whole initialisation order; nothing registers
 * itself behind its back.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "acpi.h"
#include "boot.h"
#include "console.h"
#include "i8042.h"
#include "layout.h"
#include "options.h"
#include "pic.h"
#include "platform.h"
#include "rtc.h"
#include "sandbox.h"
#include "stat.h"
#include "uart.h"
#include "util.h"
#include "vm.h"
#include "x86.h"

#define DEFAULT_CMDLINE		"console=ttyS0"
/* How often the main thread looks for the end of the run between signals. */
#define MAIN_POLL_MS		100

/* Everything one run owns; lives in main()'s frame, torn down in reverse. */
struct machine {
	struct options opts;
	struct vm vm;
	struct platform platform;
	struct console console;
	/* Kernel and initrd are read straight into guest RAM from these. */
	int kernel_fd, initrd_fd;
	size_t kernel_len, initrd_len;
	uint8_t *flat;
	size_t flat_len;
	uint64_t entry_gpa, zero_page_gpa;	/* bzImage */
};

static int load_files(struct machine *m)
{
	const struct options *o = &m->opts;
	int err = 0;

	if (o->kernel)
		err = open_file(o->kernel, "--kernel", &m->kernel_fd, &m->kernel_len);
	if (!err && o->initrd)
		err = open_file(o->initrd, "--initrd", &m->initrd_fd, &m->initrd_len);
	if (!err && o->has_flat)
		err = read_file(o->flat_path, "--flat", &m->flat, &m->flat_len);
	return err;
}

/* The guest image into RAM (no vCPU needed): flat binary, or bzImage + initrd. */
static int load_guest(struct machine *m)
{
	struct guest_mem *mem = &m->vm.mem;
	struct linux_boot boot = {
		.kernel_fd = m->kernel_fd, .kernel_len = m->kernel_len,
		.initrd_fd = m->initrd_fd, .initrd_len = m->initrd_len,
		.cmdline = m->opts.append ? m->opts.append : DEFAULT_CMDLINE,
		.rsdp_gpa = LAYOUT_ACPI_GPA,
	};
	int err;

	if (m->opts.has_flat)
		return flat_load(mem, m->flat, m->flat_len, m->opts.flat_gpa);
	err = x86_build_boot_tables(mem);
	if (!err)
		err = linux_load(mem, &boot);
	m->entry_gpa = boot.entry_gpa;
	m->zero_page_gpa = boot.zero_page_gpa;
	return err;
}

/* The boot vCPU's registers for the loaded image. */
static int enter_guest(struct machine *m)
{
	struct vcpu *boot_vcpu = &m->vm.vcpus[0];

	if (m->opts.has_flat)
		return x86_enter_real_mode(boot_vcpu, m->opts.flat_gpa);
	return x86_enter_long_mode(boot_vcpu, m->entry_gpa, m->zero_page_gpa);
}

static void close_files(struct machine *m)
{
	if (m->kernel_fd >= 0)
		close(m->kernel_fd);
	if (m->initrd_fd >= 0)
		close(m->initrd_fd);
	m->kernel_fd = m->initrd_fd = -1;
	free(m->flat);
	m->flat = NULL;
}

/* Wait for the run to end, turning SIGINT/SIGTERM/SIGHUP into a stop. */
static int wait_for_end(struct vm *vm, const sigset_t *signals)
{
	struct timespec tick = { .tv_nsec = MAIN_POLL_MS * 1000000L };

	while (!vm_stopping(vm)) {
		int sig = sigtimedwait(signals, NULL, &tick);

		if (sig > 0)
			vm_request_stop(vm, 128 + sig);
	}
	return vm_wait(vm);
}

static int run(struct machine *m, const sigset_t *signals)
{
	struct options *o = &m->opts;
	struct vm *vm = &m->vm;
	int i, err, created;

	vmm_mark("start");
	/* 1. Inputs first: a missing file fails before any device is touched. */
	err = load_files(m);
	if (!err)
		err = vm_open(vm, o->device, o->irqchip);
	if (err)
		return err;
	vmm_mark("files+device");
	/*
	 * 2. The VM is created (irqchip and PIT before vCPUs) on a thread of
	 * its own while this one allocates guest RAM and loads the image.
	 */
	err = vm_create_start(vm);
	if (err)
		return err;
	err = guest_mem_init(&vm->mem, o->mem);
	if (!err)
		err = load_guest(m);
	vmm_mark("ram+image");
	/* The images are in guest RAM now: nothing of them stays. */
	close_files(m);
	created = vm_create_wait(vm);
	if (created)
		err = created;
	vmm_mark("vm");
	if (!err)
		err = vm_add_memslots(vm);
	/* 3. vCPUs, then their CPUID/FPU/LAPIC once the count is known. */
	if (!err)
		err = vm_create_vcpus(vm, o->cpus);
	for (i = 0; !err && i < vm->nr_vcpus; i++)
		err = x86_setup_vcpu(&vm->vcpus[i]);
	vmm_mark("vcpus");
	/* 4. Devices on the buses, then the ACPI tables that describe them. */
	if (!err)
		err = platform_init(&m->platform, vm, o, &m->console);
	vmm_mark("platform");
	/* 5. The boot vCPU's registers. */
	if (!err)
		err = enter_guest(m);
	/* 6. Console on stdio, sandbox, and go. */
	if (!err)
		err = console_init(&m->console, vm, &m->platform.uart);
	if (!err && !o->no_sandbox)
		err = sandbox_enter();
	vmm_mark("sandbox");
	if (!err)
		err = console_start(&m->console);
	if (!err)
		err = platform_start(&m->platform);
	if (!err)
		err = vm_start_vcpus(vm);
	vmm_mark("threads");
	if (err) {
		vm_request_stop(vm, VM_EXIT_ERROR);
		vm_wait(vm);
		return err;
	}
	return wait_for_end(vm, signals);
}

static void teardown(struct machine *m)
{
	console_exit(&m->console);
	platform_exit(&m->platform);
	vm_close(&m->vm);
	close_files(m);
}

static int cmd_run(int argc, char **argv)
{
	static struct machine m;	/* large: keep it off the stack */
	sigset_t signals;
	int ret;

	if (options_parse(&m.opts, argc, argv))
		return VM_EXIT_ERROR;
	if (m.opts.help) {
		options_usage(stdout);
		return 0;
	}
	vmm_verbose = m.opts.verbose;

	/* The main thread takes these with sigtimedwait(); threads inherit the mask. */
	sigemptyset(&signals);
	sigaddset(&signals, SIGINT);
	sigaddset(&signals, SIGTERM);
	sigaddset(&signals, SIGHUP);
	sigaddset(&signals, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &signals, NULL);
	sigdelset(&signals, SIGPIPE);

	m.kernel_fd = m.initrd_fd = -1;
	m.vm.vm_fd = m.vm.kvm_fd = -1;
	m.vm.stop_fd[0] = m.vm.stop_fd[1] = -1;
	ret = run(&m, &signals);
	if (ret < 0)
		ret = VM_EXIT_ERROR;
	teardown(&m);
	return ret;
}

static void usage(FILE *out)
{
	fprintf(out,
		"usage: kvmx <command> [options]\n"
		"\n"
		"commands:\n"
		"  run     run a virtual machine (kvmx run --help)\n"
		"  stat    exits and their cost per VM of kvmx.ko (kvmx stat --help)\n"
		"  help    this text\n");
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		vmm_error("missing command (try kvmx help)");
		return VM_EXIT_ERROR;
	}
	if (!strcmp(argv[1], "run"))
		return cmd_run(argc - 1, argv + 1);
	if (!strcmp(argv[1], "stat"))
		return cmd_stat(argc - 1, argv + 1);
	if (!strcmp(argv[1], "help") || !strcmp(argv[1], "--help") ||
	    !strcmp(argv[1], "-h")) {
		usage(stdout);
		return 0;
	}
	vmm_error("%s: unknown command (try kvmx help)", argv[1]);
	return VM_EXIT_ERROR;
}
