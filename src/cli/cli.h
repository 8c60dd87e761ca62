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

#include <stdarg.h>
#include <stdio.h>

#include "makemore.h"

#if defined(__GNUC__)
#define MM_CLI_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define MM_CLI_PRINTF(a, b)
#endif

enum { MM_EXIT_OK = 0, MM_EXIT_FAIL = 1, MM_EXIT_USAGE = 2 };
/* What a command's parse returns after printing the front end's usage
 * header and the shared option help for --help (the command is done). */
enum { MM_CLI_HELP = -1 };

/* The front end running, set by its main: the name in messages, and whether
 * this process prints nothing on stderr (MPI ranks other than 0: every rank
 * meets the same errors, rank 0 reports them). */
extern const char *mm_cli_name;
extern int mm_cli_quiet;

/* fprintf(stderr, ...) with control characters written as U+XXXX (a
 * final newline kept): for messages that echo names and arguments.  Like
 * every printer here, silent when mm_cli_quiet. */
void mm_cli_eprintf(const char *fmt, ...) MM_CLI_PRINTF(1, 2);
void mm_cli_veprintf(const char *fmt, va_list ap);
/* Print "<name>: <msg>" for a failed status; returns MM_EXIT_FAIL. */
int mm_cli_fail(mm_status s);
/* Print "<name>: <fmt...>"; returns MM_EXIT_FAIL. */
int mm_cli_error(const char *fmt, ...) MM_CLI_PRINTF(1, 2);
/* Print fmt... on stderr (notes, progress). */
void mm_cli_note(const char *fmt, ...) MM_CLI_PRINTF(1, 2);
/* Print "<name> <cmd>: <msg>" and a hint to --help; returns MM_EXIT_USAGE. */
int mm_cli_usage_error(const char *cmd, const char *fmt, ...) MM_CLI_PRINTF(2, 3);
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
/* Standard output must have reached its file: a full disk or a closed pipe
 * turns a success (rc) into a failure. */
int mm_cli_finish_stdout(int rc);
/* --version of every front end: the name and version, the ISAs built in
 * and run by this CPU, and those $MM_CPU_HIDE hides, if any; an unknown
 * name there is reported, and the exit code says so. */
int mm_cli_print_version(void);

/* A front end's main, after its own set-up (makemore-mpi's; makemore's main
 * adds "did you mean" and `help CMD`): its usage (pieces, NULL-ended) for no
 * command or --help, --version (then version_extra, may be NULL), else the
 * command argv[1] names, with standard output checked at the end. */
typedef struct mm_cli_command {
    const char *name;
    int (*run)(int argc, char **argv);
} mm_cli_command;
int mm_cli_main(int argc, char **argv, const mm_cli_command *cmds, size_t n,
                const char *const *usage, const char *version_extra);

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
/* 1 if writing path writes standard output: "-", or another name of the
 * open file stdout is (/dev/stdout, /dev/fd/1, the file it is redirected to). */
int mm_cli_writes_stdout(const char *path);
/* --isa's help, the same in every command's usage (without the line's end) */
#define MM_CLI_ISA_HELP                                                                   \
    "      --isa NAME       kernel set: scalar, avx2, avx512, or auto: the best this\n"      \
    "                       CPU runs (the default, unless MM_ISA names one)"

/* ---- count (cli_count.c) ---- */
typedef struct mm_count_args {
    const char *corpus, *out, *isa;
    double smoothing;
    int stats;
    int progress;       /* -1 on a terminal, 0 --quiet, 1 --progress */
    int order;          /* --order K: 2 (bigrams) .. 6 */
    mm_count_opts count;
} mm_count_args;
extern const char mm_count_options_help[];
/* The parse of each command: MM_EXIT_OK, MM_CLI_HELP, or MM_EXIT_USAGE
 * (the message printed).  usage: the front end's header for --help. */
int mm_count_args_parse(int argc, char **argv, const char *usage, mm_count_args *a);
/* Names (row 0) and bigrams of V*V counts. */
void mm_cli_count_totals(const uint64_t *counts, size_t V, uint64_t *names, uint64_t *bigrams);
/* 1 unless -o names the corpus (then a message, 0). */
int mm_count_args_check_files(const mm_count_args *a);
/* The model of counts written to a->out, and the line saying so. */
mm_status mm_cli_count_save(const mm_count_args *a, const mm_vocab *v, const uint64_t *counts);
void mm_cli_count_wrote(const mm_count_args *a, size_t V, uint64_t names, uint64_t bigrams);

int mm_cmd_count(int argc, char **argv);

/* ---- train (cli_train.c) ---- */
/* Hyper-parameters given on the command line (a resumed run keeps the
 * model's values for the rest). */
typedef struct mm_train_args {
    const char *corpus, *out, *init, *driver, *isa, *log, *resume, *dev;
    int quiet;
    mm_train_config cfg;
    int have_lr, have_reg, have_seed, have_batch, have_driver;
    uint64_t every;
} mm_train_args;
extern const char mm_train_options_help[];
int mm_train_args_parse(int argc, char **argv, const char *usage, mm_train_args *a);

/* What a front end adds to the train command (makemore: the whole corpus
 * and the signal handlers; makemore-mpi: a part, the collectives). */
typedef struct mm_cli_train_env {
    int writer;          /* this process writes the model and the log (rank 0) */
    int signals;         /* Ctrl-C stops after the step and writes the model */
    /* The corpus to train on (the part of this process) and the vocabulary
     * of the whole; stays valid until close. */
    mm_status (*open)(const char *path, const mm_corpus **c, const mm_vocab **v, void *user);
    void (*close)(void *user);
    /* The exit code every process agrees on (NULL: one process). */
    int (*agree)(int rc, void *user);
    const mm_train_hooks *hooks;                 /* the trainer's (NULL alone) */
    void (*trained)(const mm_model *m, void *user); /* after training (may be NULL) */
    const char *summary; /* appended to the "wrote" line (", 3 ranks") */
    void *user;
} mm_cli_train_env;
/* The train command after parsing: outputs opened first, the starting model,
 * mm_train with progress and log, the model written, the summary. */
int mm_cli_train_run(mm_train_args *a, const mm_cli_train_env *env);

/* ---- eval (cli_eval.c) ---- */
typedef struct mm_eval_args {
    const char *model, *words, *isa;
    const char *const *files;  /* the CORPUS arguments (none with --words alone) */
    int nfiles;
    int json;
    int progress;              /* -1 on a terminal, 0 --quiet, 1 --progress */
    int order;                 /* --order K: the model must have order K (0: any) */
    mm_eval_opts eval;
} mm_eval_args;
extern const char mm_eval_options_help[];
int mm_eval_args_parse(int argc, char **argv, const char *usage, mm_eval_args *a);
/* What a front end adds to the eval command: how one corpus is scored
 * (makemore: mm_eval_file with progress; makemore-mpi: the parts' counts
 * summed, then mm_eval_counts) and, under MPI, the exit code every rank
 * agrees on. */
typedef struct mm_cli_eval_env {
    mm_status (*score)(const mm_model *m, const mm_eval_args *a, const char *path,
                       mm_eval_result *r, void *user);
    int (*agree)(int rc, void *user); /* NULL: one process */
    void *user;
} mm_cli_eval_env;
/* The eval command after parsing: the model, every corpus scored, --words,
 * then one document on standard output. */
int mm_cli_eval_run(const mm_eval_args *a, const mm_cli_eval_env *env);
int mm_cmd_train(int argc, char **argv);
int mm_cmd_eval(int argc, char **argv);
int mm_cmd_sample(int argc, char **argv);
int mm_cmd_info(int argc, char **argv);
int mm_cmd_export(int argc, char **argv);
int mm_cmd_plot(int argc, char **argv);
int mm_cmd_split(int argc, char **argv);
int mm_cmd_tune(int argc, char **argv);

#endif /* MM_CLI_H */
