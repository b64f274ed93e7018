// SPDX-License-Identifier: GPL-2.0
/*
 * Port I/O exits: IN/OUT through the PIO data page, and the string forms
 * INS/OUTS (with REP) a batch at a time.
 *
 * A string batch holds at most one PIO page of elements.  OUTS copies the
 * elements from guest memory before the exit; INS checks that every
 * destination translates before the exit and stores the data when
 * userspace returns.  With REP and RCX not yet zero the instruction is not
 * skipped, so the guest re-executes it for the next batch (interrupts and
 * signals get their chance in between, as with hardware).
 */
#include <linux/mm.h>

#include "kvmx_irqchip.h"
#include "kvmx_x86.h"

static u64 addr_mask(u8 addr_bytes)
{
	return addr_bytes == 8 ? ~0ULL : (1ULL << (8 * addr_bytes)) - 1;
}

/* Update a register used with @addr_bytes addressing (16-bit keeps the rest). */
static void set_addr_reg(struct kvmx_x86_vcpu *xv, int reg, u64 val,
			 u8 addr_bytes)
{
	if (addr_bytes == 2)
		xv->regs[reg] = (xv->regs[reg] & ~0xffffULL) | (val & 0xffff);
	else if (addr_bytes == 4)
		xv->regs[reg] = (u32)val;
	else
		xv->regs[reg] = val;
}

/* Linear address of element @i of the current string batch. */
static u64 element_la(struct kvmx_x86_vcpu *xv, unsigned int i)
{
	const struct kvmx_pio *p = &xv->pio;
	int reg = p->in ? KVMX_RDI : KVMX_RSI;
	s64 step = (kvmx_x86->get_rflags(xv) & X86_EFLAGS_DF) ? -p->size : p->size;
	u64 off = (xv->regs[reg] + i * step) & addr_mask(p->addr_bytes);
	u64 la = off;

	/* In 64-bit mode only FS and GS have a base. */
	if (!(xv->efer & EFER_LMA) || p->seg == KVMX_SREG_FS ||
	    p->seg == KVMX_SREG_GS || p->addr_bytes != 8)
		la += kvmx_x86->get_segment_base(xv, p->seg);
	if (p->addr_bytes != 8)
		la = (u32)la;
	return la;
}

/*
 * Copy element @i of the PIO page to or from the guest memory of element
 * @elem of the string (counted from the current RSI/RDI).
 */
static int copy_element(struct kvmx_x86_vcpu *xv, unsigned int i,
			unsigned int elem, bool to_guest)
{
	u8 *data = xv->vcpu->pio_data + i * xv->pio.size;
	u64 la = element_la(xv, elem);
	unsigned int done = 0;

	/* An element may straddle two pages: translate each part. */
	while (done < xv->pio.size) {
		unsigned int n = min_t(unsigned int, xv->pio.size - done,
				       PAGE_SIZE - offset_in_page(la + done));
		u64 gpa;

		if (kvmx_translate_data(xv, la + done, to_guest, &gpa))
			return 1;
		if (to_guest ? kvmx_write_guest(xv->vcpu->vm, gpa, data + done, n)
			     : kvmx_read_guest(xv->vcpu->vm, gpa, data + done, n))
			return -EFAULT;
		done += n;
	}
	return 0;
}

/* Check that element @i can be written, without writing it. */
static int probe_element(struct kvmx_x86_vcpu *xv, unsigned int i)
{
	u64 la = element_la(xv, i), gpa;

	if (kvmx_translate_data(xv, la, true, &gpa))
		return 1;
	return kvmx_translate_data(xv, la + xv->pio.size - 1, true, &gpa);
}

static int string_io(struct kvmx_x86_vcpu *xv)
{
	struct kvmx_pio *p = &xv->pio;
	struct kvm_run *run = xv->vcpu->run;
	u64 count = 1, cr2 = kvmx_x86->get_cr(xv, 2);
	unsigned int i, n;
	int r;

	if (p->rep) {
		count = xv->regs[KVMX_RCX] & addr_mask(p->addr_bytes);
		/* Intel writes ECX even so (see string_zero_count()). */
		if (!count && p->addr_bytes == 4 &&
		    xv->emul_vendor == KVMX_EMUL_VENDOR_INTEL)
			xv->regs[KVMX_RCX] = 0;
		if (!count)
			return kvmx_skip_insn(xv);
	}
	n = min_t(u64, count, PAGE_SIZE / p->size);
	for (i = 0; i < n; i++) {
		r = p->in ? probe_element(xv, i) : copy_element(xv, i, i, false);
		if (r < 0)
			return r;
		if (r) {
			if (!i)
				return 1;	/* the fault is queued */
			/* Do the part before the fault; the rest faults next time. */
			xv->exception.pending = false;
			kvmx_x86->set_cr(xv, 2, cr2);
			break;
		}
	}
	p->count = i;
	run->exit_reason = KVM_EXIT_IO;
	run->io.direction = p->in ? KVM_EXIT_IO_IN : KVM_EXIT_IO_OUT;
	run->io.size = p->size;
	run->io.port = p->port;
	run->io.count = p->count;
	run->io.data_offset = KVM_PIO_PAGE_OFFSET * PAGE_SIZE;
	xv->pending_io = KVMX_IO_PIO_STRING;
	return 0;
}

int kvmx_handle_io(struct kvmx_x86_vcpu *xv, const struct kvmx_pio *pio)
{
	struct kvm_run *run = xv->vcpu->run;
	u32 val = xv->regs[KVMX_RAX];
	int r;

	xv->pio = *pio;
	if (pio->string) {
		struct kvmx_insn insn;

		/*
		 * Address size and segment come from the instruction itself:
		 * emulators disagree on how they report them in exit
		 * information, and kvm decodes the instruction too.
		 */
		if (kvmx_decode_at_rip(xv, &insn))
			return kvmx_internal_error(xv, KVM_INTERNAL_ERROR_EMULATION);
		xv->pio.addr_bytes = insn.addr_bytes;
		/* INS stores through ES; OUTS reads DS or the override. */
		if (pio->in)
			xv->pio.seg = KVMX_SREG_ES;
		else if (insn.seg_override >= 0)
			xv->pio.seg = insn.seg_override;	/* same numbering */
		else
			xv->pio.seg = KVMX_SREG_DS;
		return string_io(xv);
	}
	/* In-kernel devices (PIC, PIT, ioeventfd) complete without an exit. */
	if (kvmx_irqchip_pio(xv, pio->port, pio->size, pio->in, &val)) {
		if (!pio->in)
			return kvmx_skip_insn(xv);
		memcpy(xv->vcpu->pio_data, &val, pio->size);
		return kvmx_complete_pio_in(xv);
	}

	if (!pio->in && kvmx_coalesced_write(xv->vcpu->vm, pio->port, pio->size,
					     &val, true))
		return kvmx_skip_insn(xv);

	run->exit_reason = KVM_EXIT_IO;
	run->io.direction = pio->in ? KVM_EXIT_IO_IN : KVM_EXIT_IO_OUT;
	run->io.size = pio->size;
	run->io.port = pio->port;
	run->io.count = 1;
	run->io.data_offset = KVM_PIO_PAGE_OFFSET * PAGE_SIZE;
	if (!pio->in)
		memcpy(xv->vcpu->pio_data, &xv->regs[KVMX_RAX], pio->size);
	xv->pending_io = pio->in ? KVMX_IO_PIO_IN : KVMX_IO_PIO_OUT;
	/* Old userspace expects RIP past an OUT to 0x7e (x86/quirks.c). */
	if (!pio->in && kvmx_quirk_out_7e(xv, pio->port)) {
		xv->pending_io = KVMX_IO_NONE;
		r = kvmx_skip_insn(xv);
		return r <= 0 ? r : KVMX_EXIT_USER;
	}
	return 0;
}

/* KVM_RUN after an IN: merge the data into RAX and skip the instruction. */
int kvmx_complete_pio_in(struct kvmx_x86_vcpu *xv)
{
	u64 val = 0;

	memcpy(&val, xv->vcpu->pio_data, xv->pio.size);
	if (xv->pio.size == 4)		/* 32-bit results zero-extend */
		xv->regs[KVMX_RAX] = (u32)val;
	else if (xv->pio.size == 2)
		xv->regs[KVMX_RAX] = (xv->regs[KVMX_RAX] & ~0xffffULL) | (u16)val;
	else
		xv->regs[KVMX_RAX] = (xv->regs[KVMX_RAX] & ~0xffULL) | (u8)val;
	return kvmx_skip_insn(xv);
}

/*
 * KVM_RUN after a string batch: store INS data and advance the registers
 * an element at a time, following RCX as it is now: userspace may have
 * changed it during the exit (kvm follows it the same way).
 */
int kvmx_complete_pio_string(struct kvmx_x86_vcpu *xv)
{
	struct kvmx_pio *p = &xv->pio;
	int reg = p->in ? KVMX_RDI : KVMX_RSI;
	s64 step = (kvmx_x86->get_rflags(xv) & X86_EFLAGS_DF) ? -p->size : p->size;
	u64 mask = addr_mask(p->addr_bytes);
	unsigned int i;
	int r;

	for (i = 0; i < p->count; i++) {
		if (p->rep && !(xv->regs[KVMX_RCX] & mask))
			break;
		if (p->in) {
			r = copy_element(xv, i, 0, true);
			if (r)
				return r < 0 ? r : 1;
		}
		set_addr_reg(xv, reg, xv->regs[reg] + step, p->addr_bytes);
		if (p->rep)
			set_addr_reg(xv, KVMX_RCX, xv->regs[KVMX_RCX] - 1,
				     p->addr_bytes);
	}
	if (p->rep && (xv->regs[KVMX_RCX] & mask))
		return 1;	/* re-execute for the next batch */
	return kvmx_skip_insn(xv);
}
