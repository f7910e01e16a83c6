/* Stamps are raw cycle counts; they become microseconds only at the report,
 * once the clock calibration that ran alongside the boot is complete. */
#include <flint/arch.h>
#include <flint/bootchart.h>
#include <flint/param.h>
#include <flint/printk.h>

#define MAX_STAGES 32

static struct {
	const char *name;
	uint64_t cycles;
} stage[MAX_STAGES];
static unsigned nstages;
static uint64_t begin;
static bool enabled;
KERNEL_FLAG("bootchart", enabled);

uint64_t bootchart_begin_cycles(void)
{
	return begin;
}

void bootchart_begin(uint64_t cycles)
{
	begin = cycles;
}

void bootchart_mark(const char *name, uint64_t cycles)
{
	if (nstages < MAX_STAGES)
		stage[nstages++] = (__typeof__(stage[0])){ name, cycles };
}

void bootchart_stage(const char *name)
{
	arch_clock_sample();
	bootchart_mark(name, arch_cycles());
}

static uint64_t cycles_to_us(uint64_t cycles)
{
	uint64_t khz = arch_cycles_khz();

	/* Split to keep cycles * 1000 from overflowing on long uptimes. */
	return cycles / khz * 1000 + cycles % khz * 1000 / khz;
}

uint64_t bootchart_total_us(void)
{
	return nstages ? cycles_to_us(stage[nstages - 1].cycles - begin) : 0;
}

void bootchart_report(void)
{
	uint64_t prev = begin;

	if (!enabled)
		return;
	for (unsigned i = 0; i < nstages; i++) {
		printk("bootchart: %s %llu\n", stage[i].name,
		       (unsigned long long)cycles_to_us(stage[i].cycles - prev));
		prev = stage[i].cycles;
	}
	printk("clock: tsc %llu kHz from %s\n",
	       (unsigned long long)arch_cycles_khz(), arch_clock_source());
}
