# Build rules for build/fcshim.elf, the Firecracker-imitating test shim
# (tools/fcshim/README.md). Included by the top-level Makefile; also works
# on its own: make -f tools/fcshim/fcshim.mk build/fcshim.elf

BUILD ?= build
CC ?= gcc

FCSHIM_DIR := tools/fcshim
FCSHIM_OUT := $(BUILD)/fcshim
FCSHIM_ELF := $(BUILD)/fcshim.elf

# 32-bit freestanding code without SSE; there is no 32-bit libgcc, so the C
# avoids 64-bit division. The addresses the shim writes are physical and
# some are near 0, hence no null-pointer assumptions and no page-size
# heuristics in GCC's bounds warnings.
FCSHIM_CFLAGS := -m32 -std=c11 -O2 -ffreestanding -nostdlib -fno-pie -fno-pic \
	-fno-stack-protector -mno-sse -mno-sse2 -mno-mmx -mno-80387 \
	-fno-asynchronous-unwind-tables -fno-delete-null-pointer-checks \
	-fno-tree-loop-distribute-patterns --param=min-pagesize=0 \
	-Wall -Wextra -Iinclude -Iarch/x86_64/include -MMD -MP
FCSHIM_ASFLAGS := -m32 -Wa,--noexecstack -MMD -MP
FCSHIM_LDFLAGS := -m32 -nostdlib -static -no-pie -Wl,--build-id=none \
	-Wl,--no-warn-rwx-segments \
	-Wl,-z,noexecstack -Wl,-T,$(FCSHIM_DIR)/fcshim.ld

FCSHIM_C := main.c console.c idt.c fwcfg.c qemu.c options.c cmdline.c elf.c \
	memory.c pci.c e820.c bootinfo.c mptable.c aml.c acpi.c devices.c cpustate.c
FCSHIM_S := entry.S
FCSHIM_LIB := string.c format.c

FCSHIM_C_OBJS := $(addprefix $(FCSHIM_OUT)/,$(FCSHIM_C:.c=.o))
FCSHIM_OBJS := $(addprefix $(FCSHIM_OUT)/,$(FCSHIM_S:.S=.o)) $(FCSHIM_C_OBJS)
FCSHIM_LIB_OBJS := $(addprefix $(FCSHIM_OUT)/lib/,$(FCSHIM_LIB:.c=.o))

.PHONY: fcshim
fcshim: $(FCSHIM_ELF)

$(FCSHIM_ELF): $(FCSHIM_OBJS) $(FCSHIM_LIB_OBJS) $(FCSHIM_DIR)/fcshim.ld
	$(CC) $(FCSHIM_LDFLAGS) -o $@ $(FCSHIM_OBJS) $(FCSHIM_LIB_OBJS)

$(FCSHIM_C_OBJS): $(FCSHIM_OUT)/%.o: $(FCSHIM_DIR)/%.c
	@mkdir -p $(dir $@)
	$(CC) $(FCSHIM_CFLAGS) -c $< -o $@

$(FCSHIM_OUT)/entry.o: $(FCSHIM_DIR)/entry.S
	@mkdir -p $(dir $@)
	$(CC) $(FCSHIM_ASFLAGS) -c $< -o $@

$(FCSHIM_LIB_OBJS): $(FCSHIM_OUT)/lib/%.o: lib/%.c
	@mkdir -p $(dir $@)
	$(CC) $(FCSHIM_CFLAGS) -c $< -o $@

-include $(FCSHIM_OBJS:.o=.d) $(FCSHIM_LIB_OBJS:.o=.d)
