# The network stack: lwIP 2.1.3 from Debian 12's source package, fetched
# and unpacked at build time (tools/fetch-lwip.sh, never committed), built
# into the kernel with Flint's port (net/lwip/) and our own net/*.c.
LWIP_DIR := $(BUILD)/lwip-src
LWIP_STAMP := $(LWIP_DIR)/.flint-version
# Without host headers: what lwIP wants of libc is in net/lwip/libc.
LWIP_INCLUDES := -nostdinc -isystem $(shell $(CC) -print-file-name=include) \
	-Inet/lwip -Inet/lwip/libc -I$(LWIP_DIR)/src/include

LWIP_FILES := $(addprefix core/,init.c def.c dns.c inet_chksum.c ip.c mem.c \
	memp.c netif.c pbuf.c raw.c stats.c sys.c tcp.c tcp_in.c tcp_out.c \
	timeouts.c udp.c) \
	$(addprefix core/ipv4/,dhcp.c etharp.c icmp.c igmp.c ip4_frag.c ip4.c \
	ip4_addr.c) \
	$(addprefix core/ipv6/,ethip6.c icmp6.c inet6.c ip6.c ip6_addr.c \
	ip6_frag.c mld6.c nd6.c) \
	$(addprefix api/,api_lib.c api_msg.c err.c if_api.c netbuf.c \
	sockets.c tcpip.c) \
	netif/ethernet.c
LWIP_OBJS := $(LWIP_FILES:%=$(BUILD)/lwip/%.o)
NET_PORT_OBJS := $(patsubst %,$(BUILD)/kernel/%.o,$(wildcard net/lwip/*.c))
NET_OBJS := $(patsubst %,$(BUILD)/kernel/%.o,$(wildcard net/*.c)) $(NET_PORT_OBJS)
KERNEL_OBJS += $(NET_PORT_OBJS) $(LWIP_OBJS)

# lwIP is not ours: the kernel's flags and warnings, but a warning does not
# stop the build (another compiler may find something in code we do not
# change), and no type-based aliasing (it reads headers through casts).
LWIP_CFLAGS := $(filter-out -Werror,$(KERNEL_CFLAGS)) \
	-fno-strict-aliasing $(LWIP_INCLUDES)

$(LWIP_STAMP): tools/fetch-lwip.sh
	tools/fetch-lwip.sh $(LWIP_DIR)
	@touch $@

$(LWIP_FILES:%=$(LWIP_DIR)/src/%): $(LWIP_STAMP) ;

$(BUILD)/lwip/%.c.o: $(LWIP_DIR)/src/%.c $(LWIP_STAMP)
	@mkdir -p $(dir $@)
	$(CC) $(LWIP_CFLAGS) -c $< -o $@

$(NET_OBJS): KERNEL_CFLAGS += $(LWIP_INCLUDES)
$(NET_OBJS): $(LWIP_STAMP)
