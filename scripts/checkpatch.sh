#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# scripts/checkpatch.sh [FILE...]: run the kernel's checkpatch.pl, strict,
# over the module's sources (default: every .c/.h/.S under module/ and uapi/).
# Any finding (ERROR, WARNING or CHECK) fails: exit status 1.
#
# scripts/checkpatch.sh --fetch: only put checkpatch.pl and its data files
# into the cache (taken out of /usr/src/linux-source-6.1.tar.xz, since the
# header packages lack them), with a mirror of the 6.1 headers that teaches
# it the kernel's own CamelCase names.
#
# Ignored message types, each for a reason:
#   LINUX_VERSION_CODE  kvmx is out of tree and must build against 6.1 and
#                       6.12; module/include/kvmx_compat.h hides the
#                       differences behind version tests, which checkpatch
#                       dislikes in code meant for mainline.
set -uo pipefail
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

# checkpatch's CamelCase check accepts names that the kernel's headers
# define (MSR_MTRRdefType...), learning them from <root>/include.  Give it a
# root whose include/ mirrors (as symbolic links) the 6.1 headers' include/
# and arch/x86/include/; it caches what it learned in its cwd.
seed_root() {
	local common=/usr/src/linux-headers-$1-common root=$CP_DIR/root
	[ -f "$root/.complete-$1" ] && return 0
	[ -d "$common" ] || { log "checkpatch: $common missing, CamelCase seeding skipped"; return 0; }
	rm -rf "$root"
	mkdir -p "$root/include"
	cp -rs "$common/include" "$root/include/linux-include"
	cp -rs "$common/arch/x86/include" "$root/include/arch-x86-include"
	touch "$root/.complete-$1"
}

fetch
seed_root "${2:-$(kvmx_abi | sed 's/-amd64$//')}"
[ "${1:-}" = --fetch ] && exit 0

files=()
if [ $# -gt 0 ]; then
	for f in "$@"; do
		files+=("$(realpath "$f")")
	done
else
	mapfile -t files < <(find "$KVMX_ROOT/module" "$KVMX_ROOT/uapi" -type f \
		\( -name '*.c' -o -name '*.h' -o -name '*.S' \) 2>/dev/null | sort)
fi
if [ ${#files[@]} -eq 0 ]; then
	log "checkpatch: no module sources yet"
	exit 0
fi

# checkpatch finds spelling.txt and const_structs.checkpatch beside itself.
# --no-tree: there is no kernel tree around us.  It drops a CamelCase cache
# file (.checkpatch-camelcase.*) into its working directory: give it one of
# its own, and show paths relative to the repository.
mkdir -p "$CP_DIR/cwd" "$CP_DIR/root/include"
cd "$CP_DIR/cwd" || exit 2
perl "$CP" --no-tree --root="$CP_DIR/root" --strict --terse --show-types --color=never \
	--ignore "$IGNORE" -f "${files[@]}" | sed "s|^$KVMX_ROOT/||"
