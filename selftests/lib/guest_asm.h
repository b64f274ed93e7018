/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Writing guest code in a test file.
 *
 * Guest code is assembled by the test's own compiler run, in a top-level
 * asm() placed in the GUEST_SECTION, between a start and an end label that
 * the C side declares as byte arrays:
 *
 *	extern const uint8_t hello_start[], hello_end[];
 *	asm(GUEST_SECTION
 *	    ".code16\n"
 *	    "hello_start:\n"
 *	    "	GUEST_DONE\n"
 *	    "hello_end:\n"
 *	    GUEST_SECTION_END);
 *
 *	vm_load_code(vm, hello_start, hello_end);   (copies to GUEST_CODE_GPA)
 *
 * The code is copied, so an absolute address of a label is written as
 * GUEST_CODE_GPA + (label - hello_start); relative jumps need nothing.
 * Including this header also defines, for the assembler, every constant of
 * guest_layout.h under the same name, and these macros (any CPU mode):
 *
 *	GUEST_UCALL type	EAX = type, then OUT to GUEST_UCALL_PORT
 *	GUEST_DONE		report success (the host's vcpu_ucall() returns
 *				UCALL_DONE)
 *	GUEST_SYNC stage	RDI = stage, RSI left as the value; UCALL_SYNC
 *	GUEST_FAIL id		RDI = id, RSI/RDX as set; the host fails the case
 *	GUEST_CHECK_EQ reg, imm, id
 *				unless reg == imm: RSI = reg, RDX = imm,
 *				GUEST_FAIL id.  reg is a 32-bit register
 *				GUEST_CHECK_EQ64 is the same for a 64-bit reg).
 *
 * The macros clobber EAX/RAX, EDI/RDI, ESI/RSI and EDX/RDX.
 */
#ifndef KVMX_SELFTEST_GUEST_ASM_H
#define KVMX_SELFTEST_GUEST_ASM_H

#include "guest_layout.h"

#define GUEST_STR(x)		#x
#define GUEST_XSTR(x)		GUEST_STR(x)
#define GUEST_ASM_SET(name)	".set " #name ", " GUEST_XSTR(name) "\n"

/* Guest code is data for the host: keep it out of the host's .text. */
#define GUEST_SECTION		".pushsection .rodata.guest_code, \"a\"\n"
#define GUEST_SECTION_END	"\n.code64\n.popsection\n"

asm(GUEST_ASM_SET(GUEST_PAGE_SIZE)
    GUEST_ASM_SET(GUEST_MEM_SIZE)
    GUEST_ASM_SET(GUEST_GDTR_GPA)
    GUEST_ASM_SET(GUEST_IDTR_GPA)
    GUEST_ASM_SET(GUEST_GDT_GPA)
    GUEST_ASM_SET(GUEST_IDT_GPA)
    GUEST_ASM_SET(GUEST_TSS_GPA)
    GUEST_ASM_SET(GUEST_PML4_GPA)
    GUEST_ASM_SET(GUEST_PDPT_GPA)
    GUEST_ASM_SET(GUEST_PD_GPA)
    GUEST_ASM_SET(GUEST_PD32_GPA)
    GUEST_ASM_SET(GUEST_CODE_GPA)
    GUEST_ASM_SET(GUEST_CODE_SIZE)
    GUEST_ASM_SET(GUEST_DATA_GPA)
    GUEST_ASM_SET(GUEST_DATA_SIZE)
    GUEST_ASM_SET(GUEST_STACK_TOP)
    GUEST_ASM_SET(GUEST_FREE_GPA)
    GUEST_ASM_SET(GUEST_EXTRA_GPA)
    GUEST_ASM_SET(GUEST_MMIO_GPA)
    GUEST_ASM_SET(GUEST_SEL_CODE32)
    GUEST_ASM_SET(GUEST_SEL_DATA)
    GUEST_ASM_SET(GUEST_SEL_CODE64)
    GUEST_ASM_SET(GUEST_SEL_CODE16)
    GUEST_ASM_SET(GUEST_SEL_DATA16)
    GUEST_ASM_SET(GUEST_SEL_TSS)
    GUEST_ASM_SET(GUEST_UCALL_PORT)
    GUEST_ASM_SET(UCALL_DONE)
    GUEST_ASM_SET(UCALL_SYNC)
    GUEST_ASM_SET(UCALL_FAIL)
    GUEST_ASM_SET(UCALL_PRINT)
    ".macro GUEST_UCALL type\n"
    "	mov $\\type, %eax\n"
    "	out %al, $GUEST_UCALL_PORT\n"
    ".endm\n"
    ".macro GUEST_DONE\n"
    "	GUEST_UCALL UCALL_DONE\n"
    ".endm\n"
    ".macro GUEST_SYNC stage\n"
    "	mov $\\stage, %edi\n"
    "	GUEST_UCALL UCALL_SYNC\n"
    ".endm\n"
    ".macro GUEST_FAIL id\n"
    "	mov $\\id, %edi\n"
    "	GUEST_UCALL UCALL_FAIL\n"
    ".endm\n"
    ".macro GUEST_CHECK_EQ reg, imm, id\n"
    "	cmp $\\imm, \\reg\n"
    "	je .Lguest_check_ok\\@\n"
    "	mov \\reg, %esi\n"
    "	mov $\\imm, %edx\n"
    "	GUEST_FAIL \\id\n"
    ".Lguest_check_ok\\@:\n"
    ".endm\n"
    ".macro GUEST_CHECK_EQ64 reg, imm, id\n"
    "	cmp $\\imm, \\reg\n"
    "	je .Lguest_check_ok\\@\n"
    "	mov \\reg, %rsi\n"
    "	mov $\\imm, %rdx\n"
    "	GUEST_FAIL \\id\n"
    ".Lguest_check_ok\\@:\n"
    ".endm\n");

#endif
