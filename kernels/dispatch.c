/*
 * dispatch.c - the mutable globals: the active kernel table and the active
 * counter.  Set once by mm_dispatch_init() before any parallel region;
 * read-only afterwards.
 * Table: the explicit name, then $MM_ISA, then the best supported.
 * Counter: $MM_COUNT_KERNEL if set (any counter name, or "auto"), else the
 * forced table's own counter if a table was named, else "auto", which
 * chooses by measurement (kernels/count_auto.c).
 * A forced name that is unknown or cannot run here is an error, never a
 * silent fallback (and never SIGILL).  $MM_CPU_HIDE makes named sets count
 * as absent (kernels/cpu.c); an unknown name there is an error too.
 */
#include <stdlib.h>
#include <string.h>

#include "count_auto.h"
#include "internal.h"
#include "kernels.h"

static const mm_kernels *const mm_all_tables[] = {
    &mm_kernels_scalar,
#if defined(MM_HAVE_AVX2)
    &mm_kernels_avx2,
#endif
#if defined(MM_HAVE_AVX512)
    &mm_kernels_avx512,
#endif
    NULL,
};

static const mm_counter *const mm_all_counters[] = {
    &mm_counter_scalar,
    &mm_counter_pairs,
#if defined(MM_HAVE_AVX2)
    &mm_counter_avx2,
#endif
#if defined(MM_HAVE_AVX512)
    &mm_counter_avx512,
#endif
    NULL,
};

static const mm_kernels *mm_active = &mm_kernels_scalar;
static const mm_counter *mm_active_counter = &mm_counter_auto;

const mm_counter *const *mm_counters_all(void)
{
    return mm_all_counters;
}

const mm_counter *mm_counter_find(const char *name)
{
    if (strcmp(name, mm_counter_auto.name) == 0) {
        return &mm_counter_auto;
    }
    for (const mm_counter *const *c = mm_all_counters; *c; c++) {
        if (strcmp((*c)->name, name) == 0) {
            return *c;
        }
    }
    return NULL;
}

const mm_counter *mm_counter_active(void)
{
    return mm_active_counter;
}

void mm_counter_set_active(const mm_counter *c)
{
    mm_active_counter = c != NULL ? c : &mm_counter_auto;
}

/* $MM_COUNT_KERNEL, when set, overrides the counter the table implies. */
static mm_status mm_dispatch_counter(void)
{
    const char *name = getenv("MM_COUNT_KERNEL");
    if (name == NULL || *name == '\0') {
        return MM_OK;
    }
    const mm_counter *c = mm_counter_find(name);
    if (c == NULL) {
        char list[128] = "auto";
        for (const mm_counter *const *k = mm_all_counters; *k; k++) {
            strncat(list, ",", sizeof list - strlen(list) - 1);
            strncat(list, (*k)->name, sizeof list - strlen(list) - 1);
        }
        return mm_fail(MM_ERR_UNSUPPORTED_ISA, "MM_COUNT_KERNEL=%s: unknown counter (built in: %s)",
                       name, list);
    }
    if (!c->supported()) {
        return mm_fail(MM_ERR_UNSUPPORTED_ISA,
                       "MM_COUNT_KERNEL=%s: this CPU cannot run it (supported here: %s)", name,
                       mm_isa_supported());
    }
    mm_active_counter = c;
    return MM_OK;
}

const mm_kernels *const *mm_kernels_all(void)
{
    return mm_all_tables;
}

const mm_kernels *mm_kernels_active(void)
{
    return mm_active;
}

const mm_kernels *mm_kernels_find(const char *name)
{
    for (const mm_kernels *const *k = mm_all_tables; *k; k++) {
        if (strcmp((*k)->name, name) == 0) {
            return *k;
        }
    }
    return NULL;
}

mm_status mm_dispatch_init(const char *isa)
{
    const char *bad = mm_cpu_hide_bad();
    if (bad != NULL) {
        return mm_fail(MM_ERR_UNSUPPORTED_ISA,
                       "MM_CPU_HIDE: '%s' is not an instruction set that can be hidden "
                       "(avx2, avx512)",
                       bad);
    }
    const char *from = "--isa";
    if (isa == NULL || *isa == '\0') {
        isa = getenv("MM_ISA");
        from = "MM_ISA";
    }
    if (isa == NULL || *isa == '\0' || strcmp(isa, "auto") == 0) {
        const mm_kernels *best = &mm_kernels_scalar;
        for (const mm_kernels *const *k = mm_all_tables; *k; k++) {
            if ((*k)->supported()) {
                best = *k;
            }
        }
        mm_active = best;
        mm_active_counter = &mm_counter_auto;
        return mm_dispatch_counter();
    }
    const mm_kernels *k = mm_kernels_find(isa);
    if (k == NULL) {
        return mm_fail(MM_ERR_UNSUPPORTED_ISA,
                       "%s=%s: unknown instruction set (built in: %s)", from, isa,
                       mm_isa_built());
    }
    if (!k->supported()) {
        return mm_fail(MM_ERR_UNSUPPORTED_ISA,
                       "%s=%s: this CPU cannot run it (supported here: %s)", from,
                       isa, mm_isa_supported());
    }
    mm_active = k;
    mm_active_counter = k->counter;
    return mm_dispatch_counter();
}

const char *mm_isa_name(void)
{
    return mm_active->name;
}

static const char *mm_isa_list(int only_supported, char *buf, size_t size)
{
    buf[0] = '\0';
    for (const mm_kernels *const *k = mm_all_tables; *k; k++) {
        if (only_supported && !(*k)->supported()) {
            continue;
        }
        if (buf[0] != '\0') {
            strncat(buf, ",", size - strlen(buf) - 1);
        }
        strncat(buf, (*k)->name, size - strlen(buf) - 1);
    }
    return buf;
}

const char *mm_isa_built(void)
{
    static char buf[128];
    return mm_isa_list(0, buf, sizeof buf);
}

const char *mm_isa_hidden(void)
{
    return mm_cpu_hidden();
}

const char *mm_isa_supported(void)
{
    static char buf[128];
    return mm_isa_list(1, buf, sizeof buf);
}
