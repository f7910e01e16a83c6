# Flint: `make` builds the kernel and the test shim, `make run` boots the
# demo on QEMU, `make test` runs every test, `make bench` measures boots.
BUILD ?= build
CC ?= gcc
LD ?= ld
PYTHON ?= python3
QEMU ?= qemu-system-x86_64

KERNEL := $(BUILD)/flint.elf
INCLUDES := -Iinclude -Iarch/x86_64/include

KERNEL_CFLAGS := -std=c11 -O2 -g -Wall -Wextra -Werror \
	-ffreestanding -fno-pie -fno-pic -fno-stack-protector \
	-fno-omit-frame-pointer -fno-delete-null-pointer-checks \
	-fno-asynchronous-unwind-tables -mcmodel=kernel -mno-red-zone \
	-mgeneral-regs-only $(INCLUDES) -MMD -MP
KERNEL_LDFLAGS := -nostdlib -z max-page-size=4096 -z noexecstack --build-id=none \
	-T arch/x86_64/linker.ld

KERNEL_SRCS := $(sort $(wildcard arch/x86_64/*.c arch/x86_64/*.S kernel/*.c \
	drivers/*.c drivers/virtio/*.c fs/*.c fs/ext2/*.c net/*.c linux/*.c init/*.c) lib/format.c lib/sort.c lib/string.c)
KERNEL_OBJS := $(KERNEL_SRCS:%=$(BUILD)/kernel/%.o) $(BUILD)/kernel/syscall_names.o

.PHONY: all run test bench deps clean ltp
all: $(KERNEL) $(BUILD)/fcshim.elf $(BUILD)/flint.img

include net/net.mk

$(BUILD)/kernel/%.c.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(KERNEL_CFLAGS) -c $< -o $@

$(BUILD)/kernel/syscall_names.o: tools/gen-syscall-names.sh
	@mkdir -p $(dir $@)
	tools/gen-syscall-names.sh > $(BUILD)/kernel/syscall_names.c
	$(CC) $(KERNEL_CFLAGS) -c $(BUILD)/kernel/syscall_names.c -o $@

$(BUILD)/kernel/%.S.o: %.S
	@mkdir -p $(dir $@)
	$(CC) $(KERNEL_CFLAGS) -c $< -o $@

# Two links: the first one's text symbols become the stack-trace table of
# the second (the table sits after all code, so no symbol moves).
$(KERNEL): $(KERNEL_OBJS) arch/x86_64/linker.ld tools/gen-ksyms.sh
	tools/gen-ksyms.sh > $(BUILD)/ksyms.pass1.S
	$(CC) -c $(BUILD)/ksyms.pass1.S -o $(BUILD)/ksyms.pass1.o
	$(LD) $(KERNEL_LDFLAGS) -o $(BUILD)/flint.pass1.elf $(KERNEL_OBJS) $(BUILD)/ksyms.pass1.o
	tools/gen-ksyms.sh $(BUILD)/flint.pass1.elf > $(BUILD)/ksyms.S
	$(CC) -c $(BUILD)/ksyms.S -o $(BUILD)/ksyms.o
	$(LD) $(KERNEL_LDFLAGS) -o $@ $(KERNEL_OBJS) $(BUILD)/ksyms.o
	tools/gen-ksyms.sh $@ | cmp -s - $(BUILD)/ksyms.S || \
		{ echo "ksyms: text moved between the links" >&2; rm -f $@; exit 1; }

include arch/x86_64/boot/boot.mk
include tools/fcshim/fcshim.mk
include tests/unit/unit.mk
include tests/apps/apps.mk

deps:
	@tools/install-deps.sh

RUN_ARGS ?= --initrd $(BUILD)/initrd.cpio -- /init
run: deps all initrd
	tools/flint run $(RUN_ARGS)

test: deps all unit-tests $(APPS_ALL)
	@$(PYTHON) tests/run.py

bench: deps all apps
	@tools/install-deps.sh bench || echo "bench: without ab, the network table has no requests/s"
	@$(PYTHON) tools/bench.py

# The Linux Test Project table (not part of test): LTP_DIR=/path/to/ltp
# make ltp [LTP_ARGS="--pattern ^open"]. See docs/linux-abi.md.
ltp: all
	tools/ltp.sh $(LTP_ARGS)

clean:
	rm -rf $(BUILD)

-include $(KERNEL_OBJS:.o=.d)
