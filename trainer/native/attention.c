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

/* Attention of `rows` queries (q, rows ld apart) over keys/values kp, vp (np of them, all seen) followed by
 * ks, vs (causal: query i sees the first i0+i+1; else all ns): probabilities into s (width w = np + ns,
 * row ld w), output to o (row ld od). Queries are taken QBLOCK at a time when not kept (s is then scratch). */
struct span {
  const float *q, *kp, *vp, *ks, *vs;
  int np, ns, causal;
  float *o;
};
static void span_fwd(struct att_ctx *c, const struct span *sp, int nq, float *att, int keep) {
  int d = c->H * c->dh, ld = 3 * d, dh = c->dh, w = sp->np + sp->ns;
  for (int i0 = 0; i0 < nq; i0 += QBLOCK) {
    int rows = nq - i0 < QBLOCK ? nq - i0 : QBLOCK;
    int nks = sp->causal ? i0 + rows : sp->ns; /* own keys this block of queries can see */
    float *s = keep ? att + (int64_t)i0 * w : att;
    double t0 = s2t_now();
    if (sp->np) s2t_gemm_st(0, 1, rows, sp->np, dh, sp->q + (int64_t)i0 * ld, ld, sp->kp, ld, s, w, 0);
    s2t_gemm_st(0, 1, rows, nks, dh, sp->q + (int64_t)i0 * ld, ld, sp->ks, ld, s + sp->np, w, 0);
    double t1 = s2t_now();
    for (int r = 0; r < rows; r++) {
      float *row = s + (int64_t)r * w;
      int lim = sp->np + (sp->causal ? i0 + r + 1 : sp->ns);
      softmax_row(row, lim);
      memset(row + lim, 0, (keep ? w - lim : sp->np + nks - lim) * sizeof(float));
    }
    double t2 = s2t_now();
    float *o = sp->o + (int64_t)i0 * d;
    if (sp->np) s2t_gemm_st(0, 0, rows, dh, sp->np, s, w, sp->vp, ld, o, d, 0);
    s2t_gemm_st(0, 0, rows, dh, nks, s + sp->np, w, sp->vs, ld, o, d, sp->np > 0);
    add_seconds(&c->gemm_s, (t1 - t0) + (s2t_now() - t2));
    add_seconds(&c->softmax_s, t2 - t1);
  }
}

static void att_fwd_task(int64_t t, void *p) {
  struct att_ctx *c = p;
  const s2t_seqs *s = c->s;
  int g = (int)(t / c->H), h = (int)(t % c->H), d = c->H * c->dh, ld = 3 * d, np = s->plen[g];
  const float *q = c->qkv + s->poff[g] * ld + h * c->dh;
  struct span pre = { q, NULL, NULL, q + d, q + 2 * d, 0, np, c->causal, c->o + s->poff[g] * d + h * c->dh };
  float *att = c->att ? c->att + s->patt[g] + (int64_t)h * np * np : thread_scratch((int64_t)QBLOCK * np);
  span_fwd(c, &pre, np, att, c->att != NULL);
  for (int k = s->c0[g]; k < s->c0[g] + s->cn[g]; k++) {
    int ns = s->clen[k], w = np + ns;
    const float *qc = c->qkv + s->coff[k] * ld + h * c->dh;
    struct span ch = { qc, q + d, q + 2 * d, qc + d, qc + 2 * d, np, ns, 1, c->o + s->coff[k] * d + h * c->dh };
    float *ac = c->att ? c->att + s->catt[k] + (int64_t)h * ns * w : thread_scratch((int64_t)QBLOCK * w);
    span_fwd(c, &ch, ns, ac, c->att != NULL);
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
  s2t_parallel((int64_t)s->G * H, att_fwd_task, &c);
  account(s2t_now() - t0, &c);
}

/* Gradient of one span (see span_fwd; here every query of the span at once): ∂q written, ∂k and ∂v of the
 * span's own keys written, of the prefix keys added (ds is scratch [nq, w]). */
struct span_grad {
  const float *att, *dout;
  float *dq, *dkp, *dvp, *dks, *dvs;
};
static void span_bwd(struct att_ctx *c, const struct span *sp, int nq, const struct span_grad *g) {
  int d = c->H * c->dh, ld = 3 * d, dh = c->dh, np = sp->np, ns = sp->ns, w = np + ns;
  float *ds = thread_scratch((int64_t)nq * w);
  double t0 = s2t_now();
  if (np) s2t_gemm_st(0, 1, nq, np, dh, g->dout, d, sp->vp, ld, ds, w, 0);   /* ∂att = dout · vᵀ */
  s2t_gemm_st(0, 1, nq, ns, dh, g->dout, d, sp->vs, ld, ds + np, w, 0);
  if (np) s2t_gemm_st(1, 0, np, dh, nq, g->att, w, g->dout, d, g->dvp, ld, 1); /* ∂v = attᵀ · dout */
  s2t_gemm_st(1, 0, ns, dh, nq, g->att + np, w, g->dout, d, g->dvs, ld, 0);
  double t1 = s2t_now();
  for (int i = 0; i < nq; i++) { /* ∂s = att ⊙ (∂att − Σ_j ∂att·att) */
    float *r = ds + (int64_t)i * w;
    const float *a = g->att + (int64_t)i * w;
    float dot = 0;
    for (int j = 0; j < w; j++) dot += r[j] * a[j];
    for (int j = 0; j < w; j++) r[j] = a[j] * (r[j] - dot);
  }
  double t2 = s2t_now();
  if (np) s2t_gemm_st(0, 0, nq, dh, np, ds, w, sp->kp, ld, g->dq, ld, 0); /* ∂q = ∂s · k */
  s2t_gemm_st(0, 0, nq, dh, ns, ds + np, w, sp->ks, ld, g->dq, ld, np > 0);
  if (np) s2t_gemm_st(1, 0, np, dh, nq, ds, w, sp->q, ld, g->dkp, ld, 1); /* ∂k = ∂sᵀ · q */
  s2t_gemm_st(1, 0, ns, dh, nq, ds + np, w, sp->q, ld, g->dks, ld, 0);
  for (int i = 0; i < nq; i++)
    for (int j = 0; j < dh; j++) g->dq[(int64_t)i * ld + j] *= c->scale;
  add_seconds(&c->gemm_s, (t1 - t0) + (s2t_now() - t2));
  add_seconds(&c->softmax_s, t2 - t1);
}

static void att_bwd_task(int64_t t, void *p) {
  struct att_ctx *c = p;
  const s2t_seqs *s = c->s;
  int g = (int)(t / c->H), h = (int)(t % c->H), d = c->H * c->dh, ld = 3 * d, np = s->plen[g];
  const float *q = c->qkv + s->poff[g] * ld + h * c->dh;
  float *dq = c->dqkv + s->poff[g] * ld + h * c->dh;
  struct span pre = { q, NULL, NULL, q + d, q + 2 * d, 0, np, 1, NULL };
  struct span_grad pg = { c->att_in + s->patt[g] + (int64_t)h * np * np, c->dout + s->poff[g] * d + h * c->dh, dq, NULL, NULL, dq + d, dq + 2 * d };
  span_bwd(c, &pre, np, &pg);
  for (int k = s->c0[g]; k < s->c0[g] + s->cn[g]; k++) { /* children in order: their ∂k, ∂v of the prefix add up */
    int ns = s->clen[k], w = np + ns;
    if (!ns) continue;
    const float *qc = c->qkv + s->coff[k] * ld + h * c->dh;
    float *dqc = c->dqkv + s->coff[k] * ld + h * c->dh;
    struct span ch = { qc, q + d, q + 2 * d, qc + d, qc + 2 * d, np, ns, 1, NULL };
    struct span_grad cg = { c->att_in + s->catt[k] + (int64_t)h * ns * w, c->dout + s->coff[k] * d + h * c->dh, dqc, dq + d, dq + 2 * d, dqc + d, dqc + 2 * d };
    span_bwd(c, &ch, ns, &cg);
  }
}

void s2t_attention_back(const float *qkv, const float *att, const float *dout, const s2t_seqs *s, int H, int dh, float scale, float *dqkv) {
  struct att_ctx c = { .qkv = qkv, .att_in = att, .dout = dout, .s = s, .dqkv = dqkv, .H = H, .dh = dh, .scale = scale };
  double t0 = s2t_now();
  s2t_parallel((int64_t)s->G * H, att_bwd_task, &c);
  account(s2t_now() - t0, &c);
}

/* ---- one query per row over the KV cache */
struct cached_ctx {
  const float *q;
  const int *map;
  int n, H, dh;
  const s2t_kv *prompt, *gen;
  float *o;
};

/* Scores of q against keys [0, len) of one head's transposed keys kt (row stride cap) into s. */
static void scores(const float *restrict q, const float *restrict kt, int cap, int len, int dh, float *restrict s) {
  int j = 0;
  for (; j + VW <= len; j += VW) {
    vf sv = splat(0);
    for (int e = 0; e < dh; e++) sv += splat(q[e]) * loadu(kt + (int64_t)e * cap + j);
    storeu(s + j, sv);
  }
  for (; j < len; j++) {
    float sv = 0;
    for (int e = 0; e < dh; e++) sv += q[e] * kt[(int64_t)e * cap + j];
    s[j] = sv;
  }
}

/* acc += Σ_j p[j]·v[j] over values [0, len) of one head (rows of dh). */
static void weighted(const float *restrict p, const float *restrict v, int len, int dh, float *restrict acc) {
  if (dh % VW == 0) {
    for (int e0 = 0; e0 < dh; e0 += VW) {
      vf o = loadu(acc + e0);
      for (int j = 0; j < len; j++) o += splat(p[j]) * loadu(v + (int64_t)j * dh + e0);
      storeu(acc + e0, o);
    }
    return;
  }
  for (int j = 0; j < len; j++)
    for (int e = 0; e < dh; e++) acc[e] += p[j] * v[(int64_t)j * dh + e];
}

static void cached_task(int64_t i, void *p) {
  const struct cached_ctx *c = p;
  int64_t r = c->map[i], b = r / c->n;
  int d = c->H * c->dh, dh = c->dh, np = c->prompt->len[b], ng = c->gen->len[r];
  float *s = thread_scratch(np + ng + VW);
  float acc[dh] __attribute__((aligned(64)));
  for (int h = 0; h < c->H; h++) {
    const float *q = c->q + i * d + h * dh;
    int64_t ph = b * c->H + h, gh = r * c->H + h;
    scores(q, c->prompt->k + ph * dh * c->prompt->cap, c->prompt->cap, np, dh, s);
    scores(q, c->gen->k + gh * dh * c->gen->cap, c->gen->cap, ng, dh, s + np);
    softmax_row(s, np + ng);
    for (int e = 0; e < dh; e++) acc[e] = 0;
    weighted(s, c->prompt->v + ph * c->prompt->cap * dh, np, dh, acc);
    weighted(s + np, c->gen->v + gh * c->gen->cap * dh, ng, dh, acc);
    memcpy(c->o + i * d + h * dh, acc, dh * sizeof(float));
  }
}

void s2t_attention_cached(const float *q, int rows, const int *map, int n, int H, int dh, const s2t_kv *prompt, const s2t_kv *gen, float *o) {
  struct cached_ctx c = { q, map, n, H, dh, prompt, gen, o };
  S2T_TIMED(S2T_SOFTMAX, s2t_parallel(rows, cached_task, &c));
}
