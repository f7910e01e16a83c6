/* Just enough AML to write Firecracker's DSDT devices (contract §10):
 * named objects, devices, a constant method and resource templates. */
#ifndef FCSHIM_AML_H
#define FCSHIM_AML_H

#include <stdint.h>

struct aml {
	uint8_t *p;
	uint32_t len;
	uint32_t cap;
};

static inline struct aml aml_buffer(uint8_t *p, uint32_t cap)
{
	return (struct aml){ p, 0, cap };
}

/* Name(path, value) for the value kinds Firecracker uses. */
void aml_name_string(struct aml *a, const char *path, const char *s);
void aml_name_byte(struct aml *a, const char *path, uint8_t v);
void aml_name_dword(struct aml *a, const char *path, uint32_t v);
void aml_name_one(struct aml *a, const char *path);
void aml_name_eisaid(struct aml *a, const char *path, const char *id);
/* Name(path, ResourceTemplate() { descriptors in res }). */
void aml_name_resources(struct aml *a, const char *path, const struct aml *res);
/* Method(path, 0, NotSerialized) { Return(v) } */
void aml_method_return_byte(struct aml *a, const char *path, uint8_t v);
/* Device(path) { body } */
void aml_device(struct aml *a, const char *path, const struct aml *body);

/* Resource descriptors. */
void res_io(struct aml *r, uint16_t port, uint8_t align, uint8_t len);
/* Extended interrupt: consumer, edge, active-high, exclusive (§10). */
void res_interrupt(struct aml *r, uint32_t gsi);
void res_memory32_fixed(struct aml *r, uint32_t base, uint32_t len);

#endif
