# SPDX-License-Identifier: GPL-2.0
#
# Shared helpers of the test scripts; sourced, never run.  Every script in
# scripts/ works from any directory and keeps its downloads and images in the
# git-ignored cache $KVMX_CACHE (default: <repo>/.cache).

# shellcheck shell=bash

KVMX_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
KVMX_CACHE=${KVMX_CACHE:-$KVMX_ROOT/.cache}
KVMX_SCRIPTS=$KVMX_ROOT/scripts
export KVMX_ROOT KVMX_CACHE KVMX_SCRIPTS

log() { printf '[%s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
die() { log "error: $*"; exit 2; }

# Run apt-get non-interactively; the CI has no stdin and no terminal.  Wait
# for the dpkg lock instead of failing when a teammate's apt-get holds it.
apt_get() {
	DEBIAN_FRONTEND=noninteractive apt-get -q -y \
		-o DPkg::Lock::Timeout=300 \
		-o Dpkg::Options::=--force-confdef \
		-o Dpkg::Options::=--force-confold "$@" </dev/null
}

# apt-get update when the package lists are missing (a fresh machine) or
# when $1 is "force" (a package that the lists name is gone from the
# archive: a security update replaced the kernel ABI).
apt_update() {
	if [ "${1:-}" != force ] &&
	   compgen -G '/var/lib/apt/lists/*_Packages*' >/dev/null; then
		return 0
	fi
	log "apt-get update"
	apt_get update >&2 || die "apt-get update failed"
}

# The current Debian 6.1 kernel ABI, e.g. 6.1.0-56-amd64: the one the
# linux-image-amd64 meta-package depends on today.  Resolved at run time
# because old ABIs disappear from the archive.  KVMX_ABI overrides it.
kvmx_abi() {
	if [ -n "${KVMX_ABI:-}" ]; then
		echo "$KVMX_ABI"
		return
	fi
	local abi
	abi=$(apt-cache depends linux-image-amd64 2>/dev/null |
		sed -n 's/^ *Depends: linux-image-\(6\.1\.[0-9]*-[0-9]*-amd64\)$/\1/p' |
		head -n1)
	[ -n "$abi" ] || die "cannot resolve the 6.1 ABI from linux-image-amd64 (run apt-get update)"
	echo "$abi"
}

# The newest packaged 6.12 header ABI, e.g. 6.12.117+deb12-amd64.
# KVMX_ABI612 overrides it.
kvmx_abi612() {
	if [ -n "${KVMX_ABI612:-}" ]; then
		echo "$KVMX_ABI612"
		return
	fi
	local abi
	abi=$(apt-cache pkgnames linux-headers-6.12. 2>/dev/null |
		sed -n 's/^linux-headers-\(6\.12\.[0-9]*+deb12-amd64\)$/\1/p' |
		sort -V | tail -n1)
	[ -n "$abi" ] || die "no linux-headers-6.12.*+deb12-amd64 package known to apt"
	echo "$abi"
}

# Per-ABI cache of the extracted kernel image package.
kernel_dir() { echo "$KVMX_CACHE/kernel/$1"; }

# copy_qemu ROOT [FILE...]: Debian's QEMU as it is installed (dynamically
# linked): the binary, its libraries and each FILE (firmware, by absolute
# path) at their own paths under ROOT, to be added to a test machine with
# one --add per top-level directory of ROOT (see qemu_adds).
copy_qemu() {
	local root=$1 qemu f
	shift
	qemu=$(command -v qemu-system-x86_64)
	for f in "$qemu" $(ldd "$qemu" | awk '/=> \// { print $3 } /^[ \t]*\/[^ ]*ld-linux/ { print $1 }') "$@"; do
		mkdir -p "$root$(dirname "$f")"
		cp -L "$f" "$root$f"
	done
}

# qemu_adds ROOT: the machine.sh options that add what copy_qemu put under
# ROOT, one per line.
qemu_adds() {
	local d
	for d in "$1"/*; do
		printf '%s\n' --add "$d:/${d##*/}"
	done
}
