/* Row-wise kernels (rowops.c): layer norm, GELU, bias/residual adds, column sums — each spread over the pool. */
#ifndef S2T_ROWOPS_H
#define S2T_ROWOPS_H
#include "s2t.h"

/* fn(r0, r1, ctx) over [0, rows) in contiguous ranges of at least min_rows. */
void s2t_rows(int64_t rows, int64_t min_rows, void (*fn)(int64_t, int64_t, void *), void *ctx);
/* y = layernorm(x)·g + b over rows of width d; xhat and rstd are kept for the gradient when not NULL. */
void s2t_layernorm(const float *x, int64_t rows, int d, const float *g, const float *b, float *xhat, float *rstd, float *y);
/* dx (= or +=) the input gradient; dg = Σ dy·xhat, db = Σ dy over rows. */
void s2t_layernorm_back(const float *dy, const float *xhat, const float *rstd, int64_t rows, int d, const float *g,
                        float *dx, int add, float *dg, float *db);
/* db[j] = Σ_i dy[i][j] (dy rows ld apart); dg[j] = Σ_i dy[i][j]·x[i][j] when x (rows d apart); either
 * output may be NULL. */
void s2t_colsums(const float *dy, int64_t ld, const float *x, int64_t rows, int d, float *dg, float *db);
/* y[i][:d] = (residual[i] +) y[i][:d] + b, rows ld apart (residual rows d apart; NULL for none). */
void s2t_add_bias(float *y, int64_t rows, int d, int64_t ld, const float *b, const float *residual);
/* y[i][:d] = (y[i][:d] + b)·scale (the attention's scaled queries). */
void s2t_add_bias_scale(float *y, int64_t rows, int d, int64_t ld, const float *b, float scale);
/* s = σ(1.702 f) (kept when s is not NULL), g = f·s. */
void s2t_gelu(const float *f, int64_t n, float *s, float *g);
void s2t_gelu_back(const float *dg, const float *f, const float *s, int64_t n, float *df);
#endif
