/* Attention kernels (see attention.h). Work is one (sequence, head) pair per task, so every value is computed
 * the same way for any thread count; causal queries are taken in blocks that only multiply the keys they see. */
#include "attention.h"
#include "vec.h"
#include <stdlib.h>
#include <string.h>

#define QBLOCK 48 /* causal: queries per block (keys 0 … block end) */

struct att_ctx {
  const float *qkv, *att_in, *dout;
  const s2t_seqs *s;
  float *att, *o, *dqkv;
  int H, dh, causal;
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

/* Softmax of row i over keys [0, lim) in place (lim = i+1 when causal). */
static void softmax_row(float *s, int lim) {
  float mx = s[0];
  for (int j = 1; j < lim; j++) mx = s[j] > mx ? s[j] : mx;
  for (int j = 0; j < lim; j++) s[j] = s[j] - mx;
  s2t_exp_inplace(s, lim);
  float z = 0;
  for (int j = 0; j < lim; j++) z += s[j];
  for (int j = 0; j < lim; j++) s[j] = s[j] / z;
}

static void att_fwd_task(int64_t t, void *p) {
  struct att_ctx *c = p;
  int b = (int)(t / c->H), h = (int)(t % c->H), T = c->s->len[b], d = c->H * c->dh, ld = 3 * d;
  const float *q = c->qkv + c->s->off[b] * ld + h * c->dh, *k = q + d, *v = q + 2 * d;
  float *o = c->o + c->s->off[b] * d + h * c->dh;
  float *att = c->att ? c->att + c->s->att_off[b] + (int64_t)h * T * T : thread_scratch((int64_t)QBLOCK * T);
  for (int i0 = 0; i0 < T; i0 += QBLOCK) {
    int rows = T - i0 < QBLOCK ? T - i0 : QBLOCK;
    int nk = c->causal ? i0 + rows : T; /* keys this block of queries can see */
    float *s = c->att ? att + (int64_t)i0 * T : att;
    double t0 = s2t_now();
    s2t_gemm_st(0, 1, rows, nk, c->dh, q + (int64_t)i0 * ld, ld, k, ld, s, T, 0);
    double t1 = s2t_now();
    for (int r = 0; r < rows; r++) {
      float *row = s + (int64_t)r * T;
      int lim = c->causal ? i0 + r + 1 : T;
      softmax_row(row, lim);
      memset(row + lim, 0, (c->att ? T - lim : nk - lim) * sizeof(float));
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

void s2t_attention(const float *qkv, const s2t_seqs *s, int H, int dh, int causal, float *att, float *o) {
  struct att_ctx c = { .qkv = qkv, .s = s, .att = att, .o = o, .H = H, .dh = dh, .causal = causal };
  double t0 = s2t_now();
  s2t_parallel((int64_t)s->B * H, att_fwd_task, &c);
  account(s2t_now() - t0, &c);
}

static void att_bwd_task(int64_t t, void *p) {
  struct att_ctx *c = p;
  int b = (int)(t / c->H), h = (int)(t % c->H), T = c->s->len[b], d = c->H * c->dh, ld = 3 * d, dh = c->dh;
  const float *q = c->qkv + c->s->off[b] * ld + h * dh, *k = q + d, *v = q + 2 * d;
  const float *att = c->att_in + c->s->att_off[b] + (int64_t)h * T * T;
  const float *dout = c->dout + c->s->off[b] * d + h * dh;
  float *dq = c->dqkv + c->s->off[b] * ld + h * dh, *dk = dq + d, *dv = dq + 2 * d;
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

void s2t_attention_back(const float *qkv, const float *att, const float *dout, const s2t_seqs *s, int H, int dh, float scale, float *dqkv) {
  struct att_ctx c = { .qkv = qkv, .att_in = att, .dout = dout, .s = s, .dqkv = dqkv, .H = H, .dh = dh, .scale = scale };
  double t0 = s2t_now();
  s2t_parallel((int64_t)s->B * H, att_bwd_task, &c);
  account(s2t_now() - t0, &c);
}

/* ---- one query per row over the KV cache */
struct cached_ctx {
  const float *q, *kc, *vc;
  const int *map, *keys;
  float *o;
  int H, dh, tmax;
};
static void cached_task(int64_t i, void *p) {
  const struct cached_ctx *c = p;
  int64_t r = c->map[i];
  int d = c->H * c->dh, n = c->keys[r], dh = c->dh;
  float *s = thread_scratch(n + VW);
  float acc[dh] __attribute__((aligned(64)));
  for (int h = 0; h < c->H; h++) {
    const float *restrict q = c->q + i * d + h * dh;
    const float *restrict Kt = c->kc + ((r * c->H + h) * (int64_t)c->tmax) * dh; /* [dh][tmax] */
    const float *restrict V = c->vc + ((r * c->H + h) * (int64_t)c->tmax) * dh;  /* [tmax][dh] */
    int j = 0;
    for (; j + VW <= n; j += VW) { /* scores, VW keys at a time */
      vf sv = splat(0);
      for (int e = 0; e < dh; e++) sv += splat(q[e]) * loadu(Kt + (int64_t)e * c->tmax + j);
      storeu(s + j, sv);
    }
    for (; j < n; j++) {
      float sv = 0;
      for (int e = 0; e < dh; e++) sv += q[e] * Kt[(int64_t)e * c->tmax + j];
      s[j] = sv;
    }
    softmax_row(s, n);
    for (int e = 0; e < dh; e++) acc[e] = 0;
    if (dh % VW == 0) {
      for (int e0 = 0; e0 < dh; e0 += VW) {
        vf o = splat(0);
        for (int k = 0; k < n; k++) o += splat(s[k]) * loadu(V + (int64_t)k * dh + e0);
        storeu(acc + e0, o);
      }
    } else {
      for (int k = 0; k < n; k++)
        for (int e = 0; e < dh; e++) acc[e] += s[k] * V[(int64_t)k * dh + e];
    }
    memcpy(c->o + i * d + h * dh, acc, dh * sizeof(float));
  }
}

void s2t_attention_cached(const float *q, const float *kc, const float *vc, int rows, const int *map, int H, int dh, int tmax,
                          const int *keys, float *o) {
  struct cached_ctx c = { q, kc, vc, map, keys, o, H, dh, tmax };
  S2T_TIMED(S2T_SOFTMAX, s2t_parallel(rows, cached_task, &c));
}
