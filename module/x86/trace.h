/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kvmx's tracepoints, trace system "kvmx" (tracefs events/kvmx/).
 *
 * kvmx_entry and kvmx_exit have the fields of kvm's kvm_entry and kvm_exit,
 * in the same order and with the same types, so tools written for those
 * need only the system and event names changed.  Defined once, in
 * x86/trace.c (CREATE_TRACE_POINTS); callers use the kvmx_trace_*() and
 * kvmx_stat_*() functions of kvmx_stats.h, not these directly.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM kvmx

#if !defined(KVMX_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define KVMX_TRACE_H

#include <linux/tracepoint.h>
#include <asm/svm.h>
#include <asm/vmx.h>

#include "kvmx_stats.h"

TRACE_EVENT(kvmx_entry,
	    TP_PROTO(unsigned int vcpu_id, unsigned long rip,
		     bool immediate_exit),
	    TP_ARGS(vcpu_id, rip, immediate_exit),
	    TP_STRUCT__entry(__field(unsigned int, vcpu_id)
			     __field(unsigned long, rip)
			     __field(bool, immediate_exit)),
	    TP_fast_assign(__entry->vcpu_id = vcpu_id;
			   __entry->rip = rip;
			   __entry->immediate_exit = immediate_exit;),
	    TP_printk("vcpu %u, rip 0x%lx%s", __entry->vcpu_id, __entry->rip,
		      __entry->immediate_exit ? "[immediate exit]" : "")
);

/*
 * The reason is printed by name from the kernel's uapi lists, chosen by the
 * recorded isa, inline in the format as kvm's: perf and trace-cmd evaluate
 * the format file themselves and cannot call into the module.
 */
TRACE_EVENT(kvmx_exit,
	    TP_PROTO(unsigned int vcpu_id, unsigned long rip, u32 isa,
		     u32 reason, u64 info1, u64 info2, u32 intr_info,
		     u32 error_code),
	    TP_ARGS(vcpu_id, rip, isa, reason, info1, info2, intr_info,
		    error_code),
	    TP_STRUCT__entry(__field(unsigned int, exit_reason)
			     __field(unsigned long, guest_rip)
			     __field(u32, isa)
			     __field(u64, info1)
			     __field(u64, info2)
			     __field(u32, intr_info)
			     __field(u32, error_code)
			     __field(unsigned int, vcpu_id)),
	    TP_fast_assign(__entry->exit_reason = reason;
			   __entry->guest_rip = rip;
			   __entry->isa = isa;
			   __entry->info1 = info1;
			   __entry->info2 = info2;
			   __entry->intr_info = intr_info;
			   __entry->error_code = error_code;
			   __entry->vcpu_id = vcpu_id;),
	    TP_printk("vcpu %u reason %s rip 0x%lx info1 0x%016llx info2 0x%016llx intr_info 0x%08x error_code 0x%08x",
		      __entry->vcpu_id,
		      __entry->isa == KVMX_ISA_VMX ?
		      __print_symbolic(__entry->exit_reason & 0xffff,
				       VMX_EXIT_REASONS) :
		      __print_symbolic(__entry->exit_reason, SVM_EXIT_REASONS),
		      __entry->guest_rip, __entry->info1, __entry->info2,
		      __entry->intr_info, __entry->error_code)
);

/* An event put into a VM entry (type: enum kvmx_event_type). */
TRACE_EVENT(kvmx_inject,
	    TP_PROTO(unsigned int vcpu_id, unsigned int type,
		     unsigned int vector, bool has_error, u32 error_code),
	    TP_ARGS(vcpu_id, type, vector, has_error, error_code),
	    TP_STRUCT__entry(__field(unsigned int, vcpu_id)
			     __field(unsigned int, type)
			     __field(unsigned int, vector)
			     __field(bool, has_error)
			     __field(u32, error_code)),
	    TP_fast_assign(__entry->vcpu_id = vcpu_id;
			   __entry->type = type;
			   __entry->vector = vector;
			   __entry->has_error = has_error;
			   __entry->error_code = error_code;),
	    TP_printk("vcpu %u %s vector %u%s 0x%x", __entry->vcpu_id,
		      __print_symbolic(__entry->type, { 0, "exception" },
				       { 1, "nmi" }, { 2, "irq" }),
		      __entry->vector,
		      __entry->has_error ? " error_code" : "",
		      __entry->error_code)
);

/* A port I/O exit to userspace (val: first element of an OUT). */
TRACE_EVENT(kvmx_pio,
	    TP_PROTO(unsigned int vcpu_id, bool in, unsigned int port,
		     unsigned int size, unsigned int count, u32 val),
	    TP_ARGS(vcpu_id, in, port, size, count, val),
	    TP_STRUCT__entry(__field(unsigned int, vcpu_id)
			     __field(bool, in)
			     __field(unsigned int, port)
			     __field(unsigned int, size)
			     __field(unsigned int, count)
			     __field(u32, val)),
	    TP_fast_assign(__entry->vcpu_id = vcpu_id;
			   __entry->in = in;
			   __entry->port = port;
			   __entry->size = size;
			   __entry->count = count;
			   __entry->val = val;),
	    TP_printk("vcpu %u pio_%s at 0x%x size %u count %u val 0x%x",
		      __entry->vcpu_id, __entry->in ? "read" : "write",
		      __entry->port, __entry->size, __entry->count,
		      __entry->val)
);

/* An MMIO exit to userspace (val: the data of a write). */
TRACE_EVENT(kvmx_mmio,
	    TP_PROTO(unsigned int vcpu_id, bool write, unsigned int len,
		     u64 gpa, u64 val),
	    TP_ARGS(vcpu_id, write, len, gpa, val),
	    TP_STRUCT__entry(__field(unsigned int, vcpu_id)
			     __field(bool, write)
			     __field(unsigned int, len)
			     __field(u64, gpa)
			     __field(u64, val)),
	    TP_fast_assign(__entry->vcpu_id = vcpu_id;
			   __entry->write = write;
			   __entry->len = len;
			   __entry->gpa = gpa;
			   __entry->val = val;),
	    TP_printk("vcpu %u mmio %s len %u gpa 0x%llx val 0x%llx",
		      __entry->vcpu_id, __entry->write ? "write" : "read",
		      __entry->len, __entry->gpa, __entry->val)
);

/* A TDP (NPT/EPT) fault: gpa, and the vendor's fault qualification. */
TRACE_EVENT(kvmx_page_fault,
	    TP_PROTO(unsigned int vcpu_id, u64 gpa, u64 error_code),
	    TP_ARGS(vcpu_id, gpa, error_code),
	    TP_STRUCT__entry(__field(unsigned int, vcpu_id)
			     __field(u64, gpa)
			     __field(u64, error_code)),
	    TP_fast_assign(__entry->vcpu_id = vcpu_id;
			   __entry->gpa = gpa;
			   __entry->error_code = error_code;),
	    TP_printk("vcpu %u gpa 0x%llx error_code 0x%llx",
		      __entry->vcpu_id, __entry->gpa, __entry->error_code)
);

#endif /* KVMX_TRACE_H */

/* This part must be outside the include guard. */
#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE trace
#include <trace/define_trace.h>
