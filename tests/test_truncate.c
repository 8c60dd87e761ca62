/*
 * test_truncate.c - a corpus file that shrinks while mapped: counting must
 * fail with a clear MM_ERR_IO, not die of SIGBUS, for ASCII and UTF-8
 * corpora, at 1 and 2 threads, with every kernel table; with two corpora
 * open, each keeps its guard; the library installs no SIGBUS handler
 * unless asked (mm_sigbus_guard_install); and a SIGBUS that is not a mapped
 * corpus's still reaches the handler before, or kills.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "count.h"
#include "makemore.h"
#include "testutil.h"

static void check_truncated(const char *line)
{
    char path[512];
    snprintf(path, sizeof path, "%s/truncate-%d.txt", mm_test_tmpdir(), (int)getpid());
    /* inside the test: cmocka installs its own SIGBUS handler around each */
    assert_int_equal(mm_sigbus_guard_install(), MM_OK);
    for (const mm_counter *const *k = mm_test_counters(); *k; k++) {
        if (!(*k)->supported()) {
            print_message("skip %s\n", (*k)->name);
            continue;
        }
        for (int threads = 1; threads <= 2; threads++) {
            mm_test_write_lines(path, line, 200000); /* megabytes: many pages */
            mm_corpus *c = NULL;
            assert_int_equal(mm_corpus_open(&c, path), MM_OK);
            const mm_vocab *v = mm_corpus_get_vocab(c);
            uint64_t *counts = calloc((size_t)v->size * v->size, sizeof *counts);
            assert_int_equal(truncate(path, 4096), 0);
            mm_count_opts opts = {.threads = threads};
            mm_status st = mm_count_bigrams_with(c, v, &opts, *k, counts);
            if (st != MM_ERR_IO || strstr(mm_errmsg(), "shrank") == NULL) {
                fail_msg("%s, %d threads: status %d, message '%s'", (*k)->name, threads,
                         (int)st, mm_errmsg());
            }
            free(counts);
            mm_corpus_close(c);
        }
    }
    unlink(path);
}

static void test_truncated_ascii(void **state)
{
    (void)state;
    check_truncated("emma\nolivia\n");
}

static void test_truncated_utf8(void **state)
{
    (void)state;
    check_truncated("zo\xc3\xab\nj\xc3\xb6rg\n");
}

/* Opening a second corpus must leave the first one's guard whole (the
 * registry once zeroed the length of every slot it scanned). */
static void test_two_corpora(void **state)
{
    (void)state;
    char a[512], b[512];
    snprintf(a, sizeof a, "%s/truncate-a-%d.txt", mm_test_tmpdir(), (int)getpid());
    snprintf(b, sizeof b, "%s/truncate-b-%d.txt", mm_test_tmpdir(), (int)getpid());
    assert_int_equal(mm_sigbus_guard_install(), MM_OK);
    mm_test_write_lines(a, "emma\nolivia\n", 200000);
    mm_test_write_lines(b, "ava\nsophia\n", 1000);
    mm_corpus *ca = NULL, *cb = NULL;
    assert_int_equal(mm_corpus_open(&ca, a), MM_OK);
    assert_int_equal(mm_corpus_open(&cb, b), MM_OK);
    const mm_vocab *v = mm_corpus_get_vocab(ca);
    uint64_t *counts = calloc((size_t)v->size * v->size, sizeof *counts);
    assert_non_null(counts);
    assert_int_equal(truncate(a, 4096), 0);
    mm_count_opts opts = {.threads = 1};
    mm_status st = mm_count_bigrams(ca, v, &opts, counts);
    if (st != MM_ERR_IO || strstr(mm_errmsg(), "shrank") == NULL) {
        fail_msg("first of two corpora: status %d, message '%s'", (int)st, mm_errmsg());
    }
    free(counts);
    mm_corpus_close(cb);
    mm_corpus_close(ca);
    unlink(a);
    unlink(b);
}

/* The SIGBUS disposition is the caller's: opening a corpus leaves it alone. */
static void test_no_handler_unless_asked(void **state)
{
    (void)state;
    char path[512];
    snprintf(path, sizeof path, "%s/truncate-h-%d.txt", mm_test_tmpdir(), (int)getpid());
    mm_test_write_lines(path, "emma\n", 10);
    struct sigaction mine, before, after;
    memset(&mine, 0, sizeof mine);
    mine.sa_handler = SIG_DFL;
    sigemptyset(&mine.sa_mask);
    assert_int_equal(sigaction(SIGBUS, &mine, &before), 0);
    mm_corpus *c = NULL;
    assert_int_equal(mm_corpus_open(&c, path), MM_OK);
    assert_int_equal(sigaction(SIGBUS, NULL, &after), 0);
    mm_corpus_close(c);
    assert_int_equal(sigaction(SIGBUS, &before, NULL), 0); /* cmocka's, back */
    assert_true(after.sa_handler == SIG_DFL && !(after.sa_flags & SA_SIGINFO));
    unlink(path);
}

/* A SIGBUS that is not a mapped corpus's fault goes on as if the guard were
 * not there: to the handler that was there before, or, with none, the
 * default action, also when it was sent by kill(2) and not raised by a
 * fault (returning would lose it).  In a child, which must die of it. */
static int g_before_ran;
static void before_handler(int sig)
{
    (void)sig;
    g_before_ran = 1;
}

/* Run body in a child that must die of SIGBUS (no core file from that) or
 * exit; its wait status.  A body that loops dies of SIGALRM instead: the
 * test fails rather than hangs. */
static int child_status(void (*body)(void))
{
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        struct rlimit none = {0, 0};
        setrlimit(RLIMIT_CORE, &none);
        prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
        alarm(20);
        body();
        _exit(0);
    }
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    return status;
}

static void set_sigbus_handler(void (*h)(int), int flags, struct sigaction *old)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = h;
    sa.sa_flags = flags;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGBUS, &sa, old);
}

/* the handler there before the guard (NULL: none), then the guard, then a
 * SIGBUS sent by kill */
static void (*g_before)(int);
static void body_after_sigbus(void)
{
    set_sigbus_handler(g_before != NULL ? g_before : SIG_DFL, 0, NULL);
    if (mm_sigbus_guard_install() != MM_OK) {
        _exit(3);
    }
    kill(getpid(), SIGBUS);
    _exit(g_before_ran ? 42 : 0);
}

static int child_after_sigbus(void (*before)(int))
{
    g_before = before;
    return child_status(body_after_sigbus);
}

/* faulthandler's way: dump, put back the handler it found (here the guard),
 * re-raise to die.  Enabled after the guard and the guard installed again,
 * the two handed the signal round forever (found by review, session 20). */
static struct sigaction g_chain_prev;
static void chain_handler(int sig)
{
    sigaction(sig, &g_chain_prev, NULL);
    raise(sig);
}

static void body_chained_sigbus(void)
{
    if (mm_sigbus_guard_install() != MM_OK) {
        _exit(3);
    }
    set_sigbus_handler(chain_handler, SA_NODEFER, &g_chain_prev);
    if (mm_sigbus_guard_install() != MM_OK) {
        _exit(4);
    }
    kill(getpid(), SIGBUS);
}

static void test_chained_sigbus_ends(void **state)
{
    (void)state;
    int status = child_status(body_chained_sigbus);
    if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGBUS) {
        fail_msg("guard, chaining handler, guard again: status 0x%x, not death by SIGBUS "
                 "(%s)", status, WIFSIGNALED(status) && WTERMSIG(status) == SIGALRM
                 ? "looped until the alarm" : "other");
    }
}

static void test_foreign_sigbus_goes_on(void **state)
{
    (void)state;
    int status = child_after_sigbus(NULL);
    if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGBUS) {
        fail_msg("no handler before the guard: status 0x%x, not death by SIGBUS", status);
    }
    status = child_after_sigbus(before_handler);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 42); /* the handler before ran */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_no_handler_unless_asked),
        cmocka_unit_test(test_two_corpora),
        cmocka_unit_test(test_truncated_ascii),
        cmocka_unit_test(test_truncated_utf8),
        cmocka_unit_test(test_foreign_sigbus_goes_on),
        cmocka_unit_test(test_chained_sigbus_ends),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
