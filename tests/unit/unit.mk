# Host unit tests for the kernel's pure code (tests/unit/): one binary per
# test file, $(BUILD)/unit/test_<name>, built with ASan and UBSan together
# with the kernel sources it exercises (compiled for the host under
# $(BUILD)/unit/obj/). Included by the top-level Makefile: `make unit-tests`
# builds them; each binary runs its cases and prints the check.h protocol.

BUILD ?= build
CC ?= gcc

UNIT_DIR := tests/unit
UNIT_OUT := $(BUILD)/unit
UNIT_OBJ := $(UNIT_OUT)/obj

UNIT_SANITIZE := -fsanitize=address,undefined -fno-sanitize-recover=all
# DIRECT_MAP_BASE=0: "physical" addresses handed to the allocator are host
# pointers into a buffer the test owns.
UNIT_CFLAGS := -std=c11 -g -O1 -Wall -Wextra -Werror $(UNIT_SANITIZE) \
	-fno-omit-frame-pointer -D_POSIX_C_SOURCE=200809L -DDIRECT_MAP_BASE=0 \
	-Iinclude -Iarch/x86_64 -MMD -MP
# lib/format.c defines names the C library has; rename them in both the
# library object and its test.
UNIT_FORMAT_RENAME := -Dvsnprintf=flint_vsnprintf -Dsnprintf=flint_snprintf \
	-Dvformat=flint_vformat

# test_<name> links with UNIT_SRCS_<name>. lib/string.c is linked only
# into test_string, renamed: elsewhere the C library provides those
# functions.
UNIT_TESTS := cmdline memmap page_alloc heap format tsc_freq lz4 crc32 mptable acpi pci vring \
	cpio vfs elf mm ipconfig csum
UNIT_SRCS_cmdline := kernel/cmdline.c
UNIT_SRCS_memmap := kernel/memmap.c lib/sort.c
# The allocators' locks call arch hooks: $(UNIT_DIR)/arch_stub.c stands in.
UNIT_SRCS_page_alloc := kernel/page_alloc.c kernel/memmap.c lib/sort.c $(UNIT_DIR)/arch_stub.c
UNIT_SRCS_heap := kernel/heap.c kernel/page_alloc.c kernel/memmap.c lib/sort.c \
	$(UNIT_DIR)/arch_stub.c
UNIT_SRCS_format := lib/format.c
UNIT_SRCS_tsc_freq := arch/x86_64/tsc_freq.c
UNIT_SRCS_lz4 := lib/lz4.c
UNIT_SRCS_crc32 := lib/crc32.c
# The firmware parsers run on tables captured from QEMU's firmware and the
# Firecracker shim, as hex text in fixtures/ (see capture.sh there), and on
# damaged and hand-made ones; test_pci on a fake configuration space.
UNIT_SRCS_mptable := drivers/mptable.c
UNIT_SRCS_acpi := drivers/acpi.c drivers/platform.c
UNIT_SRCS_pci := drivers/pci.c
# test_vring drives the rings from a simulated device; $(UNIT_DIR)/virtio_fake.c
# stands in for the allocators and printk in the virtio tests.
UNIT_SRCS_vring := drivers/virtio/vring.c drivers/virtio/virtio.c $(UNIT_DIR)/virtio_fake.c
# test_virtio_net drives the virtio-net receive path over the real rings
# from a simulated device, standing in for netdev_receive as well.
UNIT_TESTS += virtio_net
UNIT_SRCS_virtio_net := drivers/virtio/net_rx.c drivers/virtio/vring.c drivers/virtio/virtio.c \
	$(UNIT_DIR)/virtio_fake.c
# test_virtio_net_dev runs drivers/virtio/net.c whole through the core's
# handshake, standing in for the scheduler, clock, entropy and netdev core.
UNIT_TESTS += virtio_net_dev
UNIT_SRCS_virtio_net_dev := drivers/virtio/net.c drivers/virtio/net_rx.c drivers/virtio/vring.c \
	drivers/virtio/virtio.c $(UNIT_DIR)/arch_stub.c $(UNIT_DIR)/virtio_fake.c
UNIT_SRCS_elf := linux/elf.c
UNIT_SRCS_cpio := fs/cpio.c
# test_lock: the byte-range lock tables under fcntl locks and flock.
UNIT_TESTS += lock
UNIT_SRCS_lock := fs/lock_range.c
# test_ext2: the ext2/ext4 reader (fs/ext2/) over images in memory; the
# test provides kmalloc and kfree over malloc and free.
UNIT_TESTS += ext2
UNIT_SRCS_ext2 := $(sort $(wildcard fs/ext2/*.c))
# test_ext2w: the ext2 writer (fs/ext2/) on fresh mke2fs images in memory,
# each result checked with e2fsck -fn and debugfs's rdump.
UNIT_TESTS += ext2w
UNIT_SRCS_ext2w := $(UNIT_SRCS_ext2)
UNIT_SRCS_ipconfig := net/ipconfig.c
UNIT_SRCS_csum := net/csum.c
# test_gso: the rules for merging TCP segments into one frame (net/gso.c).
UNIT_TESTS += gso
UNIT_SRCS_gso := net/gso.c net/csum.c
# test_ipfrag: IPv4 fragments of outgoing frames (net/ipfrag.c).
UNIT_TESTS += ipfrag
UNIT_SRCS_ipfrag := net/ipfrag.c net/csum.c
# test_vfs runs the VFS, pipes, the console tty and /proc on the heap over
# fake RAM, as test_heap does; it stands in for the scheduler, the UART
# and CPUID itself.
UNIT_SRCS_vfs := fs/vfs.c fs/mount.c $(UNIT_DIR)/disk_stub.c fs/ramfs.c fs/pagecache.c \
	kernel/page_ref.c fs/dev.c fs/pipe.c fs/tty.c fs/pty.c fs/procfs.c fs/lock.c fs/lock_range.c \
	lib/format.c \
	kernel/heap.c kernel/page_alloc.c kernel/memmap.c lib/sort.c $(UNIT_DIR)/thread_stub.c \
	$(UNIT_DIR)/arch_stub.c
# test_pagecache runs fs/pagecache.c over fake RAM with a fake backing
# store; $(UNIT_DIR)/sched_fake.c stands in for the mutex and the clock.
UNIT_TESTS += pagecache
UNIT_SRCS_pagecache := fs/pagecache.c kernel/page_ref.c kernel/heap.c kernel/page_alloc.c \
	kernel/memmap.c lib/sort.c $(UNIT_DIR)/sched_fake.c $(UNIT_DIR)/thread_stub.c $(UNIT_DIR)/arch_stub.c
# test_mm runs linux/mm.c on the heap over fake RAM, with page tables and
# the mutex from $(UNIT_DIR)/uspace_fake.c, and files as memory-only page
# caches.
UNIT_SRCS_mm := linux/mm.c fs/pagecache.c kernel/page_ref.c $(UNIT_DIR)/uspace_fake.c kernel/heap.c kernel/page_alloc.c \
	kernel/memmap.c lib/sort.c $(UNIT_DIR)/thread_stub.c $(UNIT_DIR)/arch_stub.c
# test_time includes linux/sys_time.c and linux/sys_info.c whole and runs
# their handlers against stand-ins for the clock, scheduler and user copies.
UNIT_TESTS += time
UNIT_SRCS_time := $(UNIT_DIR)/arch_stub.c
$(UNIT_OBJ)/$(UNIT_DIR)/test_time.o: UNIT_EXTRA_CFLAGS := -Iarch/x86_64/include
# test_poll includes linux/sys_poll.c, linux/epoll.c and linux/eventfd.c
# whole and runs their handlers over a fake process, files and clock.
UNIT_TESTS += poll
UNIT_SRCS_poll := $(UNIT_DIR)/arch_stub.c
$(UNIT_OBJ)/$(UNIT_DIR)/test_poll.o: UNIT_EXTRA_CFLAGS := -Iarch/x86_64/include
# test_signal includes linux/signal.c (its syscalls are static) and
# stands in for the scheduler, the FPU, user memory and process_exit.
UNIT_TESTS += signal
UNIT_SRCS_signal := $(UNIT_DIR)/arch_stub.c
$(UNIT_OBJ)/$(UNIT_DIR)/test_signal.o: UNIT_EXTRA_CFLAGS := -Iarch/x86_64/include
# test_unix and test_netlink drive the families' socket_ops over the VFS
# on the heap, as test_vfs; $(UNIT_DIR)/socket_fake.c stands in for
# net/socket.c, $(UNIT_DIR)/sched_fake.c for the scheduler and
# $(UNIT_DIR)/disk_stub.c for the disks.
# test_netlink has its own net_if_* provider.
UNIT_SOCKET_SRCS := net/caller.c $(UNIT_DIR)/socket_fake.c $(UNIT_DIR)/sched_fake.c \
	$(UNIT_DIR)/thread_stub.c fs/vfs.c fs/lock.c fs/lock_range.c fs/pipe.c \
	fs/mount.c $(UNIT_DIR)/disk_stub.c fs/ramfs.c fs/pagecache.c kernel/page_ref.c lib/format.c \
	kernel/heap.c kernel/page_alloc.c kernel/memmap.c lib/sort.c $(UNIT_DIR)/arch_stub.c
UNIT_TESTS += unix netlink
UNIT_SRCS_unix := net/unix.c net/unix_io.c net/unix_gc.c $(UNIT_SOCKET_SRCS)
UNIT_SRCS_netlink := net/netlink.c net/netlink_msg.c $(UNIT_SOCKET_SRCS)
# test_sockaddr: Linux's socket addresses and option names to lwIP's.
UNIT_TESTS += sockaddr
UNIT_SRCS_sockaddr := net/sockaddr.c
# test_string: lib/string.c under other names, beside the C library's.
UNIT_TESTS += string
UNIT_SRCS_string := lib/string.c
UNIT_STRING_RENAME := -Dmemcpy=flint_memcpy -Dmemmove=flint_memmove -Dmemset=flint_memset \
	-Dmemcmp=flint_memcmp -Dstrlen=flint_strlen -Dstrnlen=flint_strnlen -Dstrcmp=flint_strcmp \
	-Dstrncmp=flint_strncmp -Dstrchr=flint_strchr -fno-builtin
$(UNIT_OBJ)/lib/string.o $(UNIT_OBJ)/$(UNIT_DIR)/test_string.o: \
	UNIT_EXTRA_CFLAGS := $(UNIT_STRING_RENAME)
$(UNIT_OBJ)/$(UNIT_DIR)/test_sockaddr.o: UNIT_EXTRA_CFLAGS := -Inet
UNIT_MPTABLE_DIR := $(UNIT_DIR)/fixtures/mptable
UNIT_ACPI_DIR := $(UNIT_DIR)/fixtures/acpi

# test_lz4 decodes frames made by Debian's lz4 command: each input below
# compressed with each option set, as $(UNIT_LZ4_DIR)/<input>.<options>.lz4
# next to <input>.raw. The test reads them at run time; LZ4_FIXTURES names
# them all. The inputs are deterministic (Python's random.Random(seed)
# gives the same bytes everywhere) so that a failure reproduces. (lz4 makes
# a frame of one block independent whatever -BD says: "linked" uses
# 256 KiB blocks, so that "mix" has two.)
LZ4 ?= lz4
PYTHON ?= python3
UNIT_LZ4_DIR := $(UNIT_OUT)/lz4
UNIT_LZ4_INPUTS := empty one small zeros text random mix
UNIT_LZ4_OPTS := default hc linked b4 b4linked size nocrc blockcrc all image
UNIT_LZ4_OPT_default :=
UNIT_LZ4_OPT_hc := -9
UNIT_LZ4_OPT_linked := -B5 -BD
UNIT_LZ4_OPT_b4 := -B4
UNIT_LZ4_OPT_b4linked := -B4 -BD
UNIT_LZ4_OPT_size := --content-size
UNIT_LZ4_OPT_nocrc := --no-frame-crc
UNIT_LZ4_OPT_blockcrc := -B4 -BX
UNIT_LZ4_OPT_all := -9 -B4 -BD -BX --content-size
UNIT_LZ4_OPT_image := -9 -BD --content-size
UNIT_LZ4_NAMES := $(foreach i,$(UNIT_LZ4_INPUTS),$(UNIT_LZ4_OPTS:%=$(i).%))
UNIT_LZ4_FRAMES := $(UNIT_LZ4_NAMES:%=$(UNIT_LZ4_DIR)/%.lz4)

# Prints the input named by argv[1]. "mix" (~300 KiB) has text across the
# 64 KiB block boundaries (-B4: linked blocks refer back), a random stretch
# that fills a whole 64 KiB block (stored uncompressed), random data seen
# again 10 KB later, and runs of every period from 1 to 11 bytes.
define UNIT_LZ4_INPUT_PY
import random, sys
rnd = random.Random(1).randbytes
text = b"".join(b"%d: the quick brown fox jumps over the lazy dog\n" % (i * i % 1009)
                for i in range(3000))
again = rnd(10000)
periods = b"".join(bytes(range(1, p + 1)) * (3000 // p) for p in range(1, 12))
inputs = {
    "empty": b"",
    "one": b"x",
    "small": text[:2000],
    "zeros": bytes(150000),
    "text": text,
    "random": rnd(150000),
    "mix": text[:100000] + bytes(20000) + rnd(90000) + text[:50000] + again + again
           + periods + bytes(4000),
}
sys.stdout.buffer.write(inputs[sys.argv[1]])
endef

# The program reaches python through the environment: a recipe line cannot
# hold its newlines.
$(UNIT_LZ4_DIR)/%.raw: export UNIT_LZ4_INPUT_PY := $(UNIT_LZ4_INPUT_PY)
$(UNIT_LZ4_DIR)/%.raw: $(UNIT_DIR)/unit.mk
	@mkdir -p $(dir $@)
	$(PYTHON) -c "$$UNIT_LZ4_INPUT_PY" $* > $@.tmp && mv $@.tmp $@

define UNIT_LZ4_RULE
$(UNIT_LZ4_DIR)/$(1).$(2).lz4: $(UNIT_LZ4_DIR)/$(1).raw
	$(LZ4) -q $(UNIT_LZ4_OPT_$(2)) -c $$< > $$@.tmp && mv $$@.tmp $$@
endef
$(foreach i,$(UNIT_LZ4_INPUTS),$(foreach o,$(UNIT_LZ4_OPTS),\
	$(eval $(call UNIT_LZ4_RULE,$(i),$(o)))))

# test_elf parses real programs built from fixtures/elf/hello.c: static
# (glibc and musl), static-PIE and dynamic (refused for its PT_INTERP), as
# $(UNIT_ELF_DIR)/hello.<kind>, each with readelf's account of it in
# hello.<kind>.readelf, the facts the test compares against.
MUSL_GCC ?= musl-gcc
READELF ?= readelf
UNIT_ELF_DIR := $(UNIT_OUT)/elf
UNIT_ELF_KINDS := static static-pie musl dynamic
UNIT_ELF_CC_static := $(CC) -static
UNIT_ELF_CC_static-pie := $(CC) -static-pie
UNIT_ELF_CC_musl := $(MUSL_GCC) -static
UNIT_ELF_CC_dynamic := $(CC)
UNIT_ELF_FILES := $(foreach k,$(UNIT_ELF_KINDS),$(UNIT_ELF_DIR)/hello.$(k) \
	$(UNIT_ELF_DIR)/hello.$(k).readelf)

$(UNIT_ELF_DIR)/hello.%: $(UNIT_DIR)/fixtures/elf/hello.c $(UNIT_DIR)/unit.mk
	@mkdir -p $(dir $@)
	$(UNIT_ELF_CC_$*) -O1 -o $@ $<

$(UNIT_ELF_DIR)/hello.%.readelf: $(UNIT_ELF_DIR)/hello.%
	$(READELF) -hlW $< > $@.tmp && mv $@.tmp $@

# test_cpio parses archives made by Debian's cpio from a small tree (a
# directory, files of 0 to 5000 bytes, a symlink, odd modes), in the newc
# and crc formats: $(UNIT_CPIO_DIR)/tree.<format>.cpio.
CPIO ?= cpio
UNIT_CPIO_DIR := $(UNIT_OUT)/cpio
UNIT_CPIO_FORMATS := newc crc
UNIT_CPIO_ARCHIVES := $(UNIT_CPIO_FORMATS:%=$(UNIT_CPIO_DIR)/tree.%.cpio)

$(UNIT_CPIO_DIR)/tree/.made: $(UNIT_DIR)/unit.mk
	rm -rf $(dir $@) && mkdir -p $(dir $@)dir
	printf 'hello\n' > $(dir $@)dir/hello
	$(PYTHON) -c "import sys; sys.stdout.write('x' * 5000)" > $(dir $@)big
	: > $(dir $@)empty
	ln -s dir/hello $(dir $@)link
	chmod 0751 $(dir $@)dir && chmod 0640 $(dir $@)dir/hello && chmod 0755 $(dir $@)big
	touch $@

$(UNIT_CPIO_DIR)/tree.%.cpio: $(UNIT_CPIO_DIR)/tree/.made
	cd $(UNIT_CPIO_DIR)/tree && find . ! -name .made | LC_ALL=C sort | \
		$(CPIO) --quiet -o -H $* > ../tree.$*.cpio.tmp && mv ../tree.$*.cpio.tmp ../tree.$*.cpio

# test_ext2 reads ext2 and ext4 images that Debian's mke2fs makes from the
# tree $(UNIT_DIR)/ext2_tree.py writes (sparse files up to 5 GiB, 3000
# entries in a directory, symlinks, odd modes and owners), one image per
# layout below, each next to dumpe2fs -h's account of it (<name>.info),
# the figures the test's statfs check compares against. The rev0 image is
# made from a subtree: revision 0 cannot hold files of 2 GiB and more.
# mke2fs -d writes directories as plain lists: e2fsck -D then rebuilds
# those of the UNIT_EXT2_HTREE images as hash trees (dir_index), "many"
# two levels deep. e2fsck exits with 1 when it changed something.
E2FSCK ?= $(firstword $(wildcard /usr/sbin/e2fsck /sbin/e2fsck) e2fsck)
MKE2FS ?= $(firstword $(wildcard /usr/sbin/mke2fs /sbin/mke2fs) mke2fs)
DUMPE2FS ?= $(firstword $(wildcard /usr/sbin/dumpe2fs /sbin/dumpe2fs) dumpe2fs)
UNIT_EXT2_DIR := $(UNIT_OUT)/ext2
UNIT_EXT2_KINDS := ext2-1k ext2-2k ext2-4k ext2-rev0 ext2-metabg ext4 ext4-4k
UNIT_EXT2_OPT_ext2-1k := -t ext2 -b 1024
UNIT_EXT2_OPT_ext2-2k := -t ext2 -b 2048
UNIT_EXT2_OPT_ext2-4k := -t ext2 -b 4096
UNIT_EXT2_OPT_ext2-rev0 := -t ext2 -r 0 -b 1024
UNIT_EXT2_OPT_ext2-metabg := -t ext2 -b 1024 -O meta_bg,^resize_inode
UNIT_EXT2_OPT_ext4 := -t ext4
UNIT_EXT2_OPT_ext4-4k := -t ext4 -b 4096
UNIT_EXT2_SUB_ext2-rev0 := /level0
UNIT_EXT2_HTREE := ext2-1k ext4 ext4-4k
UNIT_EXT2_FILES := $(foreach k,$(UNIT_EXT2_KINDS),$(UNIT_EXT2_DIR)/$(k).img $(UNIT_EXT2_DIR)/$(k).info)

$(UNIT_EXT2_DIR)/tree.made: $(UNIT_DIR)/ext2_tree.py $(UNIT_DIR)/unit.mk
	rm -rf $(UNIT_EXT2_DIR)/tree && mkdir -p $(UNIT_EXT2_DIR)
	$(PYTHON) $(UNIT_DIR)/ext2_tree.py $(UNIT_EXT2_DIR)/tree
	touch $@

$(UNIT_EXT2_DIR)/%.img: $(UNIT_EXT2_DIR)/tree.made
	rm -f $@ $@.tmp
	$(MKE2FS) -q -F $(UNIT_EXT2_OPT_$*) -d $(UNIT_EXT2_DIR)/tree$(UNIT_EXT2_SUB_$*) $@.tmp 32M \
		> /dev/null
	$(if $(filter $*,$(UNIT_EXT2_HTREE)),$(E2FSCK) -fyD $@.tmp > /dev/null 2>&1 || test $$? -le 1)
	mv $@.tmp $@

$(UNIT_EXT2_DIR)/%.info: $(UNIT_EXT2_DIR)/%.img
	$(DUMPE2FS) -h $< > $@.tmp 2>/dev/null && mv $@.tmp $@

# so that `make build/unit/test_ext2 && build/unit/test_ext2` works alone
$(UNIT_OUT)/test_ext2: | $(UNIT_EXT2_FILES)

# test_ext2w starts from empty ext2 images of 1, 2 and 4 KiB blocks (the
# 1 KiB one without large_file, which the writer must then set) and a
# small one of few inodes for running out of space. DEBUGFS: the test's.
DEBUGFS ?= $(firstword $(wildcard /usr/sbin/debugfs /sbin/debugfs) debugfs)
UNIT_EXT2W_DIR := $(UNIT_OUT)/ext2w
UNIT_EXT2W_KINDS := 1k 2k 4k small
UNIT_EXT2W_OPT_1k := -b 1024 -O ^large_file
UNIT_EXT2W_OPT_2k := -b 2048
UNIT_EXT2W_OPT_4k := -b 4096
UNIT_EXT2W_OPT_small := -b 1024 -N 32
UNIT_EXT2W_SIZE_small := 1M
UNIT_EXT2W_FILES := $(UNIT_EXT2W_KINDS:%=$(UNIT_EXT2W_DIR)/%.img)

$(UNIT_EXT2W_DIR)/%.img: $(UNIT_DIR)/unit.mk
	@mkdir -p $(dir $@)
	rm -f $@ $@.tmp
	$(MKE2FS) -q -F -t ext2 $(UNIT_EXT2W_OPT_$*) $@.tmp $(or $(UNIT_EXT2W_SIZE_$*),32M) > /dev/null
	mv $@.tmp $@

$(UNIT_OUT)/test_ext2w: | $(UNIT_EXT2W_FILES) $(UNIT_EXT2_FILES)

UNIT_BINS := $(UNIT_TESTS:%=$(UNIT_OUT)/test_%)
UNIT_OBJS := $(sort $(UNIT_TESTS:%=$(UNIT_OBJ)/$(UNIT_DIR)/test_%.o) \
	$(foreach t,$(UNIT_TESTS),$(UNIT_SRCS_$(t):%.c=$(UNIT_OBJ)/%.o)))

.PHONY: unit-tests
unit-tests: $(UNIT_BINS) $(UNIT_LZ4_FRAMES) $(UNIT_CPIO_ARCHIVES) $(UNIT_ELF_FILES) \
	$(UNIT_EXT2_FILES) $(UNIT_EXT2W_FILES)

$(UNIT_OBJ)/lib/format.o $(UNIT_OBJ)/$(UNIT_DIR)/test_format.o $(UNIT_OBJ)/fs/procfs.o \
	$(UNIT_OBJ)/fs/mount.o: \
	UNIT_EXTRA_CFLAGS := $(UNIT_FORMAT_RENAME)
$(UNIT_OBJ)/$(UNIT_DIR)/test_lz4.o: UNIT_EXTRA_CFLAGS := \
	-DLZ4_FIXTURE_DIR='"$(abspath $(UNIT_LZ4_DIR))"' -DLZ4_FIXTURES='"$(UNIT_LZ4_NAMES)"'
$(UNIT_OBJ)/$(UNIT_DIR)/test_elf.o: UNIT_EXTRA_CFLAGS := \
	-DELF_FIXTURE_DIR='"$(abspath $(UNIT_ELF_DIR))"'
$(UNIT_OBJ)/$(UNIT_DIR)/test_cpio.o: UNIT_EXTRA_CFLAGS := \
	-DCPIO_FIXTURE_DIR='"$(abspath $(UNIT_CPIO_DIR))"'
$(UNIT_OBJ)/$(UNIT_DIR)/test_ext2.o: UNIT_EXTRA_CFLAGS := \
	-DEXT2_FIXTURE_DIR='"$(abspath $(UNIT_EXT2_DIR))"'
$(UNIT_OBJ)/$(UNIT_DIR)/test_ext2w.o: UNIT_EXTRA_CFLAGS := \
	-DEXT2W_FIXTURE_DIR='"$(abspath $(UNIT_EXT2W_DIR))"' \
	-DEXT2_FIXTURE_DIR='"$(abspath $(UNIT_EXT2_DIR))"' \
	-DE2FSCK='"$(E2FSCK)"' -DDEBUGFS='"$(DEBUGFS)"'
$(UNIT_OBJ)/$(UNIT_DIR)/test_mptable.o: UNIT_EXTRA_CFLAGS := \
	-DMPTABLE_FIXTURE_DIR='"$(abspath $(UNIT_MPTABLE_DIR))"'
$(UNIT_OBJ)/$(UNIT_DIR)/test_acpi.o: UNIT_EXTRA_CFLAGS := \
	-DACPI_FIXTURE_DIR='"$(abspath $(UNIT_ACPI_DIR))"'
# The driver's port accessors come from the arch headers.
$(UNIT_OBJ)/drivers/pci.o: UNIT_EXTRA_CFLAGS := -Iarch/x86_64/include
# <flint/uspace.h> includes <arch/trap.h>.
$(UNIT_OBJ)/linux/mm.o $(UNIT_OBJ)/$(UNIT_DIR)/uspace_fake.o $(UNIT_OBJ)/$(UNIT_DIR)/test_mm.o: \
	UNIT_EXTRA_CFLAGS := -Iarch/x86_64/include

# unit.mk is a prerequisite so that changed flags rebuild everything.
$(UNIT_OBJS): $(UNIT_OBJ)/%.o: %.c $(UNIT_DIR)/unit.mk
	@mkdir -p $(dir $@)
	$(CC) $(UNIT_CFLAGS) $(UNIT_EXTRA_CFLAGS) -c $< -o $@

define UNIT_LINK_RULE
$(UNIT_OUT)/test_$(1): $(UNIT_OBJ)/$(UNIT_DIR)/test_$(1).o $(UNIT_SRCS_$(1):%.c=$(UNIT_OBJ)/%.o)
	$$(CC) $(UNIT_SANITIZE) -o $$@ $$^
endef
$(foreach t,$(UNIT_TESTS),$(eval $(call UNIT_LINK_RULE,$(t))))

-include $(UNIT_OBJS:.o=.d)
