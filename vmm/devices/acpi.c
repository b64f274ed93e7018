// SPDX-License-Identifier: GPL-2.0
/*
 * ACPI tables and PM1a registers.  Layouts follow the ACPI specification
 * (6.x), chapter "ACPI Software Programming Model"; AML encodings follow its
 * chapter "ACPI Source Language (ASL) Reference"/"AML Specification".
 */
#include <assert.h>
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "acpi.h"
#include "util.h"

#define ACPI_OEM_ID		"KVMX  "
#define ACPI_OEM_TABLE_ID	"KVMXVMM "
#define ACPI_CREATOR_ID		"KVMX"
#define ACPI_TABLE_ALIGN	16
#define ACPI_FACS_ALIGN		64

struct acpi_header {
	char signature[4];
	uint32_t length;
	uint8_t revision;
	uint8_t checksum;
	char oem_id[6];
	char oem_table_id[8];
	uint32_t oem_revision;
	char creator_id[4];
	uint32_t creator_revision;
} __attribute__((packed));
static_assert(sizeof(struct acpi_header) == 36, "ACPI table header");

struct acpi_rsdp {
	char signature[8];
	uint8_t checksum;		/* of the first 20 bytes */
	char oem_id[6];
	uint8_t revision;		/* 2: ACPI 2.0+, has an XSDT */
	uint32_t rsdt_address;
	uint32_t length;
	uint64_t xsdt_address;
	uint8_t extended_checksum;	/* of all 36 bytes */
	uint8_t reserved[3];
} __attribute__((packed));
static_assert(sizeof(struct acpi_rsdp) == 36, "RSDP");

/* Generic Address Structure. */
struct acpi_gas {
	uint8_t space_id;
	uint8_t bit_width;
	uint8_t bit_offset;
	uint8_t access_size;
	uint64_t address;
} __attribute__((packed));
static_assert(sizeof(struct acpi_gas) == 12, "GAS");

#define ACPI_GAS_SYSTEM_IO	1
#define ACPI_ACCESS_BYTE	1
#define ACPI_ACCESS_WORD	2
#define ACPI_ACCESS_DWORD	3

struct acpi_fadt {
	struct acpi_header header;
	uint32_t firmware_ctrl;
	uint32_t dsdt;
	uint8_t reserved0;
	uint8_t preferred_pm_profile;
	uint16_t sci_int;
	uint32_t smi_cmd;
	uint8_t acpi_enable;
	uint8_t acpi_disable;
	uint8_t s4bios_req;
	uint8_t pstate_cnt;
	uint32_t pm1a_evt_blk;
	uint32_t pm1b_evt_blk;
	uint32_t pm1a_cnt_blk;
	uint32_t pm1b_cnt_blk;
	uint32_t pm2_cnt_blk;
	uint32_t pm_tmr_blk;
	uint32_t gpe0_blk;
	uint32_t gpe1_blk;
	uint8_t pm1_evt_len;
	uint8_t pm1_cnt_len;
	uint8_t pm2_cnt_len;
	uint8_t pm_tmr_len;
	uint8_t gpe0_blk_len;
	uint8_t gpe1_blk_len;
	uint8_t gpe1_base;
	uint8_t cst_cnt;
	uint16_t p_lvl2_lat;
	uint16_t p_lvl3_lat;
	uint16_t flush_size;
	uint16_t flush_stride;
	uint8_t duty_offset;
	uint8_t duty_width;
	uint8_t day_alrm;
	uint8_t mon_alrm;
	uint8_t century;
	uint16_t iapc_boot_arch;
	uint8_t reserved1;
	uint32_t flags;
	struct acpi_gas reset_reg;
	uint8_t reset_value;
	uint16_t arm_boot_arch;
	uint8_t minor_version;
	uint64_t x_firmware_ctrl;
	uint64_t x_dsdt;
	struct acpi_gas x_pm1a_evt_blk;
	struct acpi_gas x_pm1b_evt_blk;
	struct acpi_gas x_pm1a_cnt_blk;
	struct acpi_gas x_pm1b_cnt_blk;
	struct acpi_gas x_pm2_cnt_blk;
	struct acpi_gas x_pm_tmr_blk;
	struct acpi_gas x_gpe0_blk;
	struct acpi_gas x_gpe1_blk;
	struct acpi_gas sleep_control_reg;
	struct acpi_gas sleep_status_reg;
	uint64_t hypervisor_vendor_id;
} __attribute__((packed));
static_assert(offsetof(struct acpi_fadt, flags) == 112, "FADT flags");
static_assert(offsetof(struct acpi_fadt, x_dsdt) == 140, "FADT X_DSDT");
static_assert(sizeof(struct acpi_fadt) == 276, "FADT revision 6");

#define FADT_REVISION		6
#define FADT_MINOR_VERSION	0
#define FADT_F_WBINVD		(1u << 0)
#define FADT_F_PWR_BUTTON	(1u << 4)	/* no fixed power button */
#define FADT_F_SLP_BUTTON	(1u << 5)	/* no fixed sleep button */
#define FADT_F_RESET_REG_SUP	(1u << 10)
#define FADT_BOOT_LEGACY_DEVICES (1u << 0)
#define FADT_BOOT_8042		(1u << 1)
#define FADT_BOOT_NO_VGA	(1u << 2)
#define FADT_PM1_EVT_LEN	4
#define FADT_PM1_CNT_LEN	2

struct acpi_facs {
	char signature[4];
	uint32_t length;
	uint32_t hardware_signature;
	uint32_t firmware_waking_vector;
	uint32_t global_lock;
	uint32_t flags;
	uint64_t x_firmware_waking_vector;
	uint8_t version;
	uint8_t reserved0[3];
	uint32_t ospm_flags;
	uint8_t reserved1[24];
} __attribute__((packed));
static_assert(sizeof(struct acpi_facs) == 64, "FACS");

struct acpi_madt {
	struct acpi_header header;
	uint32_t lapic_address;
	uint32_t flags;
} __attribute__((packed));

#define MADT_PCAT_COMPAT	(1u << 0)
#define MADT_TYPE_LAPIC		0
#define MADT_TYPE_IOAPIC	1
#define MADT_TYPE_ISO		2
#define MADT_TYPE_LAPIC_NMI	4
#define MADT_LAPIC_ENABLED	1
#define MADT_ISO_ACTIVE_HIGH	0x1
#define MADT_ISO_LEVEL		0xc
#define MADT_ALL_PROCESSORS	0xff
#define MADT_IOAPIC_ID		0

struct madt_lapic {
	uint8_t type, length, processor_id, apic_id;
	uint32_t flags;
} __attribute__((packed));
static_assert(sizeof(struct madt_lapic) == 8, "MADT LAPIC");

struct madt_ioapic {
	uint8_t type, length, ioapic_id, reserved;
	uint32_t address;
	uint32_t gsi_base;
} __attribute__((packed));
static_assert(sizeof(struct madt_ioapic) == 12, "MADT IOAPIC");

struct madt_iso {
	uint8_t type, length, bus, source;
	uint32_t gsi;
	uint16_t flags;
} __attribute__((packed));
static_assert(sizeof(struct madt_iso) == 10, "MADT interrupt source override");

struct madt_lapic_nmi {
	uint8_t type, length, processor_id;
	uint16_t flags;
	uint8_t lint;
} __attribute__((packed));
static_assert(sizeof(struct madt_lapic_nmi) == 6, "MADT LAPIC NMI");

/* ---- AML ---- */

#define AML_ZERO_OP		0x00
#define AML_NAME_OP		0x08
#define AML_BYTE_PREFIX		0x0a
#define AML_STRING_PREFIX	0x0d
#define AML_SCOPE_OP		0x10
#define AML_BUFFER_OP		0x11
#define AML_PACKAGE_OP		0x12
#define AML_EXT_OP_PREFIX	0x5b
#define AML_DEVICE_OP		0x82	/* after AML_EXT_OP_PREFIX */
#define AML_ROOT_CHAR		'\\'
/* Resource descriptors (large items). */
#define RES_MEMORY32_FIXED	0x86
#define RES_EXT_IRQ		0x89
#define RES_END_TAG		0x79
#define RES_MEM_READ_WRITE	0x01
#define RES_IRQ_CONSUMER	0x01
#define RES_IRQ_EDGE		0x02
#define VIRTIO_MMIO_ACPI_HID	"LNRO0005"

/* A bounded byte buffer; overflow is sticky and reported once at the end. */
struct aml {
	uint8_t *p;
	size_t len, cap;
	bool overflow;
};

static void aml_bytes(struct aml *a, const void *src, size_t n)
{
	if (a->overflow || n > a->cap - a->len) {
		a->overflow = true;
		return;
	}
	memcpy(a->p + a->len, src, n);
	a->len += n;
}

static void aml_byte(struct aml *a, uint8_t b)
{
	aml_bytes(a, &b, 1);
}

static void aml_u16(struct aml *a, uint16_t v)
{
	aml_bytes(a, &v, 2);
}

static void aml_u32(struct aml *a, uint32_t v)
{
	aml_bytes(a, &v, 4);
}

/* PkgLength for a body of @body bytes: the encoding counts itself. */
static void aml_pkglength(struct aml *a, size_t body)
{
	size_t total;

	if (body + 1 < 0x40) {
		aml_byte(a, body + 1);
	} else if (body + 2 < 0x1000) {
		total = body + 2;
		aml_byte(a, 0x40 | (total & 0xf));
		aml_byte(a, total >> 4);
	} else {
		total = body + 3;
		aml_byte(a, 0x80 | (total & 0xf));
		aml_byte(a, (total >> 4) & 0xff);
		aml_byte(a, total >> 12);
	}
}

/* Name(_S5_, Package(4) { S5, S5, 0, 0 }) */
static void aml_s5(struct aml *a)
{
	static const uint8_t elements[] = {
		4,	/* NumElements */
		AML_BYTE_PREFIX, ACPI_S5_SLP_TYP,
		AML_BYTE_PREFIX, ACPI_S5_SLP_TYP,
		AML_ZERO_OP, AML_ZERO_OP,
	};

	aml_byte(a, AML_NAME_OP);
	aml_bytes(a, "_S5_", 4);
	aml_byte(a, AML_PACKAGE_OP);
	aml_pkglength(a, sizeof(elements));
	aml_bytes(a, elements, sizeof(elements));
}

/* Device(VRnn) { _HID "LNRO0005", _UID n, _CRS { Memory32Fixed, Interrupt } } */
static void aml_virtio_device(struct aml *a, int n, uint64_t gpa, unsigned int irq)
{
	uint8_t body[128], crs[32];
	struct aml b = { .p = body, .cap = sizeof(body) };
	struct aml r = { .p = crs, .cap = sizeof(crs) };
	char name[5];

	aml_byte(&r, RES_MEMORY32_FIXED);
	aml_u16(&r, 9);
	aml_byte(&r, RES_MEM_READ_WRITE);
	aml_u32(&r, gpa);
	aml_u32(&r, LAYOUT_VIRTIO_MMIO_SIZE);
	aml_byte(&r, RES_EXT_IRQ);
	aml_u16(&r, 6);
	aml_byte(&r, RES_IRQ_CONSUMER | RES_IRQ_EDGE);
	aml_byte(&r, 1);
	aml_u32(&r, irq);
	aml_byte(&r, RES_END_TAG);
	aml_byte(&r, 0);	/* checksum 0: "treat as correct" */

	aml_byte(&b, AML_NAME_OP);
	aml_bytes(&b, "_HID", 4);
	aml_byte(&b, AML_STRING_PREFIX);
	aml_bytes(&b, VIRTIO_MMIO_ACPI_HID, sizeof(VIRTIO_MMIO_ACPI_HID));
	aml_byte(&b, AML_NAME_OP);
	aml_bytes(&b, "_UID", 4);
	aml_byte(&b, AML_BYTE_PREFIX);
	aml_byte(&b, n);
	aml_byte(&b, AML_NAME_OP);
	aml_bytes(&b, "_CRS", 4);
	aml_byte(&b, AML_BUFFER_OP);
	aml_pkglength(&b, 2 + r.len);
	aml_byte(&b, AML_BYTE_PREFIX);
	aml_byte(&b, r.len);
	aml_bytes(&b, crs, r.len);

	name[0] = 'V';
	name[1] = 'R';
	name[2] = '0' + n / 10;
	name[3] = '0' + n % 10;
	aml_byte(a, AML_EXT_OP_PREFIX);
	aml_byte(a, AML_DEVICE_OP);
	aml_pkglength(a, 4 + b.len);
	aml_bytes(a, name, 4);
	aml_bytes(a, body, b.len);
	if (b.overflow || r.overflow)
		a->overflow = true;
}

/* Scope(\_SB_) { the virtio devices } */
static void aml_system_bus(struct aml *a, const struct acpi_config *cfg)
{
	uint8_t body[LAYOUT_VIRTIO_MMIO_MAX * 96];
	struct aml b = { .p = body, .cap = sizeof(body) };
	int i;

	for (i = 0; i < cfg->nr_virtio; i++)
		aml_virtio_device(&b, i, cfg->virtio_gpa[i], cfg->virtio_irq[i]);
	aml_byte(a, AML_SCOPE_OP);
	aml_pkglength(a, 5 + b.len);
	aml_byte(a, AML_ROOT_CHAR);
	aml_bytes(a, "_SB_", 4);
	aml_bytes(a, body, b.len);
	if (b.overflow)
		a->overflow = true;
}

/* ---- tables ---- */

uint8_t acpi_sum(const void *p, size_t len)
{
	const uint8_t *b = p;
	uint8_t sum = 0;

	while (len--)
		sum += *b++;
	return sum;
}

static void acpi_header_init(struct acpi_header *h, const char *sig, uint32_t len,
			     uint8_t revision)
{
	memcpy(h->signature, sig, 4);
	h->length = len;
	h->revision = revision;
	memcpy(h->oem_id, ACPI_OEM_ID, 6);
	memcpy(h->oem_table_id, ACPI_OEM_TABLE_ID, 8);
	h->oem_revision = 1;
	memcpy(h->creator_id, ACPI_CREATOR_ID, 4);
	h->creator_revision = 1;
	h->checksum = 0;
	h->checksum = -acpi_sum(h, len);
}

/* Carves aligned, zeroed pieces out of the table area. */
struct acpi_area {
	uint8_t *buf;
	uint64_t gpa;
	size_t size, used;
};

static void *acpi_alloc(struct acpi_area *area, size_t len, size_t align,
			uint64_t *gpa)
{
	size_t off = ALIGN_UP(area->used, align);

	if (off > area->size || len > area->size - off)
		return NULL;
	area->used = off + len;
	*gpa = area->gpa + off;
	memset(area->buf + off, 0, len);
	return area->buf + off;
}

static struct acpi_gas gas_io(uint16_t port, uint8_t bytes, uint8_t access)
{
	return (struct acpi_gas){
		.space_id = ACPI_GAS_SYSTEM_IO, .bit_width = bytes * 8,
		.access_size = access, .address = port,
	};
}

static int acpi_build_dsdt(struct acpi_area *area, const struct acpi_config *cfg,
			   uint64_t *gpa)
{
	uint8_t aml_buf[1024];
	struct aml a = { .p = aml_buf, .cap = sizeof(aml_buf) };
	struct acpi_header *h;
	size_t len;

	aml_s5(&a);
	if (cfg->nr_virtio)
		aml_system_bus(&a, cfg);
	if (a.overflow)
		return -ENOSPC;
	len = sizeof(*h) + a.len;
	h = acpi_alloc(area, len, ACPI_TABLE_ALIGN, gpa);
	if (!h)
		return -ENOSPC;
	memcpy(h + 1, aml_buf, a.len);
	acpi_header_init(h, "DSDT", len, 2);
	return 0;
}

static int acpi_build_fadt(struct acpi_area *area, uint64_t dsdt, uint64_t facs,
			   uint64_t *gpa)
{
	struct acpi_fadt *f = acpi_alloc(area, sizeof(*f), ACPI_TABLE_ALIGN, gpa);

	if (!f)
		return -ENOSPC;
	f->firmware_ctrl = facs;
	f->dsdt = dsdt;
	f->x_firmware_ctrl = 0;	/* FIRMWARE_CTRL holds it: both must not be set */
	f->x_dsdt = dsdt;
	f->sci_int = IRQ_ACPI_SCI;
	f->pm1a_evt_blk = PORT_ACPI_PM1A_EVT;
	f->pm1a_cnt_blk = PORT_ACPI_PM1A_CNT;
	f->pm1_evt_len = FADT_PM1_EVT_LEN;
	f->pm1_cnt_len = FADT_PM1_CNT_LEN;
	f->x_pm1a_evt_blk = gas_io(PORT_ACPI_PM1A_EVT, FADT_PM1_EVT_LEN, ACPI_ACCESS_WORD);
	f->x_pm1a_cnt_blk = gas_io(PORT_ACPI_PM1A_CNT, FADT_PM1_CNT_LEN, ACPI_ACCESS_WORD);
	f->century = 0x32;	/* the RTC's century register */
	/*
	 * No FADT_BOOT_8042: the i8042 is a reset line, not a keyboard
	 * controller.  Told there is one, Linux probes it and polls its
	 * status through ~10,000 port reads (half a second of boot) before
	 * it gives up.
	 */
	f->iapc_boot_arch = FADT_BOOT_LEGACY_DEVICES | FADT_BOOT_NO_VGA;
	f->flags = FADT_F_WBINVD | FADT_F_PWR_BUTTON | FADT_F_SLP_BUTTON |
		   FADT_F_RESET_REG_SUP;
	/* Reset through the i8042, the same path as the keyboard-controller reboot. */
	f->reset_reg = gas_io(PORT_I8042_COMMAND, 1, ACPI_ACCESS_BYTE);
	f->reset_value = 0xfe;
	f->minor_version = FADT_MINOR_VERSION;
	acpi_header_init(&f->header, "FACP", sizeof(*f), FADT_REVISION);
	return 0;
}

static int acpi_build_facs(struct acpi_area *area, uint64_t *gpa)
{
	struct acpi_facs *facs = acpi_alloc(area, sizeof(*facs), ACPI_FACS_ALIGN, gpa);

	if (!facs)
		return -ENOSPC;
	memcpy(facs->signature, "FACS", 4);
	facs->length = sizeof(*facs);
	facs->version = 2;
	return 0;
}

static int acpi_build_madt(struct acpi_area *area, const struct acpi_config *cfg,
			   uint64_t *gpa)
{
	size_t len = sizeof(struct acpi_madt) + cfg->nr_cpus * sizeof(struct madt_lapic) +
		     sizeof(struct madt_ioapic) + sizeof(struct madt_iso) +
		     sizeof(struct madt_lapic_nmi);
	struct acpi_madt *madt = acpi_alloc(area, len, ACPI_TABLE_ALIGN, gpa);
	uint8_t *p;
	int i;

	if (!madt)
		return -ENOSPC;
	madt->lapic_address = LAYOUT_LAPIC_GPA;
	madt->flags = MADT_PCAT_COMPAT;
	p = (uint8_t *)(madt + 1);
	for (i = 0; i < cfg->nr_cpus; i++) {
		struct madt_lapic *l = (struct madt_lapic *)p;

		*l = (struct madt_lapic){
			.type = MADT_TYPE_LAPIC, .length = sizeof(*l),
			.processor_id = i, .apic_id = i, .flags = MADT_LAPIC_ENABLED,
		};
		p += sizeof(*l);
	}
	*(struct madt_ioapic *)p = (struct madt_ioapic){
		.type = MADT_TYPE_IOAPIC, .length = sizeof(struct madt_ioapic),
		.ioapic_id = MADT_IOAPIC_ID, .address = LAYOUT_IOAPIC_GPA, .gsi_base = 0,
	};
	p += sizeof(struct madt_ioapic);
	/*
	 * The SCI is level-triggered; declare it active high, so that the
	 * idle (low) line is not seen as asserted.  Every other ISA IRQ is
	 * identity-mapped, edge, active high (the MADT default).
	 */
	*(struct madt_iso *)p = (struct madt_iso){
		.type = MADT_TYPE_ISO, .length = sizeof(struct madt_iso), .bus = 0,
		.source = IRQ_ACPI_SCI, .gsi = IRQ_ACPI_SCI,
		.flags = MADT_ISO_ACTIVE_HIGH | MADT_ISO_LEVEL,
	};
	p += sizeof(struct madt_iso);
	*(struct madt_lapic_nmi *)p = (struct madt_lapic_nmi){
		.type = MADT_TYPE_LAPIC_NMI, .length = sizeof(struct madt_lapic_nmi),
		.processor_id = MADT_ALL_PROCESSORS, .flags = 0, .lint = 1,
	};
	acpi_header_init(&madt->header, "APIC", len, 4);
	return 0;
}

int acpi_build(uint8_t *buf, uint64_t gpa, size_t size, const struct acpi_config *cfg)
{
	struct acpi_area area = { .buf = buf, .gpa = gpa, .size = size };
	uint64_t rsdp_gpa, xsdt_gpa, fadt_gpa, facs_gpa, dsdt_gpa, madt_gpa;
	struct acpi_header *xsdt;
	struct acpi_rsdp *rsdp;
	uint64_t *entries;
	int nr_tables = cfg->no_apic ? 1 : 2;
	size_t xsdt_len = sizeof(*xsdt) + nr_tables * sizeof(uint64_t);

	if (gpa % ACPI_TABLE_ALIGN || cfg->nr_cpus < 1 || cfg->nr_cpus > 255 ||
	    cfg->nr_virtio > LAYOUT_VIRTIO_MMIO_MAX)
		return -EINVAL;
	rsdp = acpi_alloc(&area, sizeof(*rsdp), ACPI_TABLE_ALIGN, &rsdp_gpa);
	xsdt = acpi_alloc(&area, xsdt_len, ACPI_TABLE_ALIGN, &xsdt_gpa);
	if (!rsdp || !xsdt ||
	    acpi_build_facs(&area, &facs_gpa) ||
	    acpi_build_dsdt(&area, cfg, &dsdt_gpa) ||
	    acpi_build_fadt(&area, dsdt_gpa, facs_gpa, &fadt_gpa) ||
	    (!cfg->no_apic && acpi_build_madt(&area, cfg, &madt_gpa)))
		return -ENOSPC;

	entries = (uint64_t *)(xsdt + 1);
	entries[0] = fadt_gpa;
	if (!cfg->no_apic)
		entries[1] = madt_gpa;
	acpi_header_init(xsdt, "XSDT", xsdt_len, 1);

	memcpy(rsdp->signature, "RSD PTR ", 8);
	memcpy(rsdp->oem_id, ACPI_OEM_ID, 6);
	rsdp->revision = 2;
	rsdp->length = sizeof(*rsdp);
	rsdp->xsdt_address = xsdt_gpa;
	rsdp->checksum = -acpi_sum(rsdp, 20);
	rsdp->extended_checksum = -acpi_sum(rsdp, sizeof(*rsdp));
	return area.used;
}

/* ---- PM1a fixed hardware ---- */

#define PM1_CNT_SCI_EN		(1u << 0)
#define PM1_CNT_SLP_TYP_SHIFT	10
#define PM1_CNT_SLP_TYP_MASK	(7u << PM1_CNT_SLP_TYP_SHIFT)
#define PM1_CNT_SLP_EN		(1u << 13)

void acpi_pm_init(struct acpi_pm *pm, void (*poweroff)(void *opaque), void *opaque)
{
	memset(pm, 0, sizeof(*pm));
	pthread_mutex_init(&pm->lock, NULL);
	/* No SMI_CMD: the platform is always in ACPI mode. */
	pm->pm1_control = PM1_CNT_SCI_EN;
	pm->poweroff = poweroff;
	pm->opaque = opaque;
}

static void put_le(uint8_t *data, uint32_t len, uint64_t v)
{
	uint32_t i;

	for (i = 0; i < len; i++)
		data[i] = v >> (8 * i);
}

static uint64_t get_le(const uint8_t *data, uint32_t len)
{
	uint64_t v = 0;
	uint32_t i;

	for (i = 0; i < len; i++)
		v |= (uint64_t)data[i] << (8 * i);
	return v;
}

void acpi_pm_evt_access(void *opaque, uint64_t offset, uint8_t *data, uint32_t len,
			bool is_write)
{
	struct acpi_pm *pm = opaque;
	uint32_t regs, v;

	pthread_mutex_lock(&pm->lock);
	regs = pm->pm1_status | (uint32_t)pm->pm1_enable << 16;
	if (!is_write) {
		put_le(data, len, regs >> (8 * offset));
	} else {
		v = get_le(data, len) << (8 * offset);
		/* Status bits are write-one-to-clear; enable bits are plain. */
		pm->pm1_status &= ~(v & 0xffff);
		if (offset + len > 2) {
			uint32_t mask = 0;

			for (uint32_t i = offset; i < offset + len; i++)
				mask |= 0xffu << (8 * i);
			pm->pm1_enable = ((pm->pm1_enable << 16 & ~mask) | (v & mask)) >> 16;
		}
	}
	pthread_mutex_unlock(&pm->lock);
}

void acpi_pm_cnt_access(void *opaque, uint64_t offset, uint8_t *data, uint32_t len,
			bool is_write)
{
	struct acpi_pm *pm = opaque;
	bool off = false;
	uint16_t v;

	pthread_mutex_lock(&pm->lock);
	if (!is_write) {
		put_le(data, len, (uint32_t)pm->pm1_control >> (8 * offset));
	} else {
		v = get_le(data, MIN(len, 2 - offset)) << (8 * offset);
		pm->pm1_control = (v & ~PM1_CNT_SLP_EN) | PM1_CNT_SCI_EN;
		off = (v & PM1_CNT_SLP_EN) &&
		      ((v & PM1_CNT_SLP_TYP_MASK) >> PM1_CNT_SLP_TYP_SHIFT) == ACPI_S5_SLP_TYP;
	}
	pthread_mutex_unlock(&pm->lock);
	if (off && pm->poweroff)
		pm->poweroff(pm->opaque);
}
