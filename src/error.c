/*
 * error.c - status strings and the thread-local message behind mm_errmsg().
 * The library never prints: callers (main.c) decide where messages go.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* Room for a path of PATH_MAX and the problem text after it. */
#define MM_ERRMSG_SIZE 8192
#define MM_ERRMSG_HEAD 512 /* kept from the start when a message is longer */
static _Thread_local char mm_last_error[MM_ERRMSG_SIZE];

const char *mm_status_str(mm_status s)
{
    switch (s) {
    case MM_OK: return "ok";
    case MM_ERR_NOMEM: return "out of memory";
    case MM_ERR_IO: return "input/output error";
    case MM_ERR_INVALID_ARG: return "invalid argument";
    case MM_ERR_UNSUPPORTED_ISA: return "unsupported instruction set";
    case MM_ERR_CORPUS: return "invalid corpus";
    case MM_ERR_VOCAB: return "vocabulary error";
    case MM_ERR_FORMAT: return "malformed file";
    case MM_ERR_DIVERGED: return "training diverged";
    }
    return "unknown status";
}

const char *mm_errmsg(void)
{
    return mm_last_error;
}

mm_status mm_fail(mm_status s, const char *fmt, ...)
{
    va_list ap, again;
    va_start(ap, fmt);
    va_copy(again, ap);
    int n = vsnprintf(mm_last_error, sizeof mm_last_error, fmt, ap);
    va_end(ap);
    char *whole = n >= (int)sizeof mm_last_error ? malloc((size_t)n + 1) : NULL;
    if (whole != NULL) {
        /* Too long: messages end with the problem and begin with a path, so
         * the middle (of the path) goes, never the problem text. */
        vsnprintf(whole, (size_t)n + 1, fmt, again);
        static const char cut[] = "...";
        size_t tail = sizeof mm_last_error - 1 - MM_ERRMSG_HEAD - (sizeof cut - 1);
        memcpy(mm_last_error + MM_ERRMSG_HEAD, cut, sizeof cut - 1);
        memcpy(mm_last_error + MM_ERRMSG_HEAD + sizeof cut - 1, whole + (size_t)n - tail,
               tail + 1);
        free(whole);
    }
    va_end(again);
    return s;
}

mm_status mm_require_names(uint64_t names, const char *name, mm_names_use use)
{
    static const char *const purpose[] = {"", " to train on", " to evaluate"};
    const char *p = (unsigned)use < 3 ? purpose[use] : "";
    if (names > 0) {
        return MM_OK;
    }
    if (name == NULL) {
        return mm_fail(MM_ERR_CORPUS, "no names%s (the counts are all zero)", p);
    }
    return mm_fail(MM_ERR_CORPUS, "%s: no names%s (the file is empty or has only blank lines)",
                   strcmp(name, "-") == 0 ? "<stdin>" : name, p);
}
