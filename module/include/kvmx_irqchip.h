/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The in-kernel interrupt controllers (KVM_CREATE_IRQCHIP: PIC, IOAPIC,
 * local APICs; KVM_CREATE_PIT2), the in-kernel I/O bus (ioeventfd) and
 * irqfd, as the rest of x86/ sees them.
 *
 * Locking (Documentation/irqchip.rst): one spinlock per VM,
 * kvmx_irqchip.lock, taken with interrupts disabled, guards the PIC, the
 * IOAPIC, the routing table, the PIT and every local APIC's registers.  It
 * nests inside kvmx_vcpu.mutex and is a leaf but for wake-ups and IPIs.
 * Never cancel an hrtimer while holding it (the callbacks take it).
 */
#ifndef KVMX_IRQCHIP_H
#define KVMX_IRQCHIP_H

#include <linux/bitmap.h>
#include <linux/hrtimer.h>
#include <linux/list.h>
#include <linux/wait.h>
#include <linux/workqueue.h>

#include "kvmx_host.h"

struct kvmx_x86_vcpu;
struct kvmx_pio;

/*
 * Whether @vm has local APICs in the kernel: KVM_CREATE_IRQCHIP or
 * KVM_CAP_SPLIT_IRQCHIP succeeded.
 */
bool kvmx_irqchip_in_kernel(struct kvmx_vm *vm);
/* The PIC and IOAPIC are in the kernel too (KVM_CREATE_IRQCHIP, not split). */
bool kvmx_irqchip_full(struct kvmx_vm *vm);
/* KVM_ENABLE_CAP(KVM_CAP_SPLIT_IRQCHIP): LAPICs in the kernel only. */
long kvmx_irqchip_enable_split(struct kvmx_vm *vm, u64 nr_ioapic_routes);
/*
 * KVM_INTERRUPT with the irqchip in the kernel: -ENXIO unless split, where
 * it is the userspace PIC's ExtINT, delivered once LINT0 accepts it.
 */
long kvmx_irqchip_interrupt(struct kvmx_x86_vcpu *xv, u32 vector);
/* Could userspace's PIC deliver through LINT0 now (no ExtINT waiting)? */
bool kvmx_irqchip_accepts_user_intr(struct kvmx_x86_vcpu *xv);
/*
 * The vector the local APIC (or the PIC through LINT0) would deliver to
 * this vCPU now, or -1.  Cheap; called with interrupts disabled.
 */
int kvmx_irqchip_pending_vector(struct kvmx_x86_vcpu *xv);
/* Acknowledge and return the vector being injected (IRR -> ISR), or -1. */
int kvmx_irqchip_ack_vector(struct kvmx_x86_vcpu *xv);

/* Hooks called from the rest of x86/ (one call each). */
long kvmx_irqchip_check_extension(long ext);
long kvmx_irqchip_vm_ioctl(struct kvmx_vm *vm, unsigned int ioctl,
			   unsigned long arg);
/* vCPU ioctls the irqchip owns, or -ENOTTY. */
long kvmx_irqchip_vcpu_ioctl(struct kvmx_x86_vcpu *xv, unsigned int ioctl,
			     void __user *argp);
int kvmx_irqchip_vm_init(struct kvmx_vm *vm);
int kvmx_irqchip_vcpu_create(struct kvmx_x86_vcpu *xv);
void kvmx_irqchip_vcpu_destroy(struct kvmx_x86_vcpu *xv);
void kvmx_irqchip_vm_destroy(struct kvmx_vm *vm);
/*
 * In the KVM_RUN loop before each entry: sleeps while the vCPU is halted or
 * waiting for INIT/SIPI.  1 = enter the guest, 0 / -errno = leave KVM_RUN
 * (kvm_run filled).
 */
int kvmx_irqchip_before_entry(struct kvmx_x86_vcpu *xv);
/* HLT with the irqchip in kernel: halt the vCPU (exit contract: 1). */
int kvmx_irqchip_halt(struct kvmx_x86_vcpu *xv);
/*
 * Port I/O and MMIO served in the kernel (PIC, ELCR, PIT, speaker port,
 * IOAPIC, the local APIC page, ioeventfds).  True if handled; for reads
 * *@val / @buf holds the data.
 */
bool kvmx_irqchip_pio(struct kvmx_x86_vcpu *xv, u16 port, u8 size, bool in,
		      u32 *val);
bool kvmx_irqchip_mmio(struct kvmx_x86_vcpu *xv, u64 gpa, void *buf,
		       unsigned int len, bool write);
/* MSRs of the local APIC (x2APIC range, TSC deadline); -ENOENT if not one. */
int kvmx_irqchip_get_msr(struct kvmx_x86_vcpu *xv, u32 index, u64 *data);
int kvmx_irqchip_set_msr(struct kvmx_x86_vcpu *xv, u32 index, u64 data);
/* IA32_APIC_BASE changed (ID/LDR of x2APIC mode, relocation). */
void kvmx_irqchip_apic_base_changed(struct kvmx_x86_vcpu *xv);

/* ---- Internal to the irqchip files (irqchip.c, lapic.c, pic.c, ...) ---- */

#define KVMX_NR_IOAPIC_PINS	24
#define KVMX_NR_GSIS		1024	/* routable GSIs (KVM_CAP_IRQ_ROUTING) */
#define KVMX_MAX_ROUTES		4096
#define KVMX_IOAPIC_BASE	0xfec00000ULL
#define KVMX_IOAPIC_SIZE	0x100

/**
 * struct kvmx_pic - one 8259A
 * @s:           the state as KVM_GET/SET_IRQCHIP carries it; last_irr holds
 *               the input line levels (edge detection)
 * @single_mode: ICW1 SNGL (no ICW3 follows); not part of the uapi state
 */
struct kvmx_pic {
	struct kvm_pic_state s;
	bool single_mode;
};

/**
 * struct kvmx_pit_channel - one 8254 counter
 * @s:      uapi state (count, latches, modes, gate, count_load_time in ns
 *          of ktime_get())
 */
struct kvmx_pit_channel {
	struct kvm_pit_channel_state s;
};

/**
 * struct kvmx_pit - the 8254 (KVM_CREATE_PIT2)
 * @ch:        the three counters
 * @timer:     fires channel 0's IRQ 0 edges (modes 0, 2, 3)
 * @period_ns: channel 0 period while periodic (modes 2, 3), else 0
 * @speaker:   port 0x61 bits 0-1 (channel 2 gate, speaker data)
 * @flags:     kvm_pit_state2.flags (KVM_PIT_FLAGS_HPET_LEGACY)
 * @vm:        the owning VM
 * @mutex:     serialises this PIT's guest PIO and its KVM_GET/SET_PIT(2)
 *             ioctls, so that @timer is cancelled and restarted outside
 *             chip->lock; taken inside kvmx_vcpu.mutex, outside chip->lock
 *
 * @ch, @period_ns, @speaker and @flags are under chip->lock as well.
 */
struct kvmx_pit {
	struct kvmx_vm *vm;
	struct mutex mutex;	/* see above */
	struct kvmx_pit_channel ch[3];
	struct hrtimer timer;
	u64 period_ns;
	u8 speaker;
	u32 flags;
};

/* One route of a GSI (KVM_SET_GSI_ROUTING entry we understand). */
struct kvmx_route {
	u32 gsi;
	u32 type;		/* KVM_IRQ_ROUTING_IRQCHIP or _MSI */
	union {
		struct { u32 chip, pin; } irqchip;
		struct { u32 addr_lo, addr_hi, data; } msi;
	};
};

/**
 * struct kvmx_irqchip - per-VM in-kernel interrupt controllers
 * @lock:       see the top of this file
 * @created:    KVM_CREATE_IRQCHIP or KVM_CAP_SPLIT_IRQCHIP succeeded (set
 *              once, under vm->lock, before any vCPU exists; read with
 *              smp_load_acquire())
 * @split:      KVM_CAP_SPLIT_IRQCHIP: no PIC, IOAPIC or default routes in
 *              the kernel (set before @created)
 * @nr_ioapic_routes: split: GSIs below this are the userspace IOAPIC's
 *              pins; a level MSI route there makes the EOI of its vector
 *              exit with KVM_EXIT_IOAPIC_EOI
 * @dying:      set when the first vCPU is destroyed: deliveries are dropped
 * @pic:        master [0] and slave [1]
 * @ioapic:     the IOAPIC's registers in uapi form (irr: pins pending)
 * @ioapic_lines: input line levels of the IOAPIC pins
 * @routes:     the GSI routing table, @nr_routes entries (kvmalloc'd)
 * @pit:        NULL until KVM_CREATE_PIT2
 * @irqfds:     struct kvmx_irqfd list (@lock)
 * @resamplers: struct kvmx_resampler list, one per GSI with resampling
 *              irqfds (read under @lock; changed under @resampler_mutex
 *              and @lock)
 * @resampler_mutex: serialises resampling irqfd (de)assignment and the
 *              resamplefd signalling of @resample_work
 * @resample_work: signals the resamplefds of acknowledged resamplers
 *              (eventfds are not signalled under @lock: their wait-queue
 *              lock nests outside it)
 * @ioeventfds: struct kvmx_ioeventfd list (RCU readers, @ioeventfd_mutex)
 * @boot_cpu_id: KVM_SET_BOOT_CPU_ID (default 0)
 * @user_level: GSI levels driven by KVM_IRQ_LINE, irqfds and the PIT (@lock)
 * @resample_level: GSI levels held by resampling irqfds until the guest
 *              acknowledges the interrupt (@lock); a line is the OR of both
 * @vm:         the owning VM
 */
struct kvmx_irqchip {
	spinlock_t lock;	/* the controllers, see the top of this file */
	struct kvmx_vm *vm;
	bool created;
	bool split;
	u32 nr_ioapic_routes;
	bool dying;
	struct kvmx_pic pic[2];
	struct kvm_ioapic_state ioapic;
	u32 ioapic_lines;
	struct kvmx_route *routes;
	u32 nr_routes;
	struct kvmx_pit *pit;
	struct list_head irqfds;
	struct list_head resamplers;
	struct mutex resampler_mutex;	/* see above */
	struct work_struct resample_work;
	struct list_head ioeventfds;
	struct mutex ioeventfd_mutex;	/* writers of @ioeventfds */
	u32 boot_cpu_id;
	DECLARE_BITMAP(user_level, KVMX_NR_GSIS);
	DECLARE_BITMAP(resample_level, KVMX_NR_GSIS);
};

/**
 * struct kvmx_lapic - one vCPU's local APIC
 * @xv:        the vCPU
 * @regs:      the 1 KiB register page in xAPIC layout (KVM_GET_LAPIC form);
 *             chip->lock
 * @timer:     the APIC timer (one-shot, periodic, TSC deadline)
 * @timer_period_ns: period while periodic; @tsc_deadline: IA32_TSC_DEADLINE
 * @timer_start: when the current count was loaded (ktime ns)
 * @timer_ns:  length of one full count
 * @nmi_requests: NMIs sent by other vCPUs, taken over by the owner
 * @init_pending, @sipi_pending, @sipi_vector: INIT / SIPI received
 * @ext_vector: split irqchip: the ExtINT vector KVM_INTERRUPT gave, or -1
 *             (owner)
 * @eoi_exit, @eoi_exit_vector: split irqchip: the guest EOI'd a level
 *             vector of the userspace IOAPIC; KVM_RUN exits with
 *             KVM_EXIT_IOAPIC_EOI before the next entry (owner)
 * @task:      the thread that last ran KVM_RUN on this vCPU (referenced),
 *             to kick it; chip->lock
 * @wq:        the halted / waiting-for-SIPI vCPU sleeps here
 * @vapic_addr: KVM_SET_VAPIC_ADDR's guest-physical TPR mirror, 0: none
 *             (owner)
 * Registers are read and written under chip->lock; the timer and
 * @tsc_deadline are programmed only by the owner (vcpu->mutex held).
 */
struct kvmx_lapic {
	struct kvmx_x86_vcpu *xv;
	u8 regs[KVM_APIC_REG_SIZE];
	struct hrtimer timer;
	u64 timer_period_ns;
	u64 tsc_deadline;
	s64 timer_start;
	u64 timer_ns;
	atomic_t nmi_requests;
	bool init_pending;
	bool sipi_pending;
	u8 sipi_vector;
	int ext_vector;
	bool eoi_exit;
	u8 eoi_exit_vector;
	struct task_struct *task;
	wait_queue_head_t wq;
	u64 vapic_addr;
};

struct kvmx_irqchip *kvmx_irqchip_get(struct kvmx_vm *vm);

/* lapic.c */
int kvmx_lapic_create(struct kvmx_x86_vcpu *xv);
void kvmx_lapic_free(struct kvmx_x86_vcpu *xv);
void kvmx_lapic_reset(struct kvmx_lapic *apic, bool bsp);
/* Deliver an interrupt message (IOAPIC, MSI, IPI); chip->lock held. */
struct kvmx_apic_irq {
	u32 dest;
	u8 vector;
	u8 delivery_mode;	/* APIC_DM_* >> 8 */
	bool logical;
	bool level;		/* trigger mode: level */
	u8 shorthand;		/* APIC_DEST_* >> 18 */
};

int kvmx_lapic_deliver(struct kvmx_vm *vm, struct kvmx_lapic *src,
		       const struct kvmx_apic_irq *irq);
void kvmx_lapic_kick(struct kvmx_lapic *apic);
long kvmx_lapic_set_vapic_addr(struct kvmx_x86_vcpu *xv,
			       struct kvm_vapic_addr __user *u);
void kvmx_lapic_sync_to_vapic(struct kvmx_x86_vcpu *xv);
void kvmx_lapic_sync_from_vapic(struct kvmx_x86_vcpu *xv);
/* Raise the interrupt a local vector table entry (APIC_LVT*) describes. */
void kvmx_lapic_local_deliver(struct kvmx_lapic *apic, u32 lvt);
bool kvmx_lapic_accepts_pic(struct kvmx_lapic *apic);
/* An ExtINT waits for LINT0: the PIC's output, or split's KVM_INTERRUPT. */
bool kvmx_lapic_extint_pending(struct kvmx_lapic *apic);
int kvmx_lapic_mmio(struct kvmx_x86_vcpu *xv, u64 gpa, void *buf,
		    unsigned int len, bool write);
int kvmx_lapic_get_msr(struct kvmx_x86_vcpu *xv, u32 index, u64 *data);
int kvmx_lapic_set_msr(struct kvmx_x86_vcpu *xv, u32 index, u64 data);
long kvmx_lapic_get_state(struct kvmx_x86_vcpu *xv, void __user *u);
long kvmx_lapic_set_state(struct kvmx_x86_vcpu *xv, void __user *u);
int kvmx_lapic_pending_vector(struct kvmx_lapic *apic);
void kvmx_lapic_ack(struct kvmx_lapic *apic, int vector);
bool kvmx_lapic_has_wake_event(struct kvmx_x86_vcpu *xv);
void kvmx_lapic_base_changed(struct kvmx_x86_vcpu *xv);
/* For the PV interface (x86/pv.c). */
struct kvmx_x86_vcpu *kvmx_lapic_vcpu_by_id(struct kvmx_vm *vm, u32 id,
					    bool unhalt);
int kvmx_lapic_send_to_id(struct kvmx_vm *vm, u32 id,
			  const struct kvmx_apic_irq *irq);
struct task_struct *kvmx_lapic_get_task(struct kvmx_lapic *apic);
int kvmx_lapic_pv_eoi_vector(struct kvmx_lapic *apic);
void kvmx_lapic_pv_eoi(struct kvmx_lapic *apic);

/* pic.c (chip->lock held) */
void kvmx_pic_reset(struct kvmx_irqchip *chip);
int kvmx_pic_set_irq(struct kvmx_vm *vm, u32 pin, int level);
bool kvmx_pic_output(struct kvmx_irqchip *chip);
int kvmx_pic_intack(struct kvmx_irqchip *chip);
bool kvmx_pic_pio(struct kvmx_vm *vm, u16 port, bool in, u32 *val);
void kvmx_pic_update(struct kvmx_vm *vm);

/* ioapic.c (chip->lock held) */
void kvmx_ioapic_reset(struct kvmx_irqchip *chip);
int kvmx_ioapic_set_irq(struct kvmx_vm *vm, u32 pin, int level);
void kvmx_ioapic_eoi(struct kvmx_vm *vm, u8 vector);
void kvmx_ioapic_mmio(struct kvmx_vm *vm, u64 offset, u32 *val, bool write);
void kvmx_ioapic_state_set(struct kvmx_vm *vm);

/* pit.c */
long kvmx_pit_create(struct kvmx_vm *vm, void __user *u);
void kvmx_pit_destroy(struct kvmx_vm *vm);
long kvmx_pit_get_state(struct kvmx_vm *vm, void __user *u, bool v2);
long kvmx_pit_set_state(struct kvmx_vm *vm, void __user *u, bool v2);
bool kvmx_pit_pio(struct kvmx_vm *vm, u16 port, bool in, u32 *val);

/*
 * irqchip.c, chip->lock held: raise or lower a GSI through the routing
 * table, as the user source (KVM_IRQ_LINE, irqfds, the PIT) or as the
 * resampling irqfds' source; the line follows the OR of the two.
 */
int kvmx_irqchip_set_gsi(struct kvmx_vm *vm, u32 gsi, int level);
int kvmx_irqchip_set_gsi_resample(struct kvmx_vm *vm, u32 gsi, int level);
/*
 * chip->lock held: the guest acknowledged (EOI) the interrupt of input
 * @pin of irqchip @chip_id (KVM_IRQCHIP_*): resampling irqfds on the GSIs
 * routed there release their line and are signalled.
 */
void kvmx_irqchip_pin_acked(struct kvmx_irqchip *chip, u32 chip_id, u32 pin);
int kvmx_irqchip_msi(struct kvmx_vm *vm, u32 addr_lo, u32 addr_hi, u32 data);

/* eventfd.c */
long kvmx_irqfd_ioctl(struct kvmx_vm *vm, void __user *u);
long kvmx_ioeventfd_ioctl(struct kvmx_vm *vm, void __user *u);
bool kvmx_ioeventfd_write(struct kvmx_vm *vm, bool pio, u64 addr,
			  unsigned int len, const void *val);
void kvmx_eventfd_destroy(struct kvmx_vm *vm);
void kvmx_eventfd_init(struct kvmx_irqchip *chip);
/* chip->lock held: GSI @gsi was acknowledged; release its resampler. */
void kvmx_irqfd_resample_ack(struct kvmx_irqchip *chip, u32 gsi);

#endif
