/*
 * The test guest's workload (started by the initramfs's init): writes to guest memory at a set rate, keeps the vCPU
 * busy following a daily shape, and prints a heartbeat every second on the console (ttyS0).
 *
 * Settings come from the kernel command line (QEMU -append):
 *   dirty_mb=N      size of the region it writes to, MiB (default 32)
 *   dirty_rate=N    pages written per second, cycling over the region (default 2000; 5120 pages/s = 20 MiB/s)
 *   cpu_min=P       busy percent of the vCPU at night (default 0)
 *   cpu_max=P       busy percent of the vCPU at the daily peak (default 0: no CPU load)
 *   cpu_peak=H      hour of the peak (default 14); the day's shape is Prescient's diurnal profile: the night level
 *                   plus a bell of width cpu_width hours (default 3.5) around the peak
 *   cpu_t0=T        the guest's wall clock (CLOCK_REALTIME, set from QEMU's RTC) at which the simulated day is at
 *   cpu_hour0=H     hour H (default: T = boot, H = 0), and the simulated day runs
 *   cpu_speed=X     X times faster than real time (default 1): the shape follows a demo's accelerated clock
 *
 * Lines: "LOAD start ..." once, then every second "HB <n> t=<seconds> dirtied=<pages> cpu=<percent>".
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

static double setting(const char *cmdline, const char *name, double fallback)
{
    char key[64];
    snprintf(key, sizeof key, " %s=", name);
    const char *at = strstr(cmdline, key);
    return at ? atof(at + strlen(key)) : fallback;
}

static double wall(void)
{
    struct timespec t;
    clock_gettime(CLOCK_REALTIME, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

/* Busy percent at a simulated hour of the day: the night level plus a bell around the peak hour. */
static double busy_percent(double hour, double lo, double hi, double peak, double width)
{
    double d = fabs(fmod(hour, 24.0) - peak);
    if (d > 12)
        d = 24 - d;
    return lo + (hi - lo) * exp(-0.5 * (d / width) * (d / width));
}

int main(void)
{
    char cmdline[4096] = " ";
    FILE *f = fopen("/proc/cmdline", "r");
    if (f) {
        size_t n = fread(cmdline + 1, 1, sizeof cmdline - 2, f);
        cmdline[n + 1] = 0;
        fclose(f);
    }
    for (char *c = cmdline; *c; c++)
        if (*c == '\n')
            *c = ' ';

    long mb = (long)setting(cmdline, "dirty_mb", 32);
    double rate = setting(cmdline, "dirty_rate", 2000);
    double lo = setting(cmdline, "cpu_min", 0), hi = setting(cmdline, "cpu_max", 0);
    double peak = setting(cmdline, "cpu_peak", 14), width = setting(cmdline, "cpu_width", 3.5);
    double wall0 = setting(cmdline, "cpu_t0", wall()), hour0 = setting(cmdline, "cpu_hour0", 0), speed = setting(cmdline, "cpu_speed", 1);
    if (mb < 1)
        mb = 1;
    if (width <= 0)
        width = 3.5;

    long npages = mb * 256, idx = 0, total = 0, hb = 0;
    volatile unsigned char *buf = malloc((size_t)mb << 20);
    if (!buf) {
        printf("LOAD malloc of %ld MiB failed\n", mb);
        return 1;
    }
    for (long i = 0; i < npages; i++)
        buf[i * 4096] = 1;
    printf("LOAD start dirty_mb=%ld dirty_rate=%.0f cpu=%.0f..%.0f%% peak=%.1fh width=%.1fh speed=%.0fx\n", mb, rate, lo, hi, peak, width, speed);
    fflush(stdout);

    const double slice = 0.01;
    double t0 = now(), next_hb = t0 + 1, busy_sum = 0, busy_n = 0;
    volatile double sink = 0;
    for (;;) {
        double start = now(), t = start - t0;
        long want = (long)(t * rate);
        while (total < want) {
            buf[idx * 4096]++;
            buf[idx * 4096 + 2048]++;
            idx = (idx + 1) % npages;
            total++;
        }

        double busy = hi > 0 ? busy_percent(hour0 + (wall() - wall0) * speed / 3600, lo, hi, peak, width) : 0;
        busy_sum += busy;
        busy_n++;
        double until = start + slice * busy / 100;
        while (now() < until)
            for (int k = 0; k < 1000; k++)
                sink += k * 0.5;
        double rest = start + slice - now();
        if (rest > 0)
            usleep((useconds_t)(rest * 1e6));

        if (now() >= next_hb) {
            printf("HB %ld t=%.1f dirtied=%ld cpu=%.0f\n", ++hb, now() - t0, total, busy_n > 0 ? busy_sum / busy_n : 0);
            fflush(stdout);
            busy_sum = busy_n = 0;
            next_hb += 1;
            if (next_hb < now())
                next_hb = now() + 1; /* after a long pause (a migration's downtime), do not print a burst */
        }
    }
}
