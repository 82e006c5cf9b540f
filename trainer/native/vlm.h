/* The built-in VLM in C (vlm.c, block.c): its dimensions, where each parameter sits in one flat buffer (the
 * order of trainer/model/vlm.ts paramShapes), and the entry points the N-API glue (addon.c) calls. */
#ifndef S2T_VLM_H
#define S2T_VLM_H
#include "s2t.h"
#include "attention.h"

typedef struct {
  int d, H, dh, ff, L, LV, V, P, pd, maxPos;
} s2t_cfg;

typedef struct {
  float *ln1g, *ln1b, *qw, *qb, *kw, *kb, *vw, *vb, *ow, *ob, *ln2g, *ln2b, *fcw, *fcb, *pw, *pb;
  float *wqkv; /* [d, 3d]: q.w | k.w | v.w side by side (s2t_fuse_qkv), one product for all three */
} s2t_block_params;

#define S2T_MAX_LAYERS 64
typedef struct {
  float *patch_w, *patch_b, *vis_pos, *vln_g, *vln_b, *vproj_w, *vproj_b, *tok, *pos, *lnf_g, *lnf_b, *head_w, *head_b;
  s2t_block_params vis[S2T_MAX_LAYERS], dec[S2T_MAX_LAYERS];
  float *fused; /* storage of the blocks' wqkv */
} s2t_params;

/* Points p's fields into base (NULL base: only counts); returns the floats used. sizes (optional) receives
 * each tensor's element count in order; *ntensors their number. */
int64_t s2t_bind(const s2t_cfg *c, float *base, s2t_params *p, int64_t *sizes, int *ntensors);

/* Fills every block's wqkv from its q/k/v weights (into p->fused, freed by the owner); -1 when out of memory. */
int s2t_fuse_qkv(const s2t_cfg *c, s2t_params *p);

/* A batch as trainer/model/batch.ts lays it out: [image tokens | text (left-padded prompt, response)]. Only
 * what an output depends on is computed: a row's image when it has one, its valid text columns, up to its last
 * response token (rlen) — padding is never attended, so dropping it changes no output. */
typedef struct {
  int B, P, promptLen, textLen, R;
  const int32_t *rlen; /* [B] response tokens per row (the mask's sum), NULL for a prompt batch */
  const float *patches; /* [B, P, pd] or NULL when P == 0 */
  const float *hasImage; /* [B] */
  const int32_t *tokens, *positions; /* [B, textLen] */
  const float *valid; /* [B, textLen] */
  const int32_t *targets; /* [B, R] */
} s2t_batch;

/* Saved activations of one transformer block (block.c). */
typedef struct {
  float *xhat1, *rstd1, *a, *qkv, *att, *o, *xhat2, *rstd2, *c, *f, *s, *g;
} s2t_block_acts;
/* Allocates a block's activations for the packed sequences (the attention probabilities too when keep); free
 * with s2t_block_acts_free. */
int s2t_block_acts_alloc(const s2t_cfg *c, const s2t_seqs *s, int keep, s2t_block_acts *A);
void s2t_block_acts_free(s2t_block_acts *A);
/* x [rows, d] → the block's output, in place; tmp [rows, d] scratch. */
void s2t_block_forward(const s2t_cfg *c, const s2t_block_params *w, float *x, const s2t_seqs *s, int causal, s2t_block_acts *A, float *tmp);
/* dx [rows, d]: ∂output in, ∂input out; parameter gradients written into gw. */
int s2t_block_backward(const s2t_cfg *c, const s2t_block_params *w, const s2t_block_params *gw, const s2t_block_acts *A, const s2t_seqs *s,
                       float *dx);

/* Scoring/training forward: logp, entropy [B, R] of the targets at `temperature` (0 past a row's rlen). keep: returns the state the
 * gradient needs (else NULL); *err set on allocation failure. */
typedef struct s2t_ws s2t_ws;
s2t_ws *s2t_forward(const s2t_cfg *c, float *params, const s2t_batch *b, float temperature, int keep, float *logp, float *entropy, const char **err);
/* grads (the parameter layout) = ∂(Σ dlogp·logp + dent·entropy)/∂params. */
const char *s2t_backward(s2t_ws *ws, const float *dlogp, const float *dent, float *grads);
void s2t_ws_free(s2t_ws *ws);
/* The forward's B·R and the parameter count (what backward's arguments must hold). */
void s2t_forward_sizes(const s2t_ws *ws, int64_t *rows, int64_t *params);

/* Sampling with a KV cache: prefill a prompt batch (R = 0), each row repeated n times, room for max_new
 * tokens; logits [B·n, V] predict each row's first token. step feeds one token per active row. */
typedef struct s2t_dec s2t_dec;
s2t_dec *s2t_decoder_new(const s2t_cfg *c, const float *params, const s2t_batch *b, int n, int max_new, float *logits, const char **err);
const char *s2t_decoder_step(s2t_dec *dec, const int32_t *tokens, const int32_t *positions, const uint8_t *active, float *logits);
int s2t_decoder_rows(const s2t_dec *dec);
int s2t_decoder_vocab(const s2t_dec *dec);
void s2t_decoder_free(s2t_dec *dec);
#endif
