// SPDX-License-Identifier: GPL-2.0
/*
 * run_test: how KVM_RUN returns without a guest exit, and who may call it.
 *
 * kvm_run->immediate_exit makes KVM_RUN return EINTR without entering the
 * guest, after completing a pending IN; a signal arriving while the guest
 * runs makes KVM_RUN return EINTR with exit_reason KVM_EXIT_INTR; a signal
 * pending and unblocked by KVM_SET_SIGNAL_MASK does the same before entry;
 * KVM_RUN's argument must be 0; another process (fork) gets EIO on the VM
 * and vCPU fds it inherited; a process killed in the middle of KVM_RUN dies
 * cleanly and kvm keeps working (the machine runner then unloads it).
 */
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "guest_asm.h"
#include "kvm_util.h"

#define PORT_IN		0x60
#define TEST_SIGNAL	SIGUSR1

/*
 * IN from PORT_IN, report AL, then spin: 2^32 iterations, seconds on any
 * machine, far longer than the signals the tests send.  The loop is bounded
 * so that a hypervisor that never lets a signal end KVM_RUN fails the case
 * (SYNC 2) instead of hanging the test machine.
 */
#define SPIN_DONE	2
extern const uint8_t spin_start[], spin_end[], spin_loop[];
asm(GUEST_SECTION
    ".code64\n"
    "spin_start:\n"
    "	xor %eax, %eax\n"
    "	in $0x60, %al\n"
    "	mov %rax, %rsi\n"
    "	GUEST_SYNC 1\n"
    "	movabs $0x100000000, %rcx\n"
    "spin_loop:\n"
    "	inc %rbx\n"
    "	dec %rcx\n"
    "	jnz spin_loop\n"
    "	GUEST_SYNC 2\n"
    "	GUEST_DONE\n"
    "spin_end:\n"
    GUEST_SECTION_END);

extern const uint8_t child_spin_start[], child_spin_end[];
asm(GUEST_SECTION
    ".code16\n"
    "child_spin_start:\n"
    "	xor %ecx, %ecx\n"
    "1:	dec %ecx\n"
    "	jnz 1b\n"
    "	hlt\n"
    "child_spin_end:\n"
    GUEST_SECTION_END);

static volatile sig_atomic_t signals_seen;

static void count_signal(int sig)
{
	signals_seen++;
}

static void install_handler(void)
{
	struct sigaction sa = { .sa_handler = count_signal };

	sigemptyset(&sa.sa_mask);
	/* No SA_RESTART: KVM_RUN must see the signal. */
	CHECK(!sigaction(TEST_SIGNAL, &sa, NULL), "sigaction: errno %d", errno);
}

static struct kvm_vcpu *start_spin(struct kvm_vm **vm)
{
	struct kvm_vcpu *vcpu;

	*vm = vm_create_default();
	vcpu = vcpu_create(*vm, 0);
	vm_load_code(*vm, spin_start, spin_end);
	vcpu_setup_mode(vcpu, GUEST_MODE_LONG64, GUEST_CODE_GPA);
	return vcpu;
}

/* Runs the spin guest into its loop (past the IN and the SYNC). */
static void run_into_loop(struct kvm_vcpu *vcpu)
{
	struct ucall uc;

	vcpu_run_expect_exit(vcpu, KVM_EXIT_IO);
	CHECK_EQ(vcpu->run->io.port, PORT_IN);
	*(uint8_t *)vcpu_io_data(vcpu) = 0x5d;
	vcpu_expect_sync(vcpu, 1, &uc);
	CHECK_EQ(uc.args[1], 0x5d);
}

static void test_immediate_exit(void)
{
	struct kvm_vm *vm;
	struct kvm_vcpu *vcpu;
	struct kvm_regs before, after;
	struct ucall uc;

	REQUIRE(kvm_check_cap(KVM_CAP_IMMEDIATE_EXIT), "no KVM_CAP_IMMEDIATE_EXIT");
	vcpu = start_spin(&vm);
	vcpu_get_regs(vcpu, &before);
	vcpu->run->immediate_exit = 1;
	CHECK_IOCTL_ERR(__vcpu_run(vcpu), EINTR);
	vcpu_get_regs(vcpu, &after);
	CHECK_EQ(after.rip, before.rip);	/* the guest did not run */

	/* A pending IN completes, then KVM_RUN returns before the guest runs on. */
	vcpu->run->immediate_exit = 0;
	vcpu_run_expect_exit(vcpu, KVM_EXIT_IO);
	*(uint8_t *)vcpu_io_data(vcpu) = 0x3c;
	vcpu->run->immediate_exit = 1;
	CHECK_IOCTL_ERR(__vcpu_run(vcpu), EINTR);
	/* The exit just completed stays readable (the KVM selftests rely on it). */
	CHECK_EQ(vcpu->run->exit_reason, KVM_EXIT_IO);
	vcpu_get_regs(vcpu, &after);
	CHECK_EQ(after.rax & 0xff, 0x3c);
	CHECK_EQ(after.rip, GUEST_CODE_ADDR(spin_start, spin_start) + 4);	/* past IN */
	vcpu->run->immediate_exit = 0;
	vcpu_expect_sync(vcpu, 1, &uc);
	CHECK_EQ(uc.args[1], 0x3c);
	vcpu_free(vcpu);
	vm_free(vm);
}

static void test_signal_interrupts_run(void)
{
	struct kvm_vm *vm;
	struct kvm_vcpu *vcpu = start_spin(&vm);
	struct kvm_regs regs;
	timer_t timer;
	struct sigevent sev = {
		.sigev_notify = SIGEV_SIGNAL, .sigev_signo = TEST_SIGNAL,
	};
	struct itimerspec its = { .it_value.tv_nsec = 200000000 };
	int r;

	install_handler();
	run_into_loop(vcpu);
	CHECK(!timer_create(CLOCK_MONOTONIC, &sev, &timer), "timer_create: errno %d", errno);
	signals_seen = 0;
	CHECK(!timer_settime(timer, 0, &its, NULL), "timer_settime: errno %d", errno);
	r = __vcpu_run(vcpu);
	timer_delete(timer);
	if (r == 0 && vcpu_is_ucall_exit(vcpu)) {
		/*
		 * The Bochs VMX machine does not interrupt a running guest for
		 * the host's own timer, so no signal can end KVM_RUN there:
		 * its runner sets KVMX_NO_GUEST_PREEMPTION.
		 */
		const char *env = getenv("KVMX_NO_GUEST_PREEMPTION");

		REQUIRE(!env || !*env || *env == '0',
			"the machine does not preempt guests (KVMX_NO_GUEST_PREEMPTION)");
		test_fail(__FILE__, __LINE__,
			  "the guest spun to its end: KVM_RUN did not return on the signal");
	}
	CHECK(r == -1 && errno == EINTR, "KVM_RUN: ret %d errno %d, want EINTR", r, errno);
	CHECK_EQ(vcpu->run->exit_reason, KVM_EXIT_INTR);
	CHECK_EQ(signals_seen, 1);
	/* The guest did run its loop, and goes on running afterwards. */
	vcpu_get_regs(vcpu, &regs);
	CHECK(regs.rbx > 0, "RBX %llu: the loop never ran", (unsigned long long)regs.rbx);
	CHECK(regs.rip >= GUEST_CODE_ADDR(spin_loop, spin_start) &&
	      regs.rip < GUEST_CODE_ADDR(spin_end, spin_start),
	      "rip 0x%llx outside the loop", (unsigned long long)regs.rip);
	vcpu_free(vcpu);
	vm_free(vm);
}

static void test_signal_mask(void)
{
	struct kvm_vm *vm;
	struct kvm_vcpu *vcpu = start_spin(&vm);
	struct kvm_signal_mask *kmask;
	sigset_t block, old;

	install_handler();
	run_into_loop(vcpu);
	/* Block the signal in the thread, make it pending. */
	sigemptyset(&block);
	sigaddset(&block, TEST_SIGNAL);
	sigprocmask(SIG_BLOCK, &block, &old);
	signals_seen = 0;
	raise(TEST_SIGNAL);
	CHECK_EQ(signals_seen, 0);

	/* During KVM_RUN nothing is blocked: the pending signal ends it at once. */
	kmask = calloc(1, sizeof(*kmask) + 8);
	CHECK(kmask, "out of memory");
	kmask->len = 8;		/* the kernel's sigset_t */
	CHECK_IOCTL_OK(ioctl(vcpu->fd, KVM_SET_SIGNAL_MASK, kmask));
	CHECK_IOCTL_ERR(__vcpu_run(vcpu), EINTR);
	CHECK_EQ(vcpu->run->exit_reason, KVM_EXIT_INTR);
	/* A wrong sigset size is refused. */
	kmask->len = 4;
	CHECK_IOCTL_ERR(ioctl(vcpu->fd, KVM_SET_SIGNAL_MASK, kmask), EINVAL);
	/* The signal stays pending for the thread, delivered on unblock. */
	sigprocmask(SIG_SETMASK, &old, NULL);
	CHECK_EQ(signals_seen, 1);
	free(kmask);
	vcpu_free(vcpu);
	vm_free(vm);
}

static void test_run_arg_must_be_zero(void)
{
	struct kvm_vm *vm;
	struct kvm_vcpu *vcpu = start_spin(&vm);

	CHECK_IOCTL_ERR(ioctl(vcpu->fd, KVM_RUN, 1), EINVAL);
	vcpu_free(vcpu);
	vm_free(vm);
}

/* Exit status of a child that checks its inherited fds answer EIO. */
static int child_checks_eio(struct kvm_vm *vm, struct kvm_vcpu *vcpu)
{
	struct kvm_regs regs;
	int bad = 0;

	if (ioctl(vcpu->fd, KVM_GET_REGS, &regs) != -1 || errno != EIO)
		bad |= 1;
	if (ioctl(vcpu->fd, KVM_RUN, 0) != -1 || errno != EIO)
		bad |= 2;
	if (ioctl(vm->fd, KVM_CREATE_VCPU, 1) != -1 || errno != EIO)
		bad |= 4;
	/* The device fd is not tied to a VM: it still answers. */
	if (ioctl(vm->kvm_fd, KVM_GET_API_VERSION, 0) != KVM_API_VERSION)
		bad |= 8;
	return bad;
}

static void test_other_process_gets_eio(void)
{
	struct kvm_vm *vm;
	struct kvm_vcpu *vcpu = start_spin(&vm);
	int status;
	pid_t pid;

	fflush(stdout);
	pid = fork();
	CHECK(pid >= 0, "fork: errno %d", errno);
	if (!pid)
		_exit(child_checks_eio(vm, vcpu));
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	      "child: status 0x%x (bits: 1 GET_REGS, 2 RUN, 4 CREATE_VCPU not EIO; 8 device)",
	      status);
	/* The parent still owns them. */
	run_into_loop(vcpu);
	vcpu_free(vcpu);
	vm_free(vm);
}

static void test_killed_in_kvm_run(void)
{
	struct kvm_vm *vm;
	struct kvm_vcpu *vcpu;
	int fds[2], status;
	char byte;
	pid_t pid;

	CHECK(!pipe(fds), "pipe: errno %d", errno);
	fflush(stdout);
	pid = fork();
	CHECK(pid >= 0, "fork: errno %d", errno);
	if (!pid) {
		/* The child's own VM; the harness must not run in the child. */
		int kvm = open(kvm_device_path(), O_RDWR);
		int vmfd = ioctl(kvm, KVM_CREATE_VM, 0);
		struct kvm_userspace_memory_region mem = {
			.slot = 0, .memory_size = GUEST_MEM_SIZE,
		};
		uint8_t *ram = mmap(NULL, GUEST_MEM_SIZE, PROT_READ | PROT_WRITE,
				    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		struct kvm_sregs sregs;
		struct kvm_regs regs = { .rip = GUEST_CODE_GPA, .rflags = 2 };
		struct kvm_run *run;
		int vcpufd;

		/* Real mode: spin 2^32 times, then HLT (bounded, see spin_start). */
		if (ram == MAP_FAILED)
			_exit(9);
		memcpy(ram + GUEST_CODE_GPA, child_spin_start, child_spin_end - child_spin_start);
		mem.userspace_addr = (uintptr_t)ram;
		if (vmfd < 0 || ioctl(vmfd, KVM_SET_USER_MEMORY_REGION, &mem))
			_exit(10);
		vcpufd = ioctl(vmfd, KVM_CREATE_VCPU, 0);
		run = mmap(NULL, ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0),
			   PROT_READ | PROT_WRITE, MAP_SHARED, vcpufd, 0);
		if (vcpufd < 0 || run == MAP_FAILED || ioctl(vcpufd, KVM_GET_SREGS, &sregs))
			_exit(11);
		guest_mode_sregs(GUEST_MODE_REAL, &sregs);
		if (ioctl(vcpufd, KVM_SET_SREGS, &sregs) || ioctl(vcpufd, KVM_SET_REGS, &regs))
			_exit(12);
		if (write(fds[1], "r", 1) != 1)
			_exit(13);
		ioctl(vcpufd, KVM_RUN, 0);
		_exit(14);	/* KVM_RUN must not return */
	}
	close(fds[1]);
	CHECK(read(fds[0], &byte, 1) == 1, "child did not get to KVM_RUN");
	close(fds[0]);
	usleep(200000);		/* let it enter the guest */
	CHECK(!kill(pid, SIGKILL), "kill: errno %d", errno);
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL,
	      "child status 0x%x: want killed by SIGKILL", status);

	/* kvm still runs guests. */
	vcpu = start_spin(&vm);
	run_into_loop(vcpu);
	vcpu_free(vcpu);
	vm_free(vm);
}

/*
 * KVM_CAP_SYNC_REGS: each stage adds 1 to RBX.  Unknown bits in
 * kvm_valid_regs or kvm_dirty_regs are EINVAL; a dirty set is loaded
 * (and its bit cleared), a valid set is stored on return, a set neither
 * dirty nor valid is left alone in kvm_run.
 */
extern const uint8_t sync_start[], sync_end[];
asm(GUEST_SECTION
    ".code64\n"
    "sync_start:\n"
    "1:	inc %rbx\n"
    "	GUEST_SYNC 1\n"
    "	jmp 1b\n"
    "sync_end:\n"
    GUEST_SECTION_END);

static void test_sync_regs(void)
{
	const uint64_t all = KVM_SYNC_X86_REGS | KVM_SYNC_X86_SREGS |
			     KVM_SYNC_X86_EVENTS;
	struct kvm_vm *vm;
	struct kvm_vcpu *vcpu;
	struct kvm_run *run;
	struct kvm_regs regs;
	struct kvm_sregs sregs;
	struct ucall uc;

	REQUIRE((kvm_check_cap(KVM_CAP_SYNC_REGS) & all) == (long)all,
		"KVM_CAP_SYNC_REGS lacks regs, sregs or events");
	vm = vm_create_default();
	vcpu = vcpu_create(vm, 0);
	run = vcpu->run;
	vm_load_code(vm, sync_start, sync_end);
	vcpu_setup_mode(vcpu, GUEST_MODE_LONG64, GUEST_CODE_GPA);

	run->kvm_valid_regs = 1ULL << 10;
	CHECK_IOCTL_ERR(ioctl(vcpu->fd, KVM_RUN, 0), EINVAL);
	run->kvm_valid_regs = 0;
	run->kvm_dirty_regs = all | 1ULL << 10;
	CHECK_IOCTL_ERR(ioctl(vcpu->fd, KVM_RUN, 0), EINVAL);
	run->kvm_dirty_regs = 0;

	/* Stored on return, equal to what the ioctls read. */
	run->kvm_valid_regs = all;
	vcpu_expect_sync(vcpu, 1, &uc);
	vcpu_get_regs(vcpu, &regs);
	vcpu_get_sregs(vcpu, &sregs);
	CHECK(!memcmp(&regs, &run->s.regs.regs, sizeof(regs)),
	      "s.regs.regs differs from KVM_GET_REGS");
	CHECK(!memcmp(&sregs, &run->s.regs.sregs, sizeof(sregs)),
	      "s.regs.sregs differs from KVM_GET_SREGS");
	CHECK_EQ(run->s.regs.regs.rbx, 1);

	/* Loaded when dirty, the bit cleared. */
	run->s.regs.regs.rbx = 0x1000;
	run->kvm_dirty_regs = KVM_SYNC_X86_REGS | KVM_SYNC_X86_SREGS |
			      KVM_SYNC_X86_EVENTS;
	vcpu_expect_sync(vcpu, 1, &uc);
	CHECK_EQ(run->kvm_dirty_regs, 0);
	CHECK_EQ(run->s.regs.regs.rbx, 0x1001);

	/* Neither dirty nor valid: kvm_run keeps what userspace left. */
	run->kvm_valid_regs = 0;
	run->s.regs.regs.rbx = 0xaaaa;
	vcpu_expect_sync(vcpu, 1, &uc);
	CHECK_EQ(run->s.regs.regs.rbx, 0xaaaa);
	vcpu_get_regs(vcpu, &regs);
	CHECK_EQ(regs.rbx, 0x1002);
	vcpu_free(vcpu);
	vm_free(vm);
}

static const struct test_case cases[] = {
	TEST_CASE(test_immediate_exit),
	TEST_CASE(test_signal_interrupts_run),
	TEST_CASE(test_signal_mask),
	TEST_CASE(test_run_arg_must_be_zero),
	TEST_CASE(test_other_process_gets_eio),
	TEST_CASE(test_killed_in_kvm_run),
	TEST_CASE(test_sync_regs),
};

int main(int argc, char **argv)
{
	return run_tests(cases, ARRAY_SIZE(cases));
}
