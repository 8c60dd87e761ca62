/*
 * train_pass.c - the per-example work of one training pass (see
 * train_pass.h and the top of train.c for the drivers and the precision
 * argument behind the chunks).
 */
#include <string.h>

#include "internal.h"
#include "train_pass.h"

/* Examples per kernel call before the float gradient is flushed to double:
 * 32 V, within [1024, 8192].  A flush costs V^2 adds and a chunk about
 * chunk * V kernel work, so 32 V keeps the flush near 1/32 of the kernel
 * time at worst (0.4% measured for V = 27, where the floor applies); a row
 * then gets about 32 examples per chunk whatever V is.  Measured on
 * names.txt after 100 steps: the float error is 1e-6 of the summed terms
 * (n_r P_rj + C_rj) at 1024 examples a chunk, 4e-6 at 4096. */
#define MM_CHUNK_MIN 1024
#define MM_CHUNK_MAX 8192
/* Rows of one dense one-hot block (onehot driver). */
#define MM_ONEHOT_ROWS 128

void mm_pass_layout(mm_pass *p)
{
    const size_t VL = p->V * p->ld;
    p->chunk = 32 * p->V;
    p->chunk = p->chunk < MM_CHUNK_MIN ? MM_CHUNK_MIN : p->chunk;
    p->chunk = p->chunk > MM_CHUNK_MAX ? MM_CHUNK_MAX : p->chunk;
    size_t off = mm_round_up(VL * sizeof(double), 64);
    p->off_gf = off;
    off += mm_round_up(VL * sizeof(float), 64);
    p->off_sym = off;
    off += mm_round_up(p->chunk + 2, 64);
    p->off_xenc = p->off_logits = p->off_probs = p->off_lse = 0;
    if (p->driver == MM_DRIVER_ONEHOT) {
        size_t blk = mm_round_up(MM_ONEHOT_ROWS * p->ld * sizeof(float), 64);
        p->off_xenc = off;
        off += blk;
        p->off_logits = off;
        off += blk;
        p->off_probs = off;
        off += blk;
        p->off_lse = off;
        off += mm_round_up(MM_ONEHOT_ROWS * sizeof(float), 64);
    }
    p->stride = mm_round_up(off, 4096) + 256;
}

/* The onehot driver on n examples: dense one_hot(x) @ W, softmax, NLL and
 * xenc^T @ (probs - one_hot(y)) into the float gradient gf, a block of rows
 * at a time.  Returns the NLL sum. */
static double mm_onehot_chunk(const mm_pass *p, uint8_t *ws, float *gf, const uint8_t *x,
                              const uint8_t *y, size_t n)
{
    const size_t V = p->V, ld = p->ld;
    float *xenc = (float *)(ws + p->off_xenc);
    float *logits = (float *)(ws + p->off_logits);
    float *probs = (float *)(ws + p->off_probs);
    float *lse = (float *)(ws + p->off_lse);
    const float *W = p->W;
    double nll = 0.0;
    for (size_t i0 = 0; i0 < n; i0 += MM_ONEHOT_ROWS) {
        size_t rows = n - i0 < MM_ONEHOT_ROWS ? n - i0 : MM_ONEHOT_ROWS;
        memset(xenc, 0, rows * ld * sizeof *xenc);
        for (size_t i = 0; i < rows; i++) {
            xenc[i * ld + x[i0 + i]] = 1.0f;
        }
        /* logits = xenc @ W, every product taken, as torch's matmul does */
        for (size_t i = 0; i < rows; i++) {
            float *l = logits + i * ld;
            memset(l, 0, ld * sizeof *l);
            for (size_t kk = 0; kk < V; kk++) {
                const float a = xenc[i * ld + kk];
                const float *w = W + kk * ld;
                for (size_t j = 0; j < ld; j++) {
                    l[j] += a * w[j];
                }
            }
        }
        p->k->softmax_rows(probs, lse, logits, rows, V, ld);
        for (size_t i = 0; i < rows; i++) {
            size_t t = y[i0 + i];
            nll += (double)lse[i] - (double)logits[i * ld + t];
            probs[i * ld + t] -= 1.0f; /* dlogits = probs - one_hot(y) */
        }
        /* gf += xenc^T @ dlogits */
        for (size_t i = 0; i < rows; i++) {
            const float *d = probs + i * ld;
            for (size_t kk = 0; kk < V; kk++) {
                const float a = xenc[i * ld + kk];
                float *g = gf + kk * ld;
                for (size_t j = 0; j < ld; j++) {
                    g[j] += a * d[j];
                }
            }
        }
    }
    return nll;
}

double mm_pass_chunk(const mm_pass *p, uint8_t *ws, const uint8_t *x, const uint8_t *y,
                     size_t n)
{
    const size_t V = p->V, ld = p->ld;
    double *gd = (double *)ws;
    float *gf = (float *)(ws + p->off_gf);
    double nll = p->driver == MM_DRIVER_ONEHOT
                     ? mm_onehot_chunk(p, ws, gf, x, y, n)
                     : p->k->example_pass(gf, p->W, p->rowmax, V, ld, x, y, n);
    for (size_t r = 0; r < V; r++) {
        for (size_t j = 0; j < V; j++) {
            gd[r * ld + j] += gf[r * ld + j];
            gf[r * ld + j] = 0.0f;
        }
    }
    return nll;
}

uint64_t mm_pass_range(const mm_pass *p, uint8_t *ws, size_t t, size_t Tn, double *nll)
{
    const uint8_t *data = p->c->data;
    const size_t size = p->c->size;
    uint8_t *sym = ws + p->off_sym;
    size_t lo, hi, dummy;
    mm_range(size, t, Tn, &lo, &dummy);
    mm_range(size, t + 1, Tn, &hi, &dummy);
    lo = mm_line_start_at_or_after(data, size, lo);
    hi = t + 1 == Tn ? size : mm_line_start_at_or_after(data, size, hi);
    const int fast = p->c->ascii && !p->c->has_cr;
    size_t pos = lo, n = 1;
    uint64_t count = 0;
    sym[0] = 0; /* the boundary before the range's first name */
    while (pos < hi) {
        n = fast ? mm_stream_fill_ascii(p->map, data, &pos, hi, sym, n, p->chunk + 1)
                 : mm_stream_fill(p->map, data, &pos, hi, sym, n, p->chunk + 1);
        if (pos >= hi && hi == size && sym[n - 1] != 0) {
            sym[n++] = 0; /* the end of an unterminated last line */
        }
        if (n > 1) {
            *nll += mm_pass_chunk(p, ws, sym, sym + 1, n - 1);
            count += n - 1;
        }
        sym[0] = sym[n - 1];
        n = 1;
    }
    return count;
}
