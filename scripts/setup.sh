#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# scripts/setup.sh: install everything kvmx's build and tests need on a
# Debian 12 machine, then fill the cache (.cache/) with Debian's kernel image
# and reference modules and with checkpatch.  Idempotent: packages already
# installed are not touched, cached files are reused, so a second run takes
# about a second.
#
#   scripts/setup.sh            packages + kernel image + checkpatch
#   scripts/setup.sh --packages packages only
#
# Environment: KVMX_ABI / KVMX_ABI612 pin the kernel ABIs (default: resolved
# from apt at run time), KVMX_CACHE moves the cache.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

# Build, lint and emulation tools.  The kernel header packages are added
# below once their ABI is known.
PACKAGES=(
	build-essential bc bison flex libelf-dev kmod xz-utils rsync perl
	sparse libcap-dev libseccomp-dev
	qemu-system-x86 qemu-utils busybox-static cpio lz4 file
	bochs bochsbios vgabios xorriso isolinux syslinux-common
	linux-source-6.1
	dpkg-dev git ca-certificates
)

missing_packages() {
	local p status
	for p in "$@"; do
		status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
		[ "$status" = "install ok installed" ] || echo "$p"
	done
}

install_packages() {
	local missing
	mapfile -t missing < <(missing_packages "$@")
	[ ${#missing[@]} -gt 0 ] || return 0
	[ "$(id -u)" = 0 ] || die "missing packages, run as root: ${missing[*]}"
	log "installing: ${missing[*]}"
	apt_update
	if ! apt_get install --no-install-recommends "${missing[@]}" >&2; then
		# Lists too old for the archive (a package moved on): refresh.
		apt_update force
		apt_get install --no-install-recommends "${missing[@]}" >&2 ||
			die "apt-get install ${missing[*]} failed"
	fi
}

main() {
	[ "$(id -u)" = 0 ] && apt_update
	local abi abi612
	abi=$(kvmx_abi)
	abi612=$(kvmx_abi612)
	log "kernel ABIs: $abi (image, headers), $abi612 (headers)"
	install_packages "${PACKAGES[@]}" "linux-headers-$abi" "linux-headers-$abi612"

	[ "${1:-}" = --packages ] && return 0
	"$KVMX_SCRIPTS/kernel.sh" "$abi" >/dev/null
	"$KVMX_SCRIPTS/checkpatch.sh" --fetch
	log "setup done"
}

main "$@"
