/*
 * cli_train.c - `makemore train`: corpus -> neural bigram model, by gradient
 * descent, with progress on standard error, an optional step,loss CSV and
 * checkpoints that --resume continues exactly.
 */
#define _POSIX_C_SOURCE 200809L
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

const char mm_train_options_help[] =
    "  -o, --output MODEL   model file to write (atomically); it is a checkpoint\n"
    "      --steps N        train until N steps are done in total (default 100;\n"
    "                       with --resume the steps already in MODEL count)\n"
    "      --lr LR          learning rate (default 50)\n"
    "      --reg R          weight of mean(W^2) in the loss (default 0.01)\n"
    "      --seed S         generator seed: W = torch.randn((V,V), generator=\n"
    "                       torch.Generator().manual_seed(S)) (default 2147483647)\n"
    "      --init W0.npy    start from this V x V float32 array instead\n"
    "      --driver NAME    counts: full batch from the bigram counts, O(V^2) a step\n"
    "                       (the default); examples: (x, y) pairs streamed from the\n"
    "                       corpus, O(N V); onehot: the notebook's dense\n"
    "                       one_hot(x) @ W, O(N V^2), the baseline\n"
    "      --batch B        minibatch SGD: B positions a step, drawn as\n"
    "                       torch.randint(0, P, (B,), generator=g) (implies\n"
    "                       --driver examples)\n"
    "  -t, --threads N      OpenMP threads (default: OMP_NUM_THREADS or all cores)\n"
    "      --isa NAME       kernel set: scalar, avx2, avx512 (default: best; or MM_ISA)\n"
    "      --log FILE.csv   write step,loss per step (atomically, at the end)\n"
    "      --resume MODEL   continue training a neural model file: its weights,\n"
    "                       step, generator and (unless given here) lr, reg,\n"
    "                       driver and batch\n"
    "      --every K        print progress every K steps (default 1)\n"
    "  -h, --help           this text\n"
    "\n"
    "Progress goes to standard error, one line per step: the step, the loss at the\n"
    "weights before that step's update (%.6f) and examples per second.  A NaN or\n"
    "infinite loss stops training; the last model with a finite loss is written.\n";

static const char train_usage[] =
    "usage: makemore train CORPUS -o MODEL [--steps N] [--lr LR] [--reg R] [--seed S]\n"
    "                      [--init W0.npy] [--driver counts|examples|onehot] [--batch B]\n"
    "                      [--threads N] [--isa NAME] [--log FILE.csv] [--resume MODEL]\n"
    "                      [--every K]\n"
    "\n"
    "Train the neural bigram on CORPUS (one name per line): W is V x V, the logits\n"
    "of a character are its row of W, loss = mean NLL + R * mean(W^2), and each\n"
    "step is W -= LR * grad.  The defaults are the notebook's.  Ctrl-C stops after\n"
    "the current step and writes the model.\n"
    "\n";

typedef struct train_cli {
    uint64_t every;
    uint64_t first;           /* step the run started at */
    mm_outfile *log;          /* NULL if no --log */
    int log_failed;
    double step_seconds;      /* sum of the steps' compute time */
    uint64_t examples;        /* examples processed */
    double last_loss;
    uint64_t calls;           /* steps reported */
} train_cli;

static volatile sig_atomic_t train_interrupted = 0;

static void train_on_sigint(int sig)
{
    if (train_interrupted) {
        /* The second signal: the user means it, even if the step never
         * ends.  Remove the temporaries (the output's is open for the whole
         * run), then die of the signal. */
        mm_outfile_remove_all_temps();
        signal(sig, SIG_DFL);
        raise(sig);
        return;
    }
    train_interrupted = 1;
}

/* %.6f, as the notebook prints; a diverging run's huge losses in %e. */
static const char *train_fmt_loss(double loss, char *buf, size_t size)
{
    snprintf(buf, size, fabs(loss) < 1e6 ? "%.6f" : "%.6e", loss);
    return buf;
}

static int train_progress(const mm_train_progress *p, void *user)
{
    train_cli *t = user;
    t->step_seconds += p->seconds;
    t->examples += p->examples;
    t->last_loss = p->loss;
    t->calls++;
    int last = p->step + 1 == p->steps;
    if (last || p->step == t->first || (p->step - t->first) % t->every == 0) {
        double rate = p->seconds > 0 ? (double)p->examples / p->seconds : 0.0;
        char buf[64];
        mm_cli_note("step %llu/%llu  loss %s  %.3g examples/s\n", (unsigned long long)p->step,
                    (unsigned long long)p->steps, train_fmt_loss(p->loss, buf, sizeof buf),
                    rate);
    }
    if (t->log != NULL && !t->log_failed &&
        fprintf(t->log->fp, "%llu,%.9g\n", (unsigned long long)p->step, p->loss) < 0) {
        t->log_failed = 1;
    }
    return train_interrupted ? 1 : 0;
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
        {NULL, 0, NULL, 0},
    };
    memset(o, 0, sizeof *o);
    mm_train_config_init(&o->cfg);
    o->every = 1;
    unsigned long long u = 0;
    int c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":o:t:h", opts, NULL)) != -1) {
        switch (c) {
        case 'o': o->out = optarg; break;
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
            if (!mm_cli_parse_u64(optarg, &u)) {
                return mm_cli_usage_error("train", "--seed takes a whole number >= 0 "
                                          "(got '%s')", optarg);
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
    o->corpus = argv[optind];
    return MM_EXIT_OK;
}

/* Steps done by neural model m. */
static uint64_t model_step(const mm_model *m)
{
    mm_train_state ts = {0};
    (void)mm_model_get_train_state(m, &ts);
    return ts.step;
}

/* The starting model over vocabulary v: resumed, or fresh from the seed or
 * --init.  A resumed run takes the model's hyper-parameters unless given. */
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
            mm_model_destroy(m);
            return mm_cli_error("%s: a count model cannot be resumed; --resume takes a "
                                "model written by 'makemore train'", o->resume);
        }
        mm_train_state ts;
        const mm_train_state *n = &ts;
        (void)mm_model_get_train_state(m, &ts); /* a neural model: cannot fail */
        mm_train_driver d = n->driver;
        if (mm_train_driver_name(d) == NULL || !(n->lr > 0) || !(n->reg >= 0)) {
            mm_model_destroy(m);
            return mm_cli_error("%s: invalid training state (driver %u, lr %g, reg %g)",
                                o->resume, (unsigned)n->driver, n->lr, n->reg);
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
        mm_cli_note("resuming %s at step %llu: lr %g, reg %g, driver %s, %s\n", o->resume,
                    (unsigned long long)n->step, o->cfg.lr, o->cfg.reg,
                    mm_train_driver_name(o->cfg.driver), batch);
        *out = m;
        return MM_EXIT_OK;
    }
    float *W0 = NULL;
    if (o->init != NULL) {
        size_t rows = 0, cols = 0;
        st = mm_npy_read_f32(o->init, &W0, &rows, &cols);
        if (st != MM_OK) {
            return mm_cli_fail(st);
        }
        if (rows != v->size || cols != v->size) {
            free(W0);
            return mm_cli_error("%s: W0 is %zu x %zu but the corpus has V = %u symbols "
                                "(V x V needed)", o->init, rows, cols, (unsigned)v->size);
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

/* The front end's exit code every process agrees on. */
static int train_agree(const mm_cli_train_env *env, int rc)
{
    return env->agree != NULL ? env->agree(rc, env->user) : rc;
}

int mm_cli_train_run(mm_train_args *o, const mm_cli_train_env *env)
{
    const mm_cli_file files[] = {
        {"CORPUS", o->corpus, 0, 0}, {"--init", o->init, 0, 0}, {"--resume", o->resume, 0, 1},
        {"-o", o->out, 1, 1},        {"--log", o->log, 1, 0},
    };
    if (!mm_cli_check_files("train", files, sizeof files / sizeof files[0])) {
        return MM_EXIT_FAIL;
    }
    mm_status st = mm_dispatch_init(o->isa);
    if (train_agree(env, st != MM_OK ? mm_cli_fail(st) : MM_EXIT_OK) != MM_EXIT_OK) {
        return MM_EXIT_FAIL;
    }
    const mm_corpus *corpus = NULL;
    const mm_vocab *vocab = NULL;
    mm_model *m = NULL;
    mm_outfile log = {0}, out = {0};
    int log_open = 0, out_open = 0, rc = MM_EXIT_OK;
    struct sigaction old_int, old_term;
    int handler = 0;
    /* The output's temporary first: a path that cannot be written fails
     * now, not after the whole run. */
    if (env->writer) {
        st = mm_outfile_open(&out, o->out);
        out_open = st == MM_OK;
        rc = st != MM_OK ? mm_cli_fail(st) : MM_EXIT_OK;
    }
    if ((rc = train_agree(env, rc)) != MM_EXIT_OK) {
        goto cleanup;
    }
    rc = MM_EXIT_FAIL;
    st = env->open(o->corpus, &corpus, &vocab, env->user);
    if (st != MM_OK) {
        rc = mm_cli_fail(st);
        goto cleanup;
    }
    if ((rc = train_agree(env, train_start_model(o, vocab, &m))) != MM_EXIT_OK) {
        goto cleanup;
    }
    rc = MM_EXIT_FAIL;
    uint64_t start = model_step(m);
    if (start >= o->cfg.steps) {
        mm_cli_note("the model is already at step %llu (--steps %llu): nothing to train\n",
                    (unsigned long long)start, (unsigned long long)o->cfg.steps);
    }
    int lrc = MM_EXIT_OK;
    if (o->log != NULL && env->writer) {
        st = mm_outfile_open(&log, o->log);
        if (st != MM_OK) {
            lrc = mm_cli_fail(st);
        } else {
            log_open = 1;
            fputs("step,loss\n", log.fp);
        }
    }
    if (train_agree(env, lrc) != MM_EXIT_OK) {
        goto cleanup;
    }
    train_cli t = {.every = o->every, .first = start, .log = log_open ? &log : NULL,
                   .last_loss = NAN};
    o->cfg.on_step = train_progress;
    o->cfg.user = &t;
    o->cfg.hooks = env->hooks;
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
    mm_status tst = mm_train(m, corpus, &o->cfg);
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
    if (t.calls > 0) {
        char buf[64];
        mm_cli_note("%llu steps in %.3f s (%.3g s/step compute, %.3g examples/s); last loss "
                    "%s\n", (unsigned long long)t.calls, t1 - t0,
                    t.step_seconds / (double)t.calls,
                    t.step_seconds > 0 ? (double)t.examples / t.step_seconds : 0.0,
                    train_fmt_loss(t.last_loss, buf, sizeof buf));
    }
    mm_cli_note("%s%s %s (neural, V = %u, step %llu, driver %s, isa %s%s)\n",
                tst == MM_ERR_DIVERGED ? "kept the last good model: " : "", "wrote", o->out,
                (unsigned)mm_model_get_vocab(m)->size, (unsigned long long)done,
                mm_train_driver_name(o->cfg.driver), mm_isa_name(),
                env->summary != NULL ? env->summary : "");
    if (train_interrupted && tst == MM_OK && done < o->cfg.steps) {
        mm_cli_error("interrupted at step %llu; --resume %s continues",
                     (unsigned long long)done, o->out);
        rc = MM_EXIT_FAIL;
    } else {
        rc = tst == MM_OK ? MM_EXIT_OK : MM_EXIT_FAIL;
    }
commit_log:
    lrc = MM_EXIT_OK;
    if (log_open) {
        log_open = 0;
        if (t.log_failed) {
            mm_outfile_abort(&log);
            lrc = mm_cli_error("%s: write failed", o->log);
        } else if ((st = mm_outfile_commit(&log)) != MM_OK) {
            lrc = mm_cli_fail(st);
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
    if (log_open) {
        mm_outfile_abort(&log);
    }
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
