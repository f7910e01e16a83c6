#!/bin/sh
# Installs what building and testing Flint needs on Debian 12, when it is
# missing. Needs root (CI and the project's machines run as root). With
# "bench": also what make bench alone needs (ab, from apache2-utils, for the
# network table's requests per second).
set -e
missing=""
need() { command -v "$1" >/dev/null 2>&1 || missing="$missing $2"; }
need gcc gcc
need make make
need ld binutils
need nm binutils
need cmp diffutils
need python3 python3
need lz4 lz4
need cpio cpio
# mke2fs and dumpe2fs live in /usr/sbin, often not on a user's PATH.
[ -x /usr/sbin/mke2fs ] || [ -x /sbin/mke2fs ] || need mke2fs e2fsprogs
need dpkg-source dpkg-dev
need musl-gcc musl-tools
need qemu-system-x86_64 qemu-system-x86
# The tests pack one static busybox (busybox-static): Debian's busybox
# package is dynamic.
[ -x /bin/busybox ] && ! readelf -lW /bin/busybox 2>/dev/null | grep -q INTERP ||
	missing="$missing busybox-static"
[ "${1:-}" = bench ] && need ab apache2-utils
[ -z "$missing" ] && exit 0
echo "install-deps: installing:$missing"
if [ "$(id -u)" != 0 ]; then
	echo "install-deps: not root; run: sudo apt-get install$missing" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
