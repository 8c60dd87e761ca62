/*
 * mm_py_model.c - makemore.Model (one mm_model) and makemore.EvalResult.
 *
 * counts, probs and W are numpy arrays over the model's own memory (no
 * copy): read-only, with the Model as their base, so an array outlives the
 * `del model` that would otherwise free what it points at.  A Model never
 * changes after creation, which is what makes both the views and the
 * GIL-free calls safe.
 */
#include "mm_py.h"

#include <stdlib.h>
#include <string.h>

/* ---- EvalResult ---------------------------------------------------------------- */

static PyStructSequence_Field mm_py_eval_fields[] = {
    {"examples", "bigrams scored"},
    {"nll", "mean negative log-likelihood (inf if a bigram has P = 0)"},
    {"log_likelihood", "sum of log P, in double"},
    {"perplexity", "exp(nll)"},
    {NULL, NULL}};

static PyStructSequence_Desc mm_py_eval_desc = {
    "makemore.EvalResult", "What Model.eval returns.", mm_py_eval_fields, 4};

PyTypeObject mm_py_eval_type;

PyObject *mm_py_eval_result(const mm_eval_result *r)
{
    PyObject *t = PyStructSequence_New(&mm_py_eval_type);
    if (t == NULL) {
        return NULL;
    }
    PyObject *v[4] = {PyLong_FromUnsignedLongLong(r->examples), PyFloat_FromDouble(r->nll),
                      PyFloat_FromDouble(r->log_likelihood), PyFloat_FromDouble(r->perplexity)};
    for (int i = 0; i < 4; i++) {
        if (v[i] == NULL) {
            for (int j = i + 1; j < 4; j++) {
                Py_XDECREF(v[j]);
            }
            Py_DECREF(t);
            return NULL;
        }
        PyStructSequence_SET_ITEM(t, i, v[i]);
    }
    return t;
}

/* ---- Model ------------------------------------------------------------------------ */

PyObject *mm_py_model_wrap(mm_model *m)
{
    mm_py_model *self = PyObject_New(mm_py_model, &mm_py_model_type);
    if (self == NULL) {
        mm_model_destroy(m);
        return NULL;
    }
    self->m = m;
    return (PyObject *)self;
}

static void mm_py_model_dealloc(mm_py_model *self)
{
    mm_model_destroy(self->m);
    PyObject_Free(self);
}

int mm_py_model_order(const mm_model *m)
{
#if MM_PY_NGRAMS
    return mm_model_get_order(m);
#else
    (void)m;
    return 2;
#endif
}

/* A read-only nd-dimensional view of data (owned by self), or None if data
 * is NULL. */
static PyObject *mm_py_view_nd(mm_py_model *self, const void *data, int typenum, int nd,
                               npy_intp *dims)
{
    if (data == NULL) {
        Py_RETURN_NONE;
    }
    PyObject *a = PyArray_New(&PyArray_Type, nd, dims, typenum, NULL, (void *)data, 0,
                              NPY_ARRAY_C_CONTIGUOUS | NPY_ARRAY_ALIGNED, NULL);
    if (a == NULL) {
        return NULL;
    }
    Py_INCREF(self);
    if (PyArray_SetBaseObject((PyArrayObject *)a, (PyObject *)self) < 0) {
        Py_DECREF(a); /* SetBaseObject stole the reference even on failure */
        return NULL;
    }
    return a;
}

/* The view of a model array of V^K cells as (V,) * K. */
static PyObject *mm_py_view(mm_py_model *self, const void *data, int typenum)
{
    npy_intp dims[NPY_MAXDIMS];
    int K = mm_py_model_order(self->m);
    for (int i = 0; i < K; i++) {
        dims[i] = (npy_intp)mm_model_get_vocab(self->m)->size;
    }
    return mm_py_view_nd(self, data, typenum, K, dims);
}

#if MM_PY_NGRAMS
/* Dense copies of a K > 2 count model's counts or P, (V,) * K: the model
 * stores only the n-grams seen.  Refused beyond MM_PY_DENSE_MAX cells (V = 27,
 * K = 5 is 14 M cells, 115 MB of counts): Model.ngrams is the sparse form. */
#define MM_PY_DENSE_MAX ((uint64_t)1 << 24)

static PyObject *mm_py_dense(mm_py_model *self, int typenum)
{
    int K = mm_py_model_order(self->m);
    npy_intp V = (npy_intp)mm_model_get_vocab(self->m)->size, dims[NPY_MAXDIMS];
    uint64_t cells = 1;
    for (int i = 0; i < K; i++) {
        dims[i] = V;
        cells *= (uint64_t)V;
    }
    if (cells > MM_PY_DENSE_MAX) {
        PyErr_Format(PyExc_ValueError, "a dense order-%d array has V^%d = %llu cells (at most "
                     "%llu): use Model.ngrams", K, K, (unsigned long long)cells,
                     (unsigned long long)MM_PY_DENSE_MAX);
        return NULL;
    }
    PyObject *a = PyArray_SimpleNew(K, dims, typenum);
    if (a == NULL) {
        return NULL;
    }
    void *out = PyArray_DATA((PyArrayObject *)a);
    mm_status st;
    Py_BEGIN_ALLOW_THREADS
    st = typenum == NPY_UINT64 ? mm_model_get_dense_counts(self->m, out, (size_t)cells)
                               : mm_model_get_dense_probs(self->m, out, (size_t)cells);
    Py_END_ALLOW_THREADS
    if (st != MM_OK) {
        Py_DECREF(a);
        return mm_py_raise(st);
    }
    PyArray_CLEARFLAGS((PyArrayObject *)a, NPY_ARRAY_WRITEABLE); /* as the views */
    return a;
}
#endif

static PyObject *mm_py_model_counts(mm_py_model *self, void *closure)
{
#if MM_PY_NGRAMS
    if (mm_model_get_order(self->m) > 2 && mm_model_get_kind(self->m) == MM_MODEL_COUNTS) {
        return mm_py_dense(self, NPY_UINT64);
    }
#endif
    return mm_py_view(self, mm_model_get_counts(self->m), NPY_UINT64);
}

static PyObject *mm_py_model_probs(mm_py_model *self, void *closure)
{
#if MM_PY_NGRAMS
    if (mm_model_get_probs(self->m) == NULL) {
        return mm_py_dense(self, NPY_FLOAT32);
    }
#endif
    return mm_py_view(self, mm_model_get_probs(self->m), NPY_FLOAT32);
}

/* W is (K - 1) V x V: the neural trigram stacks W1 over W2. */
static PyObject *mm_py_model_W(mm_py_model *self, void *closure)
{
    npy_intp V = (npy_intp)mm_model_get_vocab(self->m)->size;
    npy_intp dims[2] = {(npy_intp)(mm_py_model_order(self->m) - 1) * V, V};
    return mm_py_view_nd(self, mm_model_get_weights(self->m), NPY_FLOAT32, 2, dims);
}

static PyObject *mm_py_model_order_get(mm_py_model *self, void *closure)
{
    return PyLong_FromLong(mm_py_model_order(self->m));
}

/* (keys, counts) of the n-grams a K > 2 count model stores, zero-copy
 * uint64 views (key = the K symbols as a base-V number, first most
 * significant); None for other models. */
static PyObject *mm_py_model_ngrams(mm_py_model *self, void *closure)
{
#if MM_PY_NGRAMS
    if (mm_model_get_order(self->m) > 2 && mm_model_get_kind(self->m) == MM_MODEL_COUNTS) {
        npy_intp n = (npy_intp)mm_model_get_ngram_size(self->m);
        PyObject *k = mm_py_view_nd(self, mm_model_get_ngram_keys(self->m), NPY_UINT64, 1, &n);
        PyObject *v = k ? mm_py_view_nd(self, mm_model_get_ngram_values(self->m), NPY_UINT64, 1,
                                        &n) : NULL;
        PyObject *t = v ? PyTuple_Pack(2, k, v) : NULL;
        Py_XDECREF(k);
        Py_XDECREF(v);
        return t;
    }
#endif
    Py_RETURN_NONE;
}

/* The symbols as one str, index i = symbol i ('.' first). */
static PyObject *mm_py_model_vocab(mm_py_model *self, void *closure)
{
    const mm_vocab *v = mm_model_get_vocab(self->m);
    return PyUnicode_FromKindAndData(PyUnicode_4BYTE_KIND, v->cp, (Py_ssize_t)v->size);
}

static PyObject *mm_py_model_stoi(mm_py_model *self, void *closure)
{
    const mm_vocab *v = mm_model_get_vocab(self->m);
    PyObject *d = PyDict_New();
    for (uint32_t i = 0; d != NULL && i < v->size; i++) {
        PyObject *k = PyUnicode_FromOrdinal((int)v->cp[i]);
        PyObject *x = PyLong_FromUnsignedLong(i);
        if (k == NULL || x == NULL || PyDict_SetItem(d, k, x) < 0) {
            Py_CLEAR(d);
        }
        Py_XDECREF(k);
        Py_XDECREF(x);
    }
    return d;
}

static PyObject *mm_py_model_kind(mm_py_model *self, void *closure)
{
    return PyUnicode_FromString(mm_model_get_kind(self->m) == MM_MODEL_COUNTS ? "counts"
                                                                              : "neural");
}

static PyObject *mm_py_model_V(mm_py_model *self, void *closure)
{
    return PyLong_FromUnsignedLong(mm_model_get_vocab(self->m)->size);
}

static PyObject *mm_py_model_smoothing(mm_py_model *self, void *closure)
{
    if (mm_model_get_kind(self->m) != MM_MODEL_COUNTS) {
        Py_RETURN_NONE;
    }
    return PyFloat_FromDouble(mm_model_get_smoothing(self->m));
}

static PyObject *mm_py_model_steps(mm_py_model *self, void *closure)
{
    return PyLong_FromUnsignedLongLong(mm_model_get_steps(self->m));
}

static PyObject *mm_py_model_eval(mm_py_model *self, PyObject *args, PyObject *kw)
{
    static char *kwlist[] = {"path", "threads", NULL};
    PyObject *path = NULL;
    int threads = 0;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "O&|$i:eval", kwlist, PyUnicode_FSConverter,
                                     &path, &threads)) {
        return NULL;
    }
    mm_eval_opts opts = {.threads = threads};
    mm_eval_result r;
    mm_status st;
    Py_BEGIN_ALLOW_THREADS
    st = mm_eval_file(self->m, PyBytes_AS_STRING(path), &opts, &r);
    Py_END_ALLOW_THREADS
    Py_DECREF(path);
    if (st != MM_OK) {
        return mm_py_raise(st);
    }
    return mm_py_eval_result(&r);
}

/* words joined by '\n' as UTF-8 bytes, or NULL with an exception.  A word
 * holding a line end would silently become two names: refuse it. */
PyObject *mm_py_join_words(PyObject *words)
{
    PyObject *seq = PySequence_Fast(words, "words must be an iterable of str");
    if (seq == NULL) {
        return NULL;
    }
    Py_ssize_t n = PySequence_Fast_GET_SIZE(seq);
    PyObject *text = NULL, *nl = PyUnicode_FromString("\n");
    for (Py_ssize_t i = 0; nl != NULL && i < n; i++) {
        PyObject *w = PySequence_Fast_GET_ITEM(seq, i);
        if (!PyUnicode_Check(w)) {
            PyErr_Format(PyExc_TypeError, "word %zd is not a str", i);
            goto cleanup;
        }
        if (PyUnicode_FindChar(w, '\n', 0, PY_SSIZE_T_MAX, 1) != -1 ||
            PyUnicode_FindChar(w, '\r', 0, PY_SSIZE_T_MAX, 1) != -1) {
            PyErr_Format(PyExc_ValueError, "word %zd holds a line end", i);
            goto cleanup;
        }
    }
    if (nl != NULL) {
        PyObject *joined = PyUnicode_Join(nl, seq);
        if (joined != NULL) {
            text = PyUnicode_AsUTF8String(joined);
            Py_DECREF(joined);
        }
    }
cleanup:
    Py_XDECREF(nl);
    Py_DECREF(seq);
    return text;
}

static PyObject *mm_py_model_eval_words(mm_py_model *self, PyObject *args)
{
    PyObject *words = NULL;
    if (!PyArg_ParseTuple(args, "O:eval_words", &words)) {
        return NULL;
    }
    PyObject *text = mm_py_join_words(words);
    if (text == NULL) {
        return NULL;
    }
    mm_corpus *c = NULL;
    mm_eval_result r;
    mm_eval_opts opts = {.threads = 0};
    mm_status st;
    Py_BEGIN_ALLOW_THREADS
    st = mm_corpus_from_memory(&c, PyBytes_AS_STRING(text), (size_t)PyBytes_GET_SIZE(text),
                               "<words>");
    if (st == MM_OK) {
        st = mm_eval_corpus(self->m, c, &opts, &r);
    }
    mm_corpus_close(c);
    Py_END_ALLOW_THREADS
    Py_DECREF(text);
    if (st != MM_OK) {
        return mm_py_raise(st);
    }
    return mm_py_eval_result(&r);
}

/* Append the names in syms (symbol indices, 0 ends a name) to list. */
static int mm_py_append_names(PyObject *list, const mm_vocab *v, const uint8_t *syms,
                              size_t len, Py_UCS4 *scratch)
{
    size_t k = 0;
    for (size_t i = 0; i < len; i++) {
        if (syms[i] != 0) {
            scratch[k++] = v->cp[syms[i]];
            continue;
        }
        PyObject *s = PyUnicode_FromKindAndData(PyUnicode_4BYTE_KIND, scratch, (Py_ssize_t)k);
        if (s == NULL || PyList_Append(list, s) < 0) {
            Py_XDECREF(s);
            return -1;
        }
        Py_DECREF(s);
        k = 0;
    }
    return 0;
}

static PyObject *mm_py_model_sample(mm_py_model *self, PyObject *args, PyObject *kw)
{
    static char *kwlist[] = {"n", "seed", "max_len", NULL};
    unsigned long long n = 1, seed = 2147483647ULL, max_len = 256;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "K|KK:sample", kwlist, &n, &seed, &max_len)) {
        return NULL;
    }
    if (max_len < 1 || max_len > 1000000) {
        PyErr_SetString(PyExc_ValueError, "max_len must be 1..1000000");
        return NULL;
    }
    /* Names come in chunks of at most cap bytes, each turned into str with
     * the GIL held while the next chunk waits: memory stays bounded for any n. */
    size_t cap = ((size_t)1 << 20) + (size_t)max_len + 4;
    uint8_t *syms = PyMem_RawMalloc(cap);
    Py_UCS4 *scratch = PyMem_RawMalloc((size_t)(max_len + 1) * sizeof(Py_UCS4));
    PyObject *list = PyList_New(0);
    if (syms == NULL || scratch == NULL || list == NULL) {
        if (list != NULL) {
            PyErr_NoMemory();
        }
        Py_CLEAR(list);
        goto cleanup;
    }
    const mm_vocab *v = mm_model_get_vocab(self->m);
    mm_rng g;
    mm_rng_seed(&g, seed);
    uint64_t left = n;
    while (left > 0) {
        size_t len;
        Py_BEGIN_ALLOW_THREADS
        len = mm_model_sample_many(self->m, &g, &left, (size_t)max_len, syms, cap);
        Py_END_ALLOW_THREADS
        if (mm_py_append_names(list, v, syms, len, scratch) < 0 || PyErr_CheckSignals() < 0) {
            Py_CLEAR(list);
            goto cleanup;
        }
    }
cleanup:
    PyMem_RawFree(scratch);
    PyMem_RawFree(syms);
    return list;
}

static PyObject *mm_py_model_save(mm_py_model *self, PyObject *args)
{
    PyObject *path = NULL;
    if (!PyArg_ParseTuple(args, "O&:save", PyUnicode_FSConverter, &path)) {
        return NULL;
    }
    mm_status st;
    Py_BEGIN_ALLOW_THREADS
    st = mm_model_save(self->m, PyBytes_AS_STRING(path));
    Py_END_ALLOW_THREADS
    Py_DECREF(path);
    if (st != MM_OK) {
        return mm_py_raise(st);
    }
    Py_RETURN_NONE;
}

/* "<makemore.Model counts V=27 bigrams=228146 smoothing=1>"; order K > 2
 * adds "order=K" and counts n-grams. */
static PyObject *mm_py_model_repr(mm_py_model *self)
{
    const mm_vocab *v = mm_model_get_vocab(self->m);
    int K = mm_py_model_order(self->m);
    char order[16] = "";
    if (K != 2) {
        snprintf(order, sizeof order, " order=%d", K);
    }
    if (mm_model_get_kind(self->m) == MM_MODEL_COUNTS) {
        const uint64_t *c = mm_model_get_counts(self->m);
        size_t n = (size_t)v->size * v->size;
#if MM_PY_NGRAMS
        if (K > 2) {
            c = mm_model_get_ngram_values(self->m);
            n = mm_model_get_ngram_size(self->m);
        }
#endif
        unsigned long long total = 0;
        for (size_t i = 0; c != NULL && i < n; i++) {
            total += c[i];
        }
        char k[32];
        snprintf(k, sizeof k, "%g", mm_model_get_smoothing(self->m));
        return PyUnicode_FromFormat("<makemore.Model counts%s V=%u %s=%llu smoothing=%s>", order,
                                    (unsigned)v->size, K == 2 ? "bigrams" : "ngrams", total, k);
    }
    return PyUnicode_FromFormat("<makemore.Model neural%s V=%u steps=%llu>", order,
                                (unsigned)v->size, (unsigned long long)mm_model_get_steps(self->m));
}

static PyObject *mm_py_model_new(PyTypeObject *type, PyObject *args, PyObject *kw)
{
    PyErr_SetString(PyExc_TypeError,
                    "makemore.Model comes from makemore.count, makemore.train or makemore.load");
    return NULL;
}

static PyMethodDef mm_py_model_methods[] = {
    {"eval", (PyCFunction)(void (*)(void))mm_py_model_eval, METH_VARARGS | METH_KEYWORDS,
     "eval(path, *, threads=0) -> EvalResult(examples, nll, log_likelihood, perplexity)\n\n"
     "Score every bigram of the corpus file at path (the notebook's NLL loop)."},
    {"eval_words", (PyCFunction)mm_py_model_eval_words, METH_VARARGS,
     "eval_words(words) -> EvalResult\n\nThe same for a list of names (empty ones are "
     "skipped, as empty lines are)."},
    {"sample", (PyCFunction)(void (*)(void))mm_py_model_sample, METH_VARARGS | METH_KEYWORDS,
     "sample(n, seed=2147483647, max_len=256) -> list of str\n\n"
     "Draw n names with torch.Generator().manual_seed(seed) and torch.multinomial's\n"
     "draws (the names `makemore sample --seed` prints)."},
    {"save", (PyCFunction)mm_py_model_save, METH_VARARGS,
     "save(path)\n\nWrite the model file (atomically: temporary file, fsync, rename)."},
    {NULL, NULL, 0, NULL}};

static PyGetSetDef mm_py_model_getset[] = {
    {"counts", (getter)mm_py_model_counts, NULL,
     "(V,) * order uint64 counts, N[ix1, ..., ixK] (None for neural models): a read-only view "
     "for bigrams, a read-only dense copy for order > 2", NULL},
    {"probs", (getter)mm_py_model_probs, NULL,
     "(V,) * order float32 P, rows (last axis) summing to 1: a read-only view, or a dense copy "
     "for order > 2 count models", NULL},
    {"W", (getter)mm_py_model_W, NULL,
     "((order - 1) V, V) float32 weights, a read-only view (None for count models)", NULL},
    {"vocab", (getter)mm_py_model_vocab, NULL, "the symbols as a str, '.' first (itos)", NULL},
    {"itos", (getter)mm_py_model_vocab, NULL, "the same str as vocab", NULL},
    {"stoi", (getter)mm_py_model_stoi, NULL, "dict symbol -> index", NULL},
    {"kind", (getter)mm_py_model_kind, NULL, "'counts' or 'neural'", NULL},
    {"order", (getter)mm_py_model_order_get, NULL, "K: 2 for bigrams, 3 for trigrams...", NULL},
    {"ngrams", (getter)mm_py_model_ngrams, NULL,
     "order > 2 count models: (keys, counts) of the n-grams seen, uint64 read-only views "
     "(key = symbols as a base-V number, first most significant); else None", NULL},
    {"V", (getter)mm_py_model_V, NULL, "vocabulary size, with the boundary", NULL},
    {"smoothing", (getter)mm_py_model_smoothing, NULL, "k of add-k smoothing (or None)", NULL},
    {"steps", (getter)mm_py_model_steps, NULL, "gradient steps done (0 for count models)", NULL},
    {NULL, NULL, NULL, NULL, NULL}};

PyTypeObject mm_py_model_type = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "makemore.Model",
    .tp_basicsize = sizeof(mm_py_model),
    .tp_dealloc = (destructor)mm_py_model_dealloc,
    .tp_repr = (reprfunc)mm_py_model_repr,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "A bigram model: counts (makemore.count) or neural (makemore.train).",
    .tp_methods = mm_py_model_methods,
    .tp_getset = mm_py_model_getset,
    .tp_new = mm_py_model_new,
};

int mm_py_add_model_type(PyObject *mod)
{
    if (PyType_Ready(&mm_py_model_type) < 0 ||
        PyStructSequence_InitType2(&mm_py_eval_type, &mm_py_eval_desc) < 0) {
        return -1;
    }
    if (PyModule_AddObjectRef(mod, "Model", (PyObject *)&mm_py_model_type) < 0 ||
        PyModule_AddObjectRef(mod, "EvalResult", (PyObject *)&mm_py_eval_type) < 0) {
        return -1;
    }
    return 0;
}
