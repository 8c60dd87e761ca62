/*
 * dispatch.c - the one mutable global: the active kernel table.  Set once by
 * mm_dispatch_init() before any parallel region; read-only afterwards.
 * Precedence: the explicit name, then $MM_ISA, then the best supported.  A
 * forced name that is unknown or cannot run here is an error, never a silent
 * fallback (and never SIGILL).
 */
#include <stdlib.h>
#include <string.h>

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

static const mm_kernels *mm_active = &mm_kernels_scalar;

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
        return MM_OK;
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
    return MM_OK;
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

const char *mm_isa_supported(void)
{
    static char buf[128];
    return mm_isa_list(1, buf, sizeof buf);
}
