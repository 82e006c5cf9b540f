/* sgemm for the native kernels: a packed, register-blocked kernel in GCC vector extensions (compiled with
 * -O3 -march=native: AVX-512, AVX2 or SSE as the CPU has), or OpenBLAS when built with S2T_OPENBLAS. Work is
 * split over the thread pool in blocks of whole microkernel rows/columns; only the k blocking (fixed) shapes
 * the sums, so every element comes out the same for any m, n, block sizes or thread count. */
#include "s2t.h"
#include <malloc.h>
#include <stdlib.h>
#include <string.h>
#ifdef S2T_OPENBLAS
#include <cblas.h>
#endif

#if defined(__AVX512F__)
#define VW 16
#ifndef MR
#define MR 12
#define NV 2
#endif
#elif defined(__AVX__)
#define VW 8
#define MR 6
#define NV 2
#else
#define VW 4
#define MR 6
#define NV 2
#endif
#define NR (NV * VW)
#define KC 256

typedef float vf __attribute__((vector_size(VW * 4)));
typedef float vfu __attribute__((vector_size(VW * 4), aligned(4)));

#if defined(__AVX512F__)
#include <immintrin.h>
static inline vf splat(float x) { return (vf)_mm512_set1_ps(x); }
#elif defined(__AVX__)
#include <immintrin.h>
static inline vf splat(float x) { return (vf)_mm256_set1_ps(x); }
#else
static inline vf splat(float x) {
  vf v;
  for (int i = 0; i < VW; i++) v[i] = x;
  return v;
}
#endif

const char *s2t_gemm_config(void) {
#ifdef S2T_OPENBLAS
  return "OpenBLAS sgemm";
#elif defined(__AVX512F__)
  return "built-in sgemm (AVX-512, 12x32)";
#elif defined(__AVX__)
  return "built-in sgemm (AVX2, 6x16)";
#else
  return "built-in sgemm (SSE, 6x8)";
#endif
}

void s2t_gemm_init(void) {
  /* The kernels allocate and free their large buffers once per call: keep them in the heap (glibc would map and
   * unmap each, paying page faults every time); the process keeps its peak instead. */
  mallopt(M_MMAP_THRESHOLD, 1 << 30);
  mallopt(M_TRIM_THRESHOLD, 1 << 30);
#ifdef S2T_OPENBLAS
  openblas_set_num_threads(1); /* the pool splits the work; OpenBLAS's own threads would spin against it */
#endif
}

int s2t_gemm_openblas(void) {
#ifdef S2T_OPENBLAS
  return 1;
#else
  return 0;
#endif
}

/* One MR-row panel of op(A): rows [i0, i0+rows) × k [k0, k0+kc) as p[k][r], rows past `rows` zero. */
static void pack_a(int ta, const float *a, int64_t lda, int64_t i0, int rows, int64_t k0, int64_t kc, float *p) {
  if (rows < MR) memset(p, 0, (size_t)kc * MR * sizeof(float));
  if (ta && rows == MR) {
    for (int64_t kk = 0; kk < kc; kk++) memcpy(p + kk * MR, a + (k0 + kk) * lda + i0, MR * sizeof(float)); /* inlined */
    return;
  }
  if (ta) {
    for (int64_t kk = 0; kk < kc; kk++)
      for (int r = 0; r < rows; r++) p[kk * MR + r] = a[(k0 + kk) * lda + i0 + r];
    return;
  }
  for (int r = 0; r < rows; r++) {
    const float *src = a + (i0 + r) * lda + k0;
    for (int64_t kk = 0; kk < kc; kk++) p[kk * MR + r] = src[kk];
  }
}

/* op(B) k [k0, k0+kc) × columns [j0, j0+nc) into NR-column panels p[panel][k][c], columns past nc zero. */
static void pack_b(int tb, const float *b, int64_t ldb, int64_t j0, int64_t nc, int64_t k0, int64_t kc, float *p) {
  for (int64_t jp = 0; jp < nc; jp += NR) {
    float *panel = p + (jp / NR) * kc * NR;
    int cols = nc - jp < NR ? (int)(nc - jp) : NR;
    if (cols < NR) memset(panel, 0, (size_t)kc * NR * sizeof(float));
    if (!tb && cols == NR) {
      for (int64_t kk = 0; kk < kc; kk++) memcpy(panel + kk * NR, b + (k0 + kk) * ldb + j0 + jp, NR * sizeof(float)); /* inlined */
      continue;
    }
    if (!tb) {
      for (int64_t kk = 0; kk < kc; kk++)
        for (int c = 0; c < cols; c++) panel[kk * NR + c] = b[(k0 + kk) * ldb + j0 + jp + c];
      continue;
    }
    for (int c = 0; c < cols; c++) {
      const float *src = b + (j0 + jp + c) * ldb + k0;
      for (int64_t kk = 0; kk < kc; kk++) panel[kk * NR + c] = src[kk];
    }
  }
}

/* The tile's sums into C (= or +=), for the rows and columns that exist. */
static inline void store_tile(vf acc[MR][NV], float *c, int64_t ldc, int rows, int cols, int add) {
  if (rows == MR && cols == NR) {
    for (int i = 0; i < MR; i++)
      for (int v = 0; v < NV; v++) {
        vfu *ci = (vfu *)(c + i * ldc + v * VW);
        *ci = add ? *ci + acc[i][v] : acc[i][v];
      }
    return;
  }
  float tile[NR] __attribute__((aligned(64)));
  for (int i = 0; i < rows; i++) {
    memcpy(tile, &acc[i][0], NR * sizeof(float));
    float *ci = c + i * ldc;
    if (add) for (int j = 0; j < cols; j++) ci[j] = ci[j] + tile[j];
    else for (int j = 0; j < cols; j++) ci[j] = tile[j];
  }
}

/* One MR×NR tile: acc = Σ_k A[k]·bp[k] with A's row i at a[i·as + k·ks] — packed (as 1, ks MR) or read in place
 * from row-major A (as lda, ks 1: no transposed copy, which costs as much as the products when n is small) —
 * then C = acc or C += acc for the rows and columns that exist. Both layouts give the same sums in the same order. */
static inline __attribute__((always_inline)) void tile(int64_t kc, const float *a, int64_t as, int64_t ks, const float *bp, float *c,
                                                       int64_t ldc, int rows, int cols, int add) {
  vf acc[MR][NV];
  for (int i = 0; i < MR; i++)
    for (int v = 0; v < NV; v++) acc[i][v] = (vf){0};
  for (int64_t k = 0; k < kc; k++) {
    vf bv[NV];
    for (int v = 0; v < NV; v++) bv[v] = *(const vf *)(bp + k * NR + v * VW);
#pragma GCC unroll 16
    for (int i = 0; i < MR; i++) {
      vf av = splat(a[i * as + k * ks]);
      for (int v = 0; v < NV; v++) acc[i][v] += av * bv[v];
    }
  }
  store_tile(acc, c, ldc, rows, cols, add);
}
static void micro(int64_t kc, const float *ap, const float *bp, float *c, int64_t ldc, int rows, int cols, int add) {
  tile(kc, ap, 1, MR, bp, c, ldc, rows, cols, add);
}
static void micro_rows(int64_t kc, const float *a, int64_t lda, const float *bp, float *c, int64_t ldc, int cols, int add) {
  tile(kc, a, lda, 1, bp, c, ldc, MR, cols, add);
}

struct gemm_job {
  int ta, tb, accumulate;
  int64_t m, n, k, lda, ldb, ldc, mc, nc, mblocks;
  const float *a, *b;
  float *c;
};

static __thread float *abuf, *bbuf;
static __thread int64_t abuf_n, bbuf_n;

static float *scratch(float **buf, int64_t *have, int64_t need) {
  if (*have < need) {
    free(*buf);
    *buf = aligned_alloc(64, ((need * sizeof(float) + 63) / 64) * 64);
    *have = need;
  }
  return *buf;
}

static void gemm_block(int64_t task, void *ctx) {
  const struct gemm_job *g = ctx;
  int64_t i0 = (task % g->mblocks) * g->mc, j0 = (task / g->mblocks) * g->nc;
  int64_t mc = g->m - i0 < g->mc ? g->m - i0 : g->mc;
  int64_t nc = g->n - j0 < g->nc ? g->n - j0 : g->nc;
#ifdef S2T_OPENBLAS
  cblas_sgemm(CblasRowMajor, g->ta ? CblasTrans : CblasNoTrans, g->tb ? CblasTrans : CblasNoTrans, (int)mc, (int)nc, (int)g->k, 1.0f,
              g->ta ? g->a + i0 : g->a + i0 * g->lda, (int)g->lda, g->tb ? g->b + j0 * g->ldb : g->b + j0, (int)g->ldb,
              g->accumulate ? 1.0f : 0.0f, g->c + i0 * g->ldc + j0, (int)g->ldc);
#else
  /* B's block once per k block (it stays in L2), then each MR-row panel of A (in L1) against all of it. */
  int64_t ncp = (nc + NR - 1) / NR * NR;
  float *ap = scratch(&abuf, &abuf_n, (int64_t)MR * KC);
  float *bp = scratch(&bbuf, &bbuf_n, ncp * KC);
  for (int64_t k0 = 0; k0 < g->k; k0 += KC) {
    int64_t kc = g->k - k0 < KC ? g->k - k0 : KC;
    int add = g->accumulate || k0 > 0;
    pack_b(g->tb, g->b, g->ldb, j0, nc, k0, kc, bp);
    for (int64_t ip = 0; ip < mc; ip += MR) {
      int rows = mc - ip < MR ? (int)(mc - ip) : MR;
      const float *arows = g->a + (i0 + ip) * g->lda + k0;
      int direct = !g->ta && rows == MR;
      if (!direct) pack_a(g->ta, g->a, g->lda, i0 + ip, rows, k0, kc, ap);
      for (int64_t jp = 0; jp < nc; jp += NR) {
        int cols = nc - jp < NR ? (int)(nc - jp) : NR;
        float *cp = g->c + (i0 + ip) * g->ldc + j0 + jp;
        if (direct) micro_rows(kc, arows, g->lda, bp + (jp / NR) * kc * NR, cp, g->ldc, cols, add);
        else micro(kc, ap, bp + (jp / NR) * kc * NR, cp, g->ldc, rows, cols, add);
      }
    }
  }
#endif
}

int64_t s2t_flops;

static void gemm(int ta, int tb, int64_t m, int64_t n, int64_t k, const float *a, int64_t lda, const float *b, int64_t ldb,
                 float *c, int64_t ldc, int accumulate, int threads) {
  if (m <= 0 || n <= 0) return;
  __atomic_fetch_add(&s2t_flops, 2 * m * n * k, __ATOMIC_RELAXED);
  if (k <= 0) {
    if (!accumulate) for (int64_t i = 0; i < m; i++) memset(c + i * ldc, 0, n * sizeof(float));
    return;
  }
  /* Blocks: ~4 per thread when there is enough work, each a whole number of microkernel tiles. */
  int64_t mc = 64 * MR, nc = 16 * NR;
  if (threads > 1) {
    int64_t want = 4 * threads;
    while (((m + mc - 1) / mc) * ((n + nc - 1) / nc) < want && (mc > MR || nc > NR)) {
      if (mc >= nc / 2 && mc > MR) mc = (mc / 2 + MR - 1) / MR * MR;
      else if (nc > NR) nc = (nc / 2 + NR - 1) / NR * NR;
      else mc = (mc / 2 + MR - 1) / MR * MR;
    }
  } else { /* one thread: all rows in one block (B is packed once per k block), columns in L2-sized blocks */
    mc = (m + MR - 1) / MR * MR;
    nc = (n + NR - 1) / NR * NR;
    if (nc > 16 * NR) nc = 16 * NR;
  }
  struct gemm_job g = { ta, tb, accumulate, m, n, k, lda, ldb, ldc, mc, nc, (m + mc - 1) / mc, a, b, c };
  int64_t tasks = g.mblocks * ((n + nc - 1) / nc);
  if (threads > 1) s2t_parallel(tasks, gemm_block, &g);
  else for (int64_t t = 0; t < tasks; t++) gemm_block(t, &g);
}

void s2t_gemm(int ta, int tb, int64_t m, int64_t n, int64_t k, const float *a, int64_t lda, const float *b, int64_t ldb,
              float *c, int64_t ldc, int accumulate) {
  gemm(ta, tb, m, n, k, a, lda, b, ldb, c, ldc, accumulate, s2t_threads());
}

void s2t_gemm_st(int ta, int tb, int64_t m, int64_t n, int64_t k, const float *a, int64_t lda, const float *b, int64_t ldb,
                 float *c, int64_t ldc, int accumulate) {
  gemm(ta, tb, m, n, k, a, lda, b, ldb, c, ldc, accumulate, 1);
}
