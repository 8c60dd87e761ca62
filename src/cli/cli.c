/*
 * cli.c - the helpers of cli.h shared by the front ends (makemore, and
 * makemore-mpi, which links src/cli/): messages, strict number parsing,
 * JSON strings, a clock.  Only front ends print; the library reports
 * through mm_status and mm_errmsg().
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"

const char *mm_cli_name = "makemore";
int mm_cli_quiet = 0;

int mm_cli_fail(mm_status s)
{
    const char *msg = mm_errmsg();
    mm_cli_eprintf("%s: %s\n", mm_cli_name, (msg && *msg) ? msg : mm_status_str(s));
    return MM_EXIT_FAIL;
}

int mm_cli_error(const char *fmt, ...)
{
    if (!mm_cli_quiet) {
        va_list ap;
        fprintf(stderr, "%s: ", mm_cli_name);
        va_start(ap, fmt);
        mm_cli_veprintf(fmt, ap);
        va_end(ap);
        fputc('\n', stderr);
    }
    return MM_EXIT_FAIL;
}

void mm_cli_note(const char *fmt, ...)
{
    if (!mm_cli_quiet) {
        va_list ap;
        va_start(ap, fmt);
        vfprintf(stderr, fmt, ap);
        va_end(ap);
    }
}

int mm_cli_usage_error(const char *cmd, const char *fmt, ...)
{
    if (!mm_cli_quiet) {
        va_list ap;
        fprintf(stderr, "%s %s: ", mm_cli_name, cmd);
        va_start(ap, fmt);
        mm_cli_veprintf(fmt, ap);
        va_end(ap);
        fprintf(stderr, "\nTry '%s %s --help'.\n", mm_cli_name, cmd);
    }
    return MM_EXIT_USAGE;
}

int mm_cli_parse_u64(const char *s, unsigned long long *out)
{
    /* digits only: strtoull would skip spaces and take ' -1' as 2^64 - 1 */
    if (s == NULL || !(*s >= '0' && *s <= '9')) {
        return 0;
    }
    char *end = NULL;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno != 0 || *end != '\0') {
        return 0;
    }
    *out = v;
    return 1;
}

int mm_cli_parse_double(const char *s, double *out)
{
    /* strtod would skip leading spaces: the whole string is the number */
    if (s == NULL || *s == '\0' || isspace((unsigned char)*s)) {
        return 0;
    }
    char *end = NULL;
    errno = 0;
    double v = strtod(s, &end);
    if (errno != 0 || *end != '\0' || !isfinite(v)) {
        return 0;
    }
    *out = v;
    return 1;
}

const char *mm_cli_number_note(const char *s)
{
    char *end = NULL;
    errno = 0;
    double v = s != NULL && *s != '\0' && !isspace((unsigned char)*s) ? strtod(s, &end) : 0.0;
    if (end == NULL || *end != '\0' || errno != ERANGE) {
        return "";
    }
    return fabs(v) < 1.0 ? " (it underflows: too close to 0 for a double)"
                         : " (it overflows: too large for a double)";
}

int mm_cli_parse_threads(const char *cmd, const char *s, int *out)
{
    unsigned long long v = 0;
    if (!mm_cli_parse_u64(s, &v) || v < 1 || v > 1024) {
        mm_cli_usage_error(cmd, "--threads takes a whole number from 1 to 1024 (got '%s')",
                           s);
        return 0;
    }
    *out = (int)v;
    return 1;
}

void mm_cli_json_string(FILE *fp, const char *s)
{
    fputc('"', fp);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\') {
            fprintf(fp, "\\%c", *p);
        } else if (*p < 0x20) {
            fprintf(fp, "\\u%04x", *p);
        } else {
            fputc(*p, fp);
        }
    }
    fputc('"', fp);
}

double mm_cli_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

int mm_cli_finish_stdout(int rc)
{
    if ((fflush(stdout) != 0 || ferror(stdout)) && rc == MM_EXIT_OK) {
        mm_cli_error("error writing standard output: %s", strerror(errno));
        rc = MM_EXIT_FAIL;
    }
    return rc;
}

static void mm_cli_usage(FILE *fp, const char *const *usage)
{
    if (fp != stderr || !mm_cli_quiet) {
        for (; *usage != NULL; usage++) {
            fputs(*usage, fp);
        }
    }
}

int mm_cli_main(int argc, char **argv, const mm_cli_command *cmds, size_t n,
                const char *const *usage, const char *version_extra)
{
    const char *cmd = argc >= 2 ? argv[1] : NULL;
    if (cmd == NULL) {
        mm_cli_usage(stderr, usage);
        return MM_EXIT_USAGE;
    }
    if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
        mm_cli_usage(stdout, usage);
        return mm_cli_finish_stdout(MM_EXIT_OK);
    }
    if (strcmp(cmd, "--version") == 0 || strcmp(cmd, "-V") == 0) {
        int rc = mm_cli_print_version();
        fputs(version_extra != NULL ? version_extra : "", stdout);
        return mm_cli_finish_stdout(rc);
    }
    for (size_t i = 0; i < n; i++) {
        if (strcmp(cmd, cmds[i].name) == 0) {
            return mm_cli_finish_stdout(cmds[i].run(argc - 1, argv + 1));
        }
    }
    mm_cli_eprintf("%s: unknown command '%s'\n", mm_cli_name, cmd);
    mm_cli_note("\n");
    mm_cli_usage(stderr, usage);
    return MM_EXIT_USAGE;
}
