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

# test_<name> links with UNIT_SRCS_<name>. lib/string.c is never linked:
# the C library provides those functions.
UNIT_TESTS := cmdline memmap page_alloc heap format tsc_freq
UNIT_SRCS_cmdline := kernel/cmdline.c
UNIT_SRCS_memmap := kernel/memmap.c lib/sort.c
UNIT_SRCS_page_alloc := kernel/page_alloc.c kernel/memmap.c lib/sort.c
UNIT_SRCS_heap := kernel/heap.c kernel/page_alloc.c kernel/memmap.c lib/sort.c
UNIT_SRCS_format := lib/format.c
UNIT_SRCS_tsc_freq := arch/x86_64/tsc_freq.c

UNIT_BINS := $(UNIT_TESTS:%=$(UNIT_OUT)/test_%)
UNIT_OBJS := $(sort $(UNIT_TESTS:%=$(UNIT_OBJ)/$(UNIT_DIR)/test_%.o) \
	$(foreach t,$(UNIT_TESTS),$(UNIT_SRCS_$(t):%.c=$(UNIT_OBJ)/%.o)))

.PHONY: unit-tests
unit-tests: $(UNIT_BINS)

$(UNIT_OBJ)/lib/format.o $(UNIT_OBJ)/$(UNIT_DIR)/test_format.o: \
	UNIT_EXTRA_CFLAGS := $(UNIT_FORMAT_RENAME)

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
