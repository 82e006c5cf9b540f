/* AdamW over all of a model's parameters at once (trainer/algo/adamw.ts computes the same per tensor with a dozen
 * tfjs kernels each): the squared norm of the gradients, then the moment and parameter updates in place. */
#include "s2t.h"
#include <math.h>

#define CHUNK 16384

#define MAX_CHUNKS 4096
struct sq_ctx {
  const float *g;
  int64_t n;
  double *part;
};
static void sq_task(int64_t t, void *p) {
  struct sq_ctx *c = p;
  int64_t i0 = t * CHUNK, i1 = i0 + CHUNK < c->n ? i0 + CHUNK : c->n;
  double s = 0;
  for (int64_t i = i0; i < i1; i++) s += (double)c->g[i] * c->g[i];
  c->part[t] = s;
}

/* Σ g² in double, chunk sums added in order (the same for any thread count). */
double s2t_sumsq(const float *g, int64_t n) {
  double part[MAX_CHUNKS];
  struct sq_ctx c = { g, n, part };
  int64_t tasks = (n + CHUNK - 1) / CHUNK;
  if (tasks > MAX_CHUNKS) {
    double s = 0;
    for (int64_t i = 0; i < n; i++) s += (double)g[i] * g[i];
    return s;
  }
  s2t_parallel(tasks, sq_task, &c);
  double s = 0;
  for (int64_t t = 0; t < tasks; t++) s += c.part[t];
  return s;
}

struct adam_ctx {
  float *p, *m, *v;
  const float *g;
  int64_t n;
  float lr, wd, b1, b2, eps, c1, c2, clip;
};
static void adam_task(int64_t t, void *ctx) {
  const struct adam_ctx *a = ctx;
  int64_t i0 = t * CHUNK, i1 = i0 + CHUNK < a->n ? i0 + CHUNK : a->n;
  const float decay = 1.0f - a->lr * a->wd;
  for (int64_t i = i0; i < i1; i++) {
    float g = a->clip == 1.0f ? a->g[i] : a->g[i] * a->clip;
    float m = a->m[i] * a->b1 + g * (1.0f - a->b1);
    float v = a->v[i] * a->b2 + g * g * (1.0f - a->b2);
    float update = (m / a->c1) / (sqrtf(v / a->c2) + a->eps);
    float p = a->wd != 0.0f ? a->p[i] * decay : a->p[i];
    a->p[i] = p - update * a->lr;
    a->m[i] = m;
    a->v[i] = v;
  }
}

void s2t_adamw(float *p, const float *g, float *m, float *v, int64_t n, float lr, float wd, float b1, float b2, float eps, float c1,
               float c2, float clip) {
  struct adam_ctx a = { p, m, v, g, n, lr, wd, b1, b2, eps, c1, c2, clip };
  S2T_TIMED(S2T_ELEMENTWISE, s2t_parallel((n + CHUNK - 1) / CHUNK, adam_task, &a));
}
