/* One pre-LN transformer block, forward and gradient, as trainer/model/vlm.ts `block` computes it:
 * h = x + Wo·attn(LN1(x)) + bo, out = h + Wp·gelu(Wfc·LN2(h) + bfc) + bp. */
#include "vlm.h"
#include "rowops.h"
#include "attention.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define GEMM(...) S2T_TIMED(S2T_MATMUL, s2t_gemm(__VA_ARGS__))

int s2t_block_acts_alloc(const s2t_cfg *c, const s2t_seqs *s, int keep, s2t_block_acts *A) {
  int64_t d = c->d, ff = c->ff, N = s->rows;
  int64_t att = keep ? s->att_size : 0;
  int64_t total = keep ? N * (d * 8 + 2 + ff * 3) + att : N * (d * 5 + ff * 2);
  float *m = malloc(total * sizeof(float));
  memset(A, 0, sizeof *A);
  if (!m) return -1;
  A->a = m; m += N * d;
  A->qkv = m; m += 3 * N * d;
  A->o = m; m += N * d; /* (no keep: the o buffer doubles as c, see forward) */
  A->f = m; m += N * ff;
  A->g = m; m += N * ff;
  if (keep) {
    A->c = m; m += N * d;
    A->xhat1 = m; m += N * d;
    A->xhat2 = m; m += N * d;
    A->rstd1 = m; m += N;
    A->rstd2 = m; m += N;
    A->s = m; m += N * ff;
    A->att = m;
  }
  return 0;
}

void s2t_block_acts_free(s2t_block_acts *A) {
  free(A->a);
  memset(A, 0, sizeof *A);
}

void s2t_block_forward(const s2t_cfg *c, const s2t_block_params *w, float *x, const s2t_seqs *s, int causal, s2t_block_acts *A, float *tmp) {
  int64_t N = s->rows;
  int d = c->d, ff = c->ff;
  float scale = (float)(1.0 / sqrt((double)c->dh));
  s2t_layernorm(x, N, d, w->ln1g, w->ln1b, A->xhat1, A->rstd1, A->a);
  GEMM(0, 0, N, 3 * d, d, A->a, d, w->wqkv, 3 * d, A->qkv, 3 * d, 0);
  s2t_add_bias_scale(A->qkv, N, d, 3 * d, w->qb, scale);
  s2t_add_bias(A->qkv + d, N, d, 3 * d, w->kb, NULL);
  s2t_add_bias(A->qkv + 2 * d, N, d, 3 * d, w->vb, NULL);
  s2t_attention(A->qkv, s, c->H, c->dh, causal, A->att, A->o);
  GEMM(0, 0, N, d, d, A->o, d, w->ow, d, tmp, d, 0);
  s2t_add_bias(tmp, N, d, d, w->ob, x); /* tmp = h = x + (o·Wo + bo) */
  float *cn = A->c ? A->c : A->o;
  s2t_layernorm(tmp, N, d, w->ln2g, w->ln2b, A->xhat2, A->rstd2, cn);
  GEMM(0, 0, N, ff, d, cn, d, w->fcw, ff, A->f, ff, 0);
  s2t_add_bias(A->f, N, ff, ff, w->fcb, NULL);
  s2t_gelu(A->f, N * ff, A->s, A->g);
  GEMM(0, 0, N, d, ff, A->g, ff, w->pw, d, x, d, 0);
  s2t_add_bias(x, N, d, d, w->pb, tmp); /* out = h + (g·Wp + bp) */
}

int s2t_block_backward(const s2t_cfg *c, const s2t_block_params *w, const s2t_block_params *gw, const s2t_block_acts *A, const s2t_seqs *s,
                       float *dx) {
  int64_t N = s->rows;
  int d = c->d, ff = c->ff;
  float scale = (float)(1.0 / sqrt((double)c->dh));
  int64_t dfn = N * ff > (int64_t)d * 3 * d ? N * ff : (int64_t)d * 3 * d;
  float *df = malloc(dfn * sizeof(float)), *t1 = malloc(N * d * sizeof(float)), *dqkv = malloc(3 * N * d * sizeof(float));
  if (!df || !t1 || !dqkv) {
    free(df);
    free(t1);
    free(dqkv);
    return -1;
  }
  /* MLP: out = h + g·Wp + bp, g = gelu(f), f = c·Wfc + bfc */
  GEMM(1, 0, ff, d, N, A->g, ff, dx, d, gw->pw, d, 0);
  s2t_colsums(dx, d, NULL, N, d, NULL, gw->pb);
  GEMM(0, 1, N, ff, d, dx, d, w->pw, d, df, ff, 0);
  s2t_gelu_back(df, A->f, A->s, N * ff, df);
  GEMM(1, 0, d, ff, N, A->c, d, df, ff, gw->fcw, ff, 0);
  s2t_colsums(df, ff, NULL, N, ff, NULL, gw->fcb);
  GEMM(0, 1, N, d, ff, df, ff, w->fcw, ff, t1, d, 0);
  s2t_layernorm_back(t1, A->xhat2, A->rstd2, N, d, w->ln2g, dx, 1, gw->ln2g, gw->ln2b); /* dx = ∂h */
  /* attention: h = x + o·Wo + bo */
  GEMM(1, 0, d, d, N, A->o, d, dx, d, gw->ow, d, 0);
  s2t_colsums(dx, d, NULL, N, d, NULL, gw->ob);
  GEMM(0, 1, N, d, d, dx, d, w->ow, d, t1, d, 0);
  s2t_attention_back(A->qkv, A->att, t1, s, c->H, c->dh, scale, dqkv);
  /* q|k|v at once: ∂W into a [d, 3d] scratch (df is large enough) split into the three, ∂a = ∂qkv · Wqkvᵀ */
  float *gq[3] = { gw->qw, gw->kw, gw->vw }, *gb[3] = { gw->qb, gw->kb, gw->vb }, bsum[3 * d];
  GEMM(1, 0, d, 3 * d, N, A->a, d, dqkv, 3 * d, df, 3 * d, 0);
  s2t_colsums(dqkv, 3 * d, NULL, N, 3 * d, NULL, bsum);
  for (int i = 0; i < 3; i++) {
    for (int r = 0; r < d; r++) memcpy(gq[i] + (int64_t)r * d, df + (int64_t)r * 3 * d + i * d, d * sizeof(float));
    memcpy(gb[i], bsum + i * d, d * sizeof(float));
  }
  GEMM(0, 1, N, d, 3 * d, dqkv, 3 * d, w->wqkv, 3 * d, t1, d, 0);
  s2t_layernorm_back(t1, A->xhat1, A->rstd1, N, d, w->ln1g, dx, 1, gw->ln1g, gw->ln1b); /* dx = ∂x */
  free(df);
  free(t1);
  free(dqkv);
  return 0;
}
