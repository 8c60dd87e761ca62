/*
 * cli_train.c - `makemore train`: corpus -> neural bigram model, by gradient
 * descent, with progress on standard error, an optional step,loss CSV and
 * checkpoints that --resume continues exactly.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"

static const char train_usage[] =
    "usage: makemore train CORPUS -o MODEL [--steps N] [--lr LR] [--reg R] [--seed S]\n"
    "                      [--init W0.npy] [--driver counts|examples|onehot] [--batch B]\n"
    "                      [--threads N] [--isa NAME] [--log FILE.csv] [--resume MODEL]\n"
    "                      [--every K] [--dev FILE] [--quiet] [--order 2|3]\n"
    "\n"
    "Train the neural bigram on CORPUS (one name per line): W is V x V, the logits\n"
    "of a character are its row of W, loss = mean NLL + R * mean(W^2), and each\n"
    "step is W -= LR * grad.  The defaults are the notebook's.\n"
    "\n";

const char mm_train_options_help[] =
    "  -o, --output MODEL   model file to write (atomically); it is a checkpoint\n"
    "      --steps N        train until N steps are done in total (default 100;\n"
    "                       with --resume the steps already in MODEL count)\n"
    "      --lr LR          learning rate (default 50)\n"
    "      --reg R          weight of mean(W^2) in the loss (default 0.01)\n"
    "      --seed S         generator seed: W = torch.randn((V,V), generator=\n"
    "                       torch.Generator().manual_seed(S)) (default 2147483647);\n"
    "                       a negative S is taken modulo 2^64, as torch does\n"
    "      --init W0.npy    start from this V x V array instead: float32, or numpy's\n"
    "                       default float64 rounded to float32 (with a note if\n"
    "                       that loses precision); --seed then seeds only the\n"
    "                       minibatch draws\n"
    "      --driver NAME    counts: full batch from the bigram counts, O(V^2) a step\n"
    "                       (the default); examples: (x, y) pairs streamed from the\n"
    "                       corpus, O(N V); onehot: the notebook's dense\n"
    "                       one_hot(x) @ W, O(N V^2), the baseline\n"
    "      --batch B        minibatch SGD: B positions a step, drawn as\n"
    "                       torch.randint(0, P, (B,), generator=g) (implies\n"
    "                       --driver examples)\n"
    "  -t, --threads N      OpenMP threads (default: OMP_NUM_THREADS or all cores)\n"
    MM_CLI_ISA_HELP "\n"
    "      --log FILE.csv   write step,loss (and dev_loss with --dev) per step, each\n"
    "                       line flushed as it is written (tail -f works)\n"
    "      --dev FILE       held-out corpus: its loss (mean NLL + R * mean(W^2), the\n"
    "                       training loss's formula) at the same weights, beside\n"
    "                       the training loss on each step line and in the log\n"
    "      --resume MODEL   continue training a neural model file: its weights,\n"
    "                       step, generator and (unless given here) lr, reg,\n"
    "                       driver and batch\n"
    "      --every K        print progress every K steps (default 1)\n"
    "      --order 3        the neural trigram (exercise E01): logits of (x1, x2) are\n"
    "                       W1[x1] + W2[x2], W = [W1; W2] is 2V x V, drawn as\n"
    "                       torch.randn((2V, V)); full batch from the trigram counts\n"
    "  -q, --quiet          nothing on standard error but errors and the notes on\n"
    "                       --init (float64 rounded, --seed not used for W)\n"
    "  -h, --help           this text\n"
    "\n"
    "Progress goes to standard error, one line per step: the step, the loss at the\n"
    "weights before that step's update (%.6f), the time a step takes and, for the\n"
    "examples and onehot drivers, examples per second (the counts driver's step\n"
    "costs O(V^2) however many examples the counts hold: it gives steps per\n"
    "second).  A NaN or infinite loss stops training; the last model with a finite\n"
    "loss is written.\n"
    "Ctrl-C (or SIGTERM) stops after the current step, writes the model and exits\n"
    "130 (143).\n";

typedef struct train_cli {
    uint64_t every;
    uint64_t first;           /* step the run started at */
    FILE *log;                /* NULL if no --log */
    int log_failed;           /* the errno of a failed write, or 0 */
    int dev;                  /* --dev given */
    int quiet;
    int counts_driver;        /* steps/s, not examples/s */
    double step_seconds;      /* sum of the steps' compute time */
    uint64_t examples;        /* examples processed */
    double last_loss;
    double last_dev;
    uint64_t calls;           /* steps reported */
} train_cli;

/* Atomic, not just volatile sig_atomic_t: the handler may run on any of
 * the OpenMP threads while the main thread reads the flag (lock-free, so
 * async-signal-safe). */
static atomic_int train_interrupted;

static void train_on_sigint(int sig)
{
    /* the first signal's number: the exit code is 128 + sig, as the shell's */
    if (atomic_exchange(&train_interrupted, sig) != 0) {
        /* The second signal: the user means it, even if the step never
         * ends.  Remove the temporaries (the output's is open for the whole
         * run), then die of the signal. */
        mm_outfile_remove_all_temps();
        signal(sig, SIG_DFL);
        raise(sig);
        return;
    }
}

/* %.6f, as the notebook prints; a diverging run's huge losses in %e. */
static const char *train_fmt_loss(double loss, char *buf, size_t size)
{
    snprintf(buf, size, fabs(loss) < 1e6 ? "%.6f" : "%.6e", loss);
    return buf;
}

/* "0.012 ms/step, 83333 steps/s" or "1.20 ms/step, 1.9e+08 examples/s". */
static const char *train_fmt_rate(const train_cli *t, double seconds, uint64_t steps,
                                  uint64_t examples, char *buf, size_t size)
{
    double per = steps > 0 ? seconds / (double)steps : 0.0;
    if (t->counts_driver) {
        snprintf(buf, size, "%.3g ms/step, %.3g steps/s", per * 1e3,
                 per > 0 ? 1.0 / per : 0.0);
    } else {
        snprintf(buf, size, "%.3g ms/step, %.3g examples/s", per * 1e3,
                 seconds > 0 ? (double)examples / seconds : 0.0);
    }
    return buf;
}

static int train_progress(const mm_train_progress *p, void *user)
{
    train_cli *t = user;
    t->step_seconds += p->seconds;
    t->examples += p->examples;
    t->last_loss = p->loss;
    t->calls++;
    /* the dev loss with the training loss's regulariser: loss - nll */
    double dev = p->dev_nll + (p->loss - p->nll);
    t->last_dev = dev;
    int last = p->step + 1 == p->steps;
    if (!t->quiet && (last || p->step == t->first || (p->step - t->first) % t->every == 0)) {
        char buf[64], dbuf[80] = "", rate[96];
        if (t->dev) {
            char d[64];
            snprintf(dbuf, sizeof dbuf, "  dev_loss %s", train_fmt_loss(dev, d, sizeof d));
        }
        mm_cli_note("step %llu/%llu  loss %s%s  %s\n", (unsigned long long)p->step,
                (unsigned long long)p->steps, train_fmt_loss(p->loss, buf, sizeof buf), dbuf,
                train_fmt_rate(t, p->seconds, 1, p->examples, rate, sizeof rate));
    }
    if (t->log != NULL && !t->log_failed) {
        int w = t->dev ? fprintf(t->log, "%llu,%.9g,%.9g\n", (unsigned long long)p->step,
                                 p->loss, dev)
                       : fprintf(t->log, "%llu,%.9g\n", (unsigned long long)p->step, p->loss);
        /* line by line, so that tail -f follows the run */
        if (w < 0 || fflush(t->log) != 0) {
            t->log_failed = errno != 0 ? errno : EIO;
        }
    }
    return atomic_load(&train_interrupted) ? 1 : 0;
}

int mm_train_args_parse(int argc, char **argv, const char *usage, mm_train_args *o)
{
    static const struct option opts[] = {
        {"output", required_argument, NULL, 'o'}, {"steps", required_argument, NULL, 'n'},
        {"lr", required_argument, NULL, 'l'},     {"reg", required_argument, NULL, 'r'},
        {"seed", required_argument, NULL, 's'},   {"init", required_argument, NULL, 'i'},
        {"driver", required_argument, NULL, 'd'}, {"batch", required_argument, NULL, 'b'},
        {"threads", required_argument, NULL, 't'}, {"isa", required_argument, NULL, 'I'},
        {"log", required_argument, NULL, 'L'},    {"resume", required_argument, NULL, 'R'},
        {"every", required_argument, NULL, 'e'},  {"help", no_argument, NULL, 'h'},
        {"dev", required_argument, NULL, 'D'},    {"quiet", no_argument, NULL, 'q'},
        {"order", required_argument, NULL, 'O'},  {NULL, 0, NULL, 0},
    };
    memset(o, 0, sizeof *o);
    mm_train_config_init(&o->cfg);
    o->every = 1;
    unsigned long long u = 0;
    int c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":o:t:qh", opts, NULL)) != -1) {
        switch (c) {
        case 'o': o->out = optarg; break;
        case 'D': o->dev = optarg; break;
        case 'q': o->quiet = 1; break;
        case 'n':
            if (!mm_cli_parse_u64(optarg, &u)) {
                return mm_cli_usage_error("train", "--steps takes a whole number >= 0 "
                                          "(got '%s')", optarg);
            }
            o->cfg.steps = u;
            break;
        case 'l':
            /* W is float32: the step is taken with (float)lr */
            if (!mm_cli_parse_double(optarg, &o->cfg.lr) || !(o->cfg.lr > 0) ||
                !isfinite((float)o->cfg.lr) || (float)o->cfg.lr == 0.0f) {
                return mm_cli_usage_error("train", "--lr takes a number > 0 that float32 "
                                          "can hold, 1.4e-45 to 3.4e38 (got '%s')%s", optarg,
                                          mm_cli_number_note(optarg));
            }
            o->have_lr = 1;
            break;
        case 'r':
            if (!mm_cli_parse_double(optarg, &o->cfg.reg) || !(o->cfg.reg >= 0) ||
                !isfinite((float)o->cfg.reg)) {
                return mm_cli_usage_error("train", "--reg takes a number >= 0 that float32 "
                                          "can hold, up to 3.4e38 (got '%s')%s", optarg,
                                          mm_cli_number_note(optarg));
            }
            o->have_reg = 1;
            break;
        case 's':
            if (!mm_cli_parse_seed(optarg, &u)) {
                return mm_cli_usage_error("train", "--seed takes a whole number from -2^63 "
                                          "to 2^64 - 1 (got '%s')", optarg);
            }
            o->cfg.seed = u;
            o->have_seed = 1;
            break;
        case 'i': o->init = optarg; break;
        case 'd':
            if (mm_train_driver_parse(optarg, &o->cfg.driver) != MM_OK) {
                return mm_cli_usage_error("train", "--driver takes counts, examples or "
                                          "onehot (got '%s')", optarg);
            }
            o->have_driver = 1;
            break;
        case 'b':
            if (!mm_cli_parse_u64(optarg, &u) || u < 1 || u > UINT32_MAX) {
                return mm_cli_usage_error("train", "--batch takes a whole number from 1 "
                                          "to %u (got '%s')", (unsigned)UINT32_MAX, optarg);
            }
            o->cfg.batch = (uint32_t)u;
            o->have_batch = 1;
            break;
        case 't':
            if (!mm_cli_parse_threads("train", optarg, &o->cfg.threads)) {
                return MM_EXIT_USAGE;
            }
            break;
        case 'I': o->isa = optarg; break;
        case 'L': o->log = optarg; break;
        case 'R': o->resume = optarg; break;
        case 'O':
            if (!mm_cli_parse_u64(optarg, &u) || u < 2 || u > 3) {
                return mm_cli_usage_error("train", "--order takes 2 (the bigram) or 3 (the "
                                          "neural trigram) (got '%s')", optarg);
            }
            o->cfg.order = (int)u;
            break;
        case 'e':
            if (!mm_cli_parse_u64(optarg, &u) || u < 1) {
                return mm_cli_usage_error("train", "--every takes a whole number >= 1 "
                                          "(got '%s')", optarg);
            }
            o->every = u;
            break;
        case 'h':
            fputs(usage, stdout);
            fputs(mm_train_options_help, stdout);
            return MM_CLI_HELP;
        case ':': return mm_cli_usage_error("train", "option '%s' needs a value", argv[optind - 1]);
        default: return mm_cli_usage_error("train", "unknown option '%s'", argv[optind - 1]);
        }
    }
    if (optind + 1 != argc) {
        return mm_cli_usage_error("train", optind == argc ? "missing CORPUS"
                                                          : "expected one CORPUS");
    }
    if (o->out == NULL) {
        return mm_cli_usage_error("train", "missing -o MODEL");
    }
    if (mm_cli_check_output("train", "-o", o->out) != MM_EXIT_OK ||
        mm_cli_check_output("train", "--log", o->log) != MM_EXIT_OK) {
        return MM_EXIT_USAGE;
    }
    if (o->resume != NULL && (o->have_seed || o->init != NULL)) {
        return mm_cli_usage_error("train", "--resume continues a model: it takes neither "
                                  "--seed nor --init");
    }
    if (o->have_batch && o->have_driver && o->cfg.driver == MM_DRIVER_COUNTS) {
        return mm_cli_usage_error("train", "--driver counts is full-batch only; --batch "
                                  "needs --driver examples (or onehot)");
    }
    if (o->have_batch && !o->have_driver) {
        o->cfg.driver = MM_DRIVER_EXAMPLES;
        o->have_driver = 1;
    }
    if (o->cfg.order == 3 && (o->have_batch || (o->have_driver &&
                                                o->cfg.driver != MM_DRIVER_COUNTS))) {
        return mm_cli_usage_error("train", "--order 3 trains full-batch from the trigram "
                                  "counts: no --driver other than counts, no --batch");
    }
    if (o->cfg.order == 3 && o->init != NULL) {
        return mm_cli_usage_error("train", "--init gives a V x V bigram W; --order 3 starts "
                                  "from torch.randn((2V, V)) (--seed)");
    }
    if (o->cfg.order == 3 && o->dev != NULL) {
        return mm_cli_usage_error("train", "--dev scores the bigram: not with --order 3");
    }
    if (o->cfg.order != 0 && o->resume != NULL) {
        return mm_cli_usage_error("train", "--resume continues the model's own order: it "
                                  "takes no --order");
    }
    o->corpus = argv[optind];
    return MM_EXIT_OK;
}

/* The starting model: resumed, or fresh from the seed or --init. */
/* Steps done by neural model m. */
static uint64_t model_step(const mm_model *m)
{
    mm_train_state ts = {0};
    (void)mm_model_get_train_state(m, &ts);
    return ts.step;
}

static int train_start_model(mm_train_args *o, const mm_vocab *v, mm_model **out)
{
    mm_model *m = NULL;
    mm_status st = MM_OK;
    if (o->resume != NULL) {
        st = mm_model_load(&m, o->resume);
        if (st != MM_OK) {
            return mm_cli_fail(st);
        }
        if (mm_model_get_kind(m) != MM_MODEL_NEURAL) {
            mm_cli_eprintf("%s: %s: a count model cannot be resumed; --resume takes "
                    "a model written by 'makemore train'\n", mm_cli_name, o->resume);
            mm_model_destroy(m);
            return MM_EXIT_FAIL;
        }
        mm_train_state ts;
        const mm_train_state *n = &ts;
        (void)mm_model_get_train_state(m, &ts); /* a neural model: cannot fail */
        mm_train_driver d = n->driver;
        if (mm_train_driver_name(d) == NULL || !(n->lr > 0) || !(n->reg >= 0)) {
            mm_cli_eprintf("%s: %s: invalid training state (driver %u, lr %g, "
                    "reg %g)\n", mm_cli_name, o->resume, (unsigned)n->driver, n->lr, n->reg);
            mm_model_destroy(m);
            return MM_EXIT_FAIL;
        }
        if (!o->have_lr) {
            o->cfg.lr = n->lr;
        }
        if (!o->have_reg) {
            o->cfg.reg = n->reg;
        }
        if (!o->have_driver) {
            o->cfg.driver = d;
        }
        if (!o->have_batch) {
            o->cfg.batch = o->cfg.driver == MM_DRIVER_COUNTS ? 0 : n->batch;
        }
        o->cfg.seed = n->seed;
        char batch[32] = "full batch";
        if (o->cfg.batch > 0) {
            snprintf(batch, sizeof batch, "batch %u", (unsigned)o->cfg.batch);
        }
        if (!o->quiet) {
            mm_cli_eprintf("resuming %s at step %llu: lr %g, reg %g, driver %s, %s\n",
                           o->resume, (unsigned long long)n->step, o->cfg.lr, o->cfg.reg,
                           mm_train_driver_name(o->cfg.driver), batch);
        }
        *out = m;
        return MM_EXIT_OK;
    }
    float *W0 = NULL;
    if (o->init != NULL) {
        size_t rows = 0, cols = 0;
        mm_npy_info ni;
        st = mm_npy_read_weights(o->init, &W0, &rows, &cols, &ni);
        if (st != MM_OK) {
            return mm_cli_fail(st);
        }
        if (ni.float64 && ni.inexact > 0) {
            mm_cli_note("%s: note: %s is float64: rounded to float32, %llu of "
                    "%zu values lost precision\n", mm_cli_name, o->init, (unsigned long long)ni.inexact,
                    rows * cols);
        }
        if (o->have_seed) {
            mm_cli_note("%s: note: W comes from --init, not from --seed %llu%s\n",
                    mm_cli_name, (unsigned long long)o->cfg.seed, o->cfg.batch > 0
                        ? ", which seeds only the minibatch draws"
                        : " (full-batch training draws nothing: --seed is ignored)");
        }
        if (rows != v->size || cols != v->size) {
            mm_cli_eprintf("%s: %s: W0 is %zu x %zu but the corpus has V = %u "
                    "symbols (V x V needed)\n", mm_cli_name, o->init, rows, cols, (unsigned)v->size);
            free(W0);
            return MM_EXIT_FAIL;
        }
    }
    st = mm_train_model_create(&m, v, &o->cfg, W0);
    free(W0);
    if (st != MM_OK) {
        return mm_cli_fail(st);
    }
    *out = m;
    return MM_EXIT_OK;
}

/* The exit code every process agrees on. */
static int train_agree(const mm_cli_train_env *env, int rc)
{
    return env->agree != NULL ? env->agree(rc, env->user) : rc;
}

int mm_cli_train_run(mm_train_args *a, const mm_cli_train_env *env)
{
    mm_train_args o = *a;
    int rc = MM_EXIT_FAIL;
    const char *path = o.corpus;
    const mm_cli_file files[] = {
        {"CORPUS", path, 0, 0}, {"--init", o.init, 0, 0}, {"--resume", o.resume, 0, 1},
        {"--dev", o.dev, 0, 0}, {"-o", o.out, 1, 1},    {"--log", o.log, 1, 0},
    };
    if (!mm_cli_check_files("train", files, sizeof files / sizeof files[0])) {
        return MM_EXIT_FAIL;
    }
    int drc = train_agree(env, mm_cli_dispatch("train", o.isa));
    if (drc != MM_EXIT_OK) {
        return drc;
    }
    mm_status st = MM_OK;
    const mm_corpus *corpus = NULL;
    const mm_vocab *vocab = NULL;
    mm_model *m = NULL;
    FILE *log = NULL;
    uint64_t *dev = NULL;
    mm_outfile out = {0};
    int out_open = 0;
    struct sigaction old_int, old_term;
    int handler = 0;
    rc = MM_EXIT_FAIL;
    /* The output's temporary first: a path that cannot be written fails
     * now, not after the whole run. */
    if (env->writer) {
        st = mm_outfile_open(&out, o.out);
        out_open = st == MM_OK;
        rc = st != MM_OK ? mm_cli_fail(st) : MM_EXIT_OK;
    } else {
        rc = MM_EXIT_OK;
    }
    if ((rc = train_agree(env, rc)) != MM_EXIT_OK) {
        goto cleanup;
    }
    rc = MM_EXIT_FAIL;
    st = env->open(path, &corpus, &vocab, env->user); /* agreed under MPI */
    if (st != MM_OK) {
        rc = mm_cli_fail(st);
        goto cleanup;
    }
    rc = train_agree(env, train_start_model(&o, vocab, &m));
    if (rc != MM_EXIT_OK) {
        goto cleanup;
    }
    rc = MM_EXIT_FAIL;
    int drc2 = MM_EXIT_OK;
    if (o.dev != NULL) {
        drc2 = MM_EXIT_FAIL;
        const mm_vocab *mv = mm_model_get_vocab(m);
        mm_count_opts copts = {.threads = o.cfg.threads};
        dev = malloc((size_t)mv->size * mv->size * sizeof *dev);
        if (dev == NULL) {
            mm_cli_error("out of memory");
            goto dev_done;
        }
        st = mm_count_file_in_vocab(o.dev, &copts, mv, dev);
        if (st != MM_OK) {
            mm_cli_fail(st);
            goto dev_done;
        }
        uint64_t n = 0;
        for (size_t i = 0; i < (size_t)mv->size * mv->size; i++) {
            n += dev[i];
        }
        if (n == 0) {
            mm_cli_fail(mm_require_names(0, o.dev, MM_NAMES_EVAL));
            goto dev_done;
        }
        o.cfg.dev_counts = dev;
        drc2 = MM_EXIT_OK;
    }
dev_done:
    if (train_agree(env, drc2) != MM_EXIT_OK) {
        goto cleanup;
    }
    uint64_t start = model_step(m);
    if (start >= o.cfg.steps && !o.quiet) {
        mm_cli_note("the model is already at step %llu (--steps %llu): nothing to "
                "train\n", (unsigned long long)start, (unsigned long long)o.cfg.steps);
    }
    int lrc = MM_EXIT_OK;
    if (o.log != NULL && env->writer) {
        /* Not a temp file + rename: the log is written as the run goes, so
         * that tail -f can follow it; every line is whole when flushed. */
        struct stat sb;
        if (strcmp(o.log, "-") != 0 && stat(o.log, &sb) == 0 && S_ISBLK(sb.st_mode)) {
            /* what mm_outfile_open refuses for every other output */
            mm_cli_eprintf("makemore: %s: cannot write the output: is a block device (a "
                           "disk); refusing to write over it\n", o.log);
            goto cleanup;
        }
        log = strcmp(o.log, "-") == 0 ? stdout : fopen(o.log, "w");
        if (log == NULL) {
            lrc = mm_cli_error("%s: cannot open: %s", o.log, strerror(errno));
        } else {
            fputs(o.dev != NULL ? "step,loss,dev_loss\n" : "step,loss\n", log);
            fflush(log);
        }
    }
    if (train_agree(env, lrc) != MM_EXIT_OK) {
        goto cleanup;
    }
    train_cli t = {.every = o.every, .first = start, .log = log, .last_loss = NAN,
                   .last_dev = NAN, .dev = o.dev != NULL, .quiet = o.quiet,
                   .counts_driver = o.cfg.driver == MM_DRIVER_COUNTS};
    o.cfg.on_step = train_progress;
    o.cfg.user = &t;
    o.cfg.hooks = env->hooks;
    if (env->signals) {
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = train_on_sigint; /* a second Ctrl-C kills */
        sigemptyset(&sa.sa_mask);
        handler = sigaction(SIGINT, &sa, &old_int) == 0;
        if (handler && sigaction(SIGTERM, &sa, &old_term) != 0) {
            sigaction(SIGINT, &old_int, NULL);
            handler = 0;
        }
    }

    double t0 = mm_cli_now();
    mm_status tst = mm_train(m, corpus, &o.cfg);
    double t1 = mm_cli_now();
    uint64_t done = model_step(m);
    if (tst != MM_OK && tst != MM_ERR_DIVERGED) {
        rc = mm_cli_fail(tst);
        goto cleanup;
    }
    if (env->trained != NULL) {
        env->trained(m, env->user);
    }
    if (tst == MM_ERR_DIVERGED) {
        mm_cli_fail(tst);
        if (t.calls == 0) {
            /* not one finite loss in this run: there is no good model */
            mm_cli_error("no model written");
            goto commit_log;
        }
    }
    int wrc = MM_EXIT_OK;
    if (env->writer) {
        st = mm_model_write(m, &out);
        if (st == MM_OK) {
            out_open = 0;
            st = mm_outfile_commit(&out);
        }
        wrc = st != MM_OK ? mm_cli_fail(st) : MM_EXIT_OK;
    }
    if ((rc = train_agree(env, wrc)) != MM_EXIT_OK) {
        goto cleanup;
    }
    if (t.calls > 0 && !o.quiet) {
        char buf[64], dbuf[80] = "", rate[96];
        if (t.dev) {
            char d[64];
            snprintf(dbuf, sizeof dbuf, ", last dev_loss %s",
                     train_fmt_loss(t.last_dev, d, sizeof d));
        }
        mm_cli_note("%llu %s in %.3f s (compute: %s); last loss %s%s\n",
                (unsigned long long)t.calls, mm_cli_plural(t.calls, "step", "steps"), t1 - t0,
                train_fmt_rate(&t, t.step_seconds, t.calls, t.examples, rate, sizeof rate),
                train_fmt_loss(t.last_loss, buf, sizeof buf), dbuf);
    }
    if (!o.quiet || tst == MM_ERR_DIVERGED) {
        mm_cli_note("%s%s %s (neural, V = %u, step %llu, driver %s, isa %s%s)\n",
                    tst == MM_ERR_DIVERGED ? "kept the last good model: " : "", "wrote", o.out,
                    (unsigned)mm_model_get_vocab(m)->size, (unsigned long long)done,
                    mm_train_driver_name(o.cfg.driver), mm_isa_name(),
                    env->summary != NULL ? env->summary : "");
    }
    if (atomic_load(&train_interrupted) && tst == MM_OK && done < o.cfg.steps) {
        mm_cli_eprintf("%s: interrupted at step %llu; --resume %s continues\n", mm_cli_name,
                       (unsigned long long)done, o.out);
        rc = 128 + atomic_load(&train_interrupted);
    } else {
        rc = tst == MM_OK ? MM_EXIT_OK : MM_EXIT_FAIL;
    }
commit_log:
    lrc = MM_EXIT_OK;
    if (log != NULL) {
        int bad = t.log_failed != 0 || ferror(log);
        errno = 0;
        bad |= (log == stdout ? fflush(log) : fclose(log)) != 0;
        int e = t.log_failed != 0 ? t.log_failed : errno != 0 ? errno : EIO;
        log = NULL;
        if (bad) {
            lrc = mm_cli_error("%s: write failed: %s", o.log, strerror(e));
        }
    }
    if (train_agree(env, lrc) != MM_EXIT_OK) {
        rc = MM_EXIT_FAIL;
    }
cleanup:
    if (handler) {
        sigaction(SIGINT, &old_int, NULL);
        sigaction(SIGTERM, &old_term, NULL);
    }
    if (log != NULL && log != stdout) {
        fclose(log);
    }
    free(dev);
    if (out_open) {
        mm_outfile_abort(&out);
    }
    mm_model_destroy(m);
    if (env->close != NULL) {
        env->close(env->user);
    }
    return rc;
}

/* makemore alone: the whole corpus, mapped (or read from standard input). */
static mm_status train_open_whole(const char *path, const mm_corpus **c, const mm_vocab **v,
                                  void *user)
{
    mm_corpus **owned = user;
    mm_status st = mm_corpus_open(owned, path);
    if (st == MM_OK) {
        *c = *owned;
        *v = mm_corpus_get_vocab(*owned);
    }
    return st;
}

static void train_close_whole(void *user)
{
    mm_corpus **owned = user;
    mm_corpus_close(*owned);
    *owned = NULL;
}

int mm_cmd_train(int argc, char **argv)
{
    mm_train_args a;
    int rc = mm_train_args_parse(argc, argv, train_usage, &a);
    if (rc != MM_EXIT_OK) {
        return rc == MM_CLI_HELP ? MM_EXIT_OK : rc;
    }
    mm_corpus *corpus = NULL;
    const mm_cli_train_env env = {.writer = 1, .signals = 1, .open = train_open_whole,
                                  .close = train_close_whole, .user = &corpus};
    return mm_cli_train_run(&a, &env);
}
