/*
 * cli.h - shared pieces of the makemore command-line tool.  Only the CLI
 * prints or exits; the library reports through mm_status and mm_errmsg().
 */
#ifndef MM_CLI_H
#define MM_CLI_H

#include <stdio.h>

#include "makemore.h"

enum { MM_EXIT_OK = 0, MM_EXIT_FAIL = 1, MM_EXIT_USAGE = 2 };

/* Print "makemore: <msg>" for a failed status; returns MM_EXIT_FAIL. */
int mm_cli_fail(mm_status s);
/* Print "makemore <cmd>: <msg>" and a hint to --help; returns MM_EXIT_USAGE. */
int mm_cli_usage_error(const char *cmd, const char *fmt, ...);
/* Strict number parsing: the whole string, in range. */
int mm_cli_parse_u64(const char *s, unsigned long long *out);
int mm_cli_parse_double(const char *s, double *out);
int mm_cli_parse_threads(const char *cmd, const char *s, int *out);
/* --order K: 2..6 (prints the usage error itself, as parse_threads). */
int mm_cli_parse_order(const char *cmd, const char *s, int *out);
/* eval/sample/info/export --order K: the model's order must be K (the
 * order is the model's; the option states what the caller expects).
 * Returns MM_EXIT_OK or prints why and returns MM_EXIT_FAIL. */
int mm_cli_check_order(const char *cmd, const char *path, const mm_model *m, int want);
/* JSON string (with quotes) of the vocabulary symbols. */
void mm_cli_json_string(FILE *fp, const char *s);
/* Seconds on a monotonic clock. */
double mm_cli_now(void);

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
