/* A small pthread pool for the native kernels. A job is published as (generation, next task) in one atomic
 * word; the caller and any worker that is awake take tasks from it, and the caller returns once every task is
 * done — it never waits for a worker that took none (on a busy machine a descheduled worker costs nothing).
 * Idle workers spin briefly (yielding, so a busy machine that puts two of our threads on one core loses little),
 * then sleep on a condition variable. */
#include "s2t.h"
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <time.h>

#define MAX_THREADS 64
#define SPIN_SECONDS 50e-6   /* the caller waiting for tasks a worker took */
#define IDLE_SPIN_SECONDS 300e-6 /* a worker waiting for the next job: the kernels' serial stretches are shorter */
#define CLOSED 0xffffffffu

#if defined(__x86_64__) || defined(__i386__)
#define CPU_RELAX() __builtin_ia32_pause()
#else
#define CPU_RELAX() __asm__ volatile("" ::: "memory")
#endif

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wake = PTHREAD_COND_INITIALIZER;
static int nthreads = 1; /* including the caller */
static int started = 1;  /* threads running (caller included) */

/* The current job: fields written by the caller before `state` publishes them. */
static s2t_task_fn job_fn;
static void *job_ctx;
static uint32_t job_tasks;
static uint64_t state = CLOSED; /* generation << 32 | next task (CLOSED: no task to take) */
static uint32_t done;           /* tasks finished in the current job */
static uint32_t sleepers;

int s2t_phase;
double s2t_seconds[2][S2T_CLASSES];

double s2t_now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec * 1e-9;
}

/* A short busy wait that lets another thread of ours run if it shares this core (a busy machine). */
static void relax(void) {
  for (int i = 0; i < 32; i++) CPU_RELAX();
  sched_yield();
}

/* Takes and runs tasks of the published job until none is left. */
static void run_tasks(void) {
  for (;;) {
    uint64_t s = __atomic_load_n(&state, __ATOMIC_ACQUIRE);
    uint32_t t = (uint32_t)s;
    s2t_task_fn fn = job_fn;
    void *ctx = job_ctx;
    uint32_t tasks = job_tasks;
    if (t == CLOSED || t >= tasks) return;
    if (!__atomic_compare_exchange_n(&state, &s, s + 1, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) continue;
    fn(t, ctx);
    __atomic_fetch_add(&done, 1, __ATOMIC_RELEASE);
  }
}

static void *worker(void *arg) {
  int index = (int)(intptr_t)arg; /* 1 … (the caller is 0) */
  uint64_t seen = __atomic_load_n(&state, __ATOMIC_ACQUIRE) >> 32;
  for (;;) {
    double t0 = s2t_now();
    uint64_t gen;
    while ((gen = __atomic_load_n(&state, __ATOMIC_ACQUIRE) >> 32) == seen && s2t_now() - t0 < IDLE_SPIN_SECONDS) relax();
    if (gen == seen) {
      pthread_mutex_lock(&mu);
      __atomic_fetch_add(&sleepers, 1, __ATOMIC_SEQ_CST);
      while ((gen = __atomic_load_n(&state, __ATOMIC_SEQ_CST) >> 32) == seen) pthread_cond_wait(&wake, &mu);
      __atomic_fetch_sub(&sleepers, 1, __ATOMIC_SEQ_CST);
      pthread_mutex_unlock(&mu);
    }
    seen = gen;
    if (index < nthreads) run_tasks(); /* a lowered thread count leaves the extra workers idle */
  }
  return NULL;
}

int s2t_set_threads(int n) {
  if (n < 1) n = 1;
  if (n > MAX_THREADS) n = MAX_THREADS;
  pthread_mutex_lock(&mu);
  while (started < n) {
    pthread_t th;
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    int ok = pthread_create(&th, &attr, worker, (void *)(intptr_t)started) == 0;
    pthread_attr_destroy(&attr);
    if (!ok) break;
    started++;
  }
  nthreads = started < n ? started : n;
  pthread_mutex_unlock(&mu);
  return nthreads;
}

int s2t_threads(void) { return nthreads; }

void s2t_parallel(int64_t tasks, s2t_task_fn fn, void *ctx) {
  if (tasks <= 0) return;
  /* With one thread (or one task) the caller runs everything. */
  if (nthreads <= 1 || tasks == 1 || tasks >= CLOSED) {
    for (int64_t t = 0; t < tasks; t++) fn(t, ctx);
    return;
  }
  job_fn = fn;
  job_ctx = ctx;
  job_tasks = (uint32_t)tasks;
  __atomic_store_n(&done, 0, __ATOMIC_RELAXED);
  uint64_t gen = (__atomic_load_n(&state, __ATOMIC_RELAXED) >> 32) + 1;
  __atomic_store_n(&state, gen << 32, __ATOMIC_SEQ_CST);
  if (__atomic_load_n(&sleepers, __ATOMIC_SEQ_CST)) {
    pthread_mutex_lock(&mu);
    pthread_cond_broadcast(&wake);
    pthread_mutex_unlock(&mu);
  }
  run_tasks();
  /* Tasks a worker took may still run: spin a little, then give the core away while waiting. */
  double t0 = s2t_now();
  while (__atomic_load_n(&done, __ATOMIC_ACQUIRE) < (uint32_t)tasks) {
    if (s2t_now() - t0 < SPIN_SECONDS) CPU_RELAX();
    else relax();
  }
  __atomic_store_n(&state, gen << 32 | CLOSED, __ATOMIC_RELEASE);
}
