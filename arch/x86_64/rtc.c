/*
 * The wall clock: the CMOS RTC (MC146818, "Accessing the Real-Time Clock"
 * in the PC/AT technical reference) where it answers, else KVM's wall
 * clock (Linux Documentation/virt/kvm/x86/msr.rst, MSR_KVM_WALL_CLOCK_NEW),
 * else none (Firecracker has neither).
 */
#include <arch/cpu.h>
#include <arch/io.h>
#include <arch/x86.h>
#include <flint/arch.h>

#define CMOS_INDEX 0x70
#define CMOS_DATA 0x71
#define CMOS_NMI_OFF 0x80		/* keep NMIs masked while indexing */
#define RTC_SEC 0x00
#define RTC_MIN 0x02
#define RTC_HOUR 0x04
#define RTC_DAY 0x07
#define RTC_MONTH 0x08
#define RTC_YEAR 0x09
#define RTC_STATUS_A 0x0a
#define RTC_STATUS_B 0x0b
#define RTC_STATUS_D 0x0d
#define STATUS_A_UIP 0x80		/* an update is under way */
#define STATUS_B_24H 0x02
#define STATUS_B_BINARY 0x04
#define HOUR_PM 0x80			/* 12-hour mode */
#define STATUS_D_VRT 0x80		/* valid RAM and time; bits 0-6 read 0 */
#define RTC_CENTURY 2000		/* the RTC keeps two digits */
#define UIP_TRIES 100000

#define KVM_CPUID_SIGNATURE 0x40000000
#define KVM_CPUID_FEATURES 0x40000001
#define KVM_FEATURE_CLOCKSOURCE2 (1u << 3)
#define MSR_KVM_WALL_CLOCK_NEW 0x4b564d00

static uint8_t cmos(uint8_t reg)
{
	outb(CMOS_INDEX, CMOS_NMI_OFF | reg);
	return inb(CMOS_DATA);
}

static unsigned from_bcd(uint8_t v, bool binary)
{
	return binary ? v : (v >> 4) * 10 + (v & 0xf);
}

static void rtc_once(struct date *d, uint8_t *raw_hour)
{
	d->sec = cmos(RTC_SEC);
	d->min = cmos(RTC_MIN);
	*raw_hour = cmos(RTC_HOUR);
	d->day = cmos(RTC_DAY);
	d->month = cmos(RTC_MONTH);
	d->year = cmos(RTC_YEAR);
}

/* Read outside update cycles until two reads agree. */
static bool from_rtc(struct date *d)
{
	struct date again;
	uint8_t b, hour, hour2;
	bool binary;
	int tries = 0;

	if (cmos(RTC_STATUS_D) != STATUS_D_VRT)
		return false;		/* absent ports read 0xff */
	do {
		while (cmos(RTC_STATUS_A) & STATUS_A_UIP)
			if (++tries > UIP_TRIES)
				return false;
		rtc_once(d, &hour);
		while (cmos(RTC_STATUS_A) & STATUS_A_UIP)
			if (++tries > UIP_TRIES)
				return false;
		rtc_once(&again, &hour2);
	} while (hour != hour2 || again.sec != d->sec || again.min != d->min ||
		 again.day != d->day || again.month != d->month || again.year != d->year);

	b = cmos(RTC_STATUS_B);
	binary = b & STATUS_B_BINARY;
	d->sec = from_bcd((uint8_t)d->sec, binary);
	d->min = from_bcd((uint8_t)d->min, binary);
	d->hour = from_bcd(hour & ~HOUR_PM, binary);
	if (!(b & STATUS_B_24H))	/* 12 AM is 0, 12 PM is 12 */
		d->hour = d->hour % 12 + (hour & HOUR_PM ? 12 : 0);
	d->day = from_bcd((uint8_t)d->day, binary);
	d->month = from_bcd((uint8_t)d->month, binary);
	d->year = RTC_CENTURY + from_bcd((uint8_t)d->year, binary);
	return true;
}

/* The page the hypervisor fills when the MSR is written. */
struct pvclock_wall_clock {
	uint32_t version;		/* odd while it is written */
	uint32_t sec;
	uint32_t nsec;
};

static struct pvclock_wall_clock wall __attribute__((aligned(16)));

/* Days since 1970-01-01 to a civil date (proleptic Gregorian, with
 * 400-year eras of 146097 days starting on March 1st). */
static void civil_from_days(uint64_t z, struct date *d)
{
	uint64_t era, doe, yoe, doy, mp;

	z += 719468;			/* days from 0000-03-01 to 1970-01-01 */
	era = z / 146097;
	doe = z % 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	d->day = (unsigned)(doy - (153 * mp + 2) / 5 + 1);
	d->month = (unsigned)(mp < 10 ? mp + 3 : mp - 9);
	d->year = (unsigned)(yoe + era * 400 + (d->month <= 2));
}

/* KVM's wall clock is the time at which kvmclock read 0, about when the
 * VM started; the TSC, which starts at 0 with the VM, stands in for
 * kvmclock's reading since. */
static bool from_kvm(struct date *d)
{
	struct cpuid_regs sig = cpuid(KVM_CPUID_SIGNATURE, 0);
	uint64_t secs;
	uint32_t version;

	if (sig.ebx != 0x4b4d564b || sig.ecx != 0x564b4d56 || sig.edx != 0x4d ||
	    sig.eax < KVM_CPUID_FEATURES)	/* "KVMKVMKVM\0\0\0" */
		return false;
	if (!(cpuid(KVM_CPUID_FEATURES, 0).eax & KVM_FEATURE_CLOCKSOURCE2))
		return false;
	wrmsr(MSR_KVM_WALL_CLOCK_NEW, KERNEL_PHYS(&wall));
	do {
		version = __atomic_load_n(&wall.version, __ATOMIC_ACQUIRE);
		secs = wall.sec;
	} while (version & 1 || __atomic_load_n(&wall.version, __ATOMIC_ACQUIRE) != version);
	secs += arch_cycles() / arch_cycles_khz() / 1000;
	civil_from_days(secs / 86400, d);
	d->hour = (unsigned)(secs % 86400 / 3600);
	d->min = (unsigned)(secs % 3600 / 60);
	d->sec = (unsigned)(secs % 60);
	return true;
}

bool arch_wall_clock(struct date *d)
{
	return from_rtc(d) || from_kvm(d);
}
