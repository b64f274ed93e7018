// SPDX-License-Identifier: GPL-2.0
/* Unit tests of the ACPI tables and the PM1a power-off register. */
#include <errno.h>

#include "acpi.h"
#include "harness.h"

#define AREA_GPA	0xe0000

static uint8_t area[0x10000];

/* Host pointer of a table the guest sees at @gpa. */
static uint8_t *at(uint64_t gpa)
{
	CHECK(gpa >= AREA_GPA && gpa < AREA_GPA + sizeof(area), "gpa 0x%llx",
	      (unsigned long long)gpa);
	return area + (gpa - AREA_GPA);
}

static uint32_t u32_at(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return v;
}

static uint64_t u64_at(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
	return v;
}

/* Check a table's signature and checksum; return its length. */
static uint32_t check_table(const uint8_t *t, const char *sig)
{
	uint32_t len = u32_at(t + 4);

	CHECK(!memcmp(t, sig, 4), "signature %.4s, want %s", (const char *)t, sig);
	CHECK_EQ(acpi_sum(t, len), 0);
	return len;
}

static int build(int cpus, int nr_virtio)
{
	struct acpi_config cfg = { .nr_cpus = cpus, .nr_virtio = nr_virtio };
	int i;

	for (i = 0; i < nr_virtio; i++) {
		cfg.virtio_gpa[i] = 0xd0000000 + i * 0x1000;
		cfg.virtio_irq[i] = 5 + i;
	}
	memset(area, 0xcc, sizeof(area));
	return acpi_build(area, AREA_GPA, sizeof(area), &cfg);
}

static void test_rsdp_and_xsdt(void)
{
	uint8_t *rsdp = area, *xsdt;
	uint32_t len;

	CHECK(build(1, 0) > 0);
	CHECK(!memcmp(rsdp, "RSD PTR ", 8));
	CHECK_EQ(acpi_sum(rsdp, 20), 0);
	CHECK_EQ(acpi_sum(rsdp, 36), 0);
	CHECK_EQ(rsdp[15], 2);
	xsdt = at(u64_at(rsdp + 24));
	len = check_table(xsdt, "XSDT");
	CHECK_EQ(len, 36 + 16);
	check_table(at(u64_at(xsdt + 36)), "FACP");
	check_table(at(u64_at(xsdt + 44)), "APIC");
}

static void test_fadt(void)
{
	uint8_t *xsdt, *fadt, *dsdt, *facs;

	CHECK(build(1, 0) > 0);
	xsdt = at(u64_at(area + 24));
	fadt = at(u64_at(xsdt + 36));
	CHECK_EQ(check_table(fadt, "FACP"), 276);
	CHECK_EQ(fadt[8], 6);				/* revision */
	CHECK_EQ(fadt[46], IRQ_ACPI_SCI);		/* SCI_INT */
	CHECK_EQ(u32_at(fadt + 56), PORT_ACPI_PM1A_EVT);
	CHECK_EQ(u32_at(fadt + 64), PORT_ACPI_PM1A_CNT);
	CHECK_EQ(fadt[89], 2);				/* PM1_CNT_LEN */
	/* IAPC_BOOT_ARCH: legacy devices, no 8042 (Linux would probe it). */
	CHECK_EQ(fadt[109] & 3, 1);
	CHECK_EQ(u64_at(fadt + 140), u32_at(fadt + 40));	/* X_DSDT == DSDT */
	CHECK_EQ(u64_at(fadt + 116 + 4), PORT_I8042_COMMAND);	/* RESET_REG */
	CHECK_EQ(fadt[128], 0xfe);
	facs = at(u32_at(fadt + 36));
	CHECK(!memcmp(facs, "FACS", 4));
	CHECK_EQ((u32_at(fadt + 36)) % 64, 0);
	dsdt = at(u32_at(fadt + 40));
	check_table(dsdt, "DSDT");
}

static void test_madt_lists_every_cpu(void)
{
	uint8_t *xsdt, *madt, *p, *end;
	int lapics = 0, ioapics = 0, isos = 0;

	CHECK(build(8, 0) > 0);
	xsdt = at(u64_at(area + 24));
	madt = at(u64_at(xsdt + 44));
	end = madt + check_table(madt, "APIC");
	CHECK_EQ(u32_at(madt + 36), LAYOUT_LAPIC_GPA);
	for (p = madt + 44; p < end; p += p[1]) {
		CHECK(p[1] >= 2);
		if (p[0] == 0) {
			CHECK_EQ(p[3], lapics);		/* APIC ID == vCPU index */
			CHECK_EQ(u32_at(p + 4) & 1, 1);	/* enabled */
			lapics++;
		} else if (p[0] == 1) {
			CHECK_EQ(u32_at(p + 4), LAYOUT_IOAPIC_GPA);
			ioapics++;
		} else if (p[0] == 2) {
			CHECK_EQ(p[3], IRQ_ACPI_SCI);
			isos++;
		}
	}
	CHECK_EQ(p, end);
	CHECK_EQ(lapics, 8);
	CHECK_EQ(ioapics, 1);
	CHECK_EQ(isos, 1);
}

static const uint8_t *find(const uint8_t *hay, size_t len, const void *needle, size_t n)
{
	size_t i;

	for (i = 0; i + n <= len; i++)
		if (!memcmp(hay + i, needle, n))
			return hay + i;
	return NULL;
}

static void test_dsdt_s5_and_virtio(void)
{
	static const uint8_t s5[] = { 0x08, '_', 'S', '5', '_', 0x12, 0x08, 0x04,
				      0x0a, ACPI_S5_SLP_TYP, 0x0a, ACPI_S5_SLP_TYP, 0, 0 };
	uint8_t *xsdt, *fadt, *dsdt;
	const uint8_t *dev;
	uint32_t len;
	int i;

	CHECK(build(2, 3) > 0);
	xsdt = at(u64_at(area + 24));
	fadt = at(u64_at(xsdt + 36));
	dsdt = at(u32_at(fadt + 40));
	len = check_table(dsdt, "DSDT");
	CHECK(find(dsdt, len, s5, sizeof(s5)) != NULL, "Name(_S5_, Package {5, 5, 0, 0})");
	CHECK(find(dsdt, len, "\\_SB_", 5) != NULL);
	for (i = 0; i < 3; i++) {
		char name[5] = { 'V', 'R', '0', (char)('0' + i), 0 };
		uint8_t mem32[12] = { 0x86, 9, 0, 1 };
		uint8_t irq[9] = { 0x89, 6, 0, 3, 1, (uint8_t)(5 + i) };
		uint32_t base = 0xd0000000 + i * 0x1000, size = 0x1000;

		memcpy(mem32 + 4, &base, 4);
		memcpy(mem32 + 8, &size, 4);
		dev = find(dsdt, len, name, 4);
		CHECK(dev != NULL, "Device %s", name);
		CHECK(dev[-3] == 0x5b && dev[-2] == 0x82, "DeviceOp before %s", name);
		CHECK(find(dev, len - (dev - dsdt), "LNRO0005", 9) != NULL);
		CHECK(find(dev, len - (dev - dsdt), mem32, sizeof(mem32)) != NULL);
		CHECK(find(dev, len - (dev - dsdt), irq, sizeof(irq)) != NULL);
	}
}

static void test_no_apic_means_no_madt(void)
{
	struct acpi_config cfg = { .nr_cpus = 1, .no_apic = true };
	uint8_t *xsdt;

	memset(area, 0, sizeof(area));
	CHECK(acpi_build(area, AREA_GPA, sizeof(area), &cfg) > 0);
	xsdt = at(u64_at(area + 24));
	CHECK_EQ(check_table(xsdt, "XSDT"), 36 + 8);
	check_table(at(u64_at(xsdt + 36)), "FACP");
}

static void test_build_errors(void)
{
	struct acpi_config cfg = { .nr_cpus = 1 };

	CHECK_EQ(acpi_build(area, AREA_GPA + 4, sizeof(area), &cfg), -EINVAL);
	CHECK_EQ(acpi_build(area, AREA_GPA, 64, &cfg), -ENOSPC);
	cfg.nr_cpus = 0;
	CHECK_EQ(acpi_build(area, AREA_GPA, sizeof(area), &cfg), -EINVAL);
}

static int poweroffs;

static void on_poweroff(void *opaque)
{
	(void)opaque;
	poweroffs++;
}

static void pm_write16(struct acpi_pm *pm, uint16_t v)
{
	uint8_t d[2] = { v & 0xff, v >> 8 };

	acpi_pm_cnt_access(pm, 0, d, 2, true);
}

static void test_pm1_poweroff(void)
{
	struct acpi_pm pm;
	uint8_t d[2];

	poweroffs = 0;
	acpi_pm_init(&pm, on_poweroff, NULL);
	acpi_pm_cnt_access(&pm, 0, d, 2, false);
	CHECK_EQ(d[0] & 1, 1);	/* SCI_EN: always in ACPI mode */
	/* SLP_TYP = S5 without SLP_EN: nothing yet. */
	pm_write16(&pm, ACPI_S5_SLP_TYP << 10);
	CHECK_EQ(poweroffs, 0);
	/* Another sleep type with SLP_EN: not a power-off. */
	pm_write16(&pm, 1 << 10 | 1 << 13);
	CHECK_EQ(poweroffs, 0);
	pm_write16(&pm, ACPI_S5_SLP_TYP << 10 | 1 << 13);
	CHECK_EQ(poweroffs, 1);
}

static void test_pm1_event_registers(void)
{
	struct acpi_pm pm;
	uint8_t d[2] = { 0x20, 0x01 };

	acpi_pm_init(&pm, on_poweroff, NULL);
	acpi_pm_evt_access(&pm, 2, d, 2, true);		/* PM1 enable */
	memset(d, 0, 2);
	acpi_pm_evt_access(&pm, 2, d, 2, false);
	CHECK_EQ(d[0], 0x20);
	CHECK_EQ(d[1], 0x01);
	acpi_pm_evt_access(&pm, 0, d, 2, false);	/* status: nothing pending */
	CHECK_EQ(d[0] | d[1], 0);
}

static const struct test_case cases[] = {
	TEST_CASE(test_rsdp_and_xsdt),
	TEST_CASE(test_fadt),
	TEST_CASE(test_madt_lists_every_cpu),
	TEST_CASE(test_dsdt_s5_and_virtio),
	TEST_CASE(test_no_apic_means_no_madt),
	TEST_CASE(test_build_errors),
	TEST_CASE(test_pm1_poweroff),
	TEST_CASE(test_pm1_event_registers),
};

int main(void)
{
	return run_tests(cases, ARRAY_SIZE(cases));
}
