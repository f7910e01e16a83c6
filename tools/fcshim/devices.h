/* Interrupt controllers and timer put back into the state Firecracker's
 * guest finds them in (contract §17.2.5). */
#ifndef FCSHIM_DEVICES_H
#define FCSHIM_DEVICES_H

void devices_normalise(void);

#endif
