#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# scripts/checkpatch.sh [FILE...]: run the kernel's checkpatch.pl, strict,
# over the module's sources (default: every .c/.h/.S under module/ and uapi/).
# Any finding (ERROR, WARNING or CHECK) fails: exit status 1.
#
# scripts/checkpatch.sh --fetch: only put checkpatch.pl and its data files
# into the cache (taken out of /usr/src/linux-source-6.1.tar.xz, since the
# header packages lack them).
#
# Ignored message types, each for a reason:
#   LINUX_VERSION_CODE  kvmx is out of tree and must build against 6.1 and
#                       6.12; module/core/compat.c hides the differences
#                       behind version tests, which checkpatch dislikes in
#                       code meant for mainline.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

IGNORE=LINUX_VERSION_CODE
SOURCE_TARBALL=/usr/src/linux-source-6.1.tar.xz
CP_DIR=$KVMX_CACHE/checkpatch
CP=$CP_DIR/checkpatch.pl

fetch() {
	[ -f "$CP_DIR/.complete" ] && return 0
	[ -f "$SOURCE_TARBALL" ] || die "$SOURCE_TARBALL missing (scripts/setup.sh installs linux-source-6.1)"
	log "extracting checkpatch from $SOURCE_TARBALL"
	local tmp
	mkdir -p "$KVMX_CACHE"
	tmp=$(mktemp -d "$KVMX_CACHE/checkpatch.XXXXXX")
	tar -xJf "$SOURCE_TARBALL" -C "$tmp" --strip-components=2 \
		linux-source-6.1/scripts/checkpatch.pl \
		linux-source-6.1/scripts/spelling.txt \
		linux-source-6.1/scripts/const_structs.checkpatch
	rm -rf "$CP_DIR"
	mv "$tmp" "$CP_DIR"
	chmod 755 "$CP_DIR" "$CP"
	touch "$CP_DIR/.complete"
}

fetch
[ "${1:-}" = --fetch ] && exit 0

files=("$@")
if [ ${#files[@]} -eq 0 ]; then
	cd "$KVMX_ROOT"
	mapfile -t files < <(find module uapi -type f \
		\( -name '*.c' -o -name '*.h' -o -name '*.S' \) 2>/dev/null | sort)
fi
if [ ${#files[@]} -eq 0 ]; then
	log "checkpatch: no module sources yet"
	exit 0
fi

# checkpatch finds spelling.txt and const_structs.checkpatch beside itself.
# --no-tree: there is no kernel tree around us.
perl "$CP" --no-tree --strict --terse --show-types --color=never \
	--ignore "$IGNORE" -f "${files[@]}"
