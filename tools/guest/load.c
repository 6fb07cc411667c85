/*
 * The test guest's workload (started by the initramfs's init): writes to guest memory at a set rate, keeps the vCPU
 * busy following a daily shape, and prints a heartbeat every second on the console (ttyS0).
 *
 * Settings come from the kernel command line (QEMU -append):
 *   dirty_mb=N      size of the region it writes to, MiB (default 32)
 *   dirty_rate=N    pages written per second, cycling over the region (default 2000; 5120 pages/s = 20 MiB/s)
 *   cpu_min=P       busy percent of the vCPU at the daily low  (default 0)
 *   cpu_max=P       busy percent of the vCPU at the daily high (default 0: no CPU load)
 *   cpu_period=S    length of the "day" in seconds (default 86400)
 *   cpu_phase=F     where in the day the guest starts, 0..1 (0 = the low point; default 0)
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

/* Busy percent at time t: a cosine between the low and the high, lowest at phase 0. */
static double busy_percent(double t, double lo, double hi, double period, double phase)
{
    double x = t / period + phase;
    return lo + (hi - lo) * (0.5 - 0.5 * cos(2 * M_PI * x));
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
    double period = setting(cmdline, "cpu_period", 86400), phase = setting(cmdline, "cpu_phase", 0);
    if (mb < 1)
        mb = 1;
    if (period <= 0)
        period = 86400;

    long npages = mb * 256, idx = 0, total = 0, hb = 0;
    volatile unsigned char *buf = malloc((size_t)mb << 20);
    if (!buf) {
        printf("LOAD malloc of %ld MiB failed\n", mb);
        return 1;
    }
    for (long i = 0; i < npages; i++)
        buf[i * 4096] = 1;
    printf("LOAD start dirty_mb=%ld dirty_rate=%.0f cpu=%.0f..%.0f%% period=%.0fs phase=%.2f\n", mb, rate, lo, hi, period, phase);
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

        double busy = busy_percent(t, lo, hi, period, phase);
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
