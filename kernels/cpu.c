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
#include "kernels.h"

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
    if (!mm_probe_avx2_fma()) {
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
