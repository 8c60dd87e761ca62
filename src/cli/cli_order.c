/*
 * cli_order.c - the --order option shared by the commands of makemore and
 * makemore-mpi (which links cli_eval.c but has its own main).
 */
#include "cli.h"

int mm_cli_parse_order(const char *cmd, const char *s, int *out)
{
    unsigned long long v = 0;
    if (!mm_cli_parse_u64(s, &v) || v < MM_MIN_ORDER || v > MM_MAX_ORDER) {
        mm_cli_usage_error(cmd, "--order takes a whole number from %d to %d (got '%s')",
                           MM_MIN_ORDER, MM_MAX_ORDER, s);
        return 0;
    }
    *out = (int)v;
    return 1;
}

int mm_cli_check_order(const char *cmd, const char *path, const mm_model *m, int want)
{
    if (want != 0 && mm_model_get_order(m) != want) {
        fprintf(stderr, "makemore %s: %s: the model has order %d, not %d (--order)\n", cmd,
                path, mm_model_get_order(m), want);
        return MM_EXIT_FAIL;
    }
    return MM_EXIT_OK;
}
