/*
 * cli.h - the command-line front ends' shared part: makemore (src/cli/main.c)
 * and makemore-mpi (src/mpi/) parse each command with the same function,
 * print with the same helpers (cli.c) and share the steps around the
 * library calls; each adds only its own part (makemore-mpi: the corpus
 * split, the collectives).  Only front ends print or exit; the library
 * reports through mm_status and mm_errmsg().
 */
#ifndef MM_CLI_H
#define MM_CLI_H

#include <stdio.h>

#include "makemore.h"

#if defined(__GNUC__)
#define MM_CLI_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define MM_CLI_PRINTF(a, b)
#endif

enum { MM_EXIT_OK = 0, MM_EXIT_FAIL = 1, MM_EXIT_USAGE = 2 };
/* What a command's parse returns for --help: the front end prints its usage. */
enum { MM_CLI_HELP = -1 };

/* The front end running, set by its main: the name in messages, and whether
 * this process prints nothing on stderr (MPI ranks other than 0: every rank
 * meets the same errors, rank 0 reports them). */
extern const char *mm_cli_name;
extern int mm_cli_quiet;

/* Print "<name>: <msg>" for a failed status; returns MM_EXIT_FAIL. */
int mm_cli_fail(mm_status s);
/* Print "<name>: <fmt...>"; returns MM_EXIT_FAIL. */
int mm_cli_error(const char *fmt, ...) MM_CLI_PRINTF(1, 2);
/* Print fmt... on stderr (notes, progress). */
void mm_cli_note(const char *fmt, ...) MM_CLI_PRINTF(1, 2);
/* Print "<name> <cmd>: <msg>" and a hint to --help; returns MM_EXIT_USAGE. */
int mm_cli_usage_error(const char *cmd, const char *fmt, ...) MM_CLI_PRINTF(2, 3);
/* Strict number parsing: the whole string, in range. */
int mm_cli_parse_u64(const char *s, unsigned long long *out);
int mm_cli_parse_double(const char *s, double *out);
int mm_cli_parse_threads(const char *cmd, const char *s, int *out);
/* JSON string (with quotes) of the vocabulary symbols. */
void mm_cli_json_string(FILE *fp, const char *s);
/* Seconds on a monotonic clock. */
double mm_cli_now(void);
/* Standard output must have reached its file: a full disk or a closed pipe
 * turns a success (rc) into a failure. */
int mm_cli_finish_stdout(int rc);

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

/* ---- count (cli_count.c) ---- */
typedef struct mm_count_args {
    const char *corpus, *out, *isa;
    double smoothing;
    int stats;
    mm_count_opts count;
} mm_count_args;
extern const char mm_count_options_help[];
/* MM_EXIT_OK, MM_CLI_HELP, or MM_EXIT_USAGE (printed). */
int mm_count_args_parse(int argc, char **argv, mm_count_args *a);
/* Names (row 0) and bigrams of V*V counts. */
void mm_cli_count_totals(const uint64_t *counts, size_t V, uint64_t *names, uint64_t *bigrams);
/* The model of counts written to a->out. */
mm_status mm_cli_count_save(const mm_count_args *a, const mm_vocab *v, const uint64_t *counts);

int mm_cmd_count(int argc, char **argv);

/* ---- eval (cli_eval.c) ---- */
typedef struct mm_eval_args {
    const char *model, *corpus, *words, *isa; /* corpus: NULL with --words alone */
    int json;
    mm_eval_opts eval;
} mm_eval_args;
extern const char mm_eval_options_help[];
int mm_eval_args_parse(int argc, char **argv, mm_eval_args *a);
/* The notebook's per-bigram listing of the names in list (--words). */
int mm_cli_eval_words(const mm_model *m, const char *list, int json);
/* The result on standard output, as text or JSON. */
void mm_cli_eval_print(const mm_eval_result *r, int json);
int mm_cmd_train(int argc, char **argv);
int mm_cmd_eval(int argc, char **argv);
int mm_cmd_sample(int argc, char **argv);
int mm_cmd_info(int argc, char **argv);
int mm_cmd_export(int argc, char **argv);
int mm_cmd_plot(int argc, char **argv);

#endif /* MM_CLI_H */
