/*
 * error.c - status strings and the thread-local message behind mm_errmsg().
 * The library never prints: callers (main.c) decide where messages go.
 */
#include <stdarg.h>
#include <stdio.h>

#include "internal.h"

static _Thread_local char mm_last_error[1024];

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
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(mm_last_error, sizeof mm_last_error, fmt, ap);
    va_end(ap);
    return s;
}
