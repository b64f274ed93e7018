#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# scripts/kernel.sh [ABI]: fetch Debian's kernel image package for ABI
# (default: the current 6.1 ABI) into the cache and print the cache directory:
#
#   .cache/kernel/<abi>/vmlinuz          the kernel the test machines boot
#   .cache/kernel/<abi>/config           its configuration
#   .cache/kernel/<abi>/modules/*.ko     the reference hypervisor and its
#                                        dependencies, decompressed
#   .cache/kernel/<abi>/load-svm         module load order, one name a line
#   .cache/kernel/<abi>/load-vmx         (dependencies first, from modinfo)
#
# The package is downloaded with apt-get download, unpacked with dpkg -x and
# reduced to those files; a later run finds them and returns at once.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

# Vendor modules of the reference hypervisor; their dependencies are found.
VENDOR_MODULES=(kvm-amd kvm-intel)

abi=${1:-$(kvmx_abi)}
dir=$(kernel_dir "$abi")
if [ -f "$dir/.complete" ]; then
	echo "$dir"
	exit 0
fi

work=$(mktemp -d "$KVMX_CACHE/kernel-fetch.XXXXXX" 2>/dev/null ||
	{ mkdir -p "$KVMX_CACHE" && mktemp -d "$KVMX_CACHE/kernel-fetch.XXXXXX"; })
trap 'rm -rf "$work"' EXIT

log "fetching linux-image-$abi"
apt_update
# apt-get download writes to the current directory; _apt cannot write to a
# root-owned mktemp directory, which only costs a warning.
if ! (cd "$work" && apt_get download "linux-image-$abi" >&2); then
	apt_update force
	(cd "$work" && apt_get download "linux-image-$abi" >&2) ||
		die "apt-get download linux-image-$abi failed"
fi
dpkg -x "$work"/linux-image-"$abi"_*.deb "$work/x"

tree=$work/x/lib/modules/$abi
[ -d "$tree" ] || die "no lib/modules/$abi in the package"

# find_module NAME: path of NAME.ko (or .ko.xz/.ko.zst) in the package; kbuild
# names may use _ where the file uses - and vice versa.
find_module() {
	local name=$1 alt=${1//_/-}
	find "$tree" \( -name "$name.ko*" -o -name "$alt.ko*" -o \
		-name "${name//-/_}.ko*" \) -print -quit
}

# Unpack one module into modules/ (6.12 compresses them with xz, busybox
# insmod reads only plain ELF).
stage_module() {
	local src=$1 name=$2
	case "$src" in
	*.ko.xz) xz -dc "$src" >"$work/modules/$name.ko" ;;
	*.ko.zst) zstd -qdc "$src" >"$work/modules/$name.ko" ;;
	*.ko) cp "$src" "$work/modules/$name.ko" ;;
	esac
}

# load_order NAME: the modules NAME needs, dependencies first, then NAME.
declare -A seen
load_order() {
	local name=$1 path dep
	[ -n "${seen[$name]:-}" ] && return 0
	seen[$name]=1
	path=$(find_module "$name")
	[ -n "$path" ] || die "module $name not in linux-image-$abi"
	# modinfo reads .ko.xz too (kmod links liblzma).
	for dep in $(/sbin/modinfo -F depends "$path" | tr ',' ' '); do
		load_order "$dep"
	done
	stage_module "$path" "$name"
	echo "$name"
}

mkdir -p "$work/modules"
for vendor in "${VENDOR_MODULES[@]}"; do
	seen=()
	case $vendor in
	kvm-amd) load_order "$vendor" >"$work/load-svm" ;;
	kvm-intel) load_order "$vendor" >"$work/load-vmx" ;;
	esac
done

mkdir -p "$dir"
rm -rf "${dir:?}"/*
cp "$work/x/boot/vmlinuz-$abi" "$dir/vmlinuz"
cp "$work/x/boot/config-$abi" "$dir/config"
cp -r "$work/modules" "$work/load-svm" "$work/load-vmx" "$dir/"
touch "$dir/.complete"
log "kernel $abi cached in $dir ($(tr '\n' ' ' <"$dir/load-svm")/ $(tr '\n' ' ' <"$dir/load-vmx"))"
echo "$dir"
