/*
 * The virtio core: the driver registry and device initialisation
 * (Virtio 1.2 §3.1.1), the same for every transport. Transports find
 * devices and hand them to virtio_add_device; drivers register first.
 */
#include <flint/compiler.h>
#include <flint/printk.h>

#include "virtio.h"

#define MAX_DRIVERS 8
/* §2.5.1: the generation is re-read around a configuration read; a device
 * that keeps changing it is believed after this many tries. */
#define CONFIG_GENERATION_TRIES 16
#define DETAILS_MAX 128

/* Ring features the core takes whenever the device offers them (§6). */
#define CORE_FEATURES (VIRTIO_FEATURE(VIRTIO_F_RING_INDIRECT_DESC) | \
		       VIRTIO_FEATURE(VIRTIO_F_RING_EVENT_IDX))

static const struct virtio_driver *drivers[MAX_DRIVERS];
static unsigned ndrivers;

void virtio_register_driver(const struct virtio_driver *drv)
{
	if (ndrivers == MAX_DRIVERS) {
		printk_line("virtio: too many drivers, %s not registered", drv->name);
		return;
	}
	drivers[ndrivers++] = drv;
}

static const struct virtio_driver *find_driver(uint32_t id)
{
	for (unsigned i = 0; i < ndrivers; i++)
		if (drivers[i]->id == id)
			return drivers[i];
	return NULL;
}

bool virtio_has_feature(const struct virtio_device *d, unsigned bit)
{
	return bit < 64 && (d->features & VIRTIO_FEATURE(bit));
}

void virtio_read_config(struct virtio_device *d, unsigned off, void *buf, unsigned len)
{
	uint32_t before, after = d->ops->config_generation(d);

	for (unsigned i = 0; i < CONFIG_GENERATION_TRIES; i++) {
		before = after;
		d->ops->read_config(d, off, buf, len);
		after = d->ops->config_generation(d);
		if (after == before)
			return;
	}
}

static void fail(struct virtio_device *d, const char *why)
{
	d->ops->set_status(d, d->ops->get_status(d) | VIRTIO_STATUS_FAILED);
	printk_line("virtio: device %u (%s %s) failed: %s", (unsigned)d->id, d->ops->name,
		    d->location, why);
}

/* §3.1.1 steps 4-6: returns 0 with d->features set, or -1 with a reason. */
static int negotiate(struct virtio_device *d, const struct virtio_driver *drv,
		     const char **why)
{
	uint64_t offered = d->ops->get_features(d);
	uint64_t wanted = drv->features | CORE_FEATURES;

	if (!d->legacy) {
		if (!(offered & VIRTIO_FEATURE(VIRTIO_F_VERSION_1))) {
			*why = "no VERSION_1";
			return -1;
		}
		wanted |= VIRTIO_FEATURE(VIRTIO_F_VERSION_1);
	}
	/* ACCESS_PLATFORM is never in wanted: the rings hold physical
	 * addresses, with no IOMMU translation. */
	d->features = offered & wanted;
	if (drv->settle)
		d->features = drv->settle(d->features);
	d->ops->set_features(d, d->features);
	if (d->legacy)
		return 0;	/* no FEATURES_OK step before 1.0 */
	d->ops->set_status(d, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER |
			   VIRTIO_STATUS_FEATURES_OK);
	if (!(d->ops->get_status(d) & VIRTIO_STATUS_FEATURES_OK)) {
		*why = "features not accepted";
		return -1;
	}
	return 0;
}

void virtio_add_device(struct virtio_device *d)
{
	const struct virtio_driver *drv = find_driver(d->id);
	const char *why = NULL;
	char details[DETAILS_MAX] = "";
	uint8_t status;

	d->features = 0;
	if (d->ops->reset(d) < 0) {
		fail(d, "reset did not complete");
		return;
	}
	if (!drv) {
		printk_line("virtio: no driver for device %u (%s %s)", (unsigned)d->id,
			    d->ops->name, d->location);
		return;
	}
	/* §3.1.1 steps 2-3; Firecracker insists on each status in turn. */
	d->ops->set_status(d, VIRTIO_STATUS_ACKNOWLEDGE);
	d->ops->set_status(d, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
	if (negotiate(d, drv, &why) < 0) {
		fail(d, why);
		return;
	}
	if (drv->probe(d) < 0) {
		fail(d, "driver setup failed");
		return;
	}
	status = d->ops->get_status(d);
	d->ops->set_status(d, status | VIRTIO_STATUS_DRIVER_OK);
	if (drv->start)
		drv->start(d);
	if (drv->describe)
		drv->describe(d, details, sizeof(details));
	printk_line("virtio: %s %s %s %s", drv->name, d->ops->name, d->location, details);
}
