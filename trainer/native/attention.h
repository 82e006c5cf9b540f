/* Multi-head attention over packed sequences of different lengths (attention.c): forward (causal or
 * bidirectional), its gradient, and one new query per row over a KV cache (sampling). */
#ifndef S2T_ATTENTION_H
#define S2T_ATTENTION_H
#include "s2t.h"

/* Packed sequences: group g has a prefix (rows poff[g] … +plen[g]−1 of every [rows, ·] buffer) and children
 * c0[g] … c0[g]+cn[g]−1, each a continuation of the prefix (rows coff[c] … +clen[c]−1) that attends the prefix
 * and itself but not its siblings — the n responses to one prompt share the prompt's computation. Attention
 * probabilities, when kept, sit at att + patt[g] as [H][plen][plen] and att + catt[c] as [H][clen][plen+clen]. */
typedef struct {
  int G;
  const int64_t *poff, *patt, *coff, *catt;
  const int *plen, *c0, *cn, *clen;
  int64_t rows, att_size;
} s2t_seqs;

/* qkv [rows, 3d]: q (already scaled by 1/√dh) | k | v, head h in columns h·dh…; every key of a sequence may be
 * attended (padding is not packed); causal: query i sees keys ≤ i (prefixes without children may be
 * bidirectional: the vision tower). o [rows, d]. att keeps the probabilities for the gradient (NULL: not kept). */
void s2t_attention(const float *qkv, const s2t_seqs *s, int H, int dh, int causal, float *att, float *o);
/* From dout [rows, d]: dqkv [rows, 3d] = (∂q_lin, ∂k, ∂v), the q part already times `scale` (q = q_lin·scale). */
void s2t_attention_back(const float *qkv, const float *att, const float *dout, const s2t_seqs *s, int H, int dh, float scale, float *dqkv);

/* A KV cache: keys transposed [slot][H][dh][cap], values [slot][H][cap][dh], len[slot] filled. */
typedef struct {
  const float *k, *v;
  const int *len;
  int cap;
} s2t_kv;

/* One query per row over a KV cache in two parts: its prompt's (slot map[i] / n of `prompt`, shared by the n rows
 * sampled from one prompt) and its own generated tokens (slot map[i] of `gen`, the new one included). q [rows, d]
 * (scaled), o [rows, d]. */
void s2t_attention_cached(const float *q, int rows, const int *map, int n, int H, int dh, const s2t_kv *prompt, const s2t_kv *gen, float *o);
#endif
