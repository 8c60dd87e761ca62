/*
 * cli.h - shared pieces of the makemore command-line tool.  Only the CLI
 * prints or exits; the library reports through mm_status and mm_errmsg().
 */
#ifndef MM_CLI_H
#define MM_CLI_H

#include <stdarg.h>
#include <stdio.h>

#include "makemore.h"

#if defined(__GNUC__)
#define MM_CLI_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define MM_CLI_PRINTF(a, b)
#endif

enum { MM_EXIT_OK = 0, MM_EXIT_FAIL = 1, MM_EXIT_USAGE = 2 };

/* fprintf(stderr, ...) with control characters written as U+XXXX (a
 * final newline kept): for messages that echo names and arguments. */
void mm_cli_eprintf(const char *fmt, ...) MM_CLI_PRINTF(1, 2);
void mm_cli_veprintf(const char *fmt, va_list ap);
/* Print "makemore: <msg>" for a failed status; returns MM_EXIT_FAIL. */
int mm_cli_fail(mm_status s);
/* Print "makemore <cmd>: <msg>" and a hint to --help; returns MM_EXIT_USAGE. */
int mm_cli_usage_error(const char *cmd, const char *fmt, ...);
/* mm_dispatch_init for --isa NAME: an unknown NAME is a usage error (2), one
 * this CPU cannot run a failure (1); returns MM_EXIT_OK on success. */
int mm_cli_dispatch(const char *cmd, const char *isa);
/* A usage error (2) if an output option was given an empty file name. */
int mm_cli_check_output(const char *cmd, const char *opt, const char *path);
/* 1 if paths a and b both exist and are the same file ("-" is none). */
int mm_cli_same_file(const char *a, const char *b);
/* Strict number parsing: the whole string, in range. */
int mm_cli_parse_u64(const char *s, unsigned long long *out);
int mm_cli_parse_double(const char *s, double *out);
/* Why mm_cli_parse_double refused s when it is a number out of a double's
 * range (" (it underflows: ...)"), else "": appended to usage messages. */
const char *mm_cli_number_note(const char *s);
int mm_cli_parse_threads(const char *cmd, const char *s, int *out);
/* --order K: 2..6 (prints the usage error itself, as parse_threads). */
int mm_cli_parse_order(const char *cmd, const char *s, int *out);
/* eval/sample/info/export --order K: the model's order must be K (the
 * order is the model's; the option states what the caller expects).
 * Returns MM_EXIT_OK or prints why and returns MM_EXIT_FAIL. */
int mm_cli_check_order(const char *cmd, const char *path, const mm_model *m, int want);
/* A generator seed as torch.manual_seed takes it: 0 .. 2^64 - 1, or
 * -2^63 .. -1 taken modulo 2^64. */
int mm_cli_parse_seed(const char *s, unsigned long long *out);
/* JSON string (with quotes) of the vocabulary symbols. */
void mm_cli_json_string(FILE *fp, const char *s);
/* A JSON number that round-trips the double (%.17g); null if not finite. */
void mm_cli_json_number(FILE *fp, double v);
/* one if n == 1, else many ("1 name", "2 names"). */
const char *mm_cli_plural(unsigned long long n, const char *one, const char *many);
/* Progress of a count or eval on standard error: bytes read and GB/s.
 * mode -1: when standard error is a terminal (the default), 0: never
 * (--quiet), 1: always (--progress).  When p->on, pass mm_cli_progress_cb
 * and p as the options' on_progress and user. */
typedef struct mm_cli_progress {
    int on, tty, shown;
    const char *cmd, *name;
    double t0, last;
    uint64_t done;
} mm_cli_progress;
void mm_cli_progress_start(mm_cli_progress *p, const char *cmd, const char *path, int mode);
void mm_cli_progress_cb(uint64_t done, uint64_t total, void *user);
void mm_cli_progress_end(mm_cli_progress *p, int ok);
/* Seconds on a monotonic clock. */
double mm_cli_now(void);

/* eval's result for one corpus: text block or JSON object (+ newline);
 * unk: with the --unk skip fields. */
void mm_cli_eval_print_one(const char *file, const mm_eval_result *r, int json, int unk);
/* The JSON object of one corpus, without a newline. */
void mm_cli_eval_print_json(const char *file, const mm_eval_result *r, int unk);
/* eval --words: the notebook's listing of each bigram of the names in list
 * (text, or one JSON object without a newline) into fp; a name with a
 * character the model lacks is an error (1), no name a usage error (2). */
int mm_cli_eval_words(FILE *fp, const mm_model *m, const char *list, int json);

/* The files a command reads and writes (cli_files.c).  group: an output may
 * name the same file as an input of its nonzero group (-o CK --resume CK). */
typedef struct mm_cli_file {
    const char *what;   /* the option or argument, for the message */
    const char *path;   /* NULL: not given */
    int output;
    int group;
} mm_cli_file;
/* 1 if no output names an input or another output; else prints why, 0. */
int mm_cli_check_files(const char *cmd, const mm_cli_file *f, size_t n);

int mm_cmd_count(int argc, char **argv);
int mm_cmd_train(int argc, char **argv);
int mm_cmd_eval(int argc, char **argv);
int mm_cmd_sample(int argc, char **argv);
int mm_cmd_info(int argc, char **argv);
int mm_cmd_export(int argc, char **argv);
int mm_cmd_plot(int argc, char **argv);
int mm_cmd_split(int argc, char **argv);
int mm_cmd_tune(int argc, char **argv);

#endif /* MM_CLI_H */
