#!/bin/sh
# /init of the Linux baseline guest (tools/linux-baseline.sh) for the
# network tests (tests/boot/net_cases.py) and make bench's network table:
# packed as a second archive after the baseline's initramfs, so that it
# replaces that /init. Debian's cloud kernel has virtio_net as a module and
# no CONFIG_IP_PNP, so ip= on its command line is read here, the way Linux
# would apply it (static: ip=CLIENT::GW:NETMASK:HOSTNAME:DEV:off; ip=dhcp:
# busybox udhcpc, resolv.conf from the lease). Then it runs the program
# given after "--" and prints "linux-net: exit N" (no isa-debug-exit from
# this kernel's userland) before powering off.
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
mkdir -p /tmp /etc /var/run
for m in virtio_ring virtio virtio_pci_legacy_dev virtio_pci_modern_dev virtio_pci virtio_mmio \
	failover net_failover virtio_net; do
	insmod /lib/modules/$m.ko
done
ip link set lo up

# The dotted netmask's prefix length.
prefix() {
	n=0
	for byte in $(echo "$1" | tr . ' '); do
		while [ "$byte" -gt 0 ]; do n=$((n + (byte & 1))); byte=$((byte >> 1)); done
	done
	echo $n
}

ipconf=
for word in $(cat /proc/cmdline); do
	case $word in ip=*) ipconf=${word#ip=} ;; esac
done
i=0
while [ ! -e /sys/class/net/eth0 ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
case $ipconf in
'' | off | none) ;;
dhcp)
	ip link set eth0 up
	cat > /tmp/udhcpc.sh <<'SCRIPT'
#!/bin/sh
[ "$1" = bound ] || [ "$1" = renew ] || exit 0
ip addr flush dev "$interface"
ip addr add "$ip/$mask" dev "$interface"
for r in $router; do ip route add default via "$r" dev "$interface"; break; done
: > /etc/resolv.conf
for d in $dns; do echo "nameserver $d" >> /etc/resolv.conf; done
SCRIPT
	chmod +x /tmp/udhcpc.sh
	udhcpc -i eth0 -n -q -t 10 -s /tmp/udhcpc.sh >/dev/null 2>&1 || echo "linux-net: no DHCP lease"
	;;
*)
	IFS=: read -r client server gw mask host dev auto dns0 dns1 <<EOF
$ipconf
EOF
	dev=${dev:-eth0}
	ip link set "$dev" up
	ip addr add "$client/$(prefix "${mask:-255.255.255.0}")" dev "$dev"
	[ -n "$gw" ] && ip route add default via "$gw" dev "$dev"
	# Firecracker's metadata address, on-link (as its guests configure it).
	ip route add 169.254.169.254 dev "$dev"
	[ -n "$host" ] && hostname "$host"
	: > /etc/resolv.conf
	for d in $dns0 $dns1; do echo "nameserver $d" >> /etc/resolv.conf; done
	;;
esac
echo "linux-net: ready"
if [ $# -gt 0 ]; then
	"$@"
	echo "linux-net: exit $?"
fi
poweroff -f
