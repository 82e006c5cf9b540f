/* The built-in VLM's forward, gradient and KV-cache sampling in C, computing what trainer/model/vlm.ts computes
 * (same formulas and order of operations, float32): a patch-embedding vision tower whose outputs are the first
 * tokens of a causal decoder over [image | BOS + prompt | response]; log-probabilities and entropies of the
 * response tokens at a temperature. The gradient is hand-derived, checked against tfjs autodiff in the tests. */
#include "vlm.h"
#include "rowops.h"
#include "attention.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define GEMM(...) S2T_TIMED(S2T_MATMUL, s2t_gemm(__VA_ARGS__))

static float *take(float **cur, int64_t n, int64_t *used, int64_t *sizes, int *k) {
  float *p = *cur;
  if (*cur) *cur += n;
  if (sizes) sizes[*k] = n;
  (*k)++;
  *used += n;
  return p;
}

static void bind_block(const s2t_cfg *c, float **cur, s2t_block_params *b, int64_t *used, int64_t *sizes, int *k) {
  int64_t d = c->d, ff = c->ff;
  b->ln1g = take(cur, d, used, sizes, k);
  b->ln1b = take(cur, d, used, sizes, k);
  b->qw = take(cur, d * d, used, sizes, k);
  b->qb = take(cur, d, used, sizes, k);
  b->kw = take(cur, d * d, used, sizes, k);
  b->kb = take(cur, d, used, sizes, k);
  b->vw = take(cur, d * d, used, sizes, k);
  b->vb = take(cur, d, used, sizes, k);
  b->ow = take(cur, d * d, used, sizes, k);
  b->ob = take(cur, d, used, sizes, k);
  b->ln2g = take(cur, d, used, sizes, k);
  b->ln2b = take(cur, d, used, sizes, k);
  b->fcw = take(cur, d * ff, used, sizes, k);
  b->fcb = take(cur, ff, used, sizes, k);
  b->pw = take(cur, ff * d, used, sizes, k);
  b->pb = take(cur, d, used, sizes, k);
}

int64_t s2t_bind(const s2t_cfg *c, float *base, s2t_params *p, int64_t *sizes, int *ntensors) {
  int64_t used = 0, d = c->d;
  int k = 0;
  float *cur = base;
  s2t_params tmp;
  if (!p) p = &tmp;
  p->patch_w = take(&cur, (int64_t)c->pd * d, &used, sizes, &k);
  p->patch_b = take(&cur, d, &used, sizes, &k);
  p->vis_pos = take(&cur, (int64_t)c->P * d, &used, sizes, &k);
  for (int i = 0; i < c->LV; i++) bind_block(c, &cur, &p->vis[i], &used, sizes, &k);
  p->vln_g = take(&cur, d, &used, sizes, &k);
  p->vln_b = take(&cur, d, &used, sizes, &k);
  p->vproj_w = take(&cur, d * d, &used, sizes, &k);
  p->vproj_b = take(&cur, d, &used, sizes, &k);
  p->tok = take(&cur, (int64_t)c->V * d, &used, sizes, &k);
  p->pos = take(&cur, (int64_t)c->maxPos * d, &used, sizes, &k);
  for (int i = 0; i < c->L; i++) bind_block(c, &cur, &p->dec[i], &used, sizes, &k);
  p->lnf_g = take(&cur, d, &used, sizes, &k);
  p->lnf_b = take(&cur, d, &used, sizes, &k);
  p->head_w = take(&cur, d * c->V, &used, sizes, &k);
  p->head_b = take(&cur, c->V, &used, sizes, &k);
  if (ntensors) *ntensors = k;
  return used;
}

/* ---------------------------------------------------------------- the decoder's input sequence */

struct ws_vision {
  float *x;               /* [B·P, d] vision stream (block input → output) */
  s2t_block_acts blk[S2T_MAX_LAYERS];
  float *ln_xhat, *ln_rstd, *ln_out; /* the tower's final layer norm */
};

struct s2t_ws {
  s2t_cfg c;
  float *params;
  s2t_params p;
  int B, P, promptLen, textLen, R, T, keep;
  int64_t N;
  float temperature;
  float *patches;
  int32_t *tokens, *positions, *targets;
  uint8_t *kv; /* [B, T] keys that may be attended */
  struct ws_vision vis;
  s2t_block_acts dec[S2T_MAX_LAYERS];
  float *x, *tmp;           /* [N, d] residual stream, scratch */
  float *lnf_xhat, *lnf_rstd, *hsel; /* final layer norm of the response rows [B·R, d] */
  float *logsm, *entropy;   /* [B·R, V], [B·R] */
};

void s2t_ws_free(s2t_ws *w) {
  if (!w) return;
  for (int i = 0; i < w->c.LV; i++) s2t_block_acts_free(&w->vis.blk[i]);
  for (int i = 0; i < w->c.L; i++) s2t_block_acts_free(&w->dec[i]);
  free(w->vis.x);
  free(w->vis.ln_xhat);
  free(w->vis.ln_rstd);
  free(w->vis.ln_out);
  free(w->params);
  free(w->patches);
  free(w->tokens);
  free(w->positions);
  free(w->targets);
  free(w->kv);
  free(w->x);
  free(w->tmp);
  free(w->lnf_xhat);
  free(w->lnf_rstd);
  free(w->hsel);
  free(w->logsm);
  free(w->entropy);
  free(w);
}

static void *dup(const void *src, size_t bytes) {
  if (!src) return NULL;
  void *p = malloc(bytes ? bytes : 1);
  if (p) memcpy(p, src, bytes);
  return p;
}

/* Checks ids against the tables; copies the batch; x = [vision tower(patches) | tok + pos embeddings]. */
static const char *inputs(s2t_ws *w, const s2t_batch *b) {
  const s2t_cfg *c = &w->c;
  int d = c->d;
  int64_t text = (int64_t)b->B * b->textLen;
  for (int64_t i = 0; i < text; i++) {
    if (b->tokens[i] < 0 || b->tokens[i] >= c->V) return "token id outside the vocabulary";
    if (b->positions[i] < 0 || b->positions[i] >= c->maxPos) return "position outside the model's positions";
  }
  for (int64_t i = 0; i < (int64_t)b->B * b->R; i++)
    if (b->targets && (b->targets[i] < 0 || b->targets[i] >= c->V)) return "target id outside the vocabulary";
  w->B = b->B, w->P = b->P, w->promptLen = b->promptLen, w->textLen = b->textLen, w->R = b->R;
  w->T = b->P + b->textLen;
  w->N = (int64_t)b->B * w->T;
  w->tokens = dup(b->tokens, text * 4);
  w->positions = dup(b->positions, text * 4);
  w->targets = b->targets ? dup(b->targets, (int64_t)b->B * b->R * 4) : NULL;
  w->patches = b->P ? dup(b->patches, (int64_t)b->B * b->P * c->pd * 4) : NULL;
  w->kv = malloc(w->N);
  w->x = malloc(w->N * d * sizeof(float));
  w->tmp = malloc(w->N * d * sizeof(float));
  if (!w->tokens || !w->positions || (b->R && b->targets && !w->targets) || (b->P && !w->patches) || !w->kv || !w->x || !w->tmp)
    return "out of memory";
  for (int r = 0; r < b->B; r++) {
    for (int t = 0; t < b->P; t++) w->kv[(int64_t)r * w->T + t] = b->hasImage[r] != 0;
    for (int t = 0; t < b->textLen; t++) w->kv[(int64_t)r * w->T + b->P + t] = b->valid[(int64_t)r * b->textLen + t] != 0;
  }
  if (b->P) {
    struct ws_vision *v = &w->vis;
    int64_t NV = (int64_t)b->B * b->P;
    v->x = malloc(NV * d * sizeof(float));
    v->ln_out = malloc(NV * d * sizeof(float));
    float *vtmp = malloc(NV * d * sizeof(float));
    if (w->keep) {
      v->ln_xhat = malloc(NV * d * sizeof(float));
      v->ln_rstd = malloc(NV * sizeof(float));
    }
    if (!v->x || !v->ln_out || !vtmp || (w->keep && (!v->ln_xhat || !v->ln_rstd))) {
      free(vtmp);
      return "out of memory";
    }
    GEMM(0, 0, NV, d, c->pd, w->patches, c->pd, w->p.patch_w, d, v->x, d, 0);
    s2t_add_bias(v->x, NV, d, d, w->p.patch_b, NULL);
    for (int64_t i = 0; i < NV; i++) /* + vis.pos, broadcast over the batch */
      for (int j = 0; j < d; j++) v->x[i * d + j] = v->x[i * d + j] + w->p.vis_pos[(i % b->P) * d + j];
    s2t_block_acts scratch;
    if (!w->keep && c->LV && s2t_block_acts_alloc(c, NV, b->B, b->P, 0, &scratch)) {
      free(vtmp);
      return "out of memory";
    }
    for (int i = 0; i < c->LV; i++) {
      s2t_block_acts *A = w->keep ? &v->blk[i] : &scratch;
      if (w->keep && s2t_block_acts_alloc(c, NV, b->B, b->P, 1, A)) {
        free(vtmp);
        return "out of memory";
      }
      s2t_block_forward(c, &w->p.vis[i], v->x, b->B, b->P, NULL, 0, A, vtmp);
    }
    if (!w->keep && c->LV) s2t_block_acts_free(&scratch);
    s2t_layernorm(v->x, NV, d, w->p.vln_g, w->p.vln_b, v->ln_xhat, v->ln_rstd, v->ln_out);
    GEMM(0, 0, NV, d, d, v->ln_out, d, w->p.vproj_w, d, vtmp, d, 0);
    s2t_add_bias(vtmp, NV, d, d, w->p.vproj_b, NULL);
    for (int r = 0; r < b->B; r++) memcpy(w->x + (int64_t)r * w->T * d, vtmp + (int64_t)r * b->P * d, (size_t)b->P * d * sizeof(float));
    free(vtmp);
  }
  for (int r = 0; r < b->B; r++)
    for (int t = 0; t < b->textLen; t++) {
      int64_t i = (int64_t)r * b->textLen + t;
      const float *te = w->p.tok + (int64_t)w->tokens[i] * d, *pe = w->p.pos + (int64_t)w->positions[i] * d;
      float *x = w->x + ((int64_t)r * w->T + b->P + t) * d;
      for (int j = 0; j < d; j++) x[j] = te[j] + pe[j];
    }
  return NULL;
}

static s2t_ws *ws_new(const s2t_cfg *c, const float *params, int keep, const char **err) {
  s2t_ws *w = calloc(1, sizeof *w);
  int64_t n = s2t_bind(c, NULL, NULL, NULL, NULL);
  if (w) w->params = malloc(n * sizeof(float));
  if (!w || !w->params) {
    free(w);
    *err = "out of memory";
    return NULL;
  }
  memcpy(w->params, params, n * sizeof(float));
  w->c = *c;
  w->keep = keep;
  s2t_bind(c, w->params, &w->p, NULL, NULL);
  return w;
}

/* ---------------------------------------------------------------- scoring / training */

s2t_ws *s2t_forward(const s2t_cfg *c, float *params, const s2t_batch *b, float temperature, int keep, float *logp, float *entropy, const char **err) {
  s2t_phase = 0;
  s2t_ws *w = ws_new(c, params, keep, err);
  if (!w) return NULL;
  w->temperature = temperature;
  if ((*err = inputs(w, b))) goto fail;
  int d = c->d, V = c->V, B = b->B, R = b->R, T = w->T;
  s2t_block_acts scratch;
  if (!keep && s2t_block_acts_alloc(c, w->N, B, T, 0, &scratch)) goto oom;
  for (int i = 0; i < c->L; i++) {
    s2t_block_acts *A = keep ? &w->dec[i] : &scratch;
    if (keep && s2t_block_acts_alloc(c, w->N, B, T, 1, A)) goto oom;
    s2t_block_forward(c, &w->p.dec[i], w->x, B, T, w->kv, 1, A, w->tmp);
  }
  if (!keep) s2t_block_acts_free(&scratch);
  /* the response rows: the last prompt column predicts response token 0 */
  int64_t NR = (int64_t)B * R;
  int start = b->P + b->promptLen - 1;
  w->hsel = malloc(NR * d * sizeof(float));
  w->lnf_xhat = malloc(NR * d * sizeof(float));
  w->lnf_rstd = malloc(NR * sizeof(float));
  w->logsm = malloc(NR * V * sizeof(float));
  w->entropy = malloc(NR * sizeof(float));
  float *e = malloc((size_t)V * sizeof(float));
  if (!w->hsel || !w->lnf_xhat || !w->lnf_rstd || !w->logsm || !w->entropy || !e) {
    free(e);
    goto oom;
  }
  for (int r = 0; r < B; r++) memcpy(w->tmp + (int64_t)r * R * d, w->x + ((int64_t)r * T + start) * d, (size_t)R * d * sizeof(float));
  s2t_layernorm(w->tmp, NR, d, w->p.lnf_g, w->p.lnf_b, w->lnf_xhat, w->lnf_rstd, w->hsel);
  GEMM(0, 0, NR, V, d, w->hsel, d, w->p.head_w, V, w->logsm, V, 0);
  s2t_add_bias(w->logsm, NR, V, V, w->p.head_b, NULL);
  double t0 = s2t_now();
  for (int64_t i = 0; i < NR; i++) { /* log-softmax at the temperature; logp of the target; entropy */
    float *z = w->logsm + i * V;
    if (temperature != 1.0f)
      for (int j = 0; j < V; j++) z[j] = z[j] / temperature;
    float mx = z[0];
    for (int j = 1; j < V; j++) mx = z[j] > mx ? z[j] : mx;
    for (int j = 0; j < V; j++) e[j] = z[j] = z[j] - mx;
    s2t_exp_inplace(e, V);
    float sum = 0;
    for (int j = 0; j < V; j++) sum += e[j];
    float lse = logf(sum);
    for (int j = 0; j < V; j++) e[j] = z[j] = z[j] - lse;
    s2t_exp_inplace(e, V);
    float h = 0;
    for (int j = 0; j < V; j++) h += e[j] * z[j];
    w->entropy[i] = -h;
    entropy[i] = -h;
    logp[i] = w->targets ? z[w->targets[i]] : 0;
  }
  s2t_seconds[0][S2T_SOFTMAX] += s2t_now() - t0;
  free(e);
  if (keep) return w;
  s2t_ws_free(w);
  return NULL;
oom:
  *err = "out of memory";
fail:
  s2t_ws_free(w);
  return NULL;
}

void s2t_forward_sizes(const s2t_ws *w, int64_t *rows, int64_t *params) {
  *rows = (int64_t)w->B * w->R;
  *params = s2t_bind(&w->c, NULL, NULL, NULL, NULL);
}

/* Σ over text rows of dx into the embedding tables' rows (tokens and positions), one column strip per task. */
struct embed_ctx {
  const s2t_ws *w;
  const float *dx;
  float *gtok, *gpos;
};
#define STRIP 16
static void embed_task(int64_t t, void *p) {
  const struct embed_ctx *e = p;
  const s2t_ws *w = e->w;
  int d = w->c.d, j0 = (int)t * STRIP, j1 = j0 + STRIP < d ? j0 + STRIP : d;
  for (int r = 0; r < w->B; r++)
    for (int s = 0; s < w->textLen; s++) {
      int64_t i = (int64_t)r * w->textLen + s;
      const float *dx = e->dx + ((int64_t)r * w->T + w->P + s) * d;
      float *gt = e->gtok + (int64_t)w->tokens[i] * d, *gp = e->gpos + (int64_t)w->positions[i] * d;
      for (int j = j0; j < j1; j++) gt[j] += dx[j];
      for (int j = j0; j < j1; j++) gp[j] += dx[j];
    }
}

const char *s2t_backward(s2t_ws *w, const float *dlogp, const float *dent, float *grads) {
  if (!w || !w->keep) return "no saved forward state";
  s2t_phase = 1;
  const s2t_cfg *c = &w->c;
  int d = c->d, V = c->V, B = w->B, R = w->R, T = w->T;
  int64_t NR = (int64_t)B * R, N = w->N;
  s2t_params g;
  s2t_bind(c, grads, &g, NULL, NULL);
  float *dz = malloc(NR * V * sizeof(float)), *dh = malloc(NR * d * sizeof(float)), *dsel = malloc(NR * d * sizeof(float));
  float *dx = calloc(N * d, sizeof(float));
  if (!dz || !dh || !dsel || !dx) {
    free(dz);
    free(dh);
    free(dsel);
    free(dx);
    return "out of memory";
  }
  double t0 = s2t_now();
  for (int64_t i = 0; i < NR; i++) { /* ∂z_j = dlogp·(1[j = target] − p_j) − dent·p_j·(logsm_j + H), then / T */
    const float *l = w->logsm + i * V;
    float *z = dz + i * V;
    memcpy(z, l, V * sizeof(float));
    s2t_exp_inplace(z, V);
    for (int j = 0; j < V; j++) {
      float p = z[j];
      float v = -dlogp[i] * p - dent[i] * p * (l[j] + w->entropy[i]);
      if (w->targets && j == w->targets[i]) v += dlogp[i];
      z[j] = w->temperature != 1.0f ? v / w->temperature : v;
    }
  }
  s2t_seconds[1][S2T_SOFTMAX] += s2t_now() - t0;
  GEMM(1, 0, d, V, NR, w->hsel, d, dz, V, g.head_w, V, 0);
  s2t_colsums(dz, V, NULL, NR, V, NULL, g.head_b);
  GEMM(0, 1, NR, d, V, dz, V, w->p.head_w, V, dh, d, 0);
  s2t_layernorm_back(dh, w->lnf_xhat, w->lnf_rstd, NR, d, w->p.lnf_g, dsel, 0, g.lnf_g, g.lnf_b);
  int start = w->P + w->promptLen - 1;
  for (int r = 0; r < B; r++) memcpy(dx + ((int64_t)r * T + start) * d, dsel + (int64_t)r * R * d, (size_t)R * d * sizeof(float));
  free(dz);
  free(dh);
  free(dsel);
  const char *err = NULL;
  for (int i = c->L - 1; i >= 0 && !err; i--)
    if (s2t_block_backward(c, &w->p.dec[i], &g.dec[i], &w->dec[i], B, T, dx)) err = "out of memory";
  memset(g.tok, 0, (size_t)V * d * sizeof(float));
  memset(g.pos, 0, (size_t)c->maxPos * d * sizeof(float));
  struct embed_ctx ec = { w, dx, g.tok, g.pos };
  S2T_TIMED(S2T_COPY, s2t_parallel((d + STRIP - 1) / STRIP, embed_task, &ec));
  if (!w->P) { /* no image in the batch: the tower got no gradient */
    float *first = g.patch_w, *end = g.tok;
    memset(first, 0, (size_t)(end - first) * sizeof(float));
  } else if (!err) {
    struct ws_vision *v = &w->vis;
    int64_t NV = (int64_t)B * w->P;
    float *dimg = malloc(NV * d * sizeof(float)), *dv = malloc(NV * d * sizeof(float));
    if (!dimg || !dv) err = "out of memory";
    else {
      for (int r = 0; r < B; r++) memcpy(dimg + (int64_t)r * w->P * d, dx + (int64_t)r * T * d, (size_t)w->P * d * sizeof(float));
      GEMM(1, 0, d, d, NV, v->ln_out, d, dimg, d, g.vproj_w, d, 0);
      s2t_colsums(dimg, d, NULL, NV, d, NULL, g.vproj_b);
      GEMM(0, 1, NV, d, d, dimg, d, w->p.vproj_w, d, dv, d, 0);
      s2t_layernorm_back(dv, v->ln_xhat, v->ln_rstd, NV, d, w->p.vln_g, dimg, 0, g.vln_g, g.vln_b);
      for (int i = c->LV - 1; i >= 0 && !err; i--)
        if (s2t_block_backward(c, &w->p.vis[i], &g.vis[i], &v->blk[i], B, w->P, dimg)) err = "out of memory";
      memset(g.vis_pos, 0, (size_t)w->P * d * sizeof(float));
      for (int r = 0; r < B; r++)
        for (int64_t i = 0; i < (int64_t)w->P * d; i++) g.vis_pos[i] += dimg[(int64_t)r * w->P * d + i];
      GEMM(1, 0, c->pd, d, NV, w->patches, c->pd, dimg, d, g.patch_w, d, 0);
      s2t_colsums(dimg, d, NULL, NV, d, NULL, g.patch_b);
    }
    free(dimg);
    free(dv);
  }
  free(dx);
  s2t_phase = 0;
  return err;
}

/* ---------------------------------------------------------------- sampling with a KV cache */

struct s2t_dec {
  s2t_cfg c;
  float *params;
  s2t_params p;
  int rows, tp, tmax, g, max_new;
  float *kc[S2T_MAX_LAYERS], *vc[S2T_MAX_LAYERS]; /* [rows][H][dh][tmax], [rows][H][tmax][dh] */
  uint8_t *kvp;                                  /* [rows][tp] */
  float *x, *tmp, *a, *qkv, *o, *f, *gl, *h;     /* step buffers (rows at most) */
  int *map;
};

int s2t_decoder_rows(const s2t_dec *d) { return d->rows; }
int s2t_decoder_vocab(const s2t_dec *d) { return d->c.V; }

void s2t_decoder_free(s2t_dec *d) {
  if (!d) return;
  for (int i = 0; i < d->c.L; i++) {
    free(d->kc[i]);
    free(d->vc[i]);
  }
  free(d->params);
  free(d->kvp);
  free(d->x);
  free(d->tmp);
  free(d->a);
  free(d->qkv);
  free(d->o);
  free(d->f);
  free(d->gl);
  free(d->h);
  free(d->map);
  free(d);
}

/* Keys and values of cache rows r·n … r·n+n−1 at columns [t0, t0+count) from qkv rows (row r, column t). */
static void cache_put(s2t_dec *dec, int layer, const float *qkv, int64_t qrow, int cache_row, int t) {
  int d = dec->c.d, H = dec->c.H, dh = dec->c.dh;
  const float *k = qkv + qrow * 3 * d + d, *v = k + d;
  for (int h = 0; h < H; h++) {
    float *kt = dec->kc[layer] + ((int64_t)cache_row * H + h) * dh * dec->tmax;
    float *vt = dec->vc[layer] + (((int64_t)cache_row * H + h) * dec->tmax + t) * dh;
    for (int e = 0; e < dh; e++) kt[(int64_t)e * dec->tmax + t] = k[h * dh + e];
    memcpy(vt, v + h * dh, dh * sizeof(float));
  }
}

/* logits [rows, V] = head(LN_f(x)) for the given rows of x. */
static void head(const s2t_cfg *c, const s2t_params *p, const float *x, int64_t rows, float *hbuf, float *logits) {
  s2t_layernorm(x, rows, c->d, p->lnf_g, p->lnf_b, NULL, NULL, hbuf);
  GEMM(0, 0, rows, c->V, c->d, hbuf, c->d, p->head_w, c->V, logits, c->V, 0);
  s2t_add_bias(logits, rows, c->V, c->V, p->head_b, NULL);
}

s2t_dec *s2t_decoder_new(const s2t_cfg *c, const float *params, const s2t_batch *b, int n, int max_new, float *logits, const char **err) {
  s2t_phase = 0;
  s2t_ws *w = ws_new(c, params, 0, err);
  s2t_dec *dec = calloc(1, sizeof *dec);
  if (!w || !dec) goto oom;
  if ((*err = inputs(w, b))) goto fail;
  int d = c->d, B = b->B, T = w->T;
  dec->c = *c;
  dec->rows = B * n;
  dec->tp = T;
  dec->max_new = max_new;
  dec->tmax = T + max_new;
  int rows = dec->rows;
  dec->kvp = malloc((size_t)rows * T);
  dec->x = malloc((size_t)rows * d * sizeof(float));
  dec->tmp = malloc((size_t)rows * d * sizeof(float));
  dec->a = malloc((size_t)rows * d * sizeof(float));
  dec->qkv = malloc((size_t)rows * 3 * d * sizeof(float));
  dec->o = malloc((size_t)rows * d * sizeof(float));
  dec->f = malloc((size_t)rows * c->ff * sizeof(float));
  dec->gl = malloc((size_t)rows * c->ff * sizeof(float));
  dec->h = malloc((size_t)rows * d * sizeof(float));
  dec->map = malloc((size_t)rows * sizeof(int));
  if (!dec->kvp || !dec->x || !dec->tmp || !dec->a || !dec->qkv || !dec->o || !dec->f || !dec->gl || !dec->h || !dec->map) goto oom;
  for (int i = 0; i < c->L; i++) {
    dec->kc[i] = malloc((size_t)rows * d * dec->tmax * sizeof(float));
    dec->vc[i] = malloc((size_t)rows * d * dec->tmax * sizeof(float));
    if (!dec->kc[i] || !dec->vc[i]) goto oom;
  }
  for (int r = 0; r < rows; r++) memcpy(dec->kvp + (int64_t)r * T, w->kv + (int64_t)(r / n) * T, T);
  s2t_block_acts A;
  if (s2t_block_acts_alloc(c, w->N, B, T, 0, &A)) goto oom;
  for (int i = 0; i < c->L; i++) {
    s2t_block_forward(c, &w->p.dec[i], w->x, B, T, w->kv, 1, &A, w->tmp);
    for (int r = 0; r < rows; r++)
      for (int t = 0; t < T; t++) cache_put(dec, i, A.qkv, (int64_t)(r / n) * T + t, r, t);
  }
  s2t_block_acts_free(&A);
  for (int r = 0; r < B; r++) memcpy(w->tmp + (int64_t)r * d, w->x + ((int64_t)r * T + T - 1) * d, d * sizeof(float));
  float *first = malloc((size_t)B * c->V * sizeof(float));
  if (!first) goto oom;
  head(c, &w->p, w->tmp, B, dec->h, first);
  for (int r = 0; r < rows; r++) memcpy(logits + (int64_t)r * c->V, first + (int64_t)(r / n) * c->V, c->V * sizeof(float));
  free(first);
  dec->params = w->params; /* the decoder keeps the weights */
  w->params = NULL;
  dec->p = w->p;
  s2t_ws_free(w);
  return dec;
oom:
  *err = "out of memory";
fail:
  s2t_ws_free(w);
  s2t_decoder_free(dec);
  return NULL;
}

const char *s2t_decoder_step(s2t_dec *dec, const int32_t *tokens, const int32_t *positions, const uint8_t *active, float *logits) {
  const s2t_cfg *c = &dec->c;
  if (dec->g >= dec->max_new) return "decoder: no room left in the KV cache";
  int d = c->d, na = 0;
  for (int r = 0; r < dec->rows; r++) {
    if (!active[r]) continue;
    if (tokens[r] < 0 || tokens[r] >= c->V) return "token id outside the vocabulary";
    if (positions[r] < 0 || positions[r] >= c->maxPos) return "position outside the model's positions";
    dec->map[na++] = r;
  }
  s2t_phase = 0;
  int t = dec->tp + dec->g;
  for (int i = 0; i < na; i++) {
    const float *te = dec->p.tok + (int64_t)tokens[dec->map[i]] * d, *pe = dec->p.pos + (int64_t)positions[dec->map[i]] * d;
    for (int j = 0; j < d; j++) dec->x[(int64_t)i * d + j] = te[j] + pe[j];
  }
  float scale = (float)(1.0 / sqrt((double)c->dh));
  for (int l = 0; l < c->L && na; l++) {
    const s2t_block_params *w = &dec->p.dec[l];
    s2t_layernorm(dec->x, na, d, w->ln1g, w->ln1b, NULL, NULL, dec->a);
    GEMM(0, 0, na, d, d, dec->a, d, w->qw, d, dec->qkv, 3 * d, 0);
    GEMM(0, 0, na, d, d, dec->a, d, w->kw, d, dec->qkv + d, 3 * d, 0);
    GEMM(0, 0, na, d, d, dec->a, d, w->vw, d, dec->qkv + 2 * d, 3 * d, 0);
    s2t_add_bias_scale(dec->qkv, na, d, 3 * d, w->qb, scale);
    s2t_add_bias(dec->qkv + d, na, d, 3 * d, w->kb, NULL);
    s2t_add_bias(dec->qkv + 2 * d, na, d, 3 * d, w->vb, NULL);
    for (int i = 0; i < na; i++) cache_put(dec, l, dec->qkv, i, dec->map[i], t);
    /* queries: the first d columns of qkv rows; the kernel wants them dense */
    for (int i = 0; i < na; i++) memcpy(dec->h + (int64_t)i * d, dec->qkv + (int64_t)i * 3 * d, d * sizeof(float));
    s2t_attention_cached(dec->h, dec->kc[l], dec->vc[l], na, dec->map, c->H, c->dh, dec->tmax, dec->tp, dec->g + 1, dec->kvp, dec->o);
    GEMM(0, 0, na, d, d, dec->o, d, w->ow, d, dec->tmp, d, 0);
    s2t_add_bias(dec->tmp, na, d, d, w->ob, dec->x);
    s2t_layernorm(dec->tmp, na, d, w->ln2g, w->ln2b, NULL, NULL, dec->a);
    GEMM(0, 0, na, c->ff, d, dec->a, d, w->fcw, c->ff, dec->f, c->ff, 0);
    s2t_add_bias(dec->f, na, c->ff, c->ff, w->fcb, NULL);
    s2t_gelu(dec->f, (int64_t)na * c->ff, NULL, dec->gl);
    GEMM(0, 0, na, d, c->ff, dec->gl, c->ff, w->pw, d, dec->x, d, 0);
    s2t_add_bias(dec->x, na, d, d, w->pb, dec->tmp);
  }
  dec->g++;
  if (!na) return NULL;
  float *out = malloc((size_t)na * c->V * sizeof(float));
  if (!out) return "out of memory";
  head(c, &dec->p, dec->x, na, dec->h, out);
  for (int i = 0; i < na; i++) memcpy(logits + (int64_t)dec->map[i] * c->V, out + (int64_t)i * c->V, c->V * sizeof(float));
  free(out);
  return NULL;
}
