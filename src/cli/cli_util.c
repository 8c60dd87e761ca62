/*
 * cli_util.c - command-line helpers shared by makemore and makemore-mpi
 * (which compiles cli_eval.c too): --isa, output names, JSON numbers,
 * progress lines.  Only the CLI prints; the library reports through
 * mm_status and mm_errmsg().
 */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

int mm_cli_dispatch(const char *cmd, const char *isa)
{
    /* A name this binary does not know is a usage mistake (exit 2); a known
     * one the CPU cannot run is a failure of this machine (exit 1). */
    if (isa != NULL && *isa == '\0') {
        return mm_cli_usage_error(cmd, "--isa needs a value (one of: %s, auto)", mm_isa_built());
    }
    if (isa != NULL && strcmp(isa, "auto") != 0) {
        const char *built = mm_isa_built();
        size_t n = strlen(isa);
        const char *p = built;
        int known = 0;
        while (!known && (p = strstr(p, isa)) != NULL) {
            known = (p == built || p[-1] == ',') && (p[n] == '\0' || p[n] == ',');
            p += n;
        }
        if (!known) {
            return mm_cli_usage_error(cmd, "--isa takes one of: %s, auto (got '%s')", built,
                                      isa);
        }
    }
    mm_status st = mm_dispatch_init(isa);
    return st == MM_OK ? MM_EXIT_OK : mm_cli_fail(st);
}

int mm_cli_print_version(void)
{
    printf("%s %s\nkernels built: %s\nkernels this CPU runs: %s\n", mm_cli_name,
           MM_VERSION_STRING, mm_isa_built(), mm_isa_supported());
    const char *h = mm_isa_hidden();
    if (h == NULL) { /* an unknown name: the same message and exit as a command's */
        return mm_cli_fail(mm_dispatch_init(NULL));
    }
    if (*h != '\0') {
        printf("kernels hidden (MM_CPU_HIDE): %s\n", h);
    }
    return MM_EXIT_OK;
}

int mm_cli_check_output(const char *cmd, const char *opt, const char *path)
{
    if (path != NULL && *path == '\0') {
        return mm_cli_usage_error(cmd, "%s needs a file name (got '')", opt);
    }
    return MM_EXIT_OK;
}

void mm_cli_json_number(FILE *fp, double v)
{
    /* 17 significant digits: parsing the text gives back the same double.
     * JSON has no infinity or NaN: null. */
    if (isfinite(v)) {
        fprintf(fp, "%.17g", v);
    } else {
        fputs("null", fp);
    }
}

const char *mm_cli_plural(unsigned long long n, const char *one, const char *many)
{
    return n == 1 ? one : many;
}

/* At most five updates a second, on one line ('\r') on a terminal, one
 * line each otherwise (--progress into a file or pipe). */
static void mm_cli_bytes(char *buf, size_t size, uint64_t n)
{
    if (n >= 1000000000u) {
        snprintf(buf, size, "%.2f GB", (double)n / 1e9);
    } else {
        snprintf(buf, size, "%.1f MB", (double)n / 1e6);
    }
}

void mm_cli_progress_cb(uint64_t done, uint64_t total, void *user)
{
    mm_cli_progress *p = user;
    double now = mm_cli_now();
    int fresh = done != p->done;
    p->done = done;
    if (!fresh || (now - p->last < 0.2 && !(total > 0 && done == total))) {
        return;
    }
    p->last = now;
    p->shown = 1;
    double dt = now - p->t0;
    char a[32], b[32];
    mm_cli_bytes(a, sizeof a, done);
    fprintf(stderr, "%s%s: %s: %s", p->tty ? "\r" : "", p->cmd, p->name, a);
    if (total > 0) {
        mm_cli_bytes(b, sizeof b, total);
        fprintf(stderr, " of %s (%.0f%%)", b, 100.0 * (double)done / (double)total);
    }
    fprintf(stderr, ", %.2f GB/s%s", dt > 0 ? (double)done / 1e9 / dt : 0.0,
            p->tty ? "\033[K" : "\n");
}

void mm_cli_progress_start(mm_cli_progress *p, const char *cmd, const char *path, int mode)
{
    memset(p, 0, sizeof *p);
    p->tty = isatty(STDERR_FILENO);
    p->on = mode < 0 ? p->tty : mode;
    p->cmd = cmd;
    p->name = strcmp(path, "-") == 0 ? "<stdin>" : path;
    p->t0 = mm_cli_now();
    p->last = p->t0;
}

void mm_cli_progress_end(mm_cli_progress *p, int ok)
{
    if (!p->on) {
        return;
    }
    if (ok) {
        double dt = mm_cli_now() - p->t0;
        char a[32];
        mm_cli_bytes(a, sizeof a, p->done);
        fprintf(stderr, "%s%s: %s: %s in %.2f s, %.2f GB/s%s\n", p->tty ? "\r" : "",
                p->cmd, p->name, a, dt, dt > 0 ? (double)p->done / 1e9 / dt : 0.0,
                p->tty ? "\033[K" : "");
    } else if (p->shown && p->tty) {
        fputs("\n", stderr); /* the error message on a line of its own */
    }
}

int mm_cli_same_file(const char *a, const char *b)
{
    struct stat sa, sb;
    if (strcmp(a, "-") == 0 || strcmp(b, "-") == 0) {
        return 0;
    }
    return stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev &&
           sa.st_ino == sb.st_ino;
}

int mm_cli_parse_seed(const char *s, unsigned long long *out)
{
    /* torch.Generator().manual_seed takes -2^63 .. 2^64 - 1 and maps a
     * negative seed modulo 2^64: -1 is 2^64 - 1. */
    if (s != NULL && s[0] == '-') {
        unsigned long long v = 0;
        if (!mm_cli_parse_u64(s + 1, &v) || v == 0 || v > (1ULL << 63)) {
            return 0;
        }
        *out = 0ULL - v;
        return 1;
    }
    return mm_cli_parse_u64(s, out);
}
