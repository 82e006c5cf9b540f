/* Multi-head attention over packed sequences of different lengths (attention.c): forward (causal or
 * bidirectional), its gradient, and one new query per row over a KV cache (sampling). */
#ifndef S2T_ATTENTION_H
#define S2T_ATTENTION_H
#include "s2t.h"

/* B sequences packed one after another: sequence b holds rows off[b] … off[b]+len[b]−1 of every [rows, ·]
 * buffer; its attention probabilities, when kept, sit at att + att_off[b] as [H][len][len]. */
typedef struct {
  int B;
  const int64_t *off, *att_off;
  const int *len;
  int64_t rows, att_size;
} s2t_seqs;

/* qkv [rows, 3d]: q (already scaled by 1/√dh) | k | v, head h in columns h·dh…; every key of a sequence may be
 * attended (padding is not packed), causal: query i sees keys ≤ i. o [rows, d]. att keeps the probabilities
 * for the gradient (NULL: not kept). */
void s2t_attention(const float *qkv, const s2t_seqs *s, int H, int dh, int causal, float *att, float *o);
/* From dout [rows, d]: dqkv [rows, 3d] = (∂q_lin, ∂k, ∂v), the q part already times `scale` (q = q_lin·scale). */
void s2t_attention_back(const float *qkv, const float *att, const float *dout, const s2t_seqs *s, int H, int dh, float scale, float *dqkv);

/* One query per row over the KV cache: q [rows, d] (scaled), o [rows, d]; row i reads cache row map[i] of
 * kc [·][H][dh][tmax] (keys transposed) and vc [·][H][tmax][dh], keys 0 … keys[map[i]]−1 (all attended). */
void s2t_attention_cached(const float *q, const float *kc, const float *vc, int rows, const int *map, int H, int dh, int tmax,
                          const int *keys, float *o);
#endif
