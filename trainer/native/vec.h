/* GCC vector types at the CPU's width (-march=native): what the row kernels and exp are written in. */
#ifndef S2T_VEC_H
#define S2T_VEC_H
#if defined(__AVX512F__)
#define VW 16
#include <immintrin.h>
#elif defined(__AVX__)
#define VW 8
#include <immintrin.h>
#else
#define VW 4
#endif
typedef float vf __attribute__((vector_size(VW * 4)));
typedef float vfu __attribute__((vector_size(VW * 4), aligned(4)));
typedef int vi __attribute__((vector_size(VW * 4)));

static inline vf splat(float x) {
#if defined(__AVX512F__)
  return (vf)_mm512_set1_ps(x);
#elif defined(__AVX__)
  return (vf)_mm256_set1_ps(x);
#else
  vf v;
  for (int i = 0; i < VW; i++) v[i] = x;
  return v;
#endif
}
static inline vf loadu(const float *p) { return *(const vfu *)p; }
static inline void storeu(float *p, vf v) { *(vfu *)p = v; }
#endif
