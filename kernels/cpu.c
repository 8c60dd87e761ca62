/*
 * cpu.c - CPU feature detection for run-time dispatch.  A feature counts only
 * if the CPU has it AND the OS saves its register state (XGETBV), else an
 * AVX instruction would fault.
 *
 * The answers are computed once and kept: CPUID traps to the hypervisor in
 * a VM (microseconds each), and the auto counter asks every table on each
 * stream it begins (a 228 KB corpus counted 5x slower when it asked CPUID
 * each time).  Threads may race to fill the cache: relaxed atomics, and
 * every racer stores the same value.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "kernels.h"

/* $MM_CPU_HIDE: instruction sets treated as absent, a comma list of avx2
 * and avx512 (hiding avx2 hides avx512, which builds on it).  Why: to run,
 * test and measure on an AVX-512 machine what a CPU without it gets (the
 * table dispatch picks, the auto counter's candidates, makemore-bench's
 * rows), as glibc's glibc.cpu.hwcaps tunable does for its own code.  Read
 * once, at the first question about the CPU, so every answer agrees with
 * it for the life of the process.  A value with an unknown name hides
 * nothing, and mm_dispatch_init fails naming it (mm_cpu_hide_bad). */
enum { MM_HIDE_AVX2 = 1, MM_HIDE_AVX512 = 2 };

int mm_cpu_hide_parse(const char *s, char *bad, size_t size)
{
    int mask = 0;
    if (s == NULL || *s == '\0') {
        return 0;
    }
    for (;;) {
        size_t n = strcspn(s, ",");
        if (n == 4 && strncmp(s, "avx2", 4) == 0) {
            mask |= MM_HIDE_AVX2 | MM_HIDE_AVX512;
        } else if (n == 6 && strncmp(s, "avx512", 6) == 0) {
            mask |= MM_HIDE_AVX512;
        } else { /* an empty name too: ",avx2", "avx512," */
            if (size > 0) {
                size_t k = n < size - 1 ? n : size - 1;
                memcpy(bad, s, k);
                bad[k] = '\0';
            }
            return -1;
        }
        if (s[n] == '\0') {
            return mask;
        }
        s += n + 1;
    }
}

static struct {
    int mask;
    int bad;
    char name[32]; /* the first unknown name, cut to fit */
} mm_hide;
static pthread_once_t mm_hide_once = PTHREAD_ONCE_INIT;

static void mm_hide_read(void)
{
    int m = mm_cpu_hide_parse(getenv("MM_CPU_HIDE"), mm_hide.name, sizeof mm_hide.name);
    mm_hide.bad = m < 0;
    mm_hide.mask = m < 0 ? 0 : m;
}

static int mm_hide_mask(void)
{
    pthread_once(&mm_hide_once, mm_hide_read);
    return mm_hide.mask;
}

const char *mm_cpu_hide_bad(void)
{
    pthread_once(&mm_hide_once, mm_hide_read);
    return mm_hide.bad ? mm_hide.name : NULL;
}

const char *mm_cpu_hidden(void)
{
    int m = mm_hide_mask();
    if (mm_hide.bad) {
        return NULL;
    }
    return (m & MM_HIDE_AVX2) ? "avx2,avx512" : (m & MM_HIDE_AVX512) ? "avx512" : "";
}

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>

static unsigned long long mm_xgetbv0(void)
{
    unsigned int eax = 0, edx = 0;
    __asm__ volatile("xgetbv" : "=a"(eax), "=d"(edx) : "c"(0));
    return ((unsigned long long)edx << 32) | eax;
}

static int mm_os_avx(unsigned int ecx1)
{
    const unsigned int osxsave = 1u << 27, avx = 1u << 28;
    if ((ecx1 & (osxsave | avx)) != (osxsave | avx)) {
        return 0;
    }
    return (mm_xgetbv0() & 6) == 6; /* XMM and YMM state */
}

/* 0 unknown, 1 no, 2 yes */
static int mm_cached(int *cache, int (*probe)(void))
{
    int v = __atomic_load_n(cache, __ATOMIC_RELAXED);
    if (v == 0) {
        v = probe() ? 2 : 1;
        __atomic_store_n(cache, v, __ATOMIC_RELAXED);
    }
    return v == 2;
}

static int mm_probe_avx2_fma(void)
{
    unsigned int a, b, c, d;
    if (mm_hide_mask() & MM_HIDE_AVX2) {
        return 0;
    }
    if (!__get_cpuid(1, &a, &b, &c, &d)) {
        return 0;
    }
    const unsigned int fma = 1u << 12;
    if (!(c & fma) || !mm_os_avx(c)) {
        return 0;
    }
    if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) {
        return 0;
    }
    return (b >> 5) & 1; /* AVX2 */
}

static int mm_probe_avx512(void)
{
    unsigned int a, b, c, d;
    if ((mm_hide_mask() & MM_HIDE_AVX512) || !mm_probe_avx2_fma()) {
        return 0;
    }
    /* opmask, ZMM_Hi256 and Hi16_ZMM state as well */
    if ((mm_xgetbv0() & 0xe6) != 0xe6) {
        return 0;
    }
    if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) {
        return 0;
    }
    const unsigned int f = 1u << 16, dq = 1u << 17, bw = 1u << 30, vl = 1u << 31;
    const unsigned int vbmi = 1u << 1; /* ECX */
    return (b & (f | dq | bw | vl)) == (f | dq | bw | vl) && (c & vbmi);
}

int mm_cpu_has_avx2_fma(void)
{
    static int cache;
    return mm_cached(&cache, mm_probe_avx2_fma);
}

int mm_cpu_has_avx512(void)
{
    static int cache;
    return mm_cached(&cache, mm_probe_avx512);
}
#else
int mm_cpu_has_avx2_fma(void)
{
    return 0;
}

int mm_cpu_has_avx512(void)
{
    return 0;
}
#endif

int mm_cpu_always(void)
{
    return 1;
}
