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

int s2t_fuse_qkv(const s2t_cfg *c, s2t_params *p) {
  int64_t d = c->d, per = d * 3 * d;
  p->fused = malloc((c->L + c->LV + 1) * per * sizeof(float));
  if (!p->fused) return -1;
  for (int i = 0; i < c->L + c->LV; i++) {
    s2t_block_params *b = i < c->LV ? &p->vis[i] : &p->dec[i - c->LV];
    b->wqkv = p->fused + i * per;
    for (int64_t r = 0; r < d; r++) {
      memcpy(b->wqkv + r * 3 * d, b->qw + r * d, d * sizeof(float));
      memcpy(b->wqkv + r * 3 * d + d, b->kw + r * d, d * sizeof(float));
      memcpy(b->wqkv + r * 3 * d + 2 * d, b->vw + r * d, d * sizeof(float));
    }
  }
  return 0;
}

int64_t s2t_bind(const s2t_cfg *c, float *base, s2t_params *p, int64_t *sizes, int *ntensors) {
  int64_t used = 0, d = c->d;
  int k = 0;
  float *cur = base;
  s2t_params tmp;
  if (!p) p = &tmp;
  p->fused = NULL;
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

/* ---------------------------------------------------------------- packing the batch */

/* Packed sequences (see attention.h) with their own storage: groups with a prefix each and their children. */
typedef struct {
  s2t_seqs s;
  int64_t *poff, *patt, *coff, *catt;
  int *plen, *c0, *cn, *clen;
  int G, C; /* groups and children added so far */
} seqs_own;

static int seqs_alloc(seqs_own *q, int groups, int children) {
  memset(q, 0, sizeof *q);
  q->poff = malloc((groups + 1) * sizeof(int64_t));
  q->patt = malloc((groups + 1) * sizeof(int64_t));
  q->plen = malloc((groups + 1) * sizeof(int));
  q->c0 = malloc((groups + 1) * sizeof(int));
  q->cn = malloc((groups + 1) * sizeof(int));
  q->coff = malloc((children + 1) * sizeof(int64_t));
  q->catt = malloc((children + 1) * sizeof(int64_t));
  q->clen = malloc((children + 1) * sizeof(int));
  return q->poff && q->patt && q->plen && q->c0 && q->cn && q->coff && q->catt && q->clen ? 0 : -1;
}
/* Appends a group whose prefix has `len` rows; returns its first row. */
static int64_t seqs_group(seqs_own *q, int len, int H) {
  int g = q->G++;
  q->poff[g] = q->s.rows;
  q->patt[g] = q->s.att_size;
  q->plen[g] = len;
  q->c0[g] = q->C;
  q->cn[g] = 0;
  q->s.rows += len;
  q->s.att_size += (int64_t)H * len * len;
  return q->poff[g];
}
/* Appends a child of the last group (`len` rows); returns its first row. */
static int64_t seqs_child(seqs_own *q, int len, int H) {
  int g = q->G - 1, k = q->C++;
  q->coff[k] = q->s.rows;
  q->catt[k] = q->s.att_size;
  q->clen[k] = len;
  q->cn[g]++;
  q->s.rows += len;
  q->s.att_size += (int64_t)H * len * (q->plen[g] + len);
  return q->coff[k];
}
static void seqs_done(seqs_own *q) {
  q->s.G = q->G;
  q->s.poff = q->poff, q->s.patt = q->patt, q->s.coff = q->coff, q->s.catt = q->catt;
  q->s.plen = q->plen, q->s.c0 = q->c0, q->s.cn = q->cn, q->s.clen = q->clen;
}
static void seqs_free(seqs_own *q) {
  void *ptrs[] = { q->poff, q->patt, q->plen, q->c0, q->cn, q->coff, q->catt, q->clen };
  for (size_t i = 0; i < sizeof ptrs / sizeof ptrs[0]; i++) free(ptrs[i]);
  memset(q, 0, sizeof *q);
}

struct ws_vision {
  int n;                  /* images computed (one per group that has one) */
  int *rows;              /* the batch row each comes from */
  int64_t *dest;          /* the packed row its tokens start at */
  seqs_own seqs;          /* n sequences of P patches */
  float *patches;         /* [n·P, pd] */
  float *x;               /* [n·P, d] vision stream (block input → output) */
  s2t_block_acts blk[S2T_MAX_LAYERS];
  float *ln_xhat, *ln_rstd, *ln_out; /* the tower's final layer norm */
};

struct s2t_ws {
  s2t_cfg c;
  float *params;
  s2t_params p;
  int B, P, promptLen, textLen, R, keep;
  float temperature;
  seqs_own seqs;            /* the decoder's packed sequences */
  int64_t ntext;            /* packed text rows */
  int64_t *text_row;        /* [ntext] packed row of each kept text column */
  int32_t *text_tok, *text_pos;
  int64_t nhead;            /* scored positions */
  int64_t *head_row, *head_out; /* [nhead] packed row, and index into the [B, R] outputs */
  int32_t *head_target;
  struct ws_vision vis;
  s2t_block_acts dec[S2T_MAX_LAYERS];
  float *x, *tmp;           /* [rows, d] residual stream, scratch */
  float *lnf_xhat, *lnf_rstd, *hsel; /* final layer norm of the scored rows [nhead, d] */
  float *logsm, *entropy;   /* [nhead, V], [nhead] */
};

void s2t_ws_free(s2t_ws *w) {
  if (!w) return;
  for (int i = 0; i < w->c.LV; i++) s2t_block_acts_free(&w->vis.blk[i]);
  for (int i = 0; i < w->c.L; i++) s2t_block_acts_free(&w->dec[i]);
  seqs_free(&w->vis.seqs);
  seqs_free(&w->seqs);
  void *ptrs[] = { w->p.fused, w->vis.rows, w->vis.dest, w->vis.patches, w->vis.x, w->vis.ln_xhat, w->vis.ln_rstd, w->vis.ln_out, w->params, w->text_row,
                   w->text_tok, w->text_pos, w->head_row, w->head_out, w->head_target, w->x, w->tmp, w->lnf_xhat, w->lnf_rstd,
                   w->hsel, w->logsm, w->entropy };
  for (size_t i = 0; i < sizeof ptrs / sizeof ptrs[0]; i++) free(ptrs[i]);
  free(w);
}

/* Rows b and b+1 of a scoring batch share everything before their responses (image and prompt). */
static int same_prompt(const s2t_batch *b, int r, int c, int pd) {
  int64_t t = b->textLen, n = b->promptLen;
  if ((b->P && (b->hasImage[r] != 0) != (b->hasImage[c] != 0)) ||
      memcmp(b->tokens + r * t, b->tokens + c * t, n * 4) || memcmp(b->positions + r * t, b->positions + c * t, n * 4) ||
      memcmp(b->valid + r * t, b->valid + c * t, n * 4))
    return 0;
  return !(b->P && b->hasImage[r] != 0 && memcmp(b->patches + (int64_t)r * b->P * pd, b->patches + (int64_t)c * b->P * pd, (size_t)b->P * pd * 4));
}

/* Appends text column t of row r as a packed row (its embedding inputs), and as a scored row when it predicts
 * one of the row's response tokens. */
static void add_text(s2t_ws *w, const s2t_batch *b, int r, int t, int64_t row) {
  int64_t i = (int64_t)r * b->textLen + t;
  w->text_row[w->ntext] = row;
  w->text_tok[w->ntext] = b->tokens[i];
  w->text_pos[w->ntext] = b->positions[i];
  w->ntext++;
}
static void add_scored(s2t_ws *w, const s2t_batch *b, int r, int k, int64_t row) {
  w->head_row[w->nhead] = row;
  w->head_out[w->nhead] = (int64_t)r * b->R + k;
  w->head_target[w->nhead] = b->targets[(int64_t)r * b->R + k];
  w->nhead++;
}

/* Which columns are computed and where they are packed. A row's image when it has one and its valid text
 * columns, with responses (rlen) none past its last response token. Consecutive rows with the same image and
 * prompt (a GRPO group) form one group: the prompt once as the prefix, each response a child. */
static const char *pack(s2t_ws *w, const s2t_batch *b) {
  const s2t_cfg *c = &w->c;
  int64_t cells = (int64_t)b->B * b->textLen + 1, scored = 1;
  for (int r = 0; r < b->B && b->rlen; r++) scored += b->rlen[r];
  w->text_row = malloc(cells * sizeof(int64_t));
  w->text_tok = malloc(cells * sizeof(int32_t));
  w->text_pos = malloc(cells * sizeof(int32_t));
  w->head_row = malloc(scored * sizeof(int64_t));
  w->head_out = malloc(scored * sizeof(int64_t));
  w->head_target = malloc(scored * sizeof(int32_t));
  w->vis.rows = malloc((b->B + 1) * sizeof(int));
  w->vis.dest = malloc((b->B + 1) * sizeof(int64_t));
  if (!w->text_row || !w->text_tok || !w->text_pos || !w->head_row || !w->head_out || !w->head_target || !w->vis.rows || !w->vis.dest ||
      seqs_alloc(&w->seqs, b->B, b->B))
    return "out of memory";
  for (int r = 0; r < b->B;) {
    int end = r + 1;
    while (b->rlen && end < b->B && same_prompt(b, r, end, c->pd)) end++;
    int img = b->P && b->hasImage[r] != 0;
    int shared = end - r > 1;
    /* the prefix: image, then valid text up to the last prompt column (shared) or the last needed one */
    int last = !b->rlen ? b->textLen - 1 : shared ? b->promptLen - 1 : b->promptLen - 2 + (b->rlen[r] > 0 ? b->rlen[r] : 1);
    int len = img ? b->P : 0;
    for (int t = 0; t <= last; t++) len += b->valid[(int64_t)r * b->textLen + t] != 0;
    int64_t row = seqs_group(&w->seqs, len, c->H);
    if (img) {
      w->vis.rows[w->vis.n] = r;
      w->vis.dest[w->vis.n++] = row;
      row += b->P;
    }
    for (int t = 0; t <= last; t++) {
      if (b->valid[(int64_t)r * b->textLen + t] == 0) continue;
      int k = t - (b->promptLen - 1);
      if (b->rlen && k >= 0 && !shared && k < b->rlen[r]) add_scored(w, b, r, k, row);
      if (b->rlen && k == 0 && shared)
        for (int m = r; m < end; m++) if (b->rlen[m] > 0) add_scored(w, b, m, 0, row);
      add_text(w, b, r, t, row++);
    }
    for (int m = r; m < end && shared; m++) { /* each response: its tokens but the last (only a target) */
      int n = b->rlen[m] > 1 ? b->rlen[m] - 1 : 0;
      row = seqs_child(&w->seqs, n, c->H);
      for (int k = 1; k <= n; k++) {
        add_scored(w, b, m, k, row);
        add_text(w, b, m, b->promptLen - 1 + k, row++);
      }
    }
    r = end;
  }
  seqs_done(&w->seqs);
  if (seqs_alloc(&w->vis.seqs, w->vis.n, 0)) return "out of memory";
  for (int i = 0; i < w->vis.n; i++) seqs_group(&w->vis.seqs, b->P, c->H);
  seqs_done(&w->vis.seqs);
  return NULL;
}

/* Checks ids against the tables; packs the batch; x = [vision tower(patches) | tok + pos embeddings] per row. */
static const char *inputs(s2t_ws *w, const s2t_batch *b) {
  const s2t_cfg *c = &w->c;
  int d = c->d;
  int64_t text = (int64_t)b->B * b->textLen;
  for (int64_t i = 0; i < text; i++) {
    if (b->tokens[i] < 0 || b->tokens[i] >= c->V) return "token id outside the vocabulary";
    if (b->positions[i] < 0 || b->positions[i] >= c->maxPos) return "position outside the model's positions";
  }
  for (int64_t i = 0; i < (int64_t)b->B * b->R; i++)
    if (b->targets[i] < 0 || b->targets[i] >= c->V) return "target id outside the vocabulary";
  for (int r = 0; r < b->B && b->rlen; r++)
    if (b->rlen[r] < 0 || b->rlen[r] > b->R) return "response length outside the batch's response columns";
  w->B = b->B, w->P = b->P, w->promptLen = b->promptLen, w->textLen = b->textLen, w->R = b->R;
  const char *err = pack(w, b);
  if (err) return err;
  int64_t N = w->seqs.s.rows;
  w->x = calloc((N + 1) * d, sizeof(float));
  w->tmp = malloc((N + 1) * d * sizeof(float));
  if (!w->x || !w->tmp) return "out of memory";
  struct ws_vision *v = &w->vis;
  if (v->n) {
    int64_t NV = (int64_t)v->n * b->P;
    v->patches = malloc(NV * c->pd * sizeof(float));
    v->x = malloc(NV * d * sizeof(float));
    v->ln_out = malloc(NV * d * sizeof(float));
    float *vtmp = malloc(NV * d * sizeof(float));
    if (w->keep) {
      v->ln_xhat = malloc(NV * d * sizeof(float));
      v->ln_rstd = malloc(NV * sizeof(float));
    }
    s2t_block_acts scratch = { 0 };
    int fail = !v->patches || !v->x || !v->ln_out || !vtmp || (w->keep && (!v->ln_xhat || !v->ln_rstd)) ||
               (!w->keep && c->LV && s2t_block_acts_alloc(c, &v->seqs.s, 0, &scratch));
    for (int i = 0; i < c->LV && !fail; i++) fail = w->keep && s2t_block_acts_alloc(c, &v->seqs.s, 1, &v->blk[i]);
    if (fail) {
      free(vtmp);
      s2t_block_acts_free(&scratch);
      return "out of memory";
    }
    for (int i = 0; i < v->n; i++)
      memcpy(v->patches + (int64_t)i * b->P * c->pd, b->patches + (int64_t)v->rows[i] * b->P * c->pd, (size_t)b->P * c->pd * sizeof(float));
    GEMM(0, 0, NV, d, c->pd, v->patches, c->pd, w->p.patch_w, d, v->x, d, 0);
    s2t_add_bias(v->x, NV, d, d, w->p.patch_b, NULL);
    for (int64_t i = 0; i < NV; i++) /* + vis.pos, broadcast over the images */
      for (int j = 0; j < d; j++) v->x[i * d + j] = v->x[i * d + j] + w->p.vis_pos[(i % b->P) * d + j];
    for (int i = 0; i < c->LV; i++) s2t_block_forward(c, &w->p.vis[i], v->x, &v->seqs.s, 0, w->keep ? &v->blk[i] : &scratch, vtmp);
    s2t_block_acts_free(&scratch);
    s2t_layernorm(v->x, NV, d, w->p.vln_g, w->p.vln_b, v->ln_xhat, v->ln_rstd, v->ln_out);
    GEMM(0, 0, NV, d, d, v->ln_out, d, w->p.vproj_w, d, vtmp, d, 0);
    s2t_add_bias(vtmp, NV, d, d, w->p.vproj_b, NULL);
    for (int i = 0; i < v->n; i++) memcpy(w->x + v->dest[i] * d, vtmp + (int64_t)i * b->P * d, (size_t)b->P * d * sizeof(float));
    free(vtmp);
  }
  for (int64_t i = 0; i < w->ntext; i++) {
    const float *te = w->p.tok + (int64_t)w->text_tok[i] * d, *pe = w->p.pos + (int64_t)w->text_pos[i] * d;
    float *x = w->x + w->text_row[i] * d;
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
  if (s2t_fuse_qkv(c, &w->p)) {
    s2t_ws_free(w);
    *err = "out of memory";
    return NULL;
  }
  return w;
}

/* Runs the decoder blocks over the packed batch (activations kept when w->keep); each_layer (optional) sees a
 * block's q|k|v before the next block overwrites it. */
static const char *decoder_blocks(s2t_ws *w, void (*each_layer)(int layer, const float *qkv, void *ctx), void *ctx) {
  const s2t_cfg *c = &w->c;
  s2t_block_acts scratch = { 0 };
  if (!w->keep && s2t_block_acts_alloc(c, &w->seqs.s, 0, &scratch)) return "out of memory";
  for (int i = 0; i < c->L; i++) {
    s2t_block_acts *A = w->keep ? &w->dec[i] : &scratch;
    if (w->keep && s2t_block_acts_alloc(c, &w->seqs.s, 1, A)) return "out of memory";
    s2t_block_forward(c, &w->p.dec[i], w->x, &w->seqs.s, 1, A, w->tmp);
    if (each_layer) each_layer(i, A->qkv, ctx);
  }
  s2t_block_acts_free(&scratch);
  return NULL;
}

/* ---------------------------------------------------------------- scoring / training */

/* Log-softmax of scored rows at the temperature (in place in w->logsm); logp of the target; entropy. */
struct head_ctx {
  s2t_ws *w;
  float *logp, *entropy;
};
static void head_rows(int64_t r0, int64_t r1, void *p) {
  struct head_ctx *hc = p;
  s2t_ws *w = hc->w;
  int V = w->c.V;
  float e[V];
  for (int64_t i = r0; i < r1; i++) {
    float *z = w->logsm + i * V;
    if (w->temperature != 1.0f)
      for (int j = 0; j < V; j++) z[j] = z[j] / w->temperature;
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
    hc->entropy[w->head_out[i]] = -h;
    hc->logp[w->head_out[i]] = z[w->head_target[i]];
  }
}

s2t_ws *s2t_forward(const s2t_cfg *c, float *params, const s2t_batch *b, float temperature, int keep, float *logp, float *entropy, const char **err) {
  s2t_phase = 0;
  s2t_ws *w = ws_new(c, params, keep, err);
  if (!w) return NULL;
  w->temperature = temperature;
  memset(logp, 0, (size_t)b->B * b->R * sizeof(float));
  memset(entropy, 0, (size_t)b->B * b->R * sizeof(float));
  if ((*err = inputs(w, b)) || (*err = decoder_blocks(w, NULL, NULL))) goto fail;
  int d = c->d, V = c->V;
  int64_t NH = w->nhead;
  w->hsel = malloc((NH + 1) * d * sizeof(float));
  w->lnf_xhat = malloc((NH + 1) * d * sizeof(float));
  w->lnf_rstd = malloc((NH + 1) * sizeof(float));
  w->logsm = malloc((NH + 1) * V * sizeof(float));
  w->entropy = malloc((NH + 1) * sizeof(float));
  if (!w->hsel || !w->lnf_xhat || !w->lnf_rstd || !w->logsm || !w->entropy) {
    *err = "out of memory";
    goto fail;
  }
  for (int64_t i = 0; i < NH; i++) memcpy(w->tmp + i * d, w->x + w->head_row[i] * d, d * sizeof(float));
  s2t_layernorm(w->tmp, NH, d, w->p.lnf_g, w->p.lnf_b, w->lnf_xhat, w->lnf_rstd, w->hsel);
  GEMM(0, 0, NH, V, d, w->hsel, d, w->p.head_w, V, w->logsm, V, 0);
  s2t_add_bias(w->logsm, NH, V, V, w->p.head_b, NULL);
  struct head_ctx hc = { w, logp, entropy };
  double t0 = s2t_now();
  s2t_rows(NH, 16, head_rows, &hc);
  s2t_seconds[0][S2T_SOFTMAX] += s2t_now() - t0;
  if (keep) return w;
  s2t_ws_free(w);
  return NULL;
fail:
  s2t_ws_free(w);
  return NULL;
}

void s2t_forward_sizes(const s2t_ws *w, int64_t *rows, int64_t *params) {
  *rows = (int64_t)w->B * w->R;
  *params = s2t_bind(&w->c, NULL, NULL, NULL, NULL);
}

/* Σ over the packed text rows of dx into the embedding tables' rows (tokens and positions), one column strip per task. */
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
  for (int64_t i = 0; i < w->ntext; i++) {
    const float *dx = e->dx + w->text_row[i] * d;
    float *gt = e->gtok + (int64_t)w->text_tok[i] * d, *gp = e->gpos + (int64_t)w->text_pos[i] * d;
    for (int j = j0; j < j1; j++) gt[j] += dx[j];
    for (int j = j0; j < j1; j++) gp[j] += dx[j];
  }
}

const char *s2t_backward(s2t_ws *w, const float *dlogp, const float *dent, float *grads) {
  if (!w || !w->keep) return "no saved forward state";
  s2t_phase = 1;
  const s2t_cfg *c = &w->c;
  int d = c->d, V = c->V;
  int64_t NH = w->nhead, N = w->seqs.s.rows;
  s2t_params g;
  s2t_bind(c, grads, &g, NULL, NULL);
  float *dz = malloc((NH + 1) * V * sizeof(float)), *dh = malloc((NH + 1) * d * sizeof(float)), *dsel = malloc((NH + 1) * d * sizeof(float));
  float *dx = calloc(N * d + 1, sizeof(float));
  const char *err = NULL;
  if (!dz || !dh || !dsel || !dx) {
    err = "out of memory";
    goto done;
  }
  double t0 = s2t_now();
  for (int64_t i = 0; i < NH; i++) { /* ∂z_j = dlogp·(1[j = target] − p_j) − dent·p_j·(logsm_j + H), then / T */
    const float *l = w->logsm + i * V;
    float *z = dz + i * V;
    float dl = dlogp[w->head_out[i]], de = dent[w->head_out[i]];
    memcpy(z, l, V * sizeof(float));
    s2t_exp_inplace(z, V);
    for (int j = 0; j < V; j++) {
      float p = z[j];
      float v = -dl * p - de * p * (l[j] + w->entropy[i]);
      if (j == w->head_target[i]) v += dl;
      z[j] = w->temperature != 1.0f ? v / w->temperature : v;
    }
  }
  s2t_seconds[1][S2T_SOFTMAX] += s2t_now() - t0;
  GEMM(1, 0, d, V, NH, w->hsel, d, dz, V, g.head_w, V, 0);
  s2t_colsums(dz, V, NULL, NH, V, NULL, g.head_b);
  GEMM(0, 1, NH, d, V, dz, V, w->p.head_w, V, dh, d, 0);
  s2t_layernorm_back(dh, w->lnf_xhat, w->lnf_rstd, NH, d, w->p.lnf_g, dsel, 0, g.lnf_g, g.lnf_b);
  for (int64_t i = 0; i < NH; i++) /* a shared prompt's last row is scored once per response: add up */
    for (int j = 0; j < d; j++) dx[w->head_row[i] * d + j] += dsel[i * d + j];
  for (int i = c->L - 1; i >= 0 && !err; i--)
    if (s2t_block_backward(c, &w->p.dec[i], &g.dec[i], &w->dec[i], &w->seqs.s, dx)) err = "out of memory";
  memset(g.tok, 0, (size_t)V * d * sizeof(float));
  memset(g.pos, 0, (size_t)c->maxPos * d * sizeof(float));
  struct embed_ctx ec = { w, dx, g.tok, g.pos };
  S2T_TIMED(S2T_COPY, s2t_parallel((d + STRIP - 1) / STRIP, embed_task, &ec));
  memset(g.patch_w, 0, (size_t)(g.tok - g.patch_w) * sizeof(float)); /* the vision tower's gradients (0 without images) */
  struct ws_vision *v = &w->vis;
  if (v->n && !err) {
    int64_t NV = (int64_t)v->n * w->P;
    float *dimg = malloc(NV * d * sizeof(float)), *dv = malloc(NV * d * sizeof(float));
    if (!dimg || !dv) err = "out of memory";
    else {
      for (int i = 0; i < v->n; i++) memcpy(dimg + (int64_t)i * w->P * d, dx + v->dest[i] * d, (size_t)w->P * d * sizeof(float));
      GEMM(1, 0, d, d, NV, v->ln_out, d, dimg, d, g.vproj_w, d, 0);
      s2t_colsums(dimg, d, NULL, NV, d, NULL, g.vproj_b);
      GEMM(0, 1, NV, d, d, dimg, d, w->p.vproj_w, d, dv, d, 0);
      s2t_layernorm_back(dv, v->ln_xhat, v->ln_rstd, NV, d, w->p.vln_g, dimg, 0, g.vln_g, g.vln_b);
      for (int i = c->LV - 1; i >= 0 && !err; i--)
        if (s2t_block_backward(c, &w->p.vis[i], &g.vis[i], &v->blk[i], &v->seqs.s, dimg)) err = "out of memory";
      for (int i = 0; i < v->n; i++)
        for (int64_t k = 0; k < (int64_t)w->P * d; k++) g.vis_pos[k] += dimg[(int64_t)i * w->P * d + k];
      GEMM(1, 0, c->pd, d, NV, v->patches, c->pd, dimg, d, g.patch_w, d, 0);
      s2t_colsums(dimg, d, NULL, NV, d, NULL, g.patch_b);
    }
    free(dimg);
    free(dv);
  }
done:
  free(dz);
  free(dh);
  free(dsel);
  free(dx);
  s2t_phase = 0;
  return err;
}

/* ---------------------------------------------------------------- sampling with a KV cache */

struct s2t_dec {
  s2t_cfg c;
  float *params;
  s2t_params p;
  int B, n, rows, steps, max_new;
  /* per layer: each prompt's keys/values once (B slots), each row's generated ones (rows slots) */
  float *pk[S2T_MAX_LAYERS], *pv[S2T_MAX_LAYERS], *gk[S2T_MAX_LAYERS], *gv[S2T_MAX_LAYERS];
  int *plen, *glen, pcap;
  float *x, *tmp, *a, *qkv, *o, *f, *gl, *h; /* step buffers (rows at most) */
  int *map;
};

int s2t_decoder_rows(const s2t_dec *d) { return d->rows; }
int s2t_decoder_vocab(const s2t_dec *d) { return d->c.V; }

void s2t_decoder_free(s2t_dec *d) {
  if (!d) return;
  for (int i = 0; i < d->c.L; i++) {
    free(d->pk[i]);
    free(d->pv[i]);
    free(d->gk[i]);
    free(d->gv[i]);
  }
  void *ptrs[] = { d->params, d->p.fused, d->plen, d->glen, d->x, d->tmp, d->a, d->qkv, d->o, d->f, d->gl, d->h, d->map };
  for (size_t i = 0; i < sizeof ptrs / sizeof ptrs[0]; i++) free(ptrs[i]);
  free(d);
}

/* Key and value of q|k|v row `qrow` into slot `slot` (of capacity cap) at column t. */
static void cache_put(const s2t_cfg *c, float *kc, float *vc, int cap, const float *qkv, int64_t qrow, int slot, int t) {
  int d = c->d, H = c->H, dh = c->dh;
  const float *k = qkv + qrow * 3 * d + d, *v = k + d;
  for (int h = 0; h < H; h++) {
    float *kt = kc + ((int64_t)slot * H + h) * dh * cap;
    float *vt = vc + (((int64_t)slot * H + h) * cap + t) * dh;
    for (int e = 0; e < dh; e++) kt[(int64_t)e * cap + t] = k[h * dh + e];
    memcpy(vt, v + h * dh, dh * sizeof(float));
  }
}

/* logits [rows, V] = head(LN_f(x)) for the given rows of x. */
static void head(const s2t_cfg *c, const s2t_params *p, const float *x, int64_t rows, float *hbuf, float *logits) {
  s2t_layernorm(x, rows, c->d, p->lnf_g, p->lnf_b, NULL, NULL, hbuf);
  GEMM(0, 0, rows, c->V, c->d, hbuf, c->d, p->head_w, c->V, logits, c->V, 0);
  s2t_add_bias(logits, rows, c->V, c->V, p->head_b, NULL);
}

struct prefill_ctx {
  s2t_dec *dec;
  const s2t_ws *w;
};
/* After each decoder block of the prefill: each prompt's keys and values into its slot (once per prompt). */
static void prefill_layer(int layer, const float *qkv, void *p) {
  struct prefill_ctx *c = p;
  const s2t_seqs *s = &c->w->seqs.s;
  for (int b = 0; b < c->dec->B; b++)
    for (int t = 0; t < s->plen[b]; t++) cache_put(&c->dec->c, c->dec->pk[layer], c->dec->pv[layer], c->dec->pcap, qkv, s->poff[b] + t, b, t);
}

s2t_dec *s2t_decoder_new(const s2t_cfg *c, const float *params, const s2t_batch *b, int n, int max_new, float *logits, const char **err) {
  s2t_phase = 0;
  s2t_ws *w = ws_new(c, params, 0, err);
  s2t_dec *dec = calloc(1, sizeof *dec);
  float *first = NULL;
  if (!w || !dec) goto oom;
  if ((*err = inputs(w, b))) goto fail;
  int d = c->d, B = b->B, longest = 0;
  for (int r = 0; r < B; r++) longest = w->seqs.s.plen[r] > longest ? w->seqs.s.plen[r] : longest;
  dec->c = *c;
  dec->B = B;
  dec->n = n;
  dec->rows = B * n;
  dec->max_new = max_new;
  dec->pcap = longest;
  int rows = dec->rows, gcap = max_new > 0 ? max_new : 1;
  dec->plen = malloc((size_t)B * sizeof(int));
  dec->glen = calloc((size_t)rows, sizeof(int));
  dec->x = malloc((size_t)rows * d * sizeof(float));
  dec->tmp = malloc((size_t)rows * d * sizeof(float));
  dec->a = malloc((size_t)rows * d * sizeof(float));
  dec->qkv = malloc((size_t)rows * 3 * d * sizeof(float));
  dec->o = malloc((size_t)rows * d * sizeof(float));
  dec->f = malloc((size_t)rows * c->ff * sizeof(float));
  dec->gl = malloc((size_t)rows * c->ff * sizeof(float));
  dec->h = malloc((size_t)rows * d * sizeof(float));
  dec->map = malloc((size_t)rows * sizeof(int));
  first = malloc((size_t)B * c->V * sizeof(float));
  if (!dec->plen || !dec->glen || !dec->x || !dec->tmp || !dec->a || !dec->qkv || !dec->o || !dec->f || !dec->gl || !dec->h || !dec->map || !first)
    goto oom;
  for (int i = 0; i < c->L; i++) {
    dec->pk[i] = malloc((size_t)B * d * longest * sizeof(float));
    dec->pv[i] = malloc((size_t)B * d * longest * sizeof(float));
    dec->gk[i] = malloc((size_t)rows * d * gcap * sizeof(float));
    dec->gv[i] = malloc((size_t)rows * d * gcap * sizeof(float));
    if (!dec->pk[i] || !dec->pv[i] || !dec->gk[i] || !dec->gv[i]) goto oom;
  }
  for (int r = 0; r < B; r++) dec->plen[r] = w->seqs.s.plen[r];
  struct prefill_ctx pc = { dec, w };
  if ((*err = decoder_blocks(w, prefill_layer, &pc))) goto fail;
  /* each prompt's last token predicts the first response token */
  for (int r = 0; r < B; r++) memcpy(w->tmp + (int64_t)r * d, w->x + (w->seqs.s.poff[r] + w->seqs.s.plen[r] - 1) * d, d * sizeof(float));
  head(c, &w->p, w->tmp, B, dec->h, first);
  for (int r = 0; r < rows; r++) memcpy(logits + (int64_t)r * c->V, first + (int64_t)(r / n) * c->V, c->V * sizeof(float));
  free(first);
  dec->params = w->params; /* the decoder keeps the weights */
  w->params = NULL;
  dec->p = w->p;
  w->p.fused = NULL;
  s2t_ws_free(w);
  return dec;
oom:
  *err = "out of memory";
fail:
  free(first);
  s2t_ws_free(w);
  s2t_decoder_free(dec);
  return NULL;
}

const char *s2t_decoder_step(s2t_dec *dec, const int32_t *tokens, const int32_t *positions, const uint8_t *active, float *logits) {
  const s2t_cfg *c = &dec->c;
  if (dec->steps >= dec->max_new) return "decoder: no room left in the KV cache";
  int d = c->d, na = 0;
  for (int r = 0; r < dec->rows; r++) {
    if (!active[r]) continue;
    if (tokens[r] < 0 || tokens[r] >= c->V) return "token id outside the vocabulary";
    if (positions[r] < 0 || positions[r] >= c->maxPos) return "position outside the model's positions";
    dec->map[na++] = r;
  }
  s2t_phase = 0;
  dec->steps++;
  for (int i = 0; i < na; i++) {
    const float *te = dec->p.tok + (int64_t)tokens[dec->map[i]] * d, *pe = dec->p.pos + (int64_t)positions[dec->map[i]] * d;
    for (int j = 0; j < d; j++) dec->x[(int64_t)i * d + j] = te[j] + pe[j];
  }
  float scale = (float)(1.0 / sqrt((double)c->dh));
  for (int l = 0; l < c->L && na; l++) {
    const s2t_block_params *w = &dec->p.dec[l];
    s2t_layernorm(dec->x, na, d, w->ln1g, w->ln1b, NULL, NULL, dec->a);
    GEMM(0, 0, na, 3 * d, d, dec->a, d, w->wqkv, 3 * d, dec->qkv, 3 * d, 0);
    s2t_add_bias_scale(dec->qkv, na, d, 3 * d, w->qb, scale);
    s2t_add_bias(dec->qkv + d, na, d, 3 * d, w->kb, NULL);
    s2t_add_bias(dec->qkv + 2 * d, na, d, 3 * d, w->vb, NULL);
    int gcap = dec->max_new;
    for (int i = 0; i < na; i++) cache_put(c, dec->gk[l], dec->gv[l], gcap, dec->qkv, i, dec->map[i], dec->glen[dec->map[i]]);
    /* the queries (the first d columns of q|k|v), dense for the kernel; each row's keys include the new one */
    for (int i = 0; i < na; i++) {
      memcpy(dec->h + (int64_t)i * d, dec->qkv + (int64_t)i * 3 * d, d * sizeof(float));
      dec->glen[dec->map[i]]++;
    }
    s2t_kv prompt = { dec->pk[l], dec->pv[l], dec->plen, dec->pcap }, gen = { dec->gk[l], dec->gv[l], dec->glen, gcap };
    s2t_attention_cached(dec->h, na, dec->map, dec->n, c->H, c->dh, &prompt, &gen, dec->o);
    if (l + 1 < c->L)
      for (int i = 0; i < na; i++) dec->glen[dec->map[i]]--; /* the next layer writes its key at the same column */
    GEMM(0, 0, na, d, d, dec->o, d, w->ow, d, dec->tmp, d, 0);
    s2t_add_bias(dec->tmp, na, d, d, w->ob, dec->x);
    s2t_layernorm(dec->tmp, na, d, w->ln2g, w->ln2b, NULL, NULL, dec->a);
    GEMM(0, 0, na, c->ff, d, dec->a, d, w->fcw, c->ff, dec->f, c->ff, 0);
    s2t_add_bias(dec->f, na, c->ff, c->ff, w->fcb, NULL);
    s2t_gelu(dec->f, (int64_t)na * c->ff, NULL, dec->gl);
    GEMM(0, 0, na, d, c->ff, dec->gl, c->ff, w->pw, d, dec->x, d, 0);
    s2t_add_bias(dec->x, na, d, d, w->pb, dec->tmp);
  }
  if (!na) return NULL;
  float *out = malloc((size_t)na * c->V * sizeof(float));
  if (!out) return "out of memory";
  head(c, &dec->p, dec->x, na, dec->h, out);
  for (int i = 0; i < na; i++) memcpy(logits + (int64_t)dec->map[i] * c->V, out + (int64_t)i * c->V, c->V * sizeof(float));
  free(out);
  return NULL;
}
