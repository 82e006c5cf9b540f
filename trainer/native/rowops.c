/* Row-wise kernels of the model, fused (one pass where tfjs runs several kernels): layer norm and its
 * gradient, the GELU x·σ(1.702x) and its gradient, bias and residual adds, column sums. Spread over the pool
 * by whole rows (or whole column strips for column sums), so results do not depend on the thread count. */
#include "rowops.h"
#include "vec.h"
#include <math.h>
#include <string.h>

/* ---- splitting rows over the pool */
struct rows_job {
  int64_t rows, per;
  void (*fn)(int64_t r0, int64_t r1, void *ctx);
  void *ctx;
};
static void rows_task(int64_t t, void *p) {
  struct rows_job *j = p;
  int64_t r0 = t * j->per, r1 = r0 + j->per < j->rows ? r0 + j->per : j->rows;
  j->fn(r0, r1, j->ctx);
}
void s2t_rows(int64_t rows, int64_t min_rows, void (*fn)(int64_t, int64_t, void *), void *ctx) {
  int64_t tasks = 4 * (int64_t)s2t_threads();
  int64_t per = (rows + tasks - 1) / tasks;
  if (per < min_rows) per = min_rows;
  struct rows_job j = { rows, per, fn, ctx };
  s2t_parallel((rows + per - 1) / per, rows_task, &j);
}

/* Σ x[i] in VW lanes, then the lanes: the order depends only on n. */
static inline float hsum(vf v) {
  float s = 0;
  for (int i = 0; i < VW; i++) s += v[i];
  return s;
}
static float row_sum(const float *x, int n) {
  vf acc = splat(0);
  int i = 0;
  for (; i + VW <= n; i += VW) acc += loadu(x + i);
  float s = hsum(acc);
  for (; i < n; i++) s += x[i];
  return s;
}

/* ---- layer norm: y = (x − mean)·rstd·g + b, rstd = 1/√(var + 1e-5) */
struct ln_ctx {
  const float *x, *g, *b, *dy, *xhat_in, *rstd_in;
  float *xhat, *rstd, *y, *dx;
  int d, add;
};
static void ln_fwd_rows(int64_t r0, int64_t r1, void *p) {
  const struct ln_ctx *c = p;
  int d = c->d;
  float tmp[d];
  for (int64_t r = r0; r < r1; r++) {
    const float *x = c->x + r * d;
    float mean = row_sum(x, d) / d;
    for (int j = 0; j < d; j++) tmp[j] = (x[j] - mean) * (x[j] - mean);
    float rs = 1.0f / sqrtf(row_sum(tmp, d) / d + 1e-5f);
    float *xh = c->xhat ? c->xhat + r * d : tmp;
    for (int j = 0; j < d; j++) xh[j] = (x[j] - mean) * rs;
    if (c->rstd) c->rstd[r] = rs;
    float *y = c->y + r * d;
    for (int j = 0; j < d; j++) y[j] = xh[j] * c->g[j] + c->b[j];
  }
}
void s2t_layernorm(const float *x, int64_t rows, int d, const float *g, const float *b, float *xhat, float *rstd, float *y) {
  struct ln_ctx c = { .x = x, .g = g, .b = b, .xhat = xhat, .rstd = rstd, .y = y, .d = d };
  S2T_TIMED(S2T_LAYERNORM, s2t_rows(rows, 8, ln_fwd_rows, &c));
}

/* dx = (dxhat − mean(dxhat) − xhat·mean(dxhat·xhat))·rstd with dxhat = dy·g; written, or added to dx. */
static void ln_bwd_rows(int64_t r0, int64_t r1, void *p) {
  const struct ln_ctx *c = p;
  int d = c->d;
  float dxh[d], prod[d];
  for (int64_t r = r0; r < r1; r++) {
    const float *dy = c->dy + r * d, *xh = c->xhat_in + r * d;
    for (int j = 0; j < d; j++) {
      dxh[j] = dy[j] * c->g[j];
      prod[j] = dxh[j] * xh[j];
    }
    float m1 = row_sum(dxh, d) / d, m2 = row_sum(prod, d) / d, rs = c->rstd_in[r];
    float *dx = c->dx + r * d;
    if (c->add) for (int j = 0; j < d; j++) dx[j] += (dxh[j] - m1 - xh[j] * m2) * rs;
    else for (int j = 0; j < d; j++) dx[j] = (dxh[j] - m1 - xh[j] * m2) * rs;
  }
}
void s2t_layernorm_back(const float *dy, const float *xhat, const float *rstd, int64_t rows, int d, const float *g,
                        float *dx, int add, float *dg, float *db) {
  struct ln_ctx c = { .dy = dy, .xhat_in = xhat, .rstd_in = rstd, .g = g, .dx = dx, .d = d, .add = add };
  S2T_TIMED(S2T_LAYERNORM, s2t_rows(rows, 8, ln_bwd_rows, &c));
  s2t_colsums(dy, d, xhat, rows, d, dg, db);
}

/* ---- column sums: db[j] = Σ_i dy[i][j] and, with x, dg[j] = Σ_i dy[i][j]·x[i][j]; rows in order. */
struct col_ctx {
  const float *dy, *x;
  int64_t rows, ld;
  int d;
  float *dg, *db;
};
static void col_task(int64_t t, void *p) {
  const struct col_ctx *c = p;
  int j0 = (int)t * VW, w = c->d - j0 < VW ? c->d - j0 : VW;
  if (w == VW) {
    vf sb = splat(0), sg = splat(0);
    for (int64_t i = 0; i < c->rows; i++) {
      vf dy = loadu(c->dy + i * c->ld + j0);
      sb += dy;
      if (c->x) sg += dy * loadu(c->x + i * c->d + j0);
    }
    if (c->db) storeu(c->db + j0, sb);
    if (c->dg) storeu(c->dg + j0, sg);
    return;
  }
  for (int j = j0; j < j0 + w; j++) {
    float sb = 0, sg = 0;
    for (int64_t i = 0; i < c->rows; i++) {
      sb += c->dy[i * c->ld + j];
      if (c->x) sg += c->dy[i * c->ld + j] * c->x[i * c->d + j];
    }
    if (c->db) c->db[j] = sb;
    if (c->dg) c->dg[j] = sg;
  }
}
void s2t_colsums(const float *dy, int64_t ld, const float *x, int64_t rows, int d, float *dg, float *db) {
  struct col_ctx c = { dy, x, rows, ld, d, dg, db };
  S2T_TIMED(S2T_ELEMENTWISE, s2t_parallel((d + VW - 1) / VW, col_task, &c));
}

/* ---- y[i] += b (a bias row) */
struct bias_ctx {
  float *y;
  const float *b, *res;
  int d;
  int64_t ld;
  float scale;
};
static void bias_rows(int64_t r0, int64_t r1, void *p) {
  const struct bias_ctx *c = p;
  for (int64_t r = r0; r < r1; r++) {
    float *y = c->y + r * c->ld;
    for (int j = 0; j < c->d; j++) y[j] = y[j] + c->b[j];
    if (c->res) for (int j = 0; j < c->d; j++) y[j] = c->res[r * c->d + j] + y[j];
    if (c->scale != 1.0f) for (int j = 0; j < c->d; j++) y[j] = y[j] * c->scale;
  }
}
void s2t_add_bias(float *y, int64_t rows, int d, int64_t ld, const float *b, const float *residual) {
  struct bias_ctx c = { y, b, residual, d, ld, 1.0f };
  S2T_TIMED(S2T_ELEMENTWISE, s2t_rows(rows, 16, bias_rows, &c));
}
void s2t_add_bias_scale(float *y, int64_t rows, int d, int64_t ld, const float *b, float scale) {
  struct bias_ctx c = { y, b, NULL, d, ld, scale };
  S2T_TIMED(S2T_ELEMENTWISE, s2t_rows(rows, 16, bias_rows, &c));
}

/* ---- GELU (sigmoid approximation, as the tfjs model): s = σ(1.702f), g = f·s */
struct gelu_ctx {
  const float *f, *s, *dg;
  float *s_out, *g, *df;
  int64_t n;
};
#define GELU_CHUNK 4096
static void gelu_task(int64_t t, void *p) {
  const struct gelu_ctx *c = p;
  int64_t i0 = t * GELU_CHUNK, n = c->n - i0 < GELU_CHUNK ? c->n - i0 : GELU_CHUNK;
  float e[GELU_CHUNK];
  for (int64_t i = 0; i < n; i++) e[i] = -(c->f[i0 + i] * 1.702f);
  s2t_exp_inplace(e, n);
  for (int64_t i = 0; i < n; i++) {
    float s = 1.0f / (1.0f + e[i]);
    if (c->s_out) c->s_out[i0 + i] = s;
    c->g[i0 + i] = c->f[i0 + i] * s;
  }
}
void s2t_gelu(const float *f, int64_t n, float *s, float *g) {
  struct gelu_ctx c = { .f = f, .s_out = s, .g = g, .n = n };
  S2T_TIMED(S2T_ELEMENTWISE, s2t_parallel((n + GELU_CHUNK - 1) / GELU_CHUNK, gelu_task, &c));
}
static void gelu_back_task(int64_t t, void *p) {
  const struct gelu_ctx *c = p;
  int64_t i0 = t * GELU_CHUNK, i1 = i0 + GELU_CHUNK < c->n ? i0 + GELU_CHUNK : c->n;
  for (int64_t i = i0; i < i1; i++) {
    float s = c->s[i];
    c->df[i] = c->dg[i] * (s * (1.0f + c->f[i] * 1.702f * (1.0f - s)));
  }
}
void s2t_gelu_back(const float *dg, const float *f, const float *s, int64_t n, float *df) {
  struct gelu_ctx c = { .f = f, .s = s, .dg = dg, .df = df, .n = n };
  S2T_TIMED(S2T_ELEMENTWISE, s2t_parallel((n + GELU_CHUNK - 1) / GELU_CHUNK, gelu_back_task, &c));
}
