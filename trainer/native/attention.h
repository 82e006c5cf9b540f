/* Multi-head attention over a packed q|k|v buffer (attention.c): forward with a key mask and causal option,
 * its gradient, and one new query per row over a KV cache (sampling). */
#ifndef S2T_ATTENTION_H
#define S2T_ATTENTION_H
#include "s2t.h"

/* qkv [B·T, 3d]: q (already scaled by 1/√dh) | k | v, head h in columns h·dh…; kv [B·T] 1 where a key may be
 * attended (NULL: all); causal: query i sees keys ≤ i. o [B·T, d]. att [B·H·T·T] keeps the probabilities for
 * the gradient (NULL: not kept). A query with no key to attend gets o = 0. */
void s2t_attention(const float *qkv, int B, int T, int H, int dh, const uint8_t *kv, int causal, float *att, float *o);
/* From dout [B·T, d]: dqkv [B·T, 3d] = (∂q_lin, ∂k, ∂v), the q part already times `scale` (q = q_lin·scale). */
void s2t_attention_back(const float *qkv, const float *att, const float *dout, int B, int T, int H, int dh, float scale, float *dqkv);

/* One query per row over the KV cache: q [rows, d] (scaled), o [rows, d]; row i reads cache row map[i] of
 * kc [·][H][dh][tmax] (keys transposed) and vc [·][H][tmax][dh]: keys 0…tp−1 where kv_prefix [·][tp] allows,
 * and tp…tp+g−1 (all). */
void s2t_attention_cached(const float *q, const float *kc, const float *vc, int rows, const int *map, int H, int dh, int tmax, int tp,
                          int g, const uint8_t *kv_prefix, float *o);
#endif
