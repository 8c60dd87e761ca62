/*
 * main.c - the makemore command-line tool: `makemore <command> [options]`.
 * Results go to stdout, logs and progress to stderr.  Exit codes: 0 ok,
 * 1 bad input or failure, 2 usage.
 */
#include <errno.h>
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
    "  count  CORPUS -o MODEL [--smoothing K] [--threads N] [--isa NAME] [--stats]\n"
    "  train  CORPUS -o MODEL [--steps N] [--lr LR] [--reg R] [--seed S] [--init W0.npy]\n"
    "         [--driver counts|examples|onehot] [--batch B] [--threads N] [--isa NAME]\n"
    "         [--log FILE.csv] [--resume MODEL] [--every K]\n"
    "  eval   MODEL CORPUS [--json] [--words NAME,NAME...] [--threads N] [--isa NAME]\n"
    "  sample MODEL [-n N] [--seed S] [--max-len L]\n"
    "  info   MODEL [--json]\n"
    "  export MODEL --npy FILE [--probs]\n"
    "  plot   MODEL -o FILE.svg | plot --loss FILE.csv -o FILE.svg\n"
    "\n"
    "  makemore <command> --help   options of one command\n"
    "  makemore --version          version and instruction sets\n"
    "\n"
    "CORPUS is a UTF-8 file, one name per line ('-' reads standard input).\n"
    "Environment: MM_ISA=scalar|avx2|avx512 forces a kernel set (as --isa);\n"
    "OMP_NUM_THREADS sets the default thread count.\n";

int main(int argc, char **argv)
{
    static const struct {
        const char *name;
        int (*run)(int, char **);
    } cmds[] = {
        {"count", mm_cmd_count},   {"train", mm_cmd_train},
        {"eval", mm_cmd_eval},     {"sample", mm_cmd_sample},
        {"info", mm_cmd_info},     {"export", mm_cmd_export}, {"plot", mm_cmd_plot},
    };
    if (argc < 2) {
        fputs(mm_usage, stderr);
        return MM_EXIT_USAGE;
    }
    mm_install_signal_cleanup();
    /* The library installs no signal handler by itself: the tool opts in to
     * turning a corpus truncated under it into "the file shrank". */
    (void)mm_sigbus_guard_install();
    const char *cmd = argv[1];
    if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
        fputs(mm_usage, stdout);
        return mm_cli_finish_stdout(MM_EXIT_OK);
    }
    if (strcmp(cmd, "--version") == 0 || strcmp(cmd, "-V") == 0) {
        printf("makemore %s\nkernels built: %s\nkernels this CPU runs: %s\n",
               MM_VERSION_STRING, mm_isa_built(), mm_isa_supported());
        return mm_cli_finish_stdout(MM_EXIT_OK);
    }
    for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++) {
        if (strcmp(cmd, cmds[i].name) == 0) {
            return mm_cli_finish_stdout(cmds[i].run(argc - 1, argv + 1));
        }
    }
    fprintf(stderr, "makemore: unknown command '%s'\n\n%s", cmd, mm_usage);
    return MM_EXIT_USAGE;
}
