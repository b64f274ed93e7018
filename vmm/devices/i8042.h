/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The part of the i8042 keyboard controller a PC guest uses to reset:
 * command 0xfe on port 0x64 pulses the CPU reset line.  The status register
 * reads "no data, input buffer empty"; every other command is ignored.
 */
#ifndef KVMX_VMM_I8042_H
#define KVMX_VMM_I8042_H

#include <stdbool.h>
#include <stdint.h>

#define I8042_CMD_RESET		0xfe

struct i8042 {
	void (*reset)(void *opaque);	/* called on the reset command */
	void *opaque;
};

void i8042_init(struct i8042 *kbd, void (*reset)(void *opaque), void *opaque);
/* Bus callbacks for port 0x60 (data) and 0x64 (status/command). */
void i8042_data_access(void *opaque, uint64_t offset, uint8_t *data, uint32_t len,
		       bool is_write);
void i8042_command_access(void *opaque, uint64_t offset, uint8_t *data,
			  uint32_t len, bool is_write);

#endif /* KVMX_VMM_I8042_H */
