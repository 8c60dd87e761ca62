/*
 * mm_py_module.c - the module makemore._makemore: count(), load(), train(),
 * the kernel-set queries and the exception classes.  Every call goes through
 * include/makemore.h only; long C calls run with the GIL released (the
 * library keeps its error message per thread, so it is read back on the
 * thread that failed).
 */
#define MM_PY_MAIN
#include "mm_py.h"

#include <math.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>

#define MM_PY_DEFAULT_SEED 2147483647ULL

/* ---- exceptions ------------------------------------------------------------ */

static PyObject *mm_py_error;         /* makemore.Error(Exception) */
static PyObject *mm_py_file_error;    /* FileError(Error, OSError): MM_ERR_IO */
static PyObject *mm_py_corpus_error;  /* CorpusError(Error, ValueError) */
static PyObject *mm_py_vocab_error;   /* VocabError(Error, ValueError) */
static PyObject *mm_py_format_error;  /* FormatError(Error, ValueError) */
static PyObject *mm_py_diverged;      /* DivergedError(Error, ArithmeticError) */

PyObject *mm_py_raise(mm_status st)
{
    const char *msg = mm_errmsg();
    if (msg == NULL || msg[0] == '\0') {
        msg = mm_status_str(st);
    }
    PyObject *type = mm_py_error;
    switch (st) {
    case MM_ERR_NOMEM: return PyErr_NoMemory();
    case MM_ERR_IO: type = mm_py_file_error; break;
    case MM_ERR_INVALID_ARG: type = PyExc_ValueError; break;
    case MM_ERR_CORPUS: type = mm_py_corpus_error; break;
    case MM_ERR_VOCAB: type = mm_py_vocab_error; break;
    case MM_ERR_FORMAT: type = mm_py_format_error; break;
    case MM_ERR_DIVERGED: type = mm_py_diverged; break;
    default: break;
    }
    PyErr_SetString(type, msg);
    return NULL;
}

/* One class derived from Error and, if base is not NULL, from base too, so
 * that `except OSError` and `except makemore.Error` both catch a FileError. */
static PyObject *mm_py_new_error(PyObject *mod, const char *name, PyObject *base,
                                 const char *doc)
{
    char full[64];
    snprintf(full, sizeof full, "makemore.%s", name);
    PyObject *bases = base ? PyTuple_Pack(2, mm_py_error, base) : PyTuple_Pack(1, mm_py_error);
    if (bases == NULL) {
        return NULL;
    }
    PyObject *cls = PyErr_NewExceptionWithDoc(full, doc, bases, NULL);
    Py_DECREF(bases);
    if (cls != NULL && PyModule_AddObjectRef(mod, name, cls) < 0) {
        Py_CLEAR(cls);
    }
    return cls;
}

int mm_py_add_errors(PyObject *mod)
{
    mm_py_error = PyErr_NewExceptionWithDoc("makemore.Error",
        "A libmakemore failure; the message names the file, line and problem.", NULL, NULL);
    if (mm_py_error == NULL || PyModule_AddObjectRef(mod, "Error", mm_py_error) < 0) {
        return -1;
    }
    mm_py_file_error = mm_py_new_error(mod, "FileError", PyExc_OSError,
                                       "A file could not be opened, read or written.");
    mm_py_corpus_error = mm_py_new_error(mod, "CorpusError", PyExc_ValueError,
        "Bad corpus content: NUL byte, invalid UTF-8, '.', a lone CR, ...");
    mm_py_vocab_error = mm_py_new_error(mod, "VocabError", PyExc_ValueError,
        "Too many symbols, or a symbol the model lacks.");
    mm_py_format_error = mm_py_new_error(mod, "FormatError", PyExc_ValueError,
        "A model or .npy file that is malformed, truncated or corrupt.");
    mm_py_diverged = mm_py_new_error(mod, "DivergedError", PyExc_ArithmeticError,
        "Training produced a NaN or infinite loss; .model is the last model whose loss\n"
        "was finite and .losses the losses of steps 0 .. model.steps (the last: its own).");
    if (!mm_py_file_error || !mm_py_corpus_error || !mm_py_vocab_error || !mm_py_format_error ||
        !mm_py_diverged) {
        return -1;
    }
    return 0;
}

/* ---- count / load ------------------------------------------------------------ */

/* 0 if what (count or train) takes order, else -1 with an exception:
 * orders the library lacks are NotImplementedError, nonsense ValueError. */
static int mm_py_check_order(int order, int max, const char *what)
{
    if (order >= 2 && order <= max) {
        return 0;
    }
    if (order >= 3 && order <= 6) {
        PyErr_Format(PyExc_NotImplementedError, "order %d: %s takes orders 2..%d%s", order, what,
                     max, MM_PY_NGRAMS ? "" : " (libmakemore has no n-gram API yet)");
    } else {
        PyErr_Format(PyExc_ValueError, "order must be 2..6, not %d", order);
    }
    return -1;
}

#if MM_PY_NGRAMS
/* The model of n-gram counts g, counted with status st; frees g. */
static mm_status mm_py_ngram_model(mm_status st, mm_ngrams *g, double smoothing, mm_model **m)
{
    if (st == MM_OK) {
        st = mm_model_from_ngrams(m, g, smoothing);
    }
    mm_ngrams_destroy(g);
    return st;
}
#endif

/* The count model of the file at path, at the given order (GIL released by
 * the caller). */
static mm_status mm_py_count_model(const char *path, int order, double smoothing,
                                   const mm_count_opts *opts, mm_model **m)
{
    mm_status st;
#if MM_PY_NGRAMS
    if (order > 2) {
        mm_ngrams *g = NULL;
        st = mm_count_ngrams_file(path, order, opts, &g);
        return mm_py_ngram_model(st, g, smoothing, m);
    }
#endif
    /* Order 2: the one-pass bigram counter (the same model, bit for bit). */
    mm_vocab v;
    uint64_t *counts = NULL;
    st = mm_count_file(path, opts, &v, &counts, NULL);
    if (st == MM_OK) {
        st = mm_model_from_counts(m, &v, counts, smoothing);
    }
    free(counts);
    return st;
}

/* The count model of corpus c at the given order (GIL released by the caller). */
static mm_status mm_py_count_corpus(const mm_corpus *c, int order, double smoothing,
                                    const mm_count_opts *opts, mm_model **m)
{
    const mm_vocab *v = mm_corpus_get_vocab(c);
    mm_status st;
#if MM_PY_NGRAMS
    if (order > 2) {
        mm_ngrams *g = NULL;
        st = mm_count_ngrams(c, v, order, opts, &g);
        return mm_py_ngram_model(st, g, smoothing, m);
    }
#endif
    size_t V = v->size;
    uint64_t *counts = malloc(V * V * sizeof *counts);
    if (counts == NULL) {
        return MM_ERR_NOMEM;
    }
    st = mm_count_bigrams(c, v, opts, counts);
    if (st == MM_OK) {
        st = mm_model_from_counts(m, v, counts, smoothing);
    }
    free(counts);
    return st;
}

/* As "O" does: the argument itself, borrowed.  count_words() parses its words
 * with it so that one format (O&) serves both entry points. */
static int mm_py_borrow_arg(PyObject *obj, void *out)
{
    *(PyObject **)out = obj;
    return 1;
}

/* count(path, ...) and count_words(words, ...) differ only in their first
 * argument: a path, converted while the arguments are parsed (a bad path is
 * the error reported first), or a list of names, joined only once the order
 * is known to be valid (the join copies every name). */
static PyObject *mm_py_count_entry(PyObject *args, PyObject *kw, int words)
{
    static char *kwlist[2][5] = {{"path", "order", "smoothing", "threads", NULL},
                                 {"words", "order", "smoothing", "threads", NULL}};
    const char *what = words ? "count_words" : "count";
    PyObject *first = NULL; /* count: the path's bytes (owned); count_words: words (borrowed) */
    PyObject *text = NULL;  /* count_words: the names joined */
    PyObject *result = NULL;
    int order = 2, threads = 0;
    double smoothing = 1.0;
    if (!PyArg_ParseTupleAndKeywords(args, kw, words ? "O&|i$di:count_words" : "O&|i$di:count",
                                     kwlist[words],
                                     words ? mm_py_borrow_arg : PyUnicode_FSConverter, &first,
                                     &order, &smoothing, &threads)) {
        return NULL;
    }
    if (mm_py_check_order(order, MM_PY_MAX_ORDER, what) < 0) {
        goto cleanup;
    }
    if (words && (text = mm_py_join_words(first)) == NULL) {
        goto cleanup;
    }
    mm_count_opts opts = {.threads = threads};
    mm_model *m = NULL;
    mm_status st;
    Py_BEGIN_ALLOW_THREADS
    if (words) {
        mm_corpus *c = NULL;
        st = mm_corpus_from_memory(&c, PyBytes_AS_STRING(text), (size_t)PyBytes_GET_SIZE(text),
                                   "<words>");
        if (st == MM_OK) {
            st = mm_py_count_corpus(c, order, smoothing, &opts, &m);
        }
        mm_corpus_close(c);
    } else {
        st = mm_py_count_model(PyBytes_AS_STRING(first), order, smoothing, &opts, &m);
    }
    Py_END_ALLOW_THREADS
    result = st == MM_OK ? mm_py_model_wrap(m) : mm_py_raise(st);
cleanup:
    Py_XDECREF(text);
    if (!words) {
        Py_DECREF(first);
    }
    return result;
}

static PyObject *mm_py_count(PyObject *self, PyObject *args, PyObject *kw)
{
    return mm_py_count_entry(args, kw, 0);
}

static PyObject *mm_py_count_words(PyObject *self, PyObject *args, PyObject *kw)
{
    return mm_py_count_entry(args, kw, 1);
}

static PyObject *mm_py_load(PyObject *self, PyObject *args)
{
    PyObject *path = NULL;
    if (!PyArg_ParseTuple(args, "O&:load", PyUnicode_FSConverter, &path)) {
        return NULL;
    }
    mm_model *m = NULL;
    mm_status st;
    Py_BEGIN_ALLOW_THREADS
    st = mm_model_load(&m, PyBytes_AS_STRING(path));
    Py_END_ALLOW_THREADS
    Py_DECREF(path);
    if (st != MM_OK) {
        return mm_py_raise(st);
    }
    return mm_py_model_wrap(m);
}

/* ---- train ---------------------------------------------------------------------- */

/* What the step callback records: the loss of every step, and whether a
 * signal handler (Ctrl-C) raised.  The callback runs without the GIL and
 * takes it only every MM_PY_SIGNAL_PERIOD seconds, so that a step of a few
 * microseconds does not wait on other Python threads. */
#define MM_PY_SIGNAL_PERIOD 0.05

typedef struct mm_py_train_log {
    double *loss;         /* grown by doubling: steps may be far more than run */
    uint64_t first;       /* the model's step when the run started */
    uint64_t cap;
    uint64_t n;           /* steps recorded */
    double since_check;   /* seconds since the last signal check */
    int interrupted;      /* a Python exception is pending in this thread */
    int nomem;            /* the loss array could not grow */
} mm_py_train_log;

static int mm_py_on_step(const mm_train_progress *p, void *user)
{
    mm_py_train_log *log = user;
    uint64_t i = p->step - log->first;
    if (i >= log->cap) {
        uint64_t cap = log->cap ? 2 * log->cap : 1024;
        double *grown = cap <= SIZE_MAX / sizeof(double)
                            ? PyMem_RawRealloc(log->loss, (size_t)cap * sizeof(double)) : NULL;
        if (grown == NULL) {
            log->nomem = 1;
            return 1;
        }
        log->loss = grown;
        log->cap = cap;
    }
    log->loss[i] = p->loss;
    log->n = i + 1;
    log->since_check += p->seconds;
    if (log->since_check >= MM_PY_SIGNAL_PERIOD) {
        log->since_check = 0.0;
        PyGILState_STATE gs = PyGILState_Ensure();
        if (PyErr_CheckSignals() < 0) {
            log->interrupted = 1;  /* the exception stays set on this thread */
        }
        PyGILState_Release(gs);
    }
    return log->interrupted;
}

/* DivergedError with the library's message, and as attributes the last
 * model whose loss was finite (mm_train hands it back) and the losses of
 * steps 0 .. model.steps, the last being that model's own: a diverged run's
 * work is not lost. */
static void mm_py_raise_diverged(PyObject *model, PyObject *losses)
{
    mm_py_raise(MM_ERR_DIVERGED);
    PyObject *type = NULL, *value = NULL, *tb = NULL;
    PyErr_Fetch(&type, &value, &tb);
    PyErr_NormalizeException(&type, &value, &tb);
    if (value != NULL && (PyObject_SetAttrString(value, "model", model) < 0 ||
                          PyObject_SetAttrString(value, "losses", losses) < 0)) {
        Py_XDECREF(type);
        Py_XDECREF(value);
        Py_XDECREF(tb);
        return; /* the SetAttr failure is the exception now */
    }
    PyErr_Restore(type, value, tb);
}

/* init (array-like, rows x V) as a C-contiguous float32 array, or NULL with
 * an exception. */
static PyArrayObject *mm_py_init_array(PyObject *init, uint32_t rows, uint32_t V)
{
    PyArrayObject *a = (PyArrayObject *)PyArray_FROMANY(init, NPY_FLOAT32, 2, 2,
                                                        NPY_ARRAY_IN_ARRAY | NPY_ARRAY_FORCECAST);
    if (a == NULL) {
        return NULL;
    }
    if (PyArray_DIM(a, 0) != rows || PyArray_DIM(a, 1) != V) {
        PyErr_Format(PyExc_ValueError, "init: expected a %u x %u array, got %zd x %zd",
                     (unsigned)rows, (unsigned)V, (Py_ssize_t)PyArray_DIM(a, 0),
                     (Py_ssize_t)PyArray_DIM(a, 1));
        Py_DECREF(a);
        return NULL;
    }
    return a;
}

static PyObject *mm_py_train(PyObject *self, PyObject *args, PyObject *kw)
{
    static char *kwlist[] = {"path", "steps", "lr", "reg", "seed", "driver", "batch",
                             "threads", "init", "order", NULL};
    PyObject *path = NULL, *init = Py_None, *result = NULL;
    PyArrayObject *W0 = NULL;
    unsigned long long steps = 100, seed = MM_PY_DEFAULT_SEED;
    double lr = 50.0, reg = 0.01;
    const char *driver = "counts";
    unsigned int batch = 0;
    int threads = 0, order = 2;
    mm_corpus *corpus = NULL;
    mm_model *m = NULL;
    mm_py_train_log log = {0};
    mm_status st = MM_OK;

    if (!PyArg_ParseTupleAndKeywords(args, kw, "O&|$KddKsIiOi:train", kwlist,
                                     PyUnicode_FSConverter, &path, &steps, &lr, &reg, &seed,
                                     &driver, &batch, &threads, &init, &order)) {
        return NULL;
    }
    /* The neural trigram of the lecture's exercise E01 comes with the n-gram API. */
    if (mm_py_check_order(order, MM_PY_MAX_ORDER > 2 ? 3 : 2, "train") < 0) {
        goto cleanup;
    }
    mm_train_config cfg;
    mm_train_config_init(&cfg);
    cfg.steps = steps;
    cfg.lr = lr;
    cfg.reg = reg;
    cfg.seed = seed;
    cfg.batch = batch;
    cfg.threads = threads;
    cfg.on_step = mm_py_on_step;
    cfg.user = &log;
#if MM_PY_NGRAMS
    cfg.order = order;
#endif
    if (mm_train_driver_parse(driver, &cfg.driver) != MM_OK) {
        PyErr_Format(PyExc_ValueError, "driver must be counts, examples or onehot, not '%s'",
                     driver);
        goto cleanup;
    }
    if (batch > 0 && cfg.driver == MM_DRIVER_COUNTS) {
        cfg.driver = MM_DRIVER_EXAMPLES; /* as the CLI: --batch implies examples */
    }
    Py_BEGIN_ALLOW_THREADS
    st = mm_corpus_open(&corpus, PyBytes_AS_STRING(path));
    Py_END_ALLOW_THREADS
    if (st != MM_OK) {
        mm_py_raise(st);
        goto cleanup;
    }
    if (init != Py_None) {
        uint32_t V = mm_corpus_get_vocab(corpus)->size;
        W0 = mm_py_init_array(init, (uint32_t)(order - 1) * V, V); /* W = [W1; W2] at order 3 */
        if (W0 == NULL) {
            goto cleanup;
        }
    }
    st = mm_train_model_create(&m, mm_corpus_get_vocab(corpus), &cfg,
                               W0 ? (const float *)PyArray_DATA(W0) : NULL);
    if (st != MM_OK) {
        mm_py_raise(st);
        goto cleanup;
    }
    log.first = mm_model_get_steps(m);
    Py_BEGIN_ALLOW_THREADS
    st = mm_train(m, corpus, &cfg);
    Py_END_ALLOW_THREADS
    if (log.interrupted) {
        goto cleanup; /* the signal handler's exception (KeyboardInterrupt) */
    }
    if (log.nomem) {
        PyErr_NoMemory();
        goto cleanup;
    }
    if (st != MM_OK && st != MM_ERR_DIVERGED) {
        mm_py_raise(st);
        goto cleanup;
    }
    npy_intp n = (npy_intp)log.n;
    PyObject *losses = PyArray_SimpleNew(1, &n, NPY_FLOAT64);
    if (losses == NULL) {
        goto cleanup;
    }
    if (n > 0) {
        memcpy(PyArray_DATA((PyArrayObject *)losses), log.loss, (size_t)n * sizeof(double));
    }
    PyObject *model = mm_py_model_wrap(m);
    m = NULL; /* owned (or destroyed) by the wrapper now */
    if (model == NULL) {
        Py_DECREF(losses);
        goto cleanup;
    }
    if (st == MM_ERR_DIVERGED) {
        mm_py_raise_diverged(model, losses);
    } else {
        result = PyTuple_Pack(2, model, losses);
    }
    Py_DECREF(model);
    Py_DECREF(losses);
cleanup:
    mm_model_destroy(m);
    mm_corpus_close(corpus);
    Py_XDECREF(W0);
    PyMem_RawFree(log.loss);
    Py_DECREF(path);
    return result;
}

/* ---- kernel sets ---------------------------------------------------------------- */

static PyObject *mm_py_isa(PyObject *self, PyObject *unused)
{
    return PyUnicode_FromString(mm_isa_name());
}

static PyObject *mm_py_isa_list(const char *csv)
{
    PyObject *s = PyUnicode_FromString(csv);
    if (s == NULL) {
        return NULL;
    }
    PyObject *sep = PyUnicode_FromString(",");
    PyObject *list = sep ? PyUnicode_Split(s, sep, -1) : NULL;
    Py_XDECREF(sep);
    Py_DECREF(s);
    return list;
}

static PyObject *mm_py_isa_built(PyObject *self, PyObject *unused)
{
    return mm_py_isa_list(mm_isa_built());
}

static PyObject *mm_py_isa_supported(PyObject *self, PyObject *unused)
{
    return mm_py_isa_list(mm_isa_supported());
}

static PyObject *mm_py_isa_hidden(PyObject *self, PyObject *unused)
{
    const char *h = mm_isa_hidden();
    return h == NULL || *h == '\0' ? PyList_New(0) : mm_py_isa_list(h);
}

/* Opt-in, as in C: a signal handler is process-wide, so importing the module
 * never installs one (Python's faulthandler, say, may own SIGBUS; the guard
 * hands on every fault that is not in a mapped corpus). */
static PyObject *mm_py_sigbus_guard_install(PyObject *self, PyObject *unused)
{
    mm_status st = mm_sigbus_guard_install();
    if (st != MM_OK) {
        return mm_py_raise(st);
    }
    Py_RETURN_NONE;
}

static PyMethodDef mm_py_methods[] = {
    {"count", (PyCFunction)(void (*)(void))mm_py_count, METH_VARARGS | METH_KEYWORDS,
     "count(path, order=2, smoothing=1.0, *, threads=0) -> Model\n\n"
     "Count the order-K n-grams (K = order; 2: bigrams) of the corpus file at path\n"
     "(UTF-8, one name per line; K - 1 '.' pads before each name) and return the\n"
     "add-k smoothed count model (k = smoothing)."},
    {"count_words", (PyCFunction)(void (*)(void))mm_py_count_words,
     METH_VARARGS | METH_KEYWORDS,
     "count_words(words, order=2, smoothing=1.0, *, threads=0) -> Model\n\n"
     "The same as count() for a list of names in memory (the notebook's `words`;\n"
     "empty names are skipped, as empty lines are).  Line `n` in a message is\n"
     "words[n - 1] (while no name is empty)."},
    {"load", mm_py_load, METH_VARARGS,
     "load(path) -> Model\n\nRead a model file written by Model.save or the makemore CLI."},
    {"train", (PyCFunction)(void (*)(void))mm_py_train, METH_VARARGS | METH_KEYWORDS,
     "train(path, *, steps=100, lr=50.0, reg=0.01, seed=2147483647, driver='counts',\n"
     "      batch=0, threads=0, init=None, order=2) -> (Model, losses)\n\n"
     "Train the neural bigram on the corpus at path, as the notebook does: W =\n"
     "torch.randn((V, V), generator=torch.Generator().manual_seed(seed)) (or init),\n"
     "then `steps` steps of W -= lr * grad(mean NLL + reg * mean(W**2)).  losses[k]\n"
     "is the loss of step k, at W before its update (float64 array).  order=3: the\n"
     "neural trigram of exercise E01, logits W1[x1] + W2[x2], W = [W1; W2] (2V x V;\n"
     "counts driver only)."},
    {"isa", mm_py_isa, METH_NOARGS,
     "isa() -> str: the kernel set in use (MM_ISA at import, else the best)."},
    {"isa_built", mm_py_isa_built, METH_NOARGS, "isa_built() -> list of str"},
    {"isa_supported", mm_py_isa_supported, METH_NOARGS,
     "isa_supported() -> list of str: the kernel sets this CPU runs."},
    {"isa_hidden", mm_py_isa_hidden, METH_NOARGS,
     "isa_hidden() -> list of str: the kernel sets MM_CPU_HIDE makes count as absent."},
    {"sigbus_guard_install", mm_py_sigbus_guard_install, METH_NOARGS,
     "sigbus_guard_install() -> None\n\n"
     "Install libmakemore's SIGBUS guard for this process (mm_sigbus_guard_install),\n"
     "as the makemore command does.  count() may then read a large corpus from a\n"
     "memory mapping where that measures faster than read(2) (MM_COUNT_READ=\n"
     "pread|map|auto forces the way), and a corpus truncated by another process\n"
     "while mapped raises FileError instead of killing the process with SIGBUS.\n"
     "Without it count() reads only by pread.  A SIGBUS outside a mapped corpus\n"
     "goes to the handler that was there before.  Calling it again re-installs\n"
     "the guard if something replaced it (faulthandler.enable(), say)."},
    {NULL, NULL, 0, NULL}};

static struct PyModuleDef mm_py_moduledef = {
    PyModuleDef_HEAD_INIT, "makemore._makemore",
    "libmakemore's character-level bigram models (the C extension behind `import makemore`).",
    -1, mm_py_methods, NULL, NULL, NULL, NULL};

PyMODINIT_FUNC PyInit__makemore(void)
{
    import_array();
    PyObject *mod = PyModule_Create(&mm_py_moduledef);
    if (mod == NULL) {
        return NULL;
    }
    /* The kernel table is chosen once, before any work: MM_ISA if set (an
     * unknown or unrunnable name fails the import), else the best that
     * MM_CPU_HIDE leaves (an unknown name there fails it too). */
    mm_status st = mm_dispatch_init(NULL);
    if (st != MM_OK) {
        PyErr_Format(PyExc_ImportError, "makemore: %s", mm_errmsg()[0] ? mm_errmsg()
                                                                     : mm_status_str(st));
        goto fail;
    }
    if (mm_py_add_errors(mod) < 0 || mm_py_add_model_type(mod) < 0 ||
        PyModule_AddStringConstant(mod, "__version__", MM_VERSION_STRING) < 0 ||
        PyModule_AddIntConstant(mod, "DEFAULT_SEED", (long)MM_PY_DEFAULT_SEED) < 0 ||
        PyModule_AddIntConstant(mod, "MAX_ORDER", MM_PY_MAX_ORDER) < 0) {
        goto fail;
    }
    return mod;
fail:
    Py_DECREF(mod);
    return NULL;
}
