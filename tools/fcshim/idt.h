/* The shim's own IDT: any CPU exception becomes an "fcshim: error:" line. */
#ifndef FCSHIM_IDT_H
#define FCSHIM_IDT_H

void idt_init(void);

#endif
