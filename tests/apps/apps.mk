# Guest test programs (tests/apps/): static Linux programs that Flint's
# boot tests (tests/boot/linux_cases.py) run. Each is built against musl
# and glibc, as $(BUILD)/apps/<name>.musl and <name>.glibc; APPS_PIE also
# as static-PIE, <name>.musl-pie and <name>.glibc-pie. `make initrd` packs the
# demo initrd: hello as /init, and busybox. APPS_ALL names everything the
# boot tests need.

BUILD ?= build
CC ?= gcc
MUSL_GCC ?= musl-gcc
BUSYBOX ?= /bin/busybox

APPS_DIR := tests/apps
APPS_OUT := $(BUILD)/apps
APPS := hello args files mem time random threads poll signal exit3 abort efault enosys environ sigmask sigint \
	fork spawn spawnee restart sockets unix net_epoll net_hold sync mapfile shm fsbench \
	fsync_records
APPS += inotify
APPS += locks fileops
APPS += pty
APPS += procfs sched
APPS += timers initsig cputime sigextra
APPS += sysv
APPS += creds
APPS_PIE := hello args files
# Also linked dynamically (glibc's ld-linux, musl's ld-musl): the loader
# path; wrap.so is a library LD_PRELOAD puts in front of libc.
APPS_DYN := hello
APPS_CFLAGS := -std=c11 -O2 -g -Wall -Wextra -Werror -D_GNU_SOURCE -pthread

# Debian's musl-gcc specs know no -static-pie (they link Scrt1.o and ask
# for /lib/ld-musl-x86_64.so.1): link musl's self-relocating rcrt1.o by
# hand, as a static PIE without an interpreter.
MUSL_LIB := /usr/lib/x86_64-linux-musl
MUSL_PIE_START = $(MUSL_LIB)/rcrt1.o $(MUSL_LIB)/crti.o $(shell $(CC) -print-file-name=crtbeginS.o)
MUSL_PIE_END = $(shell $(CC) -print-file-name=crtendS.o) $(MUSL_LIB)/crtn.o
MUSL_PIE_LDFLAGS := -nostartfiles -static -Wl,-pie,--no-dynamic-linker,-z,text

APPS_ALL := $(foreach a,$(APPS),$(APPS_OUT)/$(a).musl $(APPS_OUT)/$(a).glibc) \
	$(foreach a,$(APPS_PIE),$(APPS_OUT)/$(a).musl-pie $(APPS_OUT)/$(a).glibc-pie) \
	$(foreach a,$(APPS_DYN),$(APPS_OUT)/$(a).musl-dyn $(APPS_OUT)/$(a).glibc-dyn) \
	$(APPS_OUT)/wrap.so \
	$(BUILD)/initrd.cpio

APPS_DEPS := $(APPS_DIR)/check.h $(APPS_DIR)/reap.h $(APPS_DIR)/meminfo.h $(APPS_DIR)/apps.mk

$(APPS_OUT)/%.musl: $(APPS_DIR)/%.c $(APPS_DEPS)
	@mkdir -p $(dir $@)
	$(MUSL_GCC) -static $(APPS_CFLAGS) -o $@ $<

$(APPS_OUT)/%.glibc: $(APPS_DIR)/%.c $(APPS_DEPS)
	@mkdir -p $(dir $@)
	$(CC) -static $(APPS_CFLAGS) -o $@ $<

$(APPS_OUT)/%.musl-pie: $(APPS_DIR)/%.c $(APPS_DEPS)
	@mkdir -p $(dir $@)
	$(MUSL_GCC) -fPIE $(MUSL_PIE_LDFLAGS) $(APPS_CFLAGS) -o $@ $(MUSL_PIE_START) $< \
		$(MUSL_PIE_END)

$(APPS_OUT)/%.glibc-pie: $(APPS_DIR)/%.c $(APPS_DEPS)
	@mkdir -p $(dir $@)
	$(CC) -static-pie -fPIE $(APPS_CFLAGS) -o $@ $<

$(APPS_OUT)/%.musl-dyn: $(APPS_DIR)/%.c $(APPS_DEPS)
	@mkdir -p $(dir $@)
	$(MUSL_GCC) $(APPS_CFLAGS) -o $@ $<

$(APPS_OUT)/%.glibc-dyn: $(APPS_DIR)/%.c $(APPS_DEPS)
	@mkdir -p $(dir $@)
	$(CC) $(APPS_CFLAGS) -o $@ $<

$(APPS_OUT)/wrap.so: $(APPS_DIR)/wrap.c $(APPS_DEPS)
	@mkdir -p $(dir $@)
	$(CC) -shared -fPIC $(APPS_CFLAGS) -o $@ $<

$(BUILD)/initrd.cpio: $(APPS_OUT)/hello.musl tools/flint-initrd $(APPS_DIR)/apps.mk
	tools/flint-initrd -o $@ $(APPS_OUT)/hello.musl --dir /tmp --busybox /bin \
		--busybox-binary $(BUSYBOX)

.PHONY: apps initrd
apps: $(APPS_ALL)
initrd: $(BUILD)/initrd.cpio
