#!/bin/sh
# The Linux baseline guest for make bench's block section (tools/bench.py):
# Debian's cloud kernel and a busybox initramfs whose /init loads the virtio
# modules, reads all of /dev/vda with dd (1 MiB, O_DIRECT), does the random
# 4 KiB reads of tools/bench/randread.c, prints
#   linux-bench: seq <MiB/s> MiB/s rand4k <IOPS> IOPS
# and powers off. With bench=processes on the kernel command line it runs
# tools/bench/forkbench.c instead (the process section), which prints
# "bench: fork_us N" and "bench: spawn_us N", and powers off. Packages are
# fetched with apt-get download and unpacked with dpkg-deb -x under
# build/linux/: nothing is installed. A second run
# reuses what is there. Prints the kernel and initramfs paths on success.
set -eu

ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT=$ROOT/build/linux
RANDREAD_SRC=$ROOT/tools/bench/randread.c
FORKBENCH_SRC=$ROOT/tools/bench/forkbench.c
RAND_READS=2000
MODULES="virtio_ring virtio virtio_pci_legacy_dev virtio_pci_modern_dev virtio_pci virtio_mmio virtio_blk"
# The network section and tests/boot/net_cases.py load these after MODULES
# (their /init comes from tests/boot/linux-net-init.sh, packed over this one).
NET_MODULES="failover net_failover virtio_net"

mkdir -p "$OUT/debs"
INITRAMFS=$OUT/initramfs.cpio.gz
VMLINUZ=$OUT/vmlinuz
if [ -f "$INITRAMFS" ] && [ -f "$VMLINUZ" ] && [ "$INITRAMFS" -nt "$0" ] &&
   [ "$INITRAMFS" -nt "$RANDREAD_SRC" ] && [ "$INITRAMFS" -nt "$FORKBENCH_SRC" ]; then
	echo "$VMLINUZ $INITRAMFS"
	exit 0
fi

# apt-get download PACKAGE into debs/ unless a .deb of it is there; retries
# after apt-get update.
fetch() {
	if ! ls "$OUT/debs/$1"_*.deb >/dev/null 2>&1; then
		(cd "$OUT/debs" && { apt-get download "$1" >/dev/null 2>&1 ||
			{ apt-get update >/dev/null 2>&1 && apt-get download "$1" >/dev/null; }; })
	fi
	ls "$OUT/debs/$1"_*.deb | head -n 1
}

# linux-image-cloud-amd64 depends on the versioned image package.
IMAGE_PKG=$(apt-cache depends linux-image-cloud-amd64 |
	sed -n 's/^ *Depends: \(linux-image-[0-9][^ ]*-cloud-amd64\)$/\1/p' | head -n 1)
[ -n "$IMAGE_PKG" ] || { echo "linux-baseline: no versioned linux-image-cloud-amd64" >&2; exit 1; }
KVER=${IMAGE_PKG#linux-image-}

rm -rf "$OUT/kernel" "$OUT/busybox" "$OUT/cpio" "$OUT/initramfs"
dpkg-deb -x "$(fetch "$IMAGE_PKG")" "$OUT/kernel"
dpkg-deb -x "$(fetch busybox-static)" "$OUT/busybox"
if command -v cpio >/dev/null; then
	CPIO=cpio
else
	dpkg-deb -x "$(fetch cpio)" "$OUT/cpio"
	CPIO=$OUT/cpio/bin/cpio
fi

R=$OUT/initramfs
mkdir -p "$R/bin" "$R/proc" "$R/sys" "$R/dev" "$R/lib/modules"
cp "$OUT/busybox/bin/busybox" "$R/bin/busybox"
for applet in $("$R/bin/busybox" --list); do
	[ -e "$R/bin/$applet" ] || ln -s busybox "$R/bin/$applet"
done
for m in $MODULES $NET_MODULES; do
	ko=$(find "$OUT/kernel/lib/modules/$KVER/kernel" -name "$m.ko*" | head -n 1)
	[ -n "$ko" ] || { echo "linux-baseline: no module $m in $IMAGE_PKG" >&2; exit 1; }
	case $ko in
	*.xz) xz -dc "$ko" > "$R/lib/modules/$m.ko" ;;
	*.zst) zstd -dcq "$ko" > "$R/lib/modules/$m.ko" ;;
	*) cp "$ko" "$R/lib/modules/$m.ko" ;;
	esac
done
gcc -static -O2 -o "$R/bin/randread" "$RANDREAD_SRC"
# musl, as on Flint: the spawned program's size and start-up are the same.
musl-gcc -static -O2 -o "$R/bin/forkbench" "$FORKBENCH_SRC"

cat > "$R/init" <<INIT
#!/bin/sh
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
case " \$(cat /proc/cmdline) " in
*" bench=processes "*) /bin/forkbench; poweroff -f ;;
esac
for m in $MODULES; do insmod /lib/modules/\$m.ko; done
i=0
while [ ! -b /dev/vda ] && [ \$i -lt 100 ]; do sleep 0.1; i=\$((i + 1)); done
if [ -b /dev/vda ]; then
	bytes=\$((\$(cat /sys/block/vda/size) * 512))
	t0=\$(randread now)
	dd if=/dev/vda of=/dev/null bs=1M iflag=direct 2>/dev/null
	t1=\$(randread now)
	iops=\$(randread /dev/vda $RAND_READS)
	echo "linux-bench: seq \$((bytes / 1024 * 1000000000 / (t1 - t0) / 1024)) MiB/s rand4k \$iops IOPS"
else
	echo "linux-bench: no /dev/vda"
fi
poweroff -f
INIT
chmod +x "$R/init"
(cd "$R" && find . | "$CPIO" -o -H newc --quiet | gzip -1) > "$INITRAMFS.tmp"
cp "$OUT/kernel/boot/vmlinuz-$KVER" "$VMLINUZ"
mv "$INITRAMFS.tmp" "$INITRAMFS"
echo "$VMLINUZ $INITRAMFS"
