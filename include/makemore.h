/*
 * makemore.h - public API of libmakemore: character-level bigram language
 * models (Karpathy's makemore, part 1) as a C library.
 *
 * Shape: owners of memory are opaque (mm_corpus, mm_model); configs and
 * results are plain structs; every fallible call returns mm_status and puts
 * results in out-parameters.  On failure, mm_errmsg() returns a sentence that
 * names the file, line and problem (thread-local, valid until the next
 * failing call on the same thread).  The library never prints or exits.
 */
#ifndef MAKEMORE_H
#define MAKEMORE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define MM_VERSION_STRING "0.1.0"

typedef enum mm_status {
    MM_OK = 0,
    MM_ERR_NOMEM,
    MM_ERR_IO,
    MM_ERR_INVALID_ARG,
    MM_ERR_UNSUPPORTED_ISA,
    MM_ERR_CORPUS,      /* bad corpus content: NUL, invalid UTF-8, '.', ... */
    MM_ERR_VOCAB,       /* too many symbols, or a symbol the model lacks */
    MM_ERR_FORMAT,      /* model or .npy file malformed, truncated, corrupt */
    MM_ERR_DIVERGED     /* training produced a NaN or infinite loss */
} mm_status;

const char *mm_status_str(mm_status s);
/* Detail of the last failure on this thread ("" if none). */
const char *mm_errmsg(void);

/* ---- Run-time kernel dispatch ------------------------------------------ */

/* Select the kernel table: isa = "scalar", "avx2", "avx512", or NULL for
 * $MM_ISA, else the best the CPU supports.  Call once, before any work.
 * An unknown name or one this CPU cannot run: MM_ERR_UNSUPPORTED_ISA. */
mm_status mm_dispatch_init(const char *isa);
/* Name of the active kernel table ("scalar", "avx2", ...). */
const char *mm_isa_name(void);
/* Comma-separated list of the ISAs built in, and of those this CPU runs. */
const char *mm_isa_built(void);
const char *mm_isa_supported(void);

/* ---- Vocabulary ---------------------------------------------------------- */

/* 255 characters plus the boundary token. */
#define MM_MAX_VOCAB 256
#define MM_BOUNDARY '.'

/* Symbols sorted by code point, as Python's sorted(set(...)), with the
 * boundary '.' at index 0. */
typedef struct mm_vocab {
    uint32_t size;                 /* V, including the boundary */
    uint32_t cp[MM_MAX_VOCAB];     /* Unicode code point of each symbol */
} mm_vocab;

/* Index of code point cp in v, or -1. */
int mm_vocab_index(const mm_vocab *v, uint32_t cp);
/* UTF-8 encoding of symbol i into buf (at least 5 bytes); returns length. */
size_t mm_vocab_utf8(const mm_vocab *v, size_t i, char *buf);

/* ---- Corpus -------------------------------------------------------------- */

/* A corpus: one name per line, UTF-8.  LF or CRLF line ends; a missing final
 * newline is the same as a present one; empty lines are skipped.  The file is
 * mapped, never copied.  Opening validates it and builds its vocabulary. */
typedef struct mm_corpus mm_corpus;

mm_status mm_corpus_open(mm_corpus **out, const char *path);
/* The same over caller-owned bytes (not copied; must outlive the corpus);
 * name is used in messages. */
mm_status mm_corpus_from_memory(mm_corpus **out, const void *data, size_t size,
                                const char *name);
void mm_corpus_close(mm_corpus *c); /* NULL is a no-op */

typedef struct mm_corpus_info {
    uint64_t bytes;     /* size of the file */
    int ascii;          /* 1 if every byte is < 0x80 (fast path) */
    int streamed;       /* mm_count_file: 1 if counted in one streaming pass */
} mm_corpus_info;
/* Names and bigrams come from the counts: names = sum of row 0 (every name
 * starts with a (., first) bigram), bigrams = sum of all counts. */

const mm_vocab *mm_corpus_vocab(const mm_corpus *c);
void mm_corpus_get_info(const mm_corpus *c, mm_corpus_info *info);

/* ---- Counting ------------------------------------------------------------ */

typedef struct mm_count_opts {
    int threads;        /* OpenMP threads; 0 = the OpenMP default */
} mm_count_opts;

/* Bigram counts of corpus c in the index space of vocab v (which must hold
 * every character of c, else MM_ERR_VOCAB naming it): counts is V*V uint64,
 * row = first symbol.  Bit-identical for every kernel and thread count. */
mm_status mm_count_bigrams(const mm_corpus *c, const mm_vocab *v,
                           const mm_count_opts *opts, uint64_t *counts);

/* Open, validate and count the corpus file at path in one streaming pass
 * (read in pieces, never mapped; the vocabulary and the validation come from
 * the counts, see src/count_file.c).  Same vocabulary, counts and error
 * messages as mm_corpus_open + mm_count_bigrams, which it falls back to
 * when the one pass cannot decide (non-ASCII, CRLF, standard input "-", a
 * character first seen after the first MiB).  On success *v is the
 * vocabulary, *counts a malloc'd V*V array (free() it) and, if info is not
 * NULL, *info describes the file. */
mm_status mm_count_file(const char *path, const mm_count_opts *opts, mm_vocab *v,
                        uint64_t **counts, mm_corpus_info *info);

/* ---- Order-K n-gram counts ----------------------------------------------- */

/* Orders K = 2..6: an n-gram is a context of K - 1 symbols and the symbol
 * after it.  Each name is preceded by K - 1 boundary pads and followed by one
 * boundary, as the lecture's trigram exercise: "emma" with K = 3 gives
 * "..e", ".em", "emm", "mma", "ma.".  An n-gram is numbered by its key, the
 * symbols as a base-V number, first symbol most significant:
 * key = ((s[0] V + s[1]) V + ...) V + s[K-1]; so key / V is the context and
 * key % V the next symbol.  (K = 2 gives the bigram index i V + j.) */
#define MM_MIN_ORDER 2
#define MM_MAX_ORDER 6

typedef struct mm_ngrams mm_ngrams; /* counts of the n-grams seen */

/* Count the order-K n-grams of corpus c in the index space of vocabulary v
 * (which must hold every character of c, else MM_ERR_VOCAB naming it).
 * Per-thread dense tables when V^K is small (27^4 fits), hash tables beyond
 * (V^K is never allocated then); the result is bit-identical for every
 * thread count. */
mm_status mm_count_ngrams(const mm_corpus *c, const mm_vocab *v, int order,
                          const mm_count_opts *opts, mm_ngrams **out);
/* The same for the corpus file at path ('-' = standard input), in its own
 * vocabulary (as mm_corpus_open builds it). */
mm_status mm_count_ngrams_file(const char *path, int order, const mm_count_opts *opts,
                               mm_ngrams **out);
void mm_ngrams_destroy(mm_ngrams *g); /* NULL is a no-op */

int mm_ngrams_order(const mm_ngrams *g);
const mm_vocab *mm_ngrams_vocab(const mm_ngrams *g);
/* Number of distinct n-grams seen, and their keys (ascending) and counts
 * (each > 0): two arrays of mm_ngrams_size() entries owned by g. */
size_t mm_ngrams_size(const mm_ngrams *g);
const uint64_t *mm_ngrams_keys(const mm_ngrams *g);
const uint64_t *mm_ngrams_values(const mm_ngrams *g);
/* Sum of the counts: the number of n-grams in the corpus (characters plus
 * one per name). */
uint64_t mm_ngrams_total(const mm_ngrams *g);
/* The order symbols of key, first first. */
void mm_ngram_decode(uint64_t key, size_t V, int order, uint8_t *syms);
/* The counts as a dense V^K array indexed by key (the notebook's
 * N[ix1, ix2, ix3] for K = 3, flattened); cells must equal V^K. */
mm_status mm_ngrams_dense(const mm_ngrams *g, uint64_t *out, size_t cells);

/* ---- Models -------------------------------------------------------------- */

typedef enum mm_model_kind {
    MM_MODEL_COUNTS = 1,   /* smoothed bigram counts */
    MM_MODEL_NEURAL = 2    /* V x V weight matrix trained by gradient descent */
} mm_model_kind;

typedef struct mm_model mm_model;

/* A count model: P = (C + k) / rowsum, in float32 as PyTorch computes it. */
mm_status mm_model_from_counts(mm_model **out, const mm_vocab *v,
                               const uint64_t *counts, double smoothing);
void mm_model_destroy(mm_model *m); /* NULL is a no-op */

mm_model_kind mm_model_get_kind(const mm_model *m);
const mm_vocab *mm_model_vocab(const mm_model *m);
/* V*V bigram counts (count models; NULL for neural ones). */
const uint64_t *mm_model_counts(const mm_model *m);
double mm_model_smoothing(const mm_model *m);
/* V*V row-stochastic float32 probabilities (rows sum to ~1). */
const float *mm_model_probs(const mm_model *m);
/* V*V float32 weights W (neural models; NULL for count models), and the
 * gradient steps a neural model has done (0 for count models). */
const float *mm_model_weights(const mm_model *m);
uint64_t mm_model_steps(const mm_model *m);

/* An order-K count model from n-gram counts: P(next | context) =
 * (C[context, next] + k) / (sum over next of C + k V), in float32 as PyTorch
 * computes (N + k).float() / row sums.  A context never seen in training has
 * P = 1/V for k > 0 (0/0 for k = 0: its log-probability is -inf).  For
 * K = 2 this is mm_model_from_counts on the dense V x V counts (the same
 * model, bit for bit); for K > 2 only the n-grams seen are stored, so
 * mm_model_counts() and mm_model_probs() return NULL: use
 * mm_model_ngram_keys/values, mm_model_row or mm_model_dense. */
mm_status mm_model_from_ngrams(mm_model **out, const mm_ngrams *g, double smoothing);
/* Order K of a model (2 for bigram and neural models). */
int mm_model_get_order(const mm_model *m);
/* K > 2: distinct n-grams stored, their keys (ascending) and counts; for
 * K = 2 the size is 0 and the arrays NULL (use mm_model_counts). */
size_t mm_model_ngram_size(const mm_model *m);
const uint64_t *mm_model_ngram_keys(const mm_model *m);
const uint64_t *mm_model_ngram_values(const mm_model *m);
/* P(. | context) for the K - 1 symbols of context: V float32 into row,
 * exactly the row of the notebook's P the sampler draws from. */
mm_status mm_model_row(const mm_model *m, const uint8_t *context, float *row);
/* Dense copies indexed by key (V^K cells, which must equal cells): the
 * counts as uint64 (count models), P as float32. */
mm_status mm_model_dense_counts(const mm_model *m, uint64_t *out, size_t cells);
mm_status mm_model_dense_probs(const mm_model *m, float *out, size_t cells);

/* Versioned binary model file (magic, version, sizes, CRC-32C).  Saving
 * writes a temporary file in the same directory, fsyncs it and renames it
 * into place; loading validates everything before trusting it. */
mm_status mm_model_save(const mm_model *m, const char *path);
mm_status mm_model_load(mm_model **out, const char *path);

/* ---- Evaluation ---------------------------------------------------------- */

typedef struct mm_eval_result {
    uint64_t examples;       /* bigrams scored */
    double log_likelihood;   /* sum of log P, in double */
    double nll;              /* -log_likelihood / examples (inf if P = 0) */
    double perplexity;       /* exp(nll) */
} mm_eval_result;

mm_status mm_eval_corpus(const mm_model *m, const mm_corpus *c,
                         const mm_count_opts *opts, mm_eval_result *out);
/* The same for the corpus file at path, read in one streaming pass
 * (mm_count_file): the same result, bit for bit, and the same messages. */
mm_status mm_eval_file(const mm_model *m, const char *path, const mm_count_opts *opts,
                       mm_eval_result *out);

/* The result for n-gram counts g of a text, counted in m's vocabulary and
 * at m's order (mm_count_ngrams(c, mm_model_vocab(m), mm_model_get_order(m),
 * ...)): the same sum, in the same order, as mm_eval_corpus.  Count a text
 * once and score it under many models (makemore tune does). */
mm_status mm_eval_ngrams(const mm_model *m, const mm_ngrams *g, mm_eval_result *out);

/* ---- Splitting a corpus -------------------------------------------------- */

#define MM_SPLIT_MAX_PARTS 8
/* Split the names (non-empty lines) of the corpus at path into parts
 * (2..MM_SPLIT_MAX_PARTS) with sizes in the given ratios, at random with
 * generator seed: part j gets floor(n cum_j / R) - floor(n cum_{j-1} / R)
 * of the n names (cum_j = ratios[0] + .. + ratios[j], R the sum), every such
 * partition equally likely, each part in file order, written atomically to
 * out_paths[j].  The same seed gives the same split on every machine; the
 * exact rule is in src/split.c.  Two streaming passes over the mapped
 * file.  sizes (may be NULL) receives the names of each part. */
mm_status mm_split_corpus(const char *path, const uint32_t *ratios, size_t parts,
                          uint64_t seed, const char *const *out_paths, uint64_t *sizes);

/* ---- Sampling ------------------------------------------------------------ */

/* MT19937 as torch.Generator().manual_seed(seed) on the CPU. */
typedef struct mm_rng {
    uint32_t state[624];     /* MT19937 state after the last regeneration */
    uint32_t index;          /* next word to return; 624 = regenerate */
    uint32_t out[624];       /* state[] tempered: the words to return */
    uint64_t seed;
} mm_rng;

void     mm_rng_seed(mm_rng *g, uint64_t seed);
uint32_t mm_rng_u32(mm_rng *g);
/* torch's uniform double in [0,1): 53 bits from two draws, the first high. */
double   mm_rng_double(mm_rng *g);
/* torch.multinomial(p, 1, replacement=True, generator=g) on a float32 row:
 * cumulative sum in float32, divided by its total, last entry forced to 1,
 * then the first i with !(cum[i] < u).  cum is caller scratch of n floats. */
size_t   mm_rng_multinomial(mm_rng *g, const float *p, size_t n, float *cum);
/* The two halves of mm_rng_multinomial, for drawing many times from one row:
 * mm_rng_cumdist computes the normalised cumulative row exactly as torch
 * does; mm_rng_draw_cum draws one index from it (same draws, same result). */
void     mm_rng_cumdist(const float *p, size_t n, float *cum);
size_t   mm_rng_draw_cum(mm_rng *g, const float *cum, size_t n);
/* torch.randn(n, generator=g) on the CPU (float32 Box-Muller in blocks of
 * 16, the tail block recomputed), within a few ulp of torch. */
void     mm_rng_randn(mm_rng *g, float *out, size_t n);

/* Draw one name: symbols from the boundary until the boundary comes back or
 * max_len symbols were drawn.  Writes up to max_len symbol indices (without
 * the boundary) to out; returns how many. */
size_t mm_model_sample(const mm_model *m, mm_rng *g, uint8_t *out,
                       size_t max_len, float *scratch);
/* Draw many names at once, with the active kernel table: the same names,
 * and the same generator state afterwards, as calling mm_model_sample once
 * per name.  Writes each name's symbols followed by a 0 (the boundary) to
 * out until *names names are written or out (cap bytes, at least
 * max_len + 4) is nearly full; subtracts the names written from *names and
 * returns the bytes written. */
size_t mm_model_sample_many(const mm_model *m, mm_rng *g, uint64_t *names,
                            size_t max_len, uint8_t *out, size_t cap);

/* ---- Export -------------------------------------------------------------- */

/* NumPy .npy (format 1.0), little-endian, C order; written atomically. */
mm_status mm_npy_write_i64(const char *path, const int64_t *data,
                           size_t rows, size_t cols);
mm_status mm_npy_write_f32(const char *path, const float *data,
                           size_t rows, size_t cols);
/* Read a 2-D little-endian float32 C-order .npy, validating header, dtype,
 * shape, fortran_order and that every value is finite.  *out is malloc'd. */
mm_status mm_npy_read_f32(const char *path, float **out, size_t *rows,
                          size_t *cols);

/* The model as an ARPA back-off language model (text; written atomically):
 * characters are words, a name is "<s> c1 .. cn </s>", log10
 * probabilities, back-off weights for the lower orders.  It states the
 * model's probabilities exactly (src/io/arpa.c says how), so an ARPA reader
 * (IRSTLM's compile-lm --eval) gives the perplexity of mm_eval_file on the
 * same names.  Count models need smoothing > 0. */
mm_status mm_model_write_arpa(const mm_model *m, const char *path);

/* The notebook's plt.imshow of the count matrix, each cell shaded and
 * labelled with its bigram and count, as SVG (written atomically). */
mm_status mm_plot_counts_svg(const mm_model *m, const char *path);

/* ---- Training ------------------------------------------------------------ */

/* The neural bigram: W is V x V float32, logits of symbol x are the row W[x],
 * loss = mean NLL + reg * mean(W^2), and a step is W -= lr * grad(loss).
 * Three drivers compute the same loss and gradient (within 1e-5 relative):
 *   COUNTS    full batch from the bigram count matrix, O(V^2) per step;
 *   EXAMPLES  (x, y) pairs streamed from the corpus bytes, O(N V) per step,
 *             OpenMP over byte ranges; the only driver that is exact in
 *             structure for minibatches too;
 *   ONEHOT    the notebook's dense one_hot(x) @ W, O(N V^2): the baseline.
 * The numeric values are stored in model files: keep them. */
typedef enum mm_train_driver {
    MM_DRIVER_COUNTS = 0,
    MM_DRIVER_EXAMPLES = 1,
    MM_DRIVER_ONEHOT = 2
} mm_train_driver;

/* "counts", "examples", "onehot" (NULL for an unknown value), and back
 * (returns 0 for an unknown name). */
const char *mm_train_driver_name(mm_train_driver d);
int mm_train_driver_parse(const char *name, mm_train_driver *out);

/* What one step reports to the progress callback. */
typedef struct mm_train_progress {
    uint64_t step;       /* 0-based index of the step just taken */
    uint64_t steps;      /* the run ends when this many steps are done */
    double loss;         /* mean NLL + reg * mean(W^2) at W before the update */
    double nll;          /* the mean NLL part */
    uint64_t examples;   /* examples this step used (N, or the batch size) */
    double seconds;      /* wall time of the step (callback excluded) */
} mm_train_progress;

/* Called after every step (the update applied); return nonzero to stop
 * there: mm_train then returns MM_OK with the model at that step. */
typedef int (*mm_train_step_fn)(const mm_train_progress *p, void *user);

typedef struct mm_train_config {
    uint64_t steps;          /* train until the model has done this many steps
                              * in total (a resumed model counts its own) */
    double lr;               /* learning rate, finite and > 0 */
    double reg;              /* weight of mean(W^2), finite and >= 0 */
    uint64_t seed;           /* generator seed (initial W, minibatch draws) */
    mm_train_driver driver;
    uint32_t batch;          /* 0 = full batch; else positions per step
                              * (EXAMPLES or ONEHOT driver) */
    int threads;             /* OpenMP threads; 0 = the OpenMP default */
    mm_train_step_fn on_step; /* may be NULL */
    void *user;              /* passed to on_step */
    int order;               /* 2 (or 0): the neural bigram; 3: the neural
                              * trigram of the lecture's exercise E01,
                              * logits of (x1, x2) = W1[x1] + W2[x2] with
                              * W = [W1; W2] 2V x V, W0 = torch.randn((2V, V)),
                              * reg * mean(W^2) over 2V^2 weights; trained
                              * full-batch from the trigram counts (COUNTS
                              * driver only).  A model's own order wins when
                              * it is trained further. */
} mm_train_config;

/* The notebook's settings: 100 steps, lr 50, reg 0.01, seed 2147483647,
 * COUNTS driver, full batch, default threads, no callback. */
void mm_train_config_init(mm_train_config *cfg);

/* A fresh neural model over vocabulary v at step 0, recording cfg's
 * hyper-parameters.  W0 (V*V floats, row-major, finite) is copied if not
 * NULL and the generator is left freshly seeded; otherwise W is drawn as
 * torch.randn((V, V), generator=torch.Generator().manual_seed(cfg->seed))
 * and the generator continues from there, as the notebook's does. */
mm_status mm_train_model_create(mm_model **out, const mm_vocab *v,
                                const mm_train_config *cfg, const float *W0);

/* Train neural model m on corpus c (every character of c must be in m's
 * vocabulary) until m has done cfg->steps steps, with cfg's lr, reg,
 * driver, batch and threads, and the generator state stored in m.  m's
 * step, hyper-parameters, generator, W and probabilities are updated, so
 * saving m is a checkpoint: training it further gives the same result as
 * one longer run (bit-identical for the COUNTS driver, and for the others
 * at the same thread count).
 *
 * Minibatches (cfg->batch = B > 0): each step draws B positions, each
 * u = mm_rng_u32() % P (torch.randint(0, P, (B,), generator=g) does the
 * same), where P is the corpus size in bytes, plus one if it lacks a final
 * newline.  Position u names the example whose target is the character
 * starting at byte u (the boundary for a line end; position P - 1 of an
 * unterminated file is its final boundary) and whose input is the symbol
 * before it.  Positions that start no example (UTF-8 continuation bytes,
 * the LF of a CRLF, empty lines) are drawn again, so every example is
 * equally likely.  On an ASCII corpus without CR or empty lines, position u
 * is example u of the notebook's xs/ys, so the batches are the notebook's
 * xs[torch.randint(0, N, (B,), generator=g)].
 *
 * A NaN or infinite loss stops training with MM_ERR_DIVERGED: m is then
 * the last model whose loss was finite (the one before the step whose loss
 * was not), or unchanged if that was the first step of this call. */
mm_status mm_train(mm_model *m, const mm_corpus *c, const mm_train_config *cfg);

#ifdef __cplusplus
}
#endif
#endif /* MAKEMORE_H */
