/*
 * mm_py.h - shared by the two C files of the Python extension
 * makemore._makemore: the Model type, the error mapping and the numpy C API
 * import (one array-API table for the whole extension, as numpy requires of
 * an extension made of several files).
 */
#ifndef MM_PY_H
#define MM_PY_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>

#define NPY_NO_DEPRECATED_API NPY_1_7_API_VERSION
#define PY_ARRAY_UNIQUE_SYMBOL mm_py_numpy_api
#ifndef MM_PY_MAIN
#define NO_IMPORT_ARRAY
#endif
#include <numpy/arrayobject.h>

#include "makemore.h"

/* Orders 3..6 need issue 13's n-gram API (mm_count_ngrams_file,
 * mm_model_from_ngrams, ...): compiled in when include/makemore.h has it,
 * else order != 2 raises NotImplementedError. */
#ifdef MM_MAX_ORDER
#define MM_PY_NGRAMS 1
#define MM_PY_MAX_ORDER MM_MAX_ORDER
#else
#define MM_PY_NGRAMS 0
#define MM_PY_MAX_ORDER 2
#endif
/* Order of a model (2 without the n-gram API). */
int mm_py_model_order(const mm_model *m);

/* A Model owns one mm_model, never changed after creation: the numpy views
 * of its counts, probs and W are read-only and keep the Model alive, and
 * any number of threads may read it with the GIL released. */
typedef struct mm_py_model {
    PyObject_HEAD
    mm_model *m;
} mm_py_model;

extern PyTypeObject mm_py_model_type;
extern PyTypeObject mm_py_eval_type;

/* Wrap m (taking ownership; destroys it on failure). */
PyObject *mm_py_model_wrap(mm_model *m);
/* Set the Python exception for status st, carrying mm_errmsg(); returns NULL. */
PyObject *mm_py_raise(mm_status st);
/* An EvalResult (examples, nll, log_likelihood, perplexity). */
PyObject *mm_py_eval_result(const mm_eval_result *r);
/* A list of names joined by '\n' as UTF-8 bytes (a corpus in memory), or
 * NULL with an exception. */
PyObject *mm_py_join_words(PyObject *words);
/* Register the exception classes in module mod (0 ok, -1 error). */
int mm_py_add_errors(PyObject *mod);
/* The Model and EvalResult types (0 ok, -1 error). */
int mm_py_add_model_type(PyObject *mod);

#endif /* MM_PY_H */
