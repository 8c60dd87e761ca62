/*
 * main.c - the makemore command-line tool: `makemore <command> [options]`.
 * Results go to stdout, logs and progress to stderr.  Exit codes: 0 ok,
 * 1 bad input or failure, 2 usage, 128 + N killed by signal N (130: Ctrl-C).
 */
#include <stdlib.h>
#include <string.h>

#include <signal.h>

#include "cli.h"

/* A fatal signal removes the temporaries of outputs being written (targets
 * are only ever replaced by rename, so they stay intact), then dies of the
 * same signal.  train installs its own SIGINT/SIGTERM handler to checkpoint. */
static void mm_on_fatal_signal(int sig)
{
    mm_outfile_remove_all_temps();
    signal(sig, SIG_DFL);
    raise(sig);
}

static void mm_install_signal_cleanup(void)
{
    const int sigs[] = {SIGINT, SIGTERM, SIGHUP, SIGPIPE};
    for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++) {
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = mm_on_fatal_signal;
        sigemptyset(&sa.sa_mask);
        sigaction(sigs[i], &sa, NULL);
    }
}

static const char mm_usage[] =
    "usage: makemore <command> [options]\n"
    "\n"
    "Character-level bigram language models (makemore, part 1).\n"
    "\n"
    "commands:\n"
    "  count  CORPUS -o MODEL [--order K] [--smoothing K] [--threads N] [--isa NAME] [--stats]\n"
    "  train  CORPUS -o MODEL [--steps N] [--lr LR] [--reg R] [--seed S] [--init W0.npy]\n"
    "         [--driver counts|examples|onehot] [--batch B] [--threads N] [--isa NAME]\n"
    "         [--log FILE.csv] [--resume MODEL] [--every K] [--dev FILE] [--order 2|3]\n"
    "  eval   MODEL CORPUS... [--json] [--unk skip|error] [--words NAME,NAME...]\n"
    "         [--threads N] [--isa NAME] [--order K]\n"
    "  sample MODEL [-n N] [--seed S] [--max-len L] [--isa NAME] [--order K]\n"
    "  info   MODEL [--json] [--order K]\n"
    "  export MODEL --npy FILE [--probs] | --arpa FILE [--order K]\n"
    "  plot   MODEL -o FILE.svg|FILE.png | plot --loss FILE.csv -o FILE.svg|FILE.png\n"
    "  split  CORPUS -o PREFIX [--ratios 80,10,10] [--seed S]\n"
    "  tune   CORPUS --dev DEV [--order K] [--smoothing LO..HI] [--points N] [--json]\n"
    "         [--svg FILE] [-o MODEL] [--threads N]\n"
    "\n"
    "Every command takes -q/--quiet (nothing on standard error but errors);\n"
    "count and eval show progress on a terminal (--progress forces it).\n"
    "\n"
    "  makemore <command> --help   options of one command (or: makemore help <command>)\n"
    "  makemore --version          version and instruction sets\n"
    "\n"
    "CORPUS is a UTF-8 file, one name per line ('-' reads standard input).\n"
    "Exit codes: 0 ok, 1 bad input or failure, 2 usage, 130 interrupted (Ctrl-C).\n"
    "Environment: MM_ISA=scalar|avx2|avx512 forces a kernel set (as --isa;\n"
    "--isa auto overrides it);\n"
    "MM_CPU_HIDE=avx512 (or avx2) runs as on a CPU without it;\n"
    "OMP_NUM_THREADS sets the default thread count.\n";

static const struct {
    const char *name;
    int (*run)(int, char **);
} mm_cmds[] = {
    {"count", mm_cmd_count},   {"train", mm_cmd_train},
    {"eval", mm_cmd_eval},     {"sample", mm_cmd_sample},
    {"info", mm_cmd_info},     {"export", mm_cmd_export}, {"plot", mm_cmd_plot},
    {"split", mm_cmd_split},   {"tune", mm_cmd_tune},
};
#define MM_NCMDS (sizeof mm_cmds / sizeof mm_cmds[0])

/* Edit distance (insert, delete, substitute, swap of neighbours), for
 * "did you mean": commands are short, so the O(n m) table is tiny. */
static size_t mm_edit_distance(const char *a, const char *b)
{
    size_t n = strlen(a), m = strlen(b);
    if (n > 31 || m > 31) {
        return (size_t)-1;
    }
    size_t d[32][32];
    for (size_t i = 0; i <= n; i++) {
        for (size_t j = 0; j <= m; j++) {
            if (i == 0 || j == 0) {
                d[i][j] = i + j;
                continue;
            }
            size_t best = d[i - 1][j - 1] + (a[i - 1] != b[j - 1]);
            best = d[i - 1][j] + 1 < best ? d[i - 1][j] + 1 : best;
            best = d[i][j - 1] + 1 < best ? d[i][j - 1] + 1 : best;
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
                d[i - 2][j - 2] + 1 < best) {
                best = d[i - 2][j - 2] + 1;
            }
            d[i][j] = best;
        }
    }
    return d[n][m];
}

static int mm_unknown_command(const char *cmd)
{
    size_t best = (size_t)-1, at = 0;
    for (size_t i = 0; i < MM_NCMDS; i++) {
        size_t d = mm_edit_distance(cmd, mm_cmds[i].name);
        if (d < best) {
            best = d;
            at = i;
        }
    }
    mm_cli_eprintf("makemore: unknown command '%s'", cmd);
    if (best <= 2) {
        fprintf(stderr, "; did you mean %s?\n", mm_cmds[at].name);
    } else {
        fprintf(stderr, "\n\n%s", mm_usage);
    }
    return MM_EXIT_USAGE;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fputs(mm_usage, stderr);
        return MM_EXIT_USAGE;
    }
    mm_install_signal_cleanup();
    /* The library installs no signal handler by itself: the tool opts in to
     * turning a corpus truncated under it into "the file shrank". */
    (void)mm_sigbus_guard_install();
    const char *cmd = argv[1];
    if (argc > 3 && strcmp(cmd, "help") == 0) {
        mm_cli_eprintf("makemore: help takes one COMMAND (got %d words)\n", argc - 2);
        return MM_EXIT_USAGE;
    }
    if (strcmp(cmd, "help") == 0 && argc > 2 && strcmp(argv[2], "help") != 0 &&
        strcmp(argv[2], "--help") != 0 && strcmp(argv[2], "-h") != 0) {
        /* makemore help CMD = makemore CMD --help */
        for (size_t i = 0; i < MM_NCMDS; i++) {
            if (strcmp(argv[2], mm_cmds[i].name) == 0) {
                static char help[] = "--help";
                char *hargv[] = {argv[2], help, NULL};
                return mm_cli_finish_stdout(mm_cmds[i].run(2, hargv));
            }
        }
        return mm_unknown_command(argv[2]);
    }
    if ((strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "--version") == 0 ||
         strcmp(cmd, "-V") == 0) && argc > 2) {
        mm_cli_eprintf("makemore: %s takes no arguments (got '%s')\n", cmd, argv[2]);
        return MM_EXIT_USAGE;
    }
    if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
        fputs(mm_usage, stdout);
        return mm_cli_finish_stdout(MM_EXIT_OK);
    }
    if (strcmp(cmd, "--version") == 0 || strcmp(cmd, "-V") == 0) {
        return mm_cli_finish_stdout(mm_cli_print_version());
    }
    for (size_t i = 0; i < MM_NCMDS; i++) {
        if (strcmp(cmd, mm_cmds[i].name) == 0) {
            return mm_cli_finish_stdout(mm_cmds[i].run(argc - 1, argv + 1));
        }
    }
    return mm_unknown_command(cmd);
}
