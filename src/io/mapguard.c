/*
 * mapguard.c - survive a mapped file that shrinks under us.
 *
 * Reading a page of a mapping beyond the file's current end raises SIGBUS.
 * A corpus can be truncated by another process while we count it, and that
 * must give a clear error, not a crash.  Mappings are registered here; the
 * SIGBUS handler checks whether the faulting address lies in one of them,
 * maps a page of zeros over it (the read is retried and sees zeros), and
 * marks the mapping as tripped.  The reader checks the mark after each pass
 * and reports "the file changed while being read".  A SIGBUS anywhere else
 * (or sent by kill) restores the previous disposition and goes to it, as if
 * we were not here; if that handler re-raises into a chain that leads back
 * to the guard, the default action ends the process instead of a loop.
 *
 * The handler is process-wide state, so it is installed only when the
 * program asks (mm_sigbus_guard_install; the CLI's main does); mappings are
 * registered either way, which costs a slot and nothing else.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "internal.h"

#define MM_GUARD_SLOTS 64

typedef struct mm_guard_slot {
    _Atomic(uintptr_t) base;   /* 0 = free */
    _Atomic(size_t) len;
    atomic_int tripped;
} mm_guard_slot;

static mm_guard_slot mm_guards[MM_GUARD_SLOTS];
static struct sigaction mm_old_bus;
static atomic_int mm_installed;
static long mm_page_size; /* read at install: sysconf is not async-signal-safe */

static void mm_on_sigbus(int sig, siginfo_t *si, void *uctx);

/* After the handler before us returned: if it re-raised SIGBUS (to die of
 * it) but its own "previous" leads back here (faulthandler, enabled after
 * the guard, then the guard installed again), the pending signal would come
 * back to us and round the two forever.  End it as the default would. */
static void mm_after_forward(void)
{
    sigset_t pending;
    struct sigaction cur;
    if (sigpending(&pending) == 0 && sigismember(&pending, SIGBUS) == 1 &&
        sigaction(SIGBUS, NULL, &cur) == 0 && (cur.sa_flags & SA_SIGINFO) &&
        cur.sa_sigaction == mm_on_sigbus) {
        struct sigaction dfl;
        memset(&dfl, 0, sizeof dfl);
        dfl.sa_handler = SIG_DFL;
        sigemptyset(&dfl.sa_mask);
        sigaction(SIGBUS, &dfl, NULL);
    }
}

static void mm_on_sigbus(int sig, siginfo_t *si, void *uctx)
{
    uintptr_t a = (uintptr_t)si->si_addr;
    /* Only a fault (si_code > 0: BUS_ADRERR ...) has a faulting address; a
     * SIGBUS sent by kill or sigqueue (si_code <= 0) carries a pid there. */
    for (int i = 0; si->si_code > 0 && i < MM_GUARD_SLOTS; i++) {
        uintptr_t base = atomic_load(&mm_guards[i].base);
        size_t len = atomic_load(&mm_guards[i].len);
        if (base > 1 && a >= base && a < base + len) { /* 1: slot being filled */
            long page = mm_page_size;
            void *p = (void *)(a & ~(uintptr_t)(page - 1));
            if (mmap(p, (size_t)page, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED,
                     -1, 0) != MAP_FAILED) {
                atomic_store(&mm_guards[i].tripped, 1);
                return;
            }
        }
    }
    /* Not ours: hand it to whoever had it, or die as SIGBUS would. */
    if ((mm_old_bus.sa_flags & SA_SIGINFO) && mm_old_bus.sa_sigaction != NULL) {
        mm_old_bus.sa_sigaction(sig, si, uctx);
        mm_after_forward();
        return;
    }
    sigaction(SIGBUS, &mm_old_bus, NULL);
    if (mm_old_bus.sa_handler == SIG_DFL) {
        /* A fault would re-fault on return, but a SIGBUS sent by kill(2)
         * would be lost: raise it again (it is blocked until we return,
         * then the default action ends the process either way). */
        raise(sig);
    } else if (mm_old_bus.sa_handler != SIG_IGN) {
        mm_old_bus.sa_handler(sig);
        mm_after_forward();
    }
}

mm_status mm_sigbus_guard_install(void)
{
    /* (Re)install if someone replaced us since (test harnesses do). */
    struct sigaction cur;
    if (sigaction(SIGBUS, NULL, &cur) == 0 &&
        (!(cur.sa_flags & SA_SIGINFO) || cur.sa_sigaction != mm_on_sigbus)) {
        atomic_store(&mm_installed, 0);
    }
    if (!atomic_exchange(&mm_installed, 1)) {
        mm_page_size = sysconf(_SC_PAGESIZE);
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_sigaction = mm_on_sigbus;
        sa.sa_flags = SA_SIGINFO;
        sigemptyset(&sa.sa_mask);
        if (sigaction(SIGBUS, &sa, &mm_old_bus) != 0) {
            atomic_store(&mm_installed, 0);
            return mm_fail(MM_ERR_IO, "cannot install the SIGBUS handler");
        }
    }
    return MM_OK;
}

int mm_sigbus_guard_active(void)
{
    struct sigaction cur;
    return atomic_load(&mm_installed) && sigaction(SIGBUS, NULL, &cur) == 0 &&
           (cur.sa_flags & SA_SIGINFO) && cur.sa_sigaction == mm_on_sigbus;
}

int mm_map_guard_register(const void *base, size_t len)
{
    /* Claim a free slot (base 0 -> 1, "being filled": the handler skips
     * it), fill it, then publish the base.  Nothing of a slot is written
     * before it is ours: another corpus's guard stays whole. */
    for (int i = 0; i < MM_GUARD_SLOTS; i++) {
        uintptr_t expect = 0;
        if (atomic_compare_exchange_strong(&mm_guards[i].base, &expect, (uintptr_t)1)) {
            atomic_store(&mm_guards[i].tripped, 0);
            atomic_store(&mm_guards[i].len, len);
            atomic_store(&mm_guards[i].base, (uintptr_t)base);
            return i;
        }
    }
    return -1; /* no slot: the mapping is simply unguarded */
}

void mm_map_guard_unregister(int slot)
{
    if (slot >= 0 && slot < MM_GUARD_SLOTS) {
        atomic_store(&mm_guards[slot].len, 0);
        atomic_store(&mm_guards[slot].base, 0);
    }
}

int mm_map_guard_tripped(int slot)
{
    return slot >= 0 && slot < MM_GUARD_SLOTS && atomic_load(&mm_guards[slot].tripped);
}
