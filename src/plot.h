/*
 * plot.h - internal SVG charts beyond the public count figure
 * (mm_plot_counts_svg in makemore.h).  Kept internal until the training
 * command settles what it wants to plot.
 */
#ifndef MM_PLOT_H
#define MM_PLOT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "makemore.h"

/* Line chart of loss[i] against step[i], i < n, with axes, ticks, grid and
 * labels, written atomically to path as SVG.  dev (may be NULL): a second
 * curve, the held-out loss at the same steps, with a legend.  step may be NULL: then the
 * x value of point i is i.  Points are joined in the order given; a NaN or
 * infinite loss breaks the line and is left out of the y range.  title (UTF-8,
 * may be NULL) goes above the chart.  n == 0 gives empty axes.
 * MM_ERR_INVALID_ARG if path is missing or loss is NULL with n > 0. */
mm_status mm_plot_loss_svg(const double *loss, const uint64_t *step, size_t n,
                           const char *path, const char *title);
mm_status mm_plot_losses_svg(const double *loss, const double *dev, const uint64_t *step,
                             size_t n, const char *path, const char *title);

/* The same charts written to an open stream (the CLI pipes them into
 * rsvg-convert for PNG); name is used in messages. */
mm_status mm_plot_losses_svg_fp(const double *loss, const double *dev, const uint64_t *step,
                                size_t n, FILE *fp, const char *name, const char *title);
mm_status mm_plot_counts_svg_fp(const mm_model *m, FILE *fp, const char *name);

#endif /* MM_PLOT_H */
