/*
 * plot_svg.c - the notebook's figures as SVG, written without any plotting
 * library so the CLI can draw them anywhere.
 *
 * mm_plot_counts_svg redraws
 *     plt.figure(figsize=(16,16)); plt.imshow(N, cmap='Blues')
 *     plt.text(j, i, chstr, ha="center", va="bottom", color='gray')
 *     plt.text(j, i, N[i, j].item(), ha="center", va="top", color='gray')
 *     plt.axis('off')
 * as a grid of shaded cells.  The colours follow matplotlib: 'Blues' is a
 * 256-entry table interpolated between ColorBrewer's 9 anchors, and a value
 * x in [0, 1] picks entry floor(256 x) (Colormap.__call__), so a cell has the
 * colour imshow gives it when the smallest count is 0.  Cells are 44 px,
 * about what imshow gives 27 rows on the notebook's 16 inch figure at 96 px
 * per inch, wider when counts have more than 4 digits; the canvas is the
 * grid plus a margin, so it is sized to V (a larger vocabulary grows it
 * instead of shrinking the text).  Labels are gray as the notebook's, and
 * white on the dark cells where gray would not show.
 *
 * mm_plot_loss_svg is a plain line chart for the training command.
 *
 * Numbers are formatted with integer arithmetic, never %f or %g: those follow
 * LC_NUMERIC, and a program that calls setlocale() could otherwise write
 * "12,5" into a coordinate and break the SVG.  Text is XML-escaped and any
 * character XML 1.0 forbids is replaced, so the output always parses.
 */
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"

/* ---- Shared helpers ------------------------------------------------------ */

/* matplotlib _cm._Blues_data (ColorBrewer Blues, 9 classes), in bytes. */
static const unsigned char mm_blues_anchor[9][3] = {
    { 0xf7, 0xfb, 0xff }, { 0xde, 0xeb, 0xf7 }, { 0xc6, 0xdb, 0xef },
    { 0x9e, 0xca, 0xe1 }, { 0x6b, 0xae, 0xd6 }, { 0x42, 0x92, 0xc6 },
    { 0x21, 0x71, 0xb5 }, { 0x08, 0x51, 0x9c }, { 0x08, 0x30, 0x6b },
};

/* Colour of x in [0, 1] (clamped; NaN counts as 0) as "#rrggbb". */
static void mm_blues(double x, char hex[8])
{
    static const char digits[] = "0123456789abcdef";
    if (!(x > 0.0)) {
        x = 0.0;
    }
    if (x > 1.0) {
        x = 1.0;
    }
    int i = (int)(x * 256.0);
    if (i > 255) {
        i = 255;
    }
    double pos = (double)i / 255.0 * 8.0;
    int k = (int)pos;
    if (k > 7) {
        k = 7;
    }
    double t = pos - (double)k;
    hex[0] = '#';
    for (int c = 0; c < 3; c++) {
        double a = mm_blues_anchor[k][c];
        double b = mm_blues_anchor[k + 1][c];
        /* rint: round half to even, as Python's round() in to_hex */
        long v = (long)rint(a + t * (b - a));
        v = v < 0 ? 0 : (v > 255 ? 255 : v);
        hex[1 + 2 * c] = digits[v >> 4];
        hex[2 + 2 * c] = digits[v & 15];
    }
    hex[7] = '\0';
}

/* v with dec decimals (0..15), locale-independent; falls back to
 * d.ddde±x when the fixed form would not fit an exact 53-bit integer. */
static const char *mm_fmt_num(char *buf, size_t cap, double v, int dec)
{
    if (!isfinite(v)) {
        snprintf(buf, cap, "%s", isnan(v) ? "nan" : (v > 0 ? "inf" : "-inf"));
        return buf;
    }
    int sci = dec > 15;
    dec = dec < 0 ? 0 : (dec > 15 ? 15 : dec);
    double scale = 1.0;
    long long iscale = 1;
    for (int i = 0; i < dec; i++) {
        scale *= 10.0;
        iscale *= 10;
    }
    double s = v * scale;
    if (!sci && fabs(s) < 9.0e15) {
        long long q = llround(s);
        const char *sign = q < 0 ? "-" : "";
        unsigned long long a = q < 0 ? (unsigned long long)(-q) : (unsigned long long)q;
        if (dec == 0) {
            snprintf(buf, cap, "%s%llu", sign, a);
        } else {
            snprintf(buf, cap, "%s%llu.%0*llu", sign, a / (unsigned long long)iscale,
                     dec, a % (unsigned long long)iscale);
        }
        return buf;
    }
    if (v == 0.0) {
        snprintf(buf, cap, "0");
        return buf;
    }
    /* Scientific, three decimals. */
    int e = (int)floor(log10(fabs(v)));
    double m = v / pow(10.0, e);
    long long q = llround(m * 1000.0);
    if (q >= 10000 || q <= -10000) {
        q /= 10;
        e++;
    }
    const char *sign = q < 0 ? "-" : "";
    unsigned long long a = q < 0 ? (unsigned long long)(-q) : (unsigned long long)q;
    snprintf(buf, cap, "%s%llu.%03llue%d", sign, a / 1000, a % 1000, e);
    return buf;
}

/* Write code point cp as XML character data: markup characters escaped,
 * characters XML 1.0 cannot hold replaced (C0 controls by their visible
 * Control Pictures, U+2400 + c; the rest by U+FFFD). */
static void mm_svg_cp(FILE *fp, uint32_t cp)
{
    char u[4];
    size_t n = 0;
    switch (cp) {
    case '&': fputs("&amp;", fp); return;
    case '<': fputs("&lt;", fp); return;
    case '>': fputs("&gt;", fp); return;
    case '"': fputs("&quot;", fp); return;
    case '\'': fputs("&apos;", fp); return;
    default: break;
    }
    if (cp < 0x20 || cp == 0x7f) {
        cp = cp == 0x7f ? 0x2421 : 0x2400 + cp;
    } else if ((cp >= 0xd800 && cp <= 0xdfff) || cp == 0xfffe || cp == 0xffff ||
               cp > 0x10ffff) {
        cp = 0xfffd;
    }
    if (cp < 0x80) {
        u[n++] = (char)cp;
    } else if (cp < 0x800) {
        u[n++] = (char)(0xc0 | (cp >> 6));
        u[n++] = (char)(0x80 | (cp & 0x3f));
    } else if (cp < 0x10000) {
        u[n++] = (char)(0xe0 | (cp >> 12));
        u[n++] = (char)(0x80 | ((cp >> 6) & 0x3f));
        u[n++] = (char)(0x80 | (cp & 0x3f));
    } else {
        u[n++] = (char)(0xf0 | (cp >> 18));
        u[n++] = (char)(0x80 | ((cp >> 12) & 0x3f));
        u[n++] = (char)(0x80 | ((cp >> 6) & 0x3f));
        u[n++] = (char)(0x80 | (cp & 0x3f));
    }
    fwrite(u, 1, n, fp);
}

/* Symbol i of v as a label: the boundary as '.', others through
 * mm_vocab_utf8 unless XML needs them escaped or replaced. */
static void mm_svg_symbol(FILE *fp, const mm_vocab *v, size_t i)
{
    char buf[8];
    if (i == 0) {
        fputc(MM_BOUNDARY, fp);
        return;
    }
    uint32_t cp = v->cp[i];
    if (cp < 0x20 || cp == 0x7f || cp == '&' || cp == '<' || cp == '>' ||
        cp == '"' || cp == '\'' || (cp >= 0xd800 && cp <= 0xdfff) ||
        cp == 0xfffe || cp == 0xffff || cp > 0x10ffff) {
        mm_svg_cp(fp, cp);
        return;
    }
    size_t n = mm_vocab_utf8(v, i, buf);
    if (n > 4) {
        n = 4;
    }
    fwrite(buf, 1, n, fp);
}

/* A NUL-terminated UTF-8 string as XML character data.  Malformed UTF-8
 * (overlong, surrogate, truncated, > U+10FFFF) becomes U+FFFD per byte;
 * tabs and line breaks become spaces. */
static void mm_svg_text(FILE *fp, const char *str)
{
    const unsigned char *s = (const unsigned char *)str;
    while (*s != '\0') {
        uint32_t cp = 0xfffd;
        size_t len = 1;
        unsigned char c = s[0];
        if (c < 0x80) {
            cp = c;
        } else if (c >= 0xc2 && c <= 0xdf) {
            if ((s[1] & 0xc0) == 0x80) {
                cp = ((uint32_t)(c & 0x1f) << 6) | (s[1] & 0x3f);
                len = 2;
            }
        } else if (c >= 0xe0 && c <= 0xef) {
            unsigned char lo = c == 0xe0 ? 0xa0 : 0x80;
            unsigned char hi = c == 0xed ? 0x9f : 0xbf;
            if (s[1] >= lo && s[1] <= hi && (s[2] & 0xc0) == 0x80) {
                cp = ((uint32_t)(c & 0x0f) << 12) | ((uint32_t)(s[1] & 0x3f) << 6) |
                     (s[2] & 0x3f);
                len = 3;
            }
        } else if (c >= 0xf0 && c <= 0xf4) {
            unsigned char lo = c == 0xf0 ? 0x90 : 0x80;
            unsigned char hi = c == 0xf4 ? 0x8f : 0xbf;
            if (s[1] >= lo && s[1] <= hi && (s[2] & 0xc0) == 0x80 &&
                (s[3] & 0xc0) == 0x80) {
                cp = ((uint32_t)(c & 0x07) << 18) | ((uint32_t)(s[1] & 0x3f) << 12) |
                     ((uint32_t)(s[2] & 0x3f) << 6) | (s[3] & 0x3f);
                len = 4;
            }
        }
        if (cp == '\t' || cp == '\n' || cp == '\r') {
            cp = ' ';
        }
        mm_svg_cp(fp, cp);
        s += len;
    }
}

/* ---- Count matrix -------------------------------------------------------- */

#define MM_CELL 44          /* px per cell, at least */
#define MM_CELL_FONT 13     /* px: matplotlib's 10 pt at 96 px per inch */
#define MM_FIG_MARGIN 48    /* least margin once the grid outgrows 16 in */

/* Gray, as the notebook's labels, on light cells; white where gray would
 * not show, on the middle and dark blues (relative luminance below 0.7:
 * gray itself is about 0.5, so it vanishes on the middle blues). */
static const char *mm_label_colour(const char hex[8])
{
    unsigned r = 0, g = 0, b = 0;
    sscanf(hex + 1, "%2x%2x%2x", &r, &g, &b);
    double lum = (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255.0;
    return lum < 0.7 ? "white" : NULL;
}

/* What both entry points check before writing. */
static mm_status mm_plot_counts_check(const mm_model *m, const char *name)
{
    if (m == NULL) {
        return mm_fail(MM_ERR_INVALID_ARG, "plot: no model given");
    }
    const mm_vocab *v = mm_model_get_vocab(m);
    if (mm_model_get_counts(m) == NULL) {
        return mm_fail(MM_ERR_INVALID_ARG, "%s: the model has no bigram counts "
                       "(a neural or order-K model); the count plot needs a bigram count model",
                       name);
    }
    if (v == NULL || v->size == 0 || v->size > MM_MAX_VOCAB) {
        return mm_fail(MM_ERR_INVALID_ARG, "%s: the model has no usable vocabulary",
                       name);
    }
    return MM_OK;
}

static void mm_plot_counts_write(const mm_model *m, FILE *fp)
{
    const mm_vocab *v = mm_model_get_vocab(m);
    const uint64_t *counts = mm_model_get_counts(m);
    size_t V = v->size;
    uint64_t maxc = 0;
    for (size_t i = 0; i < V * V; i++) {
        maxc = counts[i] > maxc ? counts[i] : maxc;
    }
    /* Cells widen for counts too long for 44 px (about 8 px a digit). */
    long digits = 1;
    for (uint64_t q = maxc; q >= 10; q /= 10) {
        digits++;
    }
    long cell = 8 * digits + 6 > MM_CELL ? 8 * digits + 6 : MM_CELL;
    long grid = (long)V * cell;
    long side = grid + 2 * MM_FIG_MARGIN; /* the canvas is sized to V */
    long off = MM_FIG_MARGIN;

    fprintf(fp,
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
            "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" "
            "width=\"%ld\" height=\"%ld\" viewBox=\"0 0 %ld %ld\">\n"
            "<title>Bigram counts (%zu symbols, max %llu)</title>\n"
            "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n"
            "<g shape-rendering=\"crispEdges\">\n",
            side, side, side, side, V, (unsigned long long)maxc);
    for (size_t i = 0; i < V; i++) {
        for (size_t j = 0; j < V; j++) {
            char hex[8];
            double x = maxc > 0 ? (double)counts[i * V + j] / (double)maxc : 0.0;
            mm_blues(x, hex);
            fprintf(fp, "<rect x=\"%ld\" y=\"%ld\" width=\"%ld\" height=\"%ld\" "
                    "fill=\"%s\"/>\n", off + (long)j * cell, off + (long)i * cell,
                    cell, cell, hex);
        }
    }
    /* va="bottom" puts the bigram's descent on the cell centre, va="top"
     * the count's ascent: baselines about 0.25 and 0.85 em either side. */
    fprintf(fp, "</g>\n<g font-family=\"DejaVu Sans, Bitstream Vera Sans, "
            "Arial, sans-serif\" font-size=\"%d\" fill=\"gray\" "
            "text-anchor=\"middle\" xml:space=\"preserve\">\n", MM_CELL_FONT);
    for (size_t i = 0; i < V; i++) {
        for (size_t j = 0; j < V; j++) {
            long cx = off + (long)j * cell + cell / 2;
            long cy = off + (long)i * cell + cell / 2;
            char hex[8], fill[24] = "";
            mm_blues(maxc > 0 ? (double)counts[i * V + j] / (double)maxc : 0.0, hex);
            const char *lc = mm_label_colour(hex);
            if (lc != NULL) {
                snprintf(fill, sizeof fill, " fill=\"%s\"", lc);
            }
            fprintf(fp, "<text x=\"%ld\" y=\"%ld\"%s>", cx, cy - 3, fill);
            mm_svg_symbol(fp, v, i);
            mm_svg_symbol(fp, v, j);
            fprintf(fp, "</text><text x=\"%ld\" y=\"%ld\"%s>%llu</text>\n", cx,
                    cy + 11, fill, (unsigned long long)counts[i * V + j]);
        }
    }
    fputs("</g>\n</svg>\n", fp);
}

mm_status mm_plot_counts_svg_fp(const mm_model *m, FILE *fp, const char *name)
{
    mm_status s = mm_plot_counts_check(m, name != NULL ? name : "plot");
    if (s != MM_OK) {
        return s;
    }
    mm_plot_counts_write(m, fp);
    return ferror(fp) ? mm_fail(MM_ERR_IO, "%s: write error", name) : MM_OK;
}

mm_status mm_plot_counts_svg(const mm_model *m, const char *path)
{
    mm_outfile o = {0};
    if (m == NULL) {
        return mm_fail(MM_ERR_INVALID_ARG, "plot: no model given");
    }
    if (path == NULL || *path == '\0') {
        return mm_fail(MM_ERR_INVALID_ARG, "plot: no output path given");
    }
    mm_status s = mm_plot_counts_check(m, path);
    if (s != MM_OK) {
        return s;
    }
    s = mm_outfile_open(&o, path);
    if (s != MM_OK) {
        return s;
    }
    mm_plot_counts_write(m, o.fp);
    return mm_outfile_commit(&o); /* reports any write error, removes the temp */
}

/* ---- Loss curve ---------------------------------------------------------- */

#define MM_LW 800           /* canvas */
#define MM_LH 500
#define MM_LL 80            /* plot area margins */
#define MM_LR 30
#define MM_LT 50
#define MM_LB 60

/* An axis: the data range [lo, hi] spans the plot area; ticks fall on the
 * multiples of step inside it, labelled with dec decimals. */
typedef struct mm_axis {
    double lo, hi;
    double step;
    int dec;                /* decimals in tick labels */
} mm_axis;

/* 1, 2 or 5 times a power of ten near a fifth of the span, given as half
 * the span (so that it is finite for any finite data); at least min_step. */
static double mm_nice_step(double half_span, double min_step)
{
    double raw = half_span * 0.4;
    if (!(raw > 0.0) || !isfinite(raw)) {
        raw = 1.0;
    }
    double p = pow(10.0, floor(log10(raw)));
    double f = raw / p;
    double step = (f < 1.5 ? 1.0 : f < 3.5 ? 2.0 : f < 7.5 ? 5.0 : 10.0) * p;
    if (!isfinite(step) || step <= 0.0) {
        step = raw;
    }
    return step < min_step ? min_step : step;
}

/* Fit an axis around [mn, mx] (finite, mn <= mx), widened when flat and
 * rounded out to whole ticks when that stays finite. */
static void mm_axis_fit(mm_axis *a, double mn, double mx, double min_step)
{
    if (mx <= mn) {
        double d = fabs(mn) * 0.05;
        if (!(d > 0.0)) {
            d = min_step > 0.0 ? min_step : 0.5;
        }
        mn -= d;
        mx += d;
    }
    mn = isfinite(mn) ? mn : -DBL_MAX;
    mx = isfinite(mx) ? mx : DBL_MAX;
    /* mx/2 - mn/2 cannot overflow where mx - mn can */
    a->step = mm_nice_step(mx * 0.5 - mn * 0.5, min_step);
    double lo = floor(mn / a->step) * a->step;
    double hi = ceil(mx / a->step) * a->step;
    a->lo = isfinite(lo) ? lo : mn;
    a->hi = isfinite(hi) && hi > a->lo ? hi : mx;
    a->dec = a->step >= 1.0 ? 0 : (int)ceil(-log10(a->step) - 1e-9);
}

/* Position of value x on axis a as a fraction, computed in halves so that
 * extreme ranges cannot overflow. */
static double mm_axis_frac(const mm_axis *a, double x)
{
    double span = a->hi * 0.5 - a->lo * 0.5;
    return span > 0.0 ? (x * 0.5 - a->lo * 0.5) / span : 0.5;
}

mm_status mm_plot_loss_svg(const double *loss, const uint64_t *step, size_t n,
                           const char *path, const char *title)
{
    return mm_plot_losses_svg(loss, NULL, step, n, path, title);
}

/* One curve: a subpath per run of finite values. */
static void mm_plot_curve(FILE *fp, const double *y, const uint64_t *step, size_t n,
                          const mm_axis *ax, const mm_axis *ay, double px0, double px1,
                          double py0, double py1, const char *colour)
{
    char b1[64], b2[64];
    int any = 0;
    for (size_t i = 0; i < n; i++) {
        if (isfinite(y[i])) {
            any = 1;
            break;
        }
    }
    if (!any) {
        return;
    }
    int pen = 0;
    fprintf(fp, "<path fill=\"none\" stroke=\"%s\" stroke-width=\"1.5\" "
            "stroke-linejoin=\"round\" stroke-linecap=\"round\" d=\"", colour);
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(y[i])) {
            pen = 0;
            continue;
        }
        double x = step != NULL ? (double)step[i] : (double)i;
        mm_fmt_num(b1, sizeof b1, px0 + mm_axis_frac(ax, x) * (px1 - px0), 1);
        mm_fmt_num(b2, sizeof b2, py0 + mm_axis_frac(ay, y[i]) * (py1 - py0), 1);
        fprintf(fp, "%s%s %s", pen ? " L" : (i > 0 ? " M" : "M"), b1, b2);
        pen = 1;
    }
    fputs("\"/>\n", fp);
}

static void mm_plot_losses_write(FILE *fp, const double *loss, const double *dev,
                                 const uint64_t *step, size_t n, const char *title)
{
    mm_axis ax;
    mm_axis ay;
    char b1[64];
    char b2[64];

    double xmn = 0.0;
    double xmx = 0.0;
    double ymn = HUGE_VAL;
    double ymx = -HUGE_VAL;
    for (size_t i = 0; i < n; i++) {
        double x = step != NULL ? (double)step[i] : (double)i;
        if (i == 0 || x < xmn) {
            xmn = x;
        }
        if (i == 0 || x > xmx) {
            xmx = x;
        }
        if (isfinite(loss[i])) {
            ymn = loss[i] < ymn ? loss[i] : ymn;
            ymx = loss[i] > ymx ? loss[i] : ymx;
        }
        if (dev != NULL && isfinite(dev[i])) {
            ymn = dev[i] < ymn ? dev[i] : ymn;
            ymx = dev[i] > ymx ? dev[i] : ymx;
        }
    }
    if (ymn > ymx) {
        ymn = 0.0;
        ymx = 1.0;
    }
    if (n == 0) {
        xmx = 1.0;
    }
    if (xmx == xmn) {
        xmn = xmn >= 1.0 ? xmn - 1.0 : 0.0;
        xmx = xmn + 2.0;
    }
    mm_axis_fit(&ax, xmn, xmx, 1.0);
    mm_axis_fit(&ay, ymn, ymx, 0.0);

    const double px0 = MM_LL;
    const double px1 = MM_LW - MM_LR;
    const double py0 = MM_LH - MM_LB; /* y grows downwards */
    const double py1 = MM_LT;

    fprintf(fp,
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
            "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" "
            "width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
            "font-family=\"DejaVu Sans, Bitstream Vera Sans, Arial, sans-serif\">\n",
            MM_LW, MM_LH, MM_LW, MM_LH);
    if (title != NULL && *title != '\0') {
        fputs("<title>", fp);
        mm_svg_text(fp, title);
        fputs("</title>\n", fp);
    }
    fprintf(fp, "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n");

    /* Grid, tick marks and labels: at most 12 ticks per axis by
     * construction; the bound only guards against rounding surprises. */
    fputs("<g stroke=\"#e0e0e0\" stroke-width=\"1\" shape-rendering=\"crispEdges\">\n",
          fp);
    for (int pass = 0; pass < 2; pass++) {
        const mm_axis *a = pass == 0 ? &ax : &ay;
        double k0 = ceil(a->lo / a->step - 1e-9);
        for (int t = 0; t < 50; t++) {
            double val = (k0 + t) * a->step;
            double f = mm_axis_frac(a, val);
            if (f > 1.0 + 1e-9) {
                break;
            }
            if (pass == 0) {
                mm_fmt_num(b1, sizeof b1, px0 + f * (px1 - px0), 1);
                fprintf(fp, "<line x1=\"%s\" y1=\"%d\" x2=\"%s\" y2=\"%d\"/>\n",
                        b1, MM_LT, b1, MM_LH - MM_LB);
            } else {
                mm_fmt_num(b1, sizeof b1, py0 + f * (py1 - py0), 1);
                fprintf(fp, "<line x1=\"%d\" y1=\"%s\" x2=\"%d\" y2=\"%s\"/>\n",
                        MM_LL, b1, MM_LW - MM_LR, b1);
            }
        }
    }
    fputs("</g>\n<g font-size=\"12\" fill=\"#333\">\n", fp);
    for (int pass = 0; pass < 2; pass++) {
        const mm_axis *a = pass == 0 ? &ax : &ay;
        double k0 = ceil(a->lo / a->step - 1e-9);
        for (int t = 0; t < 50; t++) {
            double val = (k0 + t) * a->step;
            double f = mm_axis_frac(a, val);
            if (f > 1.0 + 1e-9) {
                break;
            }
            mm_fmt_num(b2, sizeof b2, val, a->dec);
            if (pass == 0) {
                mm_fmt_num(b1, sizeof b1, px0 + f * (px1 - px0), 1);
                fprintf(fp, "<line x1=\"%s\" y1=\"%d\" x2=\"%s\" y2=\"%d\" "
                        "stroke=\"black\"/>\n", b1, MM_LH - MM_LB, b1,
                        MM_LH - MM_LB + 5);
                fprintf(fp, "<text x=\"%s\" y=\"%d\" text-anchor=\"middle\">%s"
                        "</text>\n", b1, MM_LH - MM_LB + 19, b2);
            } else {
                mm_fmt_num(b1, sizeof b1, py0 + f * (py1 - py0), 1);
                fprintf(fp, "<line x1=\"%d\" y1=\"%s\" x2=\"%d\" y2=\"%s\" "
                        "stroke=\"black\"/>\n", MM_LL - 5, b1, MM_LL, b1);
                fprintf(fp, "<text x=\"%d\" y=\"%s\" dy=\"4\" "
                        "text-anchor=\"end\">%s</text>\n", MM_LL - 8, b1, b2);
            }
        }
    }
    fprintf(fp, "</g>\n<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" "
            "fill=\"none\" stroke=\"black\" shape-rendering=\"crispEdges\"/>\n",
            MM_LL, MM_LT, MM_LW - MM_LL - MM_LR, MM_LH - MM_LT - MM_LB);
    fprintf(fp, "<text x=\"%d\" y=\"%d\" font-size=\"14\" text-anchor=\"middle\">"
            "step</text>\n", (MM_LL + MM_LW - MM_LR) / 2, MM_LH - 15);
    fprintf(fp, "<text transform=\"translate(22 %d) rotate(-90)\" font-size=\"14\" "
            "text-anchor=\"middle\">loss</text>\n", (MM_LT + MM_LH - MM_LB) / 2);
    if (title != NULL && *title != '\0') {
        fprintf(fp, "<text x=\"%d\" y=\"%d\" font-size=\"16\" "
                "text-anchor=\"middle\">", (MM_LL + MM_LW - MM_LR) / 2, MM_LT - 18);
        mm_svg_text(fp, title);
        fputs("</text>\n", fp);
    }

    mm_plot_curve(fp, loss, step, n, &ax, &ay, px0, px1, py0, py1, "#1f77b4");
    if (dev != NULL) {
        mm_plot_curve(fp, dev, step, n, &ax, &ay, px0, px1, py0, py1, "#ff7f0e");
        /* legend, top right inside the frame */
        const int lx = MM_LW - MM_LR - 150, ly = MM_LT + 12;
        fprintf(fp, "<g font-size=\"12\">\n"
                "<rect x=\"%d\" y=\"%d\" width=\"140\" height=\"44\" fill=\"white\" "
                "stroke=\"#ccc\"/>\n"
                "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#1f77b4\" "
                "stroke-width=\"2\"/><text x=\"%d\" y=\"%d\">train loss</text>\n"
                "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#ff7f0e\" "
                "stroke-width=\"2\"/><text x=\"%d\" y=\"%d\">dev loss</text>\n</g>\n",
                lx, ly, lx + 8, ly + 14, lx + 32, ly + 14, lx + 38, ly + 18, lx + 8, ly + 32,
                lx + 32, ly + 32, lx + 38, ly + 36);
    }
    fputs("</svg>\n", fp);
}

mm_status mm_plot_losses_svg_fp(const double *loss, const double *dev, const uint64_t *step,
                                size_t n, FILE *fp, const char *name, const char *title)
{
    if (loss == NULL && n > 0) {
        return mm_fail(MM_ERR_INVALID_ARG, "%s: no loss values given", name);
    }
    mm_plot_losses_write(fp, loss, dev, step, n, title);
    return ferror(fp) ? mm_fail(MM_ERR_IO, "%s: write error", name) : MM_OK;
}

mm_status mm_plot_losses_svg(const double *loss, const double *dev, const uint64_t *step,
                             size_t n, const char *path, const char *title)
{
    mm_outfile o = {0};
    if (path == NULL || *path == '\0') {
        return mm_fail(MM_ERR_INVALID_ARG, "plot: no output path given");
    }
    if (loss == NULL && n > 0) {
        return mm_fail(MM_ERR_INVALID_ARG, "%s: no loss values given", path);
    }
    mm_status s = mm_outfile_open(&o, path);
    if (s != MM_OK) {
        return s;
    }
    mm_plot_losses_write(o.fp, loss, dev, step, n, title);
    return mm_outfile_commit(&o);
}
