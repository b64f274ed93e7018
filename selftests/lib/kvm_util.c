// SPDX-License-Identifier: GPL-2.0
/* Helpers around the /dev/kvm ABI for the selftests: see kvm_util.h. */
#define _GNU_SOURCE	/* gettid() */
#include <cpuid.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "kvm_util.h"

#define DEFAULT_TIMEOUT_SECONDS	20

/* Set by the wall-clock guard's SIGALRM handler; read after KVM_RUN. */
static __thread volatile sig_atomic_t run_timed_out;

const char *kvm_device_path(void)
{
	const char *path = getenv("KVM_DEVICE");

	return path && *path ? path : KVM_DEFAULT_DEVICE;
}

int kvm_open(void)
{
	int fd = open(kvm_device_path(), O_RDWR | O_CLOEXEC);

	if (fd < 0 && (errno == ENOENT || errno == ENODEV || errno == ENXIO))
		test_skip("%s: %s", kvm_device_path(), strerror(errno));
	CHECK(fd >= 0, "open(%s): errno %d (%s)", kvm_device_path(), errno,
	      strerror(errno));
	return fd;
}

int kvm_check_cap(long cap)
{
	int fd = kvm_open();
	int r = ioctl(fd, KVM_CHECK_EXTENSION, cap);

	CHECK(r >= 0, "KVM_CHECK_EXTENSION(%ld): errno %d (%s)", cap, errno,
	      strerror(errno));
	close(fd);
	return r;
}

static bool cpu_vendor_is(const char *vendor)
{
	unsigned int eax, ebx, ecx, edx;
	char name[13];

	__cpuid(0, eax, ebx, ecx, edx);
	memcpy(name, &ebx, 4);
	memcpy(name + 4, &edx, 4);
	memcpy(name + 8, &ecx, 4);
	name[12] = 0;
	return !strcmp(name, vendor);
}

bool kvm_cpu_is_intel(void)
{
	return cpu_vendor_is("GenuineIntel");
}

bool kvm_cpu_is_amd(void)
{
	return cpu_vendor_is("AuthenticAMD") || cpu_vendor_is("HygonGenuine");
}

bool host_is_tcg(void)
{
	unsigned int eax, sig[3];

	__cpuid(0x40000000, eax, sig[0], sig[1], sig[2]);
	return !memcmp(sig, "TCGTCGTCGTCG", 12);
}

/*
 * The module, not a capability, says which hypervisor this is: a check that
 * only kvmx must pass may not vanish because kvmx stopped offering the
 * capability the check is about.  The runner never loads kvm and kvmx at once.
 */
bool hv_is_kvmx(void)
{
	return !access("/sys/module/kvmx", F_OK);
}

struct kvm_cpuid2 *kvm_get_supported_cpuid(int kvm_fd)
{
	struct kvm_cpuid2 *cpuid = NULL;
	int nent = 64;

	for (;;) {
		cpuid = realloc(cpuid, sizeof(*cpuid) +
				nent * sizeof(struct kvm_cpuid_entry2));
		CHECK(cpuid, "out of memory");
		memset(cpuid, 0, sizeof(*cpuid));
		cpuid->nent = nent;
		if (!ioctl(kvm_fd, KVM_GET_SUPPORTED_CPUID, cpuid))
			return cpuid;
		CHECK(errno == E2BIG && nent < 4096,
		      "KVM_GET_SUPPORTED_CPUID(nent %d): errno %d (%s)", nent,
		      errno, strerror(errno));
		nent *= 2;
	}
}

struct kvm_cpuid_entry2 vcpu_get_cpuid_entry(struct kvm_vcpu *vcpu,
					     uint32_t function, uint32_t index)
{
	/* 256 entries: the most KVM_SET_CPUID2 takes, so never E2BIG. */
	struct kvm_cpuid2 *cpuid = calloc(1, sizeof(*cpuid) +
					  256 * sizeof(cpuid->entries[0]));
	struct kvm_cpuid_entry2 *e, entry;

	CHECK(cpuid, "out of memory");
	cpuid->nent = 256;
	CHECK_IOCTL_OK(ioctl(vcpu->fd, KVM_GET_CPUID2, cpuid));
	e = cpuid_find(cpuid, function, index);
	CHECK(e, "no CPUID leaf 0x%x.%u", function, index);
	entry = *e;
	free(cpuid);
	return entry;
}

struct kvm_cpuid_entry2 *cpuid_find(struct kvm_cpuid2 *cpuid,
				    uint32_t function, uint32_t index)
{
	uint32_t i;

	for (i = 0; i < cpuid->nent; i++) {
		struct kvm_cpuid_entry2 *e = &cpuid->entries[i];

		if (e->function != function)
			continue;
		if ((e->flags & KVM_CPUID_FLAG_SIGNIFCANT_INDEX) && e->index != index)
			continue;
		return e;
	}
	return NULL;
}

struct kvm_vm *vm_create(void)
{
	struct kvm_vm *vm = calloc(1, sizeof(*vm));

	CHECK(vm, "out of memory");
	vm->kvm_fd = kvm_open();
	vm->fd = CHECK_IOCTL_OK(ioctl(vm->kvm_fd, KVM_CREATE_VM, 0));
	return vm;
}

struct kvm_vm *vm_create_default(void)
{
	struct kvm_vm *vm = vm_create();

	/* kvm-intel needs it for real mode without unrestricted guest. */
	CHECK_IOCTL_OK(ioctl(vm->fd, KVM_SET_TSS_ADDR, GUEST_KVM_TSS_ADDR));
	vm_add_memslot(vm, GUEST_MAIN_SLOT, 0, GUEST_MEM_SIZE, 0);
	vm_setup_tables(vm);
	return vm;
}

void vm_free(struct kvm_vm *vm)
{
	int i;

	if (!vm)
		return;
	close(vm->fd);
	close(vm->kvm_fd);
	for (i = 0; i < vm->nr_slots; i++)
		munmap(vm->slots[i].hva, vm->slots[i].size);
	free(vm);
}

void *vm_alloc_backing(size_t size)
{
	void *hva = mmap(NULL, size, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	CHECK(hva != MAP_FAILED, "mmap(%zu): errno %d (%s)", size, errno,
	      strerror(errno));
	return hva;
}

int __vm_set_memslot(struct kvm_vm *vm, uint32_t slot, uint64_t gpa,
		     uint64_t size, uint32_t flags, void *hva)
{
	struct kvm_userspace_memory_region region = {
		.slot = slot,
		.flags = flags,
		.guest_phys_addr = gpa,
		.memory_size = size,
		.userspace_addr = (uintptr_t)hva,
	};

	return ioctl(vm->fd, KVM_SET_USER_MEMORY_REGION, &region);
}

void *vm_add_memslot(struct kvm_vm *vm, uint32_t slot, uint64_t gpa,
		     uint64_t size, uint32_t flags)
{
	struct vm_slot *s;
	void *hva;

	CHECK(vm->nr_slots < VM_MAX_TRACKED_SLOTS, "too many tracked slots");
	hva = vm_alloc_backing(size);
	if (__vm_set_memslot(vm, slot, gpa, size, flags, hva))
		test_fail(__FILE__, __LINE__,
			  "KVM_SET_USER_MEMORY_REGION(slot %u gpa 0x%llx size 0x%llx flags 0x%x): errno %d (%s)",
			  slot, (unsigned long long)gpa,
			  (unsigned long long)size, flags, errno,
			  strerror(errno));
	s = &vm->slots[vm->nr_slots++];
	s->slot = slot;
	s->flags = flags;
	s->gpa = gpa;
	s->size = size;
	s->hva = hva;
	return hva;
}

void *vm_gpa_to_hva(struct kvm_vm *vm, uint64_t gpa)
{
	int i;

	for (i = 0; i < vm->nr_slots; i++) {
		struct vm_slot *s = &vm->slots[i];

		if (gpa >= s->gpa && gpa - s->gpa < s->size)
			return (uint8_t *)s->hva + (gpa - s->gpa);
	}
	test_fail(__FILE__, __LINE__, "GPA 0x%llx is in no memslot",
		  (unsigned long long)gpa);
}

void vm_load(struct kvm_vm *vm, uint64_t gpa, const void *start, const void *end)
{
	size_t len = (const uint8_t *)end - (const uint8_t *)start;

	memcpy(vm_gpa_to_hva(vm, gpa), start, len);
}

void vm_load_code(struct kvm_vm *vm, const void *start, const void *end)
{
	size_t len = (const uint8_t *)end - (const uint8_t *)start;

	CHECK(len <= GUEST_CODE_SIZE, "guest code is %zu bytes, room for %d",
	      len, GUEST_CODE_SIZE);
	vm_load(vm, GUEST_CODE_GPA, start, end);
}

/* Descriptor encodings (Intel SDM "Segment Descriptors"): flat 4 GiB. */
#define GDT_CODE32	0x00cf9b000000ffffULL	/* G D P S, exec/read, accessed */
#define GDT_DATA	0x00cf93000000ffffULL	/* G B P S, read/write, accessed */
#define GDT_CODE64	0x00af9b000000ffffULL	/* G L P S */
#define GDT_CODE16	0x00009b000000ffffULL	/* 64 KiB, 16-bit */
#define GDT_DATA16	0x000093000000ffffULL
#define GDT_TSS_BUSY	0x8bULL			/* P, type 11: busy TSS */

static uint64_t gdt_tss_low(uint64_t base, uint32_t limit)
{
	return (limit & 0xffffULL) | ((base & 0xffffffULL) << 16) |
	       (GDT_TSS_BUSY << 40) | ((uint64_t)(limit >> 16 & 0xf) << 48) |
	       ((base >> 24 & 0xff) << 56);
}

void vm_setup_tables(struct kvm_vm *vm)
{
	uint64_t *gdt = vm_gpa_to_hva(vm, GUEST_GDT_GPA);
	uint64_t *pml4 = vm_gpa_to_hva(vm, GUEST_PML4_GPA);
	uint64_t *pdpt = vm_gpa_to_hva(vm, GUEST_PDPT_GPA);
	uint64_t *pd = vm_gpa_to_hva(vm, GUEST_PD_GPA);
	uint32_t *pd32 = vm_gpa_to_hva(vm, GUEST_PD32_GPA);
	uint8_t *gdtr = vm_gpa_to_hva(vm, GUEST_GDTR_GPA);
	uint8_t *idtr = vm_gpa_to_hva(vm, GUEST_IDTR_GPA);
	uint16_t limit;
	uint32_t base;
	int i;

	gdt[GUEST_SEL_CODE32 / 8] = GDT_CODE32;
	gdt[GUEST_SEL_DATA / 8] = GDT_DATA;
	gdt[GUEST_SEL_CODE64 / 8] = GDT_CODE64;
	gdt[GUEST_SEL_CODE16 / 8] = GDT_CODE16;
	gdt[GUEST_SEL_DATA16 / 8] = GDT_DATA16;
	gdt[GUEST_SEL_TSS / 8] = gdt_tss_low(GUEST_TSS_GPA, GUEST_TSS_LIMIT);
	gdt[GUEST_SEL_TSS / 8 + 1] = 0;

	/* Pseudo-descriptors for lgdt/lidt from any mode (base <= 4 GiB). */
	limit = GUEST_GDT_ENTRIES * 8 - 1;
	base = GUEST_GDT_GPA;
	memcpy(gdtr, &limit, 2);
	memcpy(gdtr + 2, &base, 4);
	limit = GUEST_IDT_ENTRIES * 8 - 1;	/* protected-mode gates */
	base = GUEST_IDT_GPA;
	memcpy(idtr, &limit, 2);
	memcpy(idtr + 2, &base, 4);

	pml4[0] = GUEST_PDPT_GPA | PTE_PRESENT | PTE_WRITE;
	pdpt[0] = GUEST_PD_GPA | PTE_PRESENT | PTE_WRITE;
	for (i = 0; i < 512; i++)
		pd[i] = ((uint64_t)i << 21) | PTE_PRESENT | PTE_WRITE | PTE_LARGE;
	for (i = 0; i < 1024; i++)
		pd32[i] = ((uint32_t)i << 22) | PTE_PRESENT | PTE_WRITE | PTE_LARGE;
}

void vm_set_idt_gate64(struct kvm_vm *vm, int vector, uint64_t handler_gva)
{
	uint64_t *gate = vm_gpa_to_hva(vm, GUEST_IDT_GPA + vector * 16);

	/* Interrupt gate: P, DPL 0, type 14 (Intel SDM "64-Bit Mode IDT"). */
	gate[0] = (handler_gva & 0xffff) | ((uint64_t)GUEST_SEL_CODE64 << 16) |
		  (0x8eULL << 40) | ((handler_gva >> 16 & 0xffff) << 48);
	gate[1] = handler_gva >> 32;
}

void vm_set_idt_gate32(struct kvm_vm *vm, int vector, uint32_t handler_gva)
{
	uint64_t *gate = vm_gpa_to_hva(vm, GUEST_IDT_GPA + vector * 8);

	*gate = (handler_gva & 0xffff) | ((uint64_t)GUEST_SEL_CODE32 << 16) |
		(0x8eULL << 40) | ((uint64_t)(handler_gva >> 16) << 48);
}

int kvm_vcpu_mmap_size(int kvm_fd)
{
	return CHECK_IOCTL_OK(ioctl(kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0));
}

struct kvm_vcpu *__vcpu_create(struct kvm_vm *vm, uint32_t id, bool set_cpuid)
{
	struct kvm_vcpu *vcpu = calloc(1, sizeof(*vcpu));

	CHECK(vcpu, "out of memory");
	vcpu->vm = vm;
	vcpu->id = id;
	vcpu->fd = ioctl(vm->fd, KVM_CREATE_VCPU, (unsigned long)id);
	CHECK(vcpu->fd >= 0, "KVM_CREATE_VCPU(%u): errno %d (%s)", id, errno,
	      strerror(errno));
	vcpu->run_size = kvm_vcpu_mmap_size(vm->kvm_fd);
	vcpu->run = mmap(NULL, vcpu->run_size, PROT_READ | PROT_WRITE,
			 MAP_SHARED, vcpu->fd, 0);
	CHECK(vcpu->run != MAP_FAILED, "mmap(vcpu fd, %zu): errno %d (%s)",
	      vcpu->run_size, errno, strerror(errno));
	if (set_cpuid) {
		struct kvm_cpuid2 *cpuid = kvm_get_supported_cpuid(vm->kvm_fd);

		CHECK_IOCTL_OK(ioctl(vcpu->fd, KVM_SET_CPUID2, cpuid));
		free(cpuid);
	}
	return vcpu;
}

struct kvm_vcpu *vcpu_create(struct kvm_vm *vm, uint32_t id)
{
	return __vcpu_create(vm, id, true);
}

void vcpu_free(struct kvm_vcpu *vcpu)
{
	if (!vcpu)
		return;
	munmap(vcpu->run, vcpu->run_size);
	close(vcpu->fd);
	free(vcpu);
}

void vcpu_get_regs(struct kvm_vcpu *vcpu, struct kvm_regs *regs)
{
	CHECK_IOCTL_OK(ioctl(vcpu->fd, KVM_GET_REGS, regs));
}

void vcpu_set_regs(struct kvm_vcpu *vcpu, const struct kvm_regs *regs)
{
	CHECK_IOCTL_OK(ioctl(vcpu->fd, KVM_SET_REGS, regs));
}

void vcpu_get_sregs(struct kvm_vcpu *vcpu, struct kvm_sregs *sregs)
{
	CHECK_IOCTL_OK(ioctl(vcpu->fd, KVM_GET_SREGS, sregs));
}

void vcpu_set_sregs(struct kvm_vcpu *vcpu, const struct kvm_sregs *sregs)
{
	CHECK_IOCTL_OK(ioctl(vcpu->fd, KVM_SET_SREGS, sregs));
}

/* One-entry kvm_msrs; KVM_GET/SET_MSRS return how many entries they did. */
struct one_msr {
	struct kvm_msrs hdr;
	struct kvm_msr_entry entry;
};

int __vcpu_get_msr(struct kvm_vcpu *vcpu, uint32_t index, uint64_t *value)
{
	struct one_msr m = { .hdr.nmsrs = 1, .entry.index = index };
	int r = ioctl(vcpu->fd, KVM_GET_MSRS, &m);

	*value = m.entry.data;
	return r;
}

int __vcpu_set_msr(struct kvm_vcpu *vcpu, uint32_t index, uint64_t value)
{
	struct one_msr m = {
		.hdr.nmsrs = 1, .entry.index = index, .entry.data = value,
	};

	return ioctl(vcpu->fd, KVM_SET_MSRS, &m);
}

uint64_t vcpu_get_msr(struct kvm_vcpu *vcpu, uint32_t index)
{
	uint64_t value;
	int r = __vcpu_get_msr(vcpu, index, &value);

	CHECK(r == 1, "KVM_GET_MSRS(0x%x): ret %d errno %d (%s)", index, r,
	      r < 0 ? errno : 0, r < 0 ? strerror(errno) : "-");
	return value;
}

void vcpu_set_msr(struct kvm_vcpu *vcpu, uint32_t index, uint64_t value)
{
	int r = __vcpu_set_msr(vcpu, index, value);

	CHECK(r == 1, "KVM_SET_MSRS(0x%x, 0x%llx): ret %d errno %d (%s)", index,
	      (unsigned long long)value, r, r < 0 ? errno : 0,
	      r < 0 ? strerror(errno) : "-");
}

static void set_segment(struct kvm_segment *seg, uint16_t selector,
			uint32_t limit, uint8_t type, bool code64, bool db,
			bool granular)
{
	memset(seg, 0, sizeof(*seg));
	seg->base = 0;
	seg->limit = limit;
	seg->selector = selector;
	seg->type = type;
	seg->present = 1;
	seg->s = 1;
	seg->l = code64;
	seg->db = db;
	seg->g = granular;
}

/* Segment types (Intel SDM "Code- and Data-Segment Types"). */
#define SEG_TYPE_DATA_RW_ACCESSED	3
#define SEG_TYPE_CODE_RX_ACCESSED	11
#define SEG_TYPE_LDT			2
#define SEG_TYPE_TSS_BUSY		11

void guest_mode_sregs(enum guest_mode mode, struct kvm_sregs *sregs)
{
	bool long64 = mode == GUEST_MODE_LONG64;

	if (mode == GUEST_MODE_REAL) {
		set_segment(&sregs->cs, 0, 0xffff, SEG_TYPE_CODE_RX_ACCESSED,
			    false, false, false);
		set_segment(&sregs->ds, 0, 0xffff, SEG_TYPE_DATA_RW_ACCESSED,
			    false, false, false);
		sregs->es = sregs->fs = sregs->gs = sregs->ss = sregs->ds;
		sregs->cr0 &= ~(X86_CR0_PE | X86_CR0_PG);
		sregs->efer &= ~(EFER_LME | EFER_LMA);
		return;
	}

	set_segment(&sregs->cs, long64 ? GUEST_SEL_CODE64 : GUEST_SEL_CODE32,
		    0xffffffff, SEG_TYPE_CODE_RX_ACCESSED, long64, !long64, true);
	set_segment(&sregs->ds, GUEST_SEL_DATA, 0xffffffff,
		    SEG_TYPE_DATA_RW_ACCESSED, false, true, true);
	sregs->es = sregs->fs = sregs->gs = sregs->ss = sregs->ds;

	memset(&sregs->tr, 0, sizeof(sregs->tr));
	sregs->tr.base = GUEST_TSS_GPA;
	sregs->tr.limit = GUEST_TSS_LIMIT;
	sregs->tr.selector = GUEST_SEL_TSS;
	sregs->tr.type = SEG_TYPE_TSS_BUSY;
	sregs->tr.present = 1;
	memset(&sregs->ldt, 0, sizeof(sregs->ldt));
	sregs->ldt.type = SEG_TYPE_LDT;
	sregs->ldt.unusable = 1;

	sregs->gdt.base = GUEST_GDT_GPA;
	sregs->gdt.limit = GUEST_GDT_ENTRIES * 8 - 1;
	sregs->idt.base = GUEST_IDT_GPA;
	sregs->idt.limit = GUEST_IDT_ENTRIES * (long64 ? 16 : 8) - 1;

	sregs->cr0 = X86_CR0_PE | X86_CR0_ET | X86_CR0_NE;
	sregs->cr4 = 0;
	sregs->efer = 0;
	sregs->cr3 = 0;
	if (mode == GUEST_MODE_PAGED32) {
		sregs->cr0 |= X86_CR0_PG | X86_CR0_WP;
		sregs->cr4 |= X86_CR4_PSE;
		sregs->cr3 = GUEST_PD32_GPA;
	} else if (long64) {
		sregs->cr0 |= X86_CR0_PG | X86_CR0_WP;
		sregs->cr4 |= X86_CR4_PAE;
		sregs->cr3 = GUEST_PML4_GPA;
		sregs->efer = EFER_LME | EFER_LMA;
	}
}

void vcpu_setup_mode(struct kvm_vcpu *vcpu, enum guest_mode mode, uint64_t rip)
{
	struct kvm_sregs sregs;
	struct kvm_regs regs;

	vcpu_get_sregs(vcpu, &sregs);
	guest_mode_sregs(mode, &sregs);
	vcpu_set_sregs(vcpu, &sregs);

	memset(&regs, 0, sizeof(regs));
	regs.rflags = 2;	/* bit 1 is reserved, always 1 */
	regs.rip = rip;
	regs.rsp = GUEST_STACK_TOP;
	vcpu_set_regs(vcpu, &regs);
}

unsigned int test_timeout_seconds(void)
{
	const char *s = getenv("KVMX_RUN_TIMEOUT");
	unsigned int t = s ? (unsigned int)strtoul(s, NULL, 0) : 0;

	return t ? t : DEFAULT_TIMEOUT_SECONDS;
}

static void guard_handler(int sig)
{
	run_timed_out = 1;
}

/*
 * The guard is a per-thread timer (vCPUs may run on several threads at
 * once) that sends SIGALRM to the thread in KVM_RUN.
 */
static __thread bool guard_created;
static __thread timer_t guard_timer;

static void guard_arm(unsigned int seconds)
{
	static bool installed;
	struct itimerspec its = { .it_value.tv_sec = seconds };

	if (!installed) {
		struct sigaction sa = { .sa_handler = guard_handler };

		/* No SA_RESTART: KVM_RUN must return EINTR on the alarm. */
		sigemptyset(&sa.sa_mask);
		sigaction(SIGALRM, &sa, NULL);
		installed = true;
	}
	if (!guard_created) {
		struct sigevent sev = {
			.sigev_notify = SIGEV_THREAD_ID,
			.sigev_signo = SIGALRM,
		};

		sev._sigev_un._tid = gettid();	/* glibc 2.36 has no sigev_notify_thread_id */
		if (timer_create(CLOCK_MONOTONIC, &sev, &guard_timer))
			return;		/* run unguarded rather than fail */
		guard_created = true;
	}
	run_timed_out = 0;
	timer_settime(guard_timer, 0, &its, NULL);
}

static void guard_disarm(void)
{
	struct itimerspec its = { 0 };

	if (guard_created)
		timer_settime(guard_timer, 0, &its, NULL);
}

int __vcpu_run(struct kvm_vcpu *vcpu)
{
	unsigned int seconds = test_timeout_seconds();
	int r;

	guard_arm(seconds);
	r = ioctl(vcpu->fd, KVM_RUN, 0);
	guard_disarm();
	if (r < 0 && errno == EINTR && run_timed_out) {
		struct kvm_regs regs;

		ioctl(vcpu->fd, KVM_GET_REGS, &regs);
		test_fail(__FILE__, __LINE__,
			  "KVM_RUN: the guest did not exit within %u s (rip 0x%llx)",
			  seconds, (unsigned long long)regs.rip);
	}
	return r;
}

static const char *const exit_names[] = {
	[KVM_EXIT_UNKNOWN] = "UNKNOWN",
	[KVM_EXIT_EXCEPTION] = "EXCEPTION",
	[KVM_EXIT_IO] = "IO",
	[KVM_EXIT_HYPERCALL] = "HYPERCALL",
	[KVM_EXIT_DEBUG] = "DEBUG",
	[KVM_EXIT_HLT] = "HLT",
	[KVM_EXIT_MMIO] = "MMIO",
	[KVM_EXIT_IRQ_WINDOW_OPEN] = "IRQ_WINDOW_OPEN",
	[KVM_EXIT_SHUTDOWN] = "SHUTDOWN",
	[KVM_EXIT_FAIL_ENTRY] = "FAIL_ENTRY",
	[KVM_EXIT_INTR] = "INTR",
	[KVM_EXIT_SET_TPR] = "SET_TPR",
	[KVM_EXIT_TPR_ACCESS] = "TPR_ACCESS",
	[KVM_EXIT_NMI] = "NMI",
	[KVM_EXIT_INTERNAL_ERROR] = "INTERNAL_ERROR",
	[KVM_EXIT_SYSTEM_EVENT] = "SYSTEM_EVENT",
	[KVM_EXIT_X86_RDMSR] = "X86_RDMSR",
	[KVM_EXIT_X86_WRMSR] = "X86_WRMSR",
};

const char *exit_reason_str(uint32_t exit_reason)
{
	if (exit_reason < ARRAY_SIZE(exit_names) && exit_names[exit_reason])
		return exit_names[exit_reason];
	return "?";
}

/* Describes an unexpected exit in a failure message. */
static void __attribute__((noreturn))
fail_unexpected_exit(struct kvm_vcpu *vcpu, const char *want)
{
	struct kvm_run *run = vcpu->run;
	struct kvm_regs regs;
	char detail[160] = "";

	ioctl(vcpu->fd, KVM_GET_REGS, &regs);
	switch (run->exit_reason) {
	case KVM_EXIT_IO:
		snprintf(detail, sizeof(detail), " port 0x%x dir %s size %u count %u",
			 run->io.port, run->io.direction == KVM_EXIT_IO_OUT ? "out" : "in",
			 run->io.size, run->io.count);
		break;
	case KVM_EXIT_MMIO:
		snprintf(detail, sizeof(detail), " gpa 0x%llx len %u %s",
			 (unsigned long long)run->mmio.phys_addr, run->mmio.len,
			 run->mmio.is_write ? "write" : "read");
		break;
	case KVM_EXIT_FAIL_ENTRY:
		snprintf(detail, sizeof(detail), " hardware_entry_failure_reason 0x%llx",
			 (unsigned long long)run->fail_entry.hardware_entry_failure_reason);
		break;
	case KVM_EXIT_INTERNAL_ERROR:
		snprintf(detail, sizeof(detail), " suberror %u", run->internal.suberror);
		break;
	}
	test_fail(__FILE__, __LINE__, "unexpected exit %u (%s)%s at rip 0x%llx; want %s",
		  run->exit_reason, exit_reason_str(run->exit_reason), detail,
		  (unsigned long long)regs.rip, want);
}

uint32_t vcpu_run(struct kvm_vcpu *vcpu)
{
	int r = __vcpu_run(vcpu);

	CHECK(r == 0, "KVM_RUN: ret %d errno %d (%s), exit_reason %u", r, errno,
	      strerror(errno), vcpu->run->exit_reason);
	return vcpu->run->exit_reason;
}

void vcpu_run_expect_exit(struct kvm_vcpu *vcpu, uint32_t exit_reason)
{
	if (vcpu_run(vcpu) != exit_reason)
		fail_unexpected_exit(vcpu, exit_reason_str(exit_reason));
}

bool vcpu_is_ucall_exit(struct kvm_vcpu *vcpu)
{
	struct kvm_run *run = vcpu->run;

	return run->exit_reason == KVM_EXIT_IO &&
	       run->io.port == GUEST_UCALL_PORT &&
	       run->io.direction == KVM_EXIT_IO_OUT;
}

void *vcpu_io_data(struct kvm_vcpu *vcpu)
{
	return (uint8_t *)vcpu->run + vcpu->run->io.data_offset;
}

void vcpu_get_ucall(struct kvm_vcpu *vcpu, struct ucall *uc, struct kvm_regs *regs)
{
	vcpu_get_regs(vcpu, regs);
	uc->type = (uint32_t)regs->rax;
	uc->args[0] = regs->rdi;
	uc->args[1] = regs->rsi;
	uc->args[2] = regs->rdx;
}

uint64_t vcpu_ucall(struct kvm_vcpu *vcpu, struct ucall *uc)
{
	struct kvm_regs regs;

	for (;;) {
		vcpu_run(vcpu);
		if (!vcpu_is_ucall_exit(vcpu))
			fail_unexpected_exit(vcpu, "a ucall");
		vcpu_get_ucall(vcpu, uc, &regs);
		switch (uc->type) {
		case UCALL_FAIL:
			test_fail(__FILE__, __LINE__,
				  "guest check %llu failed at rip 0x%llx: got 0x%llx, want 0x%llx",
				  (unsigned long long)uc->args[0],
				  (unsigned long long)regs.rip,
				  (unsigned long long)uc->args[1],
				  (unsigned long long)uc->args[2]);
		case UCALL_PRINT:
			test_info("guest: tag %llu value 0x%llx",
				  (unsigned long long)uc->args[0],
				  (unsigned long long)uc->args[1]);
			continue;
		case UCALL_DONE:
		case UCALL_SYNC:
			return uc->type;
		default:
			test_fail(__FILE__, __LINE__, "unknown ucall type 0x%llx at rip 0x%llx",
				  (unsigned long long)uc->type,
				  (unsigned long long)regs.rip);
		}
	}
}

void vcpu_expect_sync(struct kvm_vcpu *vcpu, uint64_t stage, struct ucall *uc)
{
	uint64_t type = vcpu_ucall(vcpu, uc);

	CHECK(type == UCALL_SYNC && uc->args[0] == stage,
	      "want UCALL_SYNC stage %llu, got type %llu stage %llu",
	      (unsigned long long)stage, (unsigned long long)type,
	      (unsigned long long)uc->args[0]);
}

void vcpu_expect_done(struct kvm_vcpu *vcpu)
{
	struct ucall uc;
	uint64_t type = vcpu_ucall(vcpu, &uc);

	CHECK(type == UCALL_DONE, "want UCALL_DONE, got type %llu (arg0 %llu)",
	      (unsigned long long)type, (unsigned long long)uc.args[0]);
}
