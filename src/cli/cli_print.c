/*
 * cli_print.c - messages that echo file names and arguments: a control
 * character in them (an escape sequence, a newline that would forge a
 * line) is written as U+XXXX, as the corpus reader names characters; C1
 * controls too (UTF-8 C2 80-9F).  Shared by makemore and makemore-mpi.
 */
#include <stdarg.h>
#include <stdio.h>

#include "cli.h"

void mm_cli_veprintf(const char *fmt, va_list ap)
{
    if (mm_cli_quiet) {
        return; /* an MPI rank other than 0 */
    }
    char buf[8192];
    vsnprintf(buf, sizeof buf, fmt, ap);
    for (const unsigned char *p = (const unsigned char *)buf; *p; p++) {
        int last_nl = *p == '\n' && p[1] == '\0';
        if ((*p < 0x20 && !last_nl) || *p == 0x7f) {
            fprintf(stderr, "U+%04X", (unsigned)*p);
        } else if (*p == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f) {
            fprintf(stderr, "U+%04X", (unsigned)p[1]);
            p++;
        } else {
            fputc(*p, stderr);
        }
    }
}

void mm_cli_eprintf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    mm_cli_veprintf(fmt, ap);
    va_end(ap);
}
