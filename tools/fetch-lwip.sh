#!/bin/sh
# Fetches Debian 12's lwip source package (Debian's patches applied) into
# $1 (default build/lwip-src), using deb-src entries derived from this
# machine's own apt sources and private apt lists, so the system's apt
# state is untouched. Quiet and quick once done.
set -e
want=2.1.3+dfsg1-2
dest=${1:-build/lwip-src}
stamp=$dest/.flint-version
[ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && exit 0

mkdir -p "$(dirname "$dest")"
work=$(cd "$(dirname "$dest")" && pwd)/lwip-fetch
rm -rf "$work" "$dest"
mkdir -p "$work/lists/partial" "$work/archives/partial" "$work/sources.list.d"

# deb-src twins of every enabled deb entry: one-line lists and deb822 files.
srcs=$work/sources.list.d
for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
	[ -f "$f" ] || continue
	sed -n 's/^[[:space:]]*deb[[:space:]]/deb-src /p' "$f"
done > "$srcs/flint.list"
for f in /etc/apt/sources.list.d/*.sources; do
	[ -f "$f" ] || continue
	sed 's/^Types:.*/Types: deb-src/' "$f" > "$srcs/$(basename "$f")"
done

apt_opts="-o Dir::Etc::SourceList=$srcs/flint.list -o Dir::Etc::SourceParts=$srcs
	-o Dir::State::Lists=$work/lists -o Dir::Cache=$work
	-o Dir::Cache::Archives=$work/archives -o Debug::NoLocking=1 -o APT::Sandbox::User=root -qq"
# shellcheck disable=SC2086
apt-get $apt_opts update >/dev/null
# shellcheck disable=SC2086
(cd "$work" && apt-get $apt_opts source --download-only "lwip=$want" >/dev/null)

dsc=$work/lwip_$want.dsc
[ -f "$dsc" ] || { echo "fetch-lwip: lwip $want not found in the apt sources" >&2; exit 1; }
# apt checked the files against the signed index; dpkg-source's own
# signature check lacks the maintainer's key and only talks about it.
dpkg-source -x "$dsc" "$work/src" >"$work/unpack.log" 2>&1 ||
	{ cat "$work/unpack.log" >&2; exit 1; }
ver=$(sed -n 's/^#define LWIP_VERSION_\(MAJOR\|MINOR\|REVISION\)[[:space:]]*\([0-9]*\).*/\2/p' \
	"$work/src/src/include/lwip/init.h" | paste -sd.)
[ "$ver" = 2.1.3 ] || { echo "fetch-lwip: expected lwip 2.1.3, got '$ver'" >&2; exit 1; }
mv "$work/src" "$dest"
echo "$want" > "$stamp"
rm -rf "$work"
echo "fetch-lwip: lwip $want in $dest"
