// SPDX-License-Identifier: GPL-2.0
/*
 * Glue between a vCPU and the pure code: guest page walks (kvmx_walk),
 * instruction fetch and length decoding (for CPUs without NRIP save),
 * MMIO emulation (kvmx_emulate) and KVM_TRANSLATE.
 */
#include <linux/uaccess.h>
#include <asm/traps.h>

#include "kvmx_irqchip.h"
#include "kvmx_walk.h"
#include "kvmx_x86.h"

#ifndef INVALID_GPA
#define INVALID_GPA	(~0ULL)
#endif

static int walk_read_pte(void *ctx, u64 gpa, u64 *pte, unsigned int size)
{
	struct kvmx_x86_vcpu *xv = ctx;

	*pte = 0;
	return kvmx_read_guest(xv->vcpu->vm, gpa, pte, size);
}

static int walk_cmpxchg_pte(void *ctx, u64 gpa, u64 old, u64 new,
			    unsigned int size)
{
	struct kvmx_x86_vcpu *xv = ctx;

	return kvmx_cmpxchg_guest(xv->vcpu->vm, gpa, old, new, size);
}

/* Walks set accessed/dirty bits as the CPU's own walk would. */
const struct kvmx_walk_ops kvmx_vcpu_walk_ops = {
	.read_pte = walk_read_pte,
	.cmpxchg_pte = walk_cmpxchg_pte,
};

int kvmx_vcpu_walker(struct kvmx_x86_vcpu *xv, struct kvmx_walker *w)
{
	struct kvmx_walk_cpu cpu = {
		.cr0 = kvmx_x86->get_cr(xv, 0),
		.cr3 = kvmx_x86->get_cr(xv, 3),
		.cr4 = kvmx_x86->get_cr(xv, 4),
		.efer = xv->efer,
		.maxphyaddr = boot_cpu_data.x86_phys_bits,
	};
	int i;

	if (boot_cpu_has(X86_FEATURE_GBPAGES))
		cpu.features |= KVMX_WALK_CPU_1G_PAGES;
	if (boot_cpu_data.x86_vendor == X86_VENDOR_AMD ||
	    boot_cpu_data.x86_vendor == X86_VENDOR_HYGON)
		cpu.features |= KVMX_WALK_CPU_AMD;
	/*
	 * PAE paging: the PDPTEs as the CPU reads them from memory, at each
	 * walk (AMD's behaviour; shadow paging relies on it as well).
	 * Legacy-mode CR3 has 32 bits.
	 */
	if ((cpu.cr0 & X86_CR0_PG) && (cpu.cr4 & X86_CR4_PAE) &&
	    !(cpu.efer & EFER_LMA))
		for (i = 0; i < 4; i++)
			kvmx_read_guest(xv->vcpu->vm,
					(cpu.cr3 & 0xffffffe0ULL) + 8 * i,
					&cpu.pdpte[i], 8);
	return kvmx_walker_init(w, &cpu);
}

/* Translate @gva for an access; KVMX_WALK_* status, or <0 for bad state. */
static int gva_to_gpa(struct kvmx_x86_vcpu *xv, u64 gva, u32 access,
		      struct kvmx_walk_result *res)
{
	struct kvmx_walker w;
	int r;

	r = kvmx_vcpu_walker(xv, &w);
	if (r)
		return r;
	return kvmx_walk(&w, &kvmx_vcpu_walk_ops, xv, gva, access, res);
}

static enum kvmx_cpu_mode vcpu_mode(struct kvmx_x86_vcpu *xv)
{
	struct kvm_segment cs;

	kvmx_x86->get_segment(xv, &cs, KVMX_SREG_CS);
	return kvmx_emul_cpu_mode(kvmx_x86->get_cr(xv, 0), xv->efer,
				  kvmx_x86->get_rflags(xv), cs.l, cs.db);
}

/* Access flags for the walker at the guest's current privilege. */
static u32 walk_access(struct kvmx_x86_vcpu *xv, u32 access)
{
	access |= KVMX_WALK_SET_AD;
	if (kvmx_x86->get_cpl(xv) == 3)
		access |= KVMX_WALK_USER;
	/* EFLAGS.AC lets supervisor data accesses reach user pages (SMAP). */
	if (kvmx_x86->get_rflags(xv) & X86_EFLAGS_AC)
		access |= KVMX_WALK_AC;
	return access;
}

/* Read up to 15 instruction bytes at CS:RIP; returns how many were read. */
static unsigned int fetch_insn(struct kvmx_x86_vcpu *xv, u8 *bytes,
			       enum kvmx_cpu_mode mode)
{
	struct kvmx_walk_result res;
	unsigned int n = 0;
	u64 la;

	la = (mode == KVMX_MODE_LONG64 ? 0 :
	      kvmx_x86->get_segment_base(xv, KVMX_SREG_CS)) + xv->rip;
	if (mode != KVMX_MODE_LONG64)
		la = (u32)la;
	while (n < KVMX_INSN_MAX_LEN) {
		unsigned int chunk = min_t(unsigned int, KVMX_INSN_MAX_LEN - n,
					   PAGE_SIZE - offset_in_page(la + n));

		if (gva_to_gpa(xv, la + n, walk_access(xv, KVMX_WALK_FETCH),
			       &res) != KVMX_WALK_OK)
			break;
		if (kvmx_read_guest(xv->vcpu->vm, res.gpa, bytes + n, chunk))
			break;
		n += chunk;
	}
	return n;
}

/*
 * Translate @la for @access (KVMX_WALK_* flags) at the guest's privilege:
 * 0 with *@gpa set; 1 with *@e set to the fault the guest must see (page
 * tables outside guest memory read as not present, so they give #PF too);
 * or -EAGAIN when the guest changed its tables under the walk, in which
 * case the caller re-enters the guest and lets the instruction run again.
 */
static int translate(struct kvmx_x86_vcpu *xv, u64 la, u32 access, u64 *gpa,
		     struct kvmx_emul_exception *e)
{
	struct kvmx_walk_result res;

	switch (gva_to_gpa(xv, la, walk_access(xv, access), &res)) {
	case KVMX_WALK_OK:
		*gpa = res.gpa;
		return 0;
	case KVMX_WALK_PAGE_FAULT:
	case KVMX_WALK_PTE_ERROR:
		e->vector = X86_TRAP_PF;
		e->error_code = res.error_code;
		e->address = la;
		break;
	case KVMX_WALK_RETRY:
		return -EAGAIN;
	default:
		e->vector = X86_TRAP_GP;
		e->error_code = 0;
		break;
	}
	e->error_code_valid = true;
	return 1;
}

/* Queue @e for the next entry; #PF also loads CR2 with the faulting address. */
static void queue_fault(struct kvmx_x86_vcpu *xv,
			const struct kvmx_emul_exception *e)
{
	if (e->vector == X86_TRAP_PF)
		kvmx_x86->set_cr(xv, 2, e->address);
	kvmx_queue_exception(xv, e->vector, e->error_code_valid,
			     e->error_code);
}

/*
 * Translate a data access at linear address @la for an exit handler:
 * 0 with *@gpa set, or 1 when the guest must re-enter (with the fault it
 * must see queued, if any).
 */
int kvmx_translate_data(struct kvmx_x86_vcpu *xv, u64 la, bool write, u64 *gpa)
{
	struct kvmx_emul_exception e;
	int r = translate(xv, la, write ? KVMX_WALK_WRITE : 0, gpa, &e);

	if (r == 1)
		queue_fault(xv, &e);
	return r ? 1 : 0;
}

/*
 * The guest's CPUID vendor (leaf 0) decides, as kvm's emulator does:
 * "GenuineIntel" is Intel, any other vendor is not.  A vCPU without
 * KVM_SET_CPUID2 gets the host's behaviour, which is what it runs on.
 */
enum kvmx_emul_vendor kvmx_emul_vendor(struct kvmx_x86_vcpu *xv)
{
	const struct kvm_cpuid_entry2 *e = kvmx_find_cpuid(xv, 0, 0);
	bool intel;

	if (e)
		intel = e->ebx == 0x756e6547 && e->edx == 0x49656e69 &&
			e->ecx == 0x6c65746e;	/* "Genu" "ineI" "ntel" */
	else
		intel = boot_cpu_data.x86_vendor == X86_VENDOR_INTEL;
	return intel ? KVMX_EMUL_VENDOR_INTEL : KVMX_EMUL_VENDOR_AMD;
}

/* Decode the instruction at CS:RIP; 0, or -errno as kvmx_insn_decode(). */
int kvmx_decode_at_rip(struct kvmx_x86_vcpu *xv, struct kvmx_insn *insn)
{
	u8 bytes[KVMX_INSN_MAX_LEN];
	enum kvmx_cpu_mode mode = vcpu_mode(xv);
	unsigned int n = fetch_insn(xv, bytes, mode);

	return kvmx_insn_decode(insn, bytes, n, mode);
}

unsigned int kvmx_next_insn_len(struct kvmx_x86_vcpu *xv, unsigned int plain)
{
	u8 bytes[KVMX_INSN_MAX_LEN];
	enum kvmx_cpu_mode mode = vcpu_mode(xv);
	unsigned int n = fetch_insn(xv, bytes, mode);
	int len = kvmx_insn_length(bytes, n, mode);

	return len > 0 ? len : plain;
}

/*
 * Emulator callbacks: RAM through the memslots, the rest is MMIO.  A walk
 * that raced the guest's own page-table update ends the emulation with
 * nothing committed (@emul_retry) and the instruction runs again.
 */
static enum kvmx_emul_result emul_translate(struct kvmx_emul_ctxt *c, u64 la,
					    u32 access, u64 *gpa)
{
	struct kvmx_x86_vcpu *xv = c->opaque;
	int r = translate(xv, la, access, gpa, &c->exception);

	if (!r)
		return KVMX_EMUL_DONE;
	if (r == 1)
		return KVMX_EMUL_FAULT;
	xv->emul_retry = true;
	return KVMX_EMUL_EXIT;
}

static bool gpa_is_ram(struct kvmx_x86_vcpu *xv, u64 gpa, bool write)
{
	struct kvmx_vm *vm = xv->vcpu->vm;
	const struct kvmx_memslot *slot;
	bool ram;
	int idx;

	idx = srcu_read_lock(&vm->srcu);
	slot = kvmx_gfn_to_memslot(vm, gpa >> PAGE_SHIFT);
	ram = slot && !(write && (slot->flags & KVM_MEM_READONLY));
	srcu_read_unlock(&vm->srcu, idx);
	return ram;
}

/*
 * One part of an emulated access: the bytes at [@off, @off + @len) of the
 * access live at @gpa.  An access (at most 8 bytes) crosses at most one
 * page boundary, so it has one or two parts.
 */
struct emul_part {
	u64 gpa;
	unsigned int off;
	unsigned int len;
};

/*
 * Split the access at @la of @bytes at the page boundary and translate
 * each part on its own, as the CPU does: the two virtual pages may map to
 * any two frames.  Both parts are translated before any byte moves, so a
 * second page that does not translate faults at its own address (CR2 =
 * the page's first byte) with nothing done.  Returns DONE with *@nr set.
 */
static __always_inline enum kvmx_emul_result
split_access(struct kvmx_emul_ctxt *c, u64 la, unsigned int bytes, u32 access,
	     struct emul_part *part, int *nr)
{
	unsigned int first = min_t(unsigned int, bytes,
				   PAGE_SIZE - offset_in_page(la));
	enum kvmx_emul_result r;
	u64 la2 = la + first;

	r = emul_translate(c, la, access, &part[0].gpa);
	if (r != KVMX_EMUL_DONE)
		return r;
	part[0].off = 0;
	part[0].len = first;
	*nr = 1;
	if (first == bytes)
		return KVMX_EMUL_DONE;
	/* Outside 64-bit mode linear addresses wrap at 4 GiB. */
	if (c->mode != KVMX_MODE_LONG64)
		la2 = (u32)la2;
	r = emul_translate(c, la2, access, &part[1].gpa);
	if (r != KVMX_EMUL_DONE)
		return r;
	part[1].off = first;
	part[1].len = bytes - first;
	*nr = 2;
	return KVMX_EMUL_DONE;
}

/*
 * Read one part: RAM, the in-kernel irqchip, or userspace's answer to an
 * earlier KVM_EXIT_MMIO for exactly this part (*@answered then set);
 * otherwise exit for it.  When both parts of a read are userspace MMIO,
 * each exits in turn, as in kvm: the first part's answer waits in
 * mmio_prev while the second part exits, and the run after that answer
 * finds both.
 */
static enum kvmx_emul_result read_part(struct kvmx_x86_vcpu *xv, u64 gpa,
				       void *buf, unsigned int len,
				       bool *answered)
{
	struct kvm_run *run = xv->vcpu->run;
	struct kvmx_mmio_part *prev = &xv->mmio_prev;

	if (gpa_is_ram(xv, gpa, false))
		return kvmx_read_guest(xv->vcpu->vm, gpa, buf, len) ?
		       KVMX_EMUL_UNHANDLED : KVMX_EMUL_DONE;
	if (kvmx_irqchip_mmio(xv, gpa, buf, len, false))
		return KVMX_EMUL_DONE;
	if (prev->valid && prev->gpa == gpa && prev->len == len) {
		memcpy(buf, prev->data, len);
		return KVMX_EMUL_DONE;
	}
	if (xv->mmio_ready && xv->mmio_gpa == gpa && xv->mmio_len == len) {
		memcpy(buf, xv->mmio_data, len);
		*answered = true;
		return KVMX_EMUL_DONE;
	}
	if (*answered) {
		if (prev->valid)
			return KVMX_EMUL_UNHANDLED;
		prev->gpa = xv->mmio_gpa;
		prev->len = xv->mmio_len;
		memcpy(prev->data, xv->mmio_data, sizeof(prev->data));
		prev->valid = true;
		xv->mmio_ready = false;
	}
	run->exit_reason = KVM_EXIT_MMIO;
	run->mmio.phys_addr = gpa;
	run->mmio.len = len;
	run->mmio.is_write = 0;
	memset(run->mmio.data, 0, sizeof(run->mmio.data));
	xv->mmio_gpa = gpa;
	xv->mmio_len = len;
	return KVMX_EMUL_EXIT;
}

static enum kvmx_emul_result emul_read(struct kvmx_emul_ctxt *c, u64 la,
				       void *buf, unsigned int bytes)
{
	struct kvmx_x86_vcpu *xv = c->opaque;
	struct emul_part part[2];
	enum kvmx_emul_result r;
	bool answered = false;
	int i, nr;

	r = split_access(c, la, bytes, 0, part, &nr);
	for (i = 0; r == KVMX_EMUL_DONE && i < nr; i++)
		r = read_part(xv, part[i].gpa, buf + part[i].off, part[i].len,
			      &answered);
	return r;
}

/*
 * Write one part: RAM, the in-kernel irqchip or a coalesced zone, else
 * record it in kvm_run for the exit after the instruction.  A second
 * userspace part (the rest of a write that crosses into another MMIO
 * page) waits in mmio_next and exits on the next KVM_RUN, as kvm exits
 * once per part; a third is more than kvm takes too.
 */
static enum kvmx_emul_result write_part(struct kvmx_x86_vcpu *xv, u64 gpa,
					const void *buf, unsigned int len)
{
	struct kvm_run *run = xv->vcpu->run;

	if (gpa_is_ram(xv, gpa, true))
		return kvmx_write_guest(xv->vcpu->vm, gpa, buf, len) ?
		       KVMX_EMUL_UNHANDLED : KVMX_EMUL_DONE;
	if (kvmx_irqchip_mmio(xv, gpa, (void *)buf, len, true) ||
	    kvmx_coalesced_write(xv->vcpu->vm, gpa, len, buf, false))
		return KVMX_EMUL_DONE;
	if (xv->mmio_write) {
		struct kvmx_mmio_part *next = &xv->mmio_next;

		if (next->valid)
			return KVMX_EMUL_UNHANDLED;
		next->gpa = gpa;
		next->len = len;
		memset(next->data, 0, sizeof(next->data));
		memcpy(next->data, buf, len);
		next->valid = true;
		return KVMX_EMUL_DONE;
	}
	/* Recorded now; the exit happens once the instruction completed. */
	run->mmio.phys_addr = gpa;
	run->mmio.len = len;
	run->mmio.is_write = 1;
	memset(run->mmio.data, 0, sizeof(run->mmio.data));
	memcpy(run->mmio.data, buf, len);
	xv->mmio_write = true;
	return KVMX_EMUL_DONE;
}

static enum kvmx_emul_result emul_write(struct kvmx_emul_ctxt *c, u64 la,
					const void *buf, unsigned int bytes)
{
	struct kvmx_x86_vcpu *xv = c->opaque;
	struct emul_part part[2];
	enum kvmx_emul_result r;
	int i, nr;

	r = split_access(c, la, bytes, KVMX_WALK_WRITE, part, &nr);
	for (i = 0; r == KVMX_EMUL_DONE && i < nr; i++)
		r = write_part(xv, part[i].gpa, buf + part[i].off, part[i].len);
	return r;
}

/* Instruction bytes past those fetched up front (a fault there is #PF). */
static enum kvmx_emul_result emul_fetch(struct kvmx_emul_ctxt *c, u64 la,
					void *buf, unsigned int bytes)
{
	struct kvmx_x86_vcpu *xv = c->opaque;
	enum kvmx_emul_result r;
	unsigned int done = 0;
	u64 gpa;

	while (done < bytes) {
		unsigned int n = min_t(unsigned int, bytes - done,
				       PAGE_SIZE - offset_in_page(la + done));

		r = emul_translate(c, la + done, KVMX_WALK_FETCH, &gpa);
		if (r != KVMX_EMUL_DONE)
			return r;
		if (kvmx_read_guest(xv->vcpu->vm, gpa, buf + done, n))
			return KVMX_EMUL_UNHANDLED;
		done += n;
	}
	return KVMX_EMUL_DONE;
}

static const struct kvmx_emul_ops emul_ops = {
	.read = emul_read,
	.write = emul_write,
	.fetch = emul_fetch,
};

static int emulation_failed(struct kvmx_x86_vcpu *xv,
			    const struct kvmx_emul_ctxt *c)
{
	struct kvm_run *run = xv->vcpu->run;

	run->exit_reason = KVM_EXIT_INTERNAL_ERROR;
	run->emulation_failure.suberror = KVM_INTERNAL_ERROR_EMULATION;
	run->emulation_failure.flags =
		KVM_INTERNAL_ERROR_EMULATION_FLAG_INSTRUCTION_BYTES;
	run->emulation_failure.insn_size = c->insn_avail;
	memcpy(run->emulation_failure.insn_bytes, c->insn_bytes,
	       sizeof(run->emulation_failure.insn_bytes));
	/* flags, then insn_size and the 15 bytes: three u64 words. */
	run->emulation_failure.ndata = 3;
	return 0;
}

/*
 * Emulate the instruction at RIP.  Exit-handler return contract; with
 * @soft, an instruction the emulator does not handle is -EOPNOTSUPP with
 * nothing done, not an internal-error exit.
 */
static int emulate_at_rip(struct kvmx_x86_vcpu *xv, bool soft)
{
	struct kvmx_emul_ctxt *c = &xv->emul;
	static const enum kvmx_sreg segs[] = {
		KVMX_SREG_ES, KVMX_SREG_CS, KVMX_SREG_SS,
		KVMX_SREG_DS, KVMX_SREG_FS, KVMX_SREG_GS,
	};
	enum kvmx_emul_result r;
	int i;

	kvmx_emul_init(c, &emul_ops, xv, vcpu_mode(xv));
	c->vendor = xv->emul_vendor;
	c->la57 = kvmx_x86->get_cr(xv, 4) & X86_CR4_LA57;
	memcpy(c->regs, xv->regs, sizeof(c->regs));
	c->rip = xv->rip;
	c->rflags = kvmx_x86->get_rflags(xv);
	for (i = 0; i < ARRAY_SIZE(segs); i++)
		c->seg_base[i] = kvmx_x86->get_segment_base(xv, segs[i]);
	c->insn_avail = fetch_insn(xv, c->insn_bytes, c->mode);
	c->read_cache = &xv->emul_reads;
	xv->mmio_write = false;
	xv->mmio_next.valid = false;

	r = kvmx_emulate(c);
	if (r != KVMX_EMUL_EXIT || xv->emul_retry)
		xv->mmio_prev.valid = false;
	switch (r) {
	case KVMX_EMUL_DONE:
		xv->mmio_ready = false;
		memcpy(xv->regs, c->regs, sizeof(xv->regs));
		xv->rip = c->rip;
		kvmx_x86->set_rflags(xv, c->rflags);
		/* The instruction completed: an STI or MOV SS shadow ends. */
		kvmx_x86->set_interrupt_shadow(xv, 0);
		if (xv->mmio_write) {
			xv->vcpu->run->exit_reason = KVM_EXIT_MMIO;
			if (xv->mmio_next.valid)
				xv->pending_io = KVMX_IO_MMIO_NEXT;
			return 0;
		}
		return 1;
	case KVMX_EMUL_EXIT:
		if (xv->emul_retry) {
			xv->emul_retry = false;
			xv->mmio_ready = false;
			return 1;
		}
		xv->pending_io = KVMX_IO_MMIO;
		return 0;
	case KVMX_EMUL_EXCEPTION:
	case KVMX_EMUL_FAULT:
		xv->mmio_ready = false;
		queue_fault(xv, &c->exception);
		return 1;
	default:
		xv->mmio_ready = false;
		if (soft)
			return -EOPNOTSUPP;
		return emulation_failed(xv, c);
	}
}

int kvmx_handle_mmio(struct kvmx_x86_vcpu *xv, u64 gpa)
{
	kvmx_stat_set_kind(xv, KVMX_EXIT_MMIO);
	xv->mmio_ready = false;
	xv->mmio_prev.valid = false;
	xv->emul_reads.len = 0;
	return emulate_at_rip(xv, false);
}

int kvmx_emulate_write(struct kvmx_x86_vcpu *xv)
{
	xv->mmio_ready = false;
	xv->mmio_prev.valid = false;
	xv->emul_reads.len = 0;
	return emulate_at_rip(xv, true);
}

/* KVM_RUN after an MMIO read exit: the data is in kvm_run; run it again. */
int kvmx_complete_mmio(struct kvmx_x86_vcpu *xv)
{
	struct kvm_run *run = xv->vcpu->run;

	memcpy(xv->mmio_data, run->mmio.data, sizeof(xv->mmio_data));
	xv->mmio_ready = true;
	return emulate_at_rip(xv, false);
}

/* KVM_RUN after the first part of a two-part MMIO write: exit for the second. */
int kvmx_complete_mmio_next(struct kvmx_x86_vcpu *xv)
{
	struct kvm_run *run = xv->vcpu->run;
	struct kvmx_mmio_part *next = &xv->mmio_next;

	run->exit_reason = KVM_EXIT_MMIO;
	run->mmio.phys_addr = next->gpa;
	run->mmio.len = next->len;
	run->mmio.is_write = 1;
	memcpy(run->mmio.data, next->data, sizeof(run->mmio.data));
	next->valid = false;
	return KVMX_EXIT_USER;
}

long kvmx_translate_ioctl(struct kvmx_x86_vcpu *xv, struct kvm_translation __user *u)
{
	struct kvm_translation tr;
	struct kvmx_walk_result res;
	int r;

	if (copy_from_user(&tr, u, sizeof(tr)))
		return -EFAULT;
	/* A supervisor read whatever the CPL, setting A bits, as kvm does. */
	if (!(kvmx_x86->get_cr(xv, 0) & X86_CR0_PG)) {
		r = KVMX_WALK_OK;
		res.gpa = tr.linear_address;
	} else {
		r = gva_to_gpa(xv, tr.linear_address, KVMX_WALK_SET_AD, &res);
	}
	tr.physical_address = r == KVMX_WALK_OK ? res.gpa : INVALID_GPA;
	tr.valid = r == KVMX_WALK_OK;
	tr.writeable = 1;
	tr.usermode = 0;
	return copy_to_user(u, &tr, sizeof(tr)) ? -EFAULT : 0;
}
