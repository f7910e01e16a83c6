#!/bin/sh
# The Linux Test Project table: builds LTP's syscall tests (static, glibc)
# from a checkout outside this repository and runs them in Flint and on this
# host (tools/ltp-run). LTP is never part of the repository.
#
#   tools/ltp.sh --ltp DIR [--obj DIR] [ltp-run options: --pattern RE,
#                --tests FILE, --timeout S, --batch N, --jobs N, -v ...]
#
# DIR may also come from LTP_DIR. The build goes to --obj (default
# build/ltp/obj, ignored by git); the table to build/ltp/results.tsv.
set -e
root=$(cd "$(dirname "$0")/.." && pwd)
ltp=${LTP_DIR:-}
obj=$root/build/ltp/obj
while [ $# -gt 0 ]; do
	case $1 in
	--ltp) ltp=$2; shift 2 ;;
	--obj) obj=$2; shift 2 ;;
	*) break ;;
	esac
done
if [ -z "$ltp" ] || [ ! -f "$ltp/configure.ac" ]; then
	echo "ltp.sh: give an LTP checkout: --ltp DIR or LTP_DIR" \
		"(git clone https://github.com/linux-test-project/ltp)" >&2
	exit 2
fi
ltp=$(cd "$ltp" && pwd)
mkdir -p "$obj"
obj=$(cd "$obj" && pwd)
case $obj/ in "$ltp"/*) echo "ltp.sh: --obj must be outside the LTP checkout" >&2; exit 2 ;; esac

# LTP's build tools, beside what tools/install-deps.sh installs for Flint.
"$root/tools/install-deps.sh"
missing=""
for p in autoconf automake make pkg-config gcc; do
	command -v $p >/dev/null 2>&1 || missing="$missing $p"
done
[ -f /usr/lib/x86_64-linux-gnu/libc.a ] || missing="$missing libc6-dev"
if [ -n "$missing" ]; then
	echo "ltp.sh: installing:$missing"
	if [ "$(id -u)" != 0 ]; then
		echo "ltp.sh: not root; run: sudo apt-get install$missing" >&2
		exit 1
	fi
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	# shellcheck disable=SC2086
	apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi

# Out of tree: the checkout stays as it is, except for configure, which
# LTP's autotools target writes into it.
start=$(date +%s)
[ -x "$ltp/configure" ] || make -C "$ltp" autotools >/dev/null
if [ ! -f "$obj/include/config.h" ]; then
	echo "ltp.sh: configuring LTP in $obj"
	(cd "$obj" && LDFLAGS=-static "$ltp/configure" >"$obj/configure.log" 2>&1) ||
		{ echo "ltp.sh: configure failed, see $obj/configure.log" >&2; exit 1; }
fi
echo "ltp.sh: building LTP's lib and testcases/kernel/syscalls in $obj (log: $obj/build.log)"
mk() {
	nice -n 19 make -j"${LTP_JOBS:-2}" top_srcdir="$ltp" top_builddir="$obj" "$@" \
		>>"$obj/build.log" 2>&1
}
: >"$obj/build.log"
mk -C "$obj" -f "$ltp/Makefile" lib-all libs-all
mkdir -p "$obj/testcases/kernel/syscalls"
# -k: a test that does not build (a header this system lacks) is left out.
mk -k -C "$obj/testcases/kernel/syscalls" -f "$ltp/testcases/kernel/syscalls/Makefile" ||
	echo "ltp.sh: some tests did not build (see $obj/build.log); they are left out"
echo "ltp.sh: built in $(( $(date +%s) - start )) s"

exec "$root/tools/ltp-run" --ltp "$ltp" --obj "$obj" "$@"
