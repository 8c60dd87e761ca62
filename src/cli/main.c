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

static const char mm_usage_head[] =
    "usage: makemore <command> [options]\n"
    "\n"
    "Character-level bigram language models (makemore, part 1).\n"
    "\n"
    "commands:\n";
static const char mm_usage_tail[] =
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
static const char *const mm_usage[] = {mm_usage_head, mm_cli_usage_commands, mm_usage_tail,
                                       NULL};

int main(int argc, char **argv)
{
    static const mm_cli_command cmds[] = {
        {"count", mm_cmd_count},   {"train", mm_cmd_train},
        {"eval", mm_cmd_eval},     {"sample", mm_cmd_sample},
        {"info", mm_cmd_info},     {"export", mm_cmd_export}, {"plot", mm_cmd_plot},
    };
    if (argc < 2) {
        return mm_cli_dispatch(argc, argv, cmds, 0, mm_usage, NULL); /* the usage */
    }
    mm_install_signal_cleanup();
    /* The library installs no signal handler by itself: the tool opts in to
     * turning a corpus truncated under it into "the file shrank". */
    (void)mm_sigbus_guard_install();
    return mm_cli_dispatch(argc, argv, cmds, sizeof cmds / sizeof cmds[0], mm_usage, NULL);
}
