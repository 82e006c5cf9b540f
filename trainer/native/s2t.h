/* Shared declarations of the trainer's native kernels (see nativeLib.ts for how they are built and loaded):
 * the thread pool, the blocked sgemm, vector helpers and the per-class time counters the benchmark prints. */
#ifndef S2T_H
#define S2T_H
#include <stddef.h>
#include <stdint.h>

/* ---- thread pool: fn(task, ctx) for task in [0, tasks), spread over the pool; the caller works too. Tasks
 * write disjoint outputs, so results never depend on the thread count. */
typedef void (*s2t_task_fn)(int64_t task, void *ctx);
void s2t_parallel(int64_t tasks, s2t_task_fn fn, void *ctx);
int s2t_set_threads(int n);
int s2t_threads(void);

/* ---- sgemm: C[m×n] (= or +=) op(A)[m×k] · op(B)[k×n], row-major with leading dimensions. The result of each
 * element depends only on its row of A and column of B (fixed k order), never on m, n or the threads. */
void s2t_gemm(int ta, int tb, int64_t m, int64_t n, int64_t k, const float *a, int64_t lda, const float *b, int64_t ldb,
              float *c, int64_t ldc, int accumulate);
/* The same on the calling thread only (for work already spread over the pool). */
void s2t_gemm_st(int ta, int tb, int64_t m, int64_t n, int64_t k, const float *a, int64_t lda, const float *b, int64_t ldb,
                 float *c, int64_t ldc, int accumulate);
void s2t_gemm_init(void);
/* 1 when sgemm runs on OpenBLAS (built with S2T_OPENBLAS), 0 on the built-in kernel. */
int s2t_gemm_openblas(void);
const char *s2t_gemm_config(void);

/* ---- time per kernel class and phase (forward / backward), for the benchmark's profile. */
enum { S2T_MATMUL, S2T_SOFTMAX, S2T_LAYERNORM, S2T_ELEMENTWISE, S2T_COPY, S2T_CLASSES };
extern int s2t_phase; /* 0 forward, 1 backward */
extern double s2t_seconds[2][S2T_CLASSES];
extern int64_t s2t_flops; /* matmul floating-point operations so far */
double s2t_now(void);
#define S2T_TIMED(cls, stmt) do { double t0_ = s2t_now(); stmt; s2t_seconds[s2t_phase][cls] += s2t_now() - t0_; } while (0)

/* ---- AdamW (adamw.c): Σ g² in double; then p, m, v updated in place with the bias corrections c1, c2 and the
 * gradient clip factor computed by the caller. */
double s2t_sumsq(const float *g, int64_t n);
void s2t_adamw(float *p, const float *g, float *m, float *v, int64_t n, float lr, float wd, float b1, float b2, float eps, float c1,
               float c2, float clip);

/* ---- vectorised exp (|rel err| < 2e-7 on the range softmax and sigmoid use). */
void s2t_exp_inplace(float *x, int64_t n);
float s2t_expf(float x);

#endif
