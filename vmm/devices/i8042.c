// SPDX-License-Identifier: GPL-2.0
/* i8042: reset line only. */
#include <string.h>

#include "i8042.h"

void i8042_init(struct i8042 *kbd, void (*reset)(void *opaque), void *opaque)
{
	kbd->reset = reset;
	kbd->opaque = opaque;
}

void i8042_data_access(void *opaque, uint64_t offset, uint8_t *data, uint32_t len,
		       bool is_write)
{
	(void)opaque;
	(void)offset;
	if (!is_write)
		memset(data, 0, len);
}

void i8042_command_access(void *opaque, uint64_t offset, uint8_t *data,
			  uint32_t len, bool is_write)
{
	struct i8042 *kbd = opaque;

	(void)offset;
	if (!is_write) {
		memset(data, 0, len);	/* status: output and input buffers empty */
		return;
	}
	if (data[0] == I8042_CMD_RESET && kbd->reset)
		kbd->reset(kbd->opaque);
}
