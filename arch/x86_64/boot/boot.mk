# The BIOS disk image: the loader (MBR + stage 2, 16/32-bit code) and
# tools/flint-img, which lays out build/flint.img around the kernel.
LOADER_CFLAGS := -std=c11 -Os -m32 -ffreestanding -fno-pie -fno-pic \
	-fno-stack-protector -fno-asynchronous-unwind-tables -mgeneral-regs-only \
	-Wall -Wextra -Werror $(INCLUDES) -MMD -MP
LOADER_SRCS := arch/x86_64/boot/boot16.S arch/x86_64/boot/loader32.c \
	lib/lz4.c lib/crc32.c lib/format.c lib/string.c
LOADER_OBJS := $(LOADER_SRCS:%=$(BUILD)/boot/%.o)
IMAGE := $(BUILD)/flint.img

$(BUILD)/boot/%.c.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(LOADER_CFLAGS) -c $< -o $@

$(BUILD)/boot/%.S.o: %.S
	@mkdir -p $(dir $@)
	$(CC) $(LOADER_CFLAGS) -c $< -o $@

$(BUILD)/boot/loader.elf: $(LOADER_OBJS) arch/x86_64/boot/loader.ld
	$(LD) -m elf_i386 -nostdlib --build-id=none -z noexecstack --no-warn-rwx-segments \
		-T arch/x86_64/boot/loader.ld \
		-o $@ $(LOADER_OBJS)

$(BUILD)/boot/mbr.bin: $(BUILD)/boot/loader.elf
	objcopy -O binary -j .mbr $< $@

$(BUILD)/boot/stage2.bin: $(BUILD)/boot/loader.elf
	objcopy -O binary -j .stage2 $< $@

$(IMAGE): $(KERNEL) $(BUILD)/boot/mbr.bin $(BUILD)/boot/stage2.bin tools/flint-img \
		include/flint/bootimg.h
	tools/flint-img build --kernel $(KERNEL) --stage1 $(BUILD)/boot/mbr.bin \
		--stage2 $(BUILD)/boot/stage2.bin -o $@

-include $(LOADER_OBJS:.o=.d)
