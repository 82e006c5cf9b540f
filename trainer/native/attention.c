/* Attention kernels (see attention.h). Work is one (batch row, head) pair per task, so every value is computed
 * the same way for any thread count; causal queries are taken in blocks that only multiply the keys they see. */
#include "attention.h"
#include "vec.h"
#include <stdlib.h>
#include <string.h>

#define QBLOCK 48 /* causal: queries per block (keys 0 … block end) */

struct att_ctx {
  const float *qkv, *att_in, *dout;
  const uint8_t *kv;
  float *att, *o, *dqkv;
  int B, T, H, dh, causal;
  float scale;
  double gemm_s, softmax_s; /* CPU seconds by part (profile), added atomically */
};

/* *p += v from any thread (a compare-and-swap on the bits: no libatomic needed). */
static void add_seconds(double *p, double v) {
  uint64_t old = __atomic_load_n((uint64_t *)p, __ATOMIC_RELAXED), next;
  do {
    double d;
    memcpy(&d, &old, sizeof d);
    d += v;
    memcpy(&next, &d, sizeof d);
  } while (!__atomic_compare_exchange_n((uint64_t *)p, &old, next, 1, __ATOMIC_RELAXED, __ATOMIC_RELAXED));
}

static __thread float *tbuf;
static __thread int64_t tbuf_n;
static float *thread_scratch(int64_t n) {
  if (tbuf_n < n) {
    free(tbuf);
    tbuf = aligned_alloc(64, ((n * sizeof(float) + 63) / 64) * 64);
    tbuf_n = n;
  }
  return tbuf;
}

/* Probabilities of row i over keys [0, nk): masked softmax in place; returns 0 when no key may be attended. */
static int softmax_row(float *s, int nk, int i, int causal, const uint8_t *kv) {
  int lim = causal && i + 1 < nk ? i + 1 : nk;
  float mx = -3.4e38f;
  int any = 0;
  for (int j = 0; j < lim; j++)
    if (!kv || kv[j]) {
      if (s[j] > mx) mx = s[j];
      any = 1;
    }
  if (!any) {
    memset(s, 0, nk * sizeof(float));
    return 0;
  }
  for (int j = 0; j < lim; j++) s[j] = (!kv || kv[j]) ? s[j] - mx : -200.0f;
  s2t_exp_inplace(s, lim);
  float z = 0;
  for (int j = 0; j < lim; j++) {
    if (kv && !kv[j]) s[j] = 0;
    z += s[j];
  }
  for (int j = 0; j < lim; j++) s[j] = s[j] / z;
  for (int j = lim; j < nk; j++) s[j] = 0;
  return 1;
}

static void att_fwd_task(int64_t t, void *p) {
  struct att_ctx *c = p;
  int b = (int)(t / c->H), h = (int)(t % c->H), T = c->T, d = c->H * c->dh, ld = 3 * d;
  const float *q = c->qkv + (int64_t)b * T * ld + h * c->dh, *k = q + d, *v = q + 2 * d;
  const uint8_t *kv = c->kv ? c->kv + (int64_t)b * T : NULL;
  float *o = c->o + (int64_t)b * T * d + h * c->dh;
  float *att = c->att ? c->att + (int64_t)t * T * T : thread_scratch((int64_t)QBLOCK * T);
  int step = c->causal || !c->att ? QBLOCK : T;
  for (int i0 = 0; i0 < T; i0 += step) {
    int rows = T - i0 < step ? T - i0 : step;
    int nk = c->causal ? i0 + rows : T; /* keys this block of queries can see */
    float *s = c->att ? att + (int64_t)i0 * T : att;
    double t0 = s2t_now();
    s2t_gemm_st(0, 1, rows, nk, c->dh, q + (int64_t)i0 * ld, ld, k, ld, s, T, 0);
    double t1 = s2t_now();
    for (int r = 0; r < rows; r++) {
      softmax_row(s + (int64_t)r * T, nk, i0 + r, c->causal, kv);
      if (c->att) memset(s + (int64_t)r * T + nk, 0, (T - nk) * sizeof(float));
    }
    double t2 = s2t_now();
    s2t_gemm_st(0, 0, rows, c->dh, nk, s, T, v, ld, o + (int64_t)i0 * d, d, 0);
    add_seconds(&c->gemm_s, (t1 - t0) + (s2t_now() - t2));
    add_seconds(&c->softmax_s, t2 - t1);
  }
}

/* Splits the wall time of a parallel attention call between matmul and softmax by their CPU time. */
static void account(double wall, const struct att_ctx *c) {
  double cpu = c->gemm_s + c->softmax_s;
  double g = cpu > 0 ? wall * c->gemm_s / cpu : wall;
  s2t_seconds[s2t_phase][S2T_MATMUL] += g;
  s2t_seconds[s2t_phase][S2T_SOFTMAX] += wall - g;
}

void s2t_attention(const float *qkv, int B, int T, int H, int dh, const uint8_t *kv, int causal, float *att, float *o) {
  struct att_ctx c = { .qkv = qkv, .kv = kv, .att = att, .o = o, .B = B, .T = T, .H = H, .dh = dh, .causal = causal };
  double t0 = s2t_now();
  s2t_parallel((int64_t)B * H, att_fwd_task, &c);
  account(s2t_now() - t0, &c);
}

static void att_bwd_task(int64_t t, void *p) {
  struct att_ctx *c = p;
  int b = (int)(t / c->H), h = (int)(t % c->H), T = c->T, d = c->H * c->dh, ld = 3 * d, dh = c->dh;
  const float *q = c->qkv + (int64_t)b * T * ld + h * dh, *k = q + d, *v = q + 2 * d;
  const float *att = c->att_in + (int64_t)t * T * T;
  const float *dout = c->dout + (int64_t)b * T * d + h * dh;
  float *dq = c->dqkv + (int64_t)b * T * ld + h * dh, *dk = dq + d, *dv = dq + 2 * d;
  float *ds = thread_scratch((int64_t)T * T);
  double t0 = s2t_now();
  s2t_gemm_st(0, 1, T, T, dh, dout, d, v, ld, ds, T, 0);   /* ∂att = dout · vᵀ */
  s2t_gemm_st(1, 0, T, dh, T, att, T, dout, d, dv, ld, 0); /* ∂v = attᵀ · dout */
  double t1 = s2t_now();
  for (int i = 0; i < T; i++) { /* ∂s = att ⊙ (∂att − Σ_j ∂att·att) */
    float *r = ds + (int64_t)i * T;
    const float *a = att + (int64_t)i * T;
    float dot = 0;
    for (int j = 0; j < T; j++) dot += r[j] * a[j];
    for (int j = 0; j < T; j++) r[j] = a[j] * (r[j] - dot);
  }
  double t2 = s2t_now();
  s2t_gemm_st(0, 0, T, dh, T, ds, T, k, ld, dq, ld, 0); /* ∂q = ∂s · k */
  s2t_gemm_st(1, 0, T, dh, T, ds, T, q, ld, dk, ld, 0); /* ∂k = ∂sᵀ · q */
  for (int i = 0; i < T; i++)
    for (int j = 0; j < dh; j++) dq[(int64_t)i * ld + j] *= c->scale;
  add_seconds(&c->gemm_s, (t1 - t0) + (s2t_now() - t2));
  add_seconds(&c->softmax_s, t2 - t1);
}

void s2t_attention_back(const float *qkv, const float *att, const float *dout, int B, int T, int H, int dh, float scale, float *dqkv) {
  struct att_ctx c = { .qkv = qkv, .att_in = att, .dout = dout, .dqkv = dqkv, .B = B, .T = T, .H = H, .dh = dh, .scale = scale };
  double t0 = s2t_now();
  s2t_parallel((int64_t)B * H, att_bwd_task, &c);
  account(s2t_now() - t0, &c);
}

/* ---- one query per row over the KV cache */
struct cached_ctx {
  const float *q, *kc, *vc;
  const uint8_t *kvp;
  const int *map;
  float *o;
  int H, dh, tmax, tp, g;
};
static void cached_task(int64_t i, void *p) {
  const struct cached_ctx *c = p;
  int64_t r = c->map[i];
  int d = c->H * c->dh, n = c->tp + c->g, dh = c->dh;
  float *s = thread_scratch(n);
  const uint8_t *kvp = c->kvp + r * c->tp;
  for (int h = 0; h < c->H; h++) {
    const float *q = c->q + i * d + h * dh;
    const float *Kt = c->kc + ((r * c->H + h) * (int64_t)c->tmax) * dh; /* [dh][tmax] */
    const float *V = c->vc + ((r * c->H + h) * (int64_t)c->tmax) * dh;  /* [tmax][dh] */
    for (int j = 0; j < n; j++) s[j] = 0;
    for (int e = 0; e < dh; e++) {
      const float qe = q[e], *ke = Kt + (int64_t)e * c->tmax;
      for (int j = 0; j < n; j++) s[j] += qe * ke[j];
    }
    float mx = -3.4e38f;
    for (int j = 0; j < n; j++)
      if (j >= c->tp || kvp[j]) mx = s[j] > mx ? s[j] : mx;
    for (int j = 0; j < n; j++) s[j] = (j >= c->tp || kvp[j]) ? s[j] - mx : -200.0f;
    s2t_exp_inplace(s, n);
    float z = 0;
    for (int j = 0; j < n; j++) {
      if (j < c->tp && !kvp[j]) s[j] = 0;
      z += s[j];
    }
    float *o = c->o + i * d + h * dh;
    for (int e = 0; e < dh; e++) o[e] = 0;
    for (int j = 0; j < n; j++) {
      const float a = s[j] / z, *vj = V + (int64_t)j * dh;
      for (int e = 0; e < dh; e++) o[e] += a * vj[e];
    }
  }
}

void s2t_attention_cached(const float *q, const float *kc, const float *vc, int rows, const int *map, int H, int dh, int tmax, int tp,
                          int g, const uint8_t *kv_prefix, float *o) {
  struct cached_ctx c = { q, kc, vc, kv_prefix, map, o, H, dh, tmax, tp, g };
  S2T_TIMED(S2T_SOFTMAX, s2t_parallel(rows, cached_task, &c));
}
