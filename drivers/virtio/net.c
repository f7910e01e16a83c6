/* The virtio network device (Virtio 1.2 §5.1): being written. */
#include <flint/virtio_boot.h>

void virtio_net_init(void)
{
}
