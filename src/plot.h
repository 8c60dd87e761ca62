/*
 * plot.h - internal SVG charts beyond the public count figure
 * (mm_plot_counts_svg in makemore.h).  Kept internal until the training
 * command settles what it wants to plot.
 */
#ifndef MM_PLOT_H
#define MM_PLOT_H

#include <stddef.h>
#include <stdint.h>

#include "makemore.h"

/* Line chart of loss[i] against step[i], i < n, with axes, ticks, grid and
 * labels, written atomically to path as SVG.  step may be NULL: then the
 * x value of point i is i.  Points are joined in the order given; a NaN or
 * infinite loss breaks the line and is left out of the y range.  title (UTF-8,
 * may be NULL) goes above the chart.  n == 0 gives empty axes.
 * MM_ERR_INVALID_ARG if path is missing or loss is NULL with n > 0. */
mm_status mm_plot_loss_svg(const double *loss, const uint64_t *step, size_t n,
                           const char *path, const char *title);

/* The same chart of loss[i] against xs[i] (xs may be NULL: x = i), with the
 * axis labels given; x ticks are at least min_xstep apart (1 for steps, 0
 * for real values). */
mm_status mm_plot_xy_svg(const double *xs, const double *loss, size_t n, const char *path,
                         const char *title, const char *xlabel, const char *ylabel,
                         double min_xstep);

#endif /* MM_PLOT_H */
