/* N-API glue of the native kernels (loaded by trainer/native/nativeLib.ts): the model's forward/backward and
 * KV-cache decoder (vlm.c), a batched sgemm over the tfjs wasm heap, the thread count and the profile.
 * Every argument is checked (types, lengths, ids) before any kernel touches memory. */
#include <node_api.h>
#include <stdlib.h>
#include <string.h>
#include "vlm.h"

#define CHECK(call)                                        \
  do {                                                     \
    if ((call) != napi_ok) {                               \
      napi_throw_error(env, NULL, "native: N-API failure"); \
      return NULL;                                         \
    }                                                      \
  } while (0)
/* The callback's arguments as argv[n], exactly n of them. */
#define ARGS(n, name)                                                   \
  size_t argc = n;                                                      \
  napi_value argv[n];                                                   \
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));          \
  if (argc != n) FAIL(name ": " #n " arguments expected")
#define FAIL(msg)                           \
  do {                                      \
    napi_throw_range_error(env, NULL, msg); \
    return NULL;                            \
  } while (0)

static int typed(napi_env env, napi_value v, napi_typedarray_type want, void **data, size_t *len) {
  bool is;
  if (napi_is_typedarray(env, v, &is) != napi_ok || !is) return 0;
  napi_typedarray_type type;
  napi_value buf;
  size_t off;
  if (napi_get_typedarray_info(env, v, &type, len, data, &buf, &off) != napi_ok || type != want) return 0;
  return 1;
}
static int is_null(napi_env env, napi_value v) {
  napi_valuetype t;
  return napi_typeof(env, v, &t) == napi_ok && (t == napi_null || t == napi_undefined);
}
static int64_t i64(napi_env env, napi_value v) {
  int64_t x = 0;
  napi_get_value_int64(env, v, &x);
  return x;
}
static double f64(napi_env env, napi_value v) {
  double x = 0;
  napi_get_value_double(env, v, &x);
  return x;
}
static napi_value undef(napi_env env) {
  napi_value u;
  napi_get_undefined(env, &u);
  return u;
}

/* ---- handles (saved forward state, decoder): freed by release() or, if forgotten, by the GC */
enum { H_WS = 1, H_DEC = 2 };
typedef struct {
  int kind;
  void *p;
} handle;
static void release_handle(handle *h) {
  if (h->kind == H_WS) s2t_ws_free(h->p);
  if (h->kind == H_DEC) s2t_decoder_free(h->p);
  h->p = NULL;
}
static void finalize(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  release_handle(data);
  free(data);
}
static napi_value wrap(napi_env env, int kind, void *p) {
  handle *h = malloc(sizeof *h);
  napi_value out;
  if (!h) {
    if (kind == H_WS) s2t_ws_free(p);
    else s2t_decoder_free(p);
    napi_throw_error(env, NULL, "native: out of memory");
    return NULL;
  }
  h->kind = kind;
  h->p = p;
  if (napi_create_external(env, h, finalize, NULL, &out) != napi_ok) return NULL;
  return out;
}
static void *unwrap(napi_env env, napi_value v, int kind) {
  handle *h = NULL;
  napi_valuetype t;
  if (napi_typeof(env, v, &t) != napi_ok || t != napi_external) return NULL;
  if (napi_get_value_external(env, v, (void **)&h) != napi_ok || !h || h->kind != kind) return NULL;
  return h->p;
}

/* cfg: Int32Array [d, H, ff, L, LV, V, P, pd, maxPos] */
static int read_cfg(napi_env env, napi_value v, s2t_cfg *c) {
  int32_t *x;
  size_t n;
  if (!typed(env, v, napi_int32_array, (void **)&x, &n) || n != 9) return 0;
  *c = (s2t_cfg){ .d = x[0], .H = x[1], .ff = x[2], .L = x[3], .LV = x[4], .V = x[5], .P = x[6], .pd = x[7], .maxPos = x[8] };
  if (c->d < 1 || c->H < 1 || c->d % c->H || c->ff < 1 || c->L < 0 || c->L > S2T_MAX_LAYERS || c->LV < 0 || c->LV > S2T_MAX_LAYERS ||
      c->V < 1 || c->P < 1 || c->pd < 1 || c->maxPos < 1)
    return 0;
  c->dh = c->d / c->H;
  return 1;
}

/* The batch arguments at argv[0…7]: dims Int32Array [B, P, promptLen, textLen, R], patches|null, hasImage,
 * tokens, positions, valid, targets|null, rlen|null (responses per row). Returns an error message or NULL. */
static const char *read_batch(napi_env env, napi_value *argv, const s2t_cfg *c, s2t_batch *b) {
  int32_t *dims;
  size_t n;
  if (!typed(env, argv[0], napi_int32_array, (void **)&dims, &n) || n != 5) return "batch dims: Int32Array[5] expected";
  *b = (s2t_batch){ .B = dims[0], .P = dims[1], .promptLen = dims[2], .textLen = dims[3], .R = dims[4] };
  if (b->B < 1 || (b->P != 0 && b->P != c->P) || b->promptLen < 1 || b->textLen < b->promptLen || b->R < 0 ||
      b->textLen - b->promptLen != (b->R > 0 ? b->R - 1 : 0))
    return "batch dims do not fit the model";
  int64_t text = (int64_t)b->B * b->textLen;
  size_t len;
  if (b->P) {
    if (!typed(env, argv[1], napi_float32_array, (void **)&b->patches, &len) || len != (size_t)b->B * b->P * c->pd) return "patches: wrong size";
  } else if (!is_null(env, argv[1])) return "patches given for a batch without image tokens";
  if (!typed(env, argv[2], napi_float32_array, (void **)&b->hasImage, &len) || len != (size_t)b->B) return "hasImage: wrong size";
  if (!typed(env, argv[3], napi_int32_array, (void **)&b->tokens, &len) || len != (size_t)text) return "tokens: wrong size";
  if (!typed(env, argv[4], napi_int32_array, (void **)&b->positions, &len) || len != (size_t)text) return "positions: wrong size";
  if (!typed(env, argv[5], napi_float32_array, (void **)&b->valid, &len) || len != (size_t)text) return "valid: wrong size";
  if (b->R) {
    if (!typed(env, argv[6], napi_int32_array, (void **)&b->targets, &len) || len != (size_t)b->B * b->R) return "targets: wrong size";
    if (!typed(env, argv[7], napi_int32_array, (void **)&b->rlen, &len) || len != (size_t)b->B) return "rlen: wrong size";
  } else if (!is_null(env, argv[6]) || !is_null(env, argv[7])) return "targets given for a batch without responses";
  return NULL;
}

/* The model arguments at argv[0…1]: the config and its flat parameters. Returns an error message or NULL. */
static const char *read_model(napi_env env, napi_value *argv, s2t_cfg *c, float **p) {
  size_t n;
  if (!read_cfg(env, argv[0], c)) return "bad model config";
  if (!typed(env, argv[1], napi_float32_array, (void **)p, &n) || (int64_t)n != s2t_bind(c, NULL, NULL, NULL, NULL))
    return "parameters do not match the model config";
  return NULL;
}

/* paramSizes(cfg) → Float64Array: each tensor's element count in the layout's order. */
static napi_value ParamSizes(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1], ab, out;
  s2t_cfg c;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc != 1 || !read_cfg(env, argv[0], &c)) FAIL("paramSizes: bad model config");
  int n;
  s2t_bind(&c, NULL, NULL, NULL, &n);
  int64_t *sizes = malloc(n * sizeof(int64_t));
  double *d;
  if (!sizes) FAIL("paramSizes: out of memory");
  s2t_bind(&c, NULL, NULL, sizes, &n);
  CHECK(napi_create_arraybuffer(env, n * sizeof(double), (void **)&d, &ab));
  for (int i = 0; i < n; i++) d[i] = (double)sizes[i];
  free(sizes);
  CHECK(napi_create_typedarray(env, napi_float64_array, n, ab, 0, &out));
  return out;
}

/* forward(cfg, params, dims, patches, hasImage, tokens, positions, valid, targets, rlen, temperature, keep, logp,
 * entropy) → a handle for backward() when keep, else undefined. */
static napi_value Forward(napi_env env, napi_callback_info info) {
  ARGS(14, "forward");
  s2t_cfg c;
  float *params, *logp, *ent;
  s2t_batch b;
  size_t n1, n2;
  const char *err = read_model(env, argv, &c, &params);
  if (!err) err = read_batch(env, argv + 2, &c, &b);
  if (err) FAIL(err);
  if (!typed(env, argv[12], napi_float32_array, (void **)&logp, &n1) || !typed(env, argv[13], napi_float32_array, (void **)&ent, &n2) ||
      n1 != (size_t)b.B * b.R || n2 != n1)
    FAIL("forward: logp/entropy outputs must be Float32Array[B·R]");
  bool keep;
  CHECK(napi_get_value_bool(env, argv[11], &keep));
  s2t_ws *ws = s2t_forward(&c, params, &b, (float)f64(env, argv[10]), keep, logp, ent, &err);
  if (err) FAIL(err);
  return keep ? wrap(env, H_WS, ws) : undef(env);
}

/* backward(handle, dlogp, dentropy, grads) */
static napi_value Backward(napi_env env, napi_callback_info info) {
  ARGS(4, "backward");
  s2t_ws *ws = unwrap(env, argv[0], H_WS);
  if (!ws) FAIL("backward: not a live forward handle");
  float *dl, *de, *g;
  size_t n1, n2, n3;
  if (!typed(env, argv[1], napi_float32_array, (void **)&dl, &n1) || !typed(env, argv[2], napi_float32_array, (void **)&de, &n2) ||
      !typed(env, argv[3], napi_float32_array, (void **)&g, &n3))
    FAIL("backward: Float32Arrays expected");
  int64_t nr, np;
  s2t_forward_sizes(ws, &nr, &np);
  if ((int64_t)n1 != nr || (int64_t)n2 != nr || (int64_t)n3 != np) FAIL("backward: sizes do not match the forward");
  const char *err = s2t_backward(ws, dl, de, g);
  if (err) FAIL(err);
  return undef(env);
}

/* release(handle): frees a forward state or decoder now. */
static napi_value Release(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  handle *h = NULL;
  napi_valuetype t;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc == 1 && napi_typeof(env, argv[0], &t) == napi_ok && t == napi_external && napi_get_value_external(env, argv[0], (void **)&h) == napi_ok && h)
    release_handle(h);
  return undef(env);
}

/* decoderNew(cfg, params, dims, patches, hasImage, tokens, positions, valid, n, maxNew, logits) → handle */
static napi_value DecoderNew(napi_env env, napi_callback_info info) {
  ARGS(11, "decoderNew");
  s2t_cfg c;
  float *params, *logits;
  s2t_batch b;
  size_t n;
  napi_value bargs[8] = { argv[2], argv[3], argv[4], argv[5], argv[6], argv[7], NULL, NULL };
  napi_get_null(env, &bargs[6]);
  napi_get_null(env, &bargs[7]);
  const char *err = read_model(env, argv, &c, &params);
  if (!err) err = read_batch(env, bargs, &c, &b);
  if (err) FAIL(err);
  if (b.R) FAIL("decoderNew: a prompt batch has no responses");
  int64_t rep = i64(env, argv[8]), max_new = i64(env, argv[9]);
  if (rep < 1 || max_new < 0 || max_new > (1 << 16) || (int64_t)b.B * rep > (1 << 24)) FAIL("decoderNew: bad n or maxNew");
  if (!typed(env, argv[10], napi_float32_array, (void **)&logits, &n) || n != (size_t)(b.B * rep * c.V)) FAIL("decoderNew: logits must be Float32Array[B·n·V]");
  s2t_dec *dec = s2t_decoder_new(&c, params, &b, (int)rep, (int)max_new, logits, &err);
  if (!dec) FAIL(err ? err : "decoderNew failed");
  return wrap(env, H_DEC, dec);
}

/* decoderStep(handle, tokens, positions, active, logits) */
static napi_value DecoderStep(napi_env env, napi_callback_info info) {
  ARGS(5, "decoderStep");
  s2t_dec *dec = unwrap(env, argv[0], H_DEC);
  if (!dec) FAIL("decoderStep: not a live decoder");
  int32_t *tok, *pos;
  uint8_t *act;
  float *logits;
  size_t n1, n2, n3, n4;
  int rows = s2t_decoder_rows(dec);
  if (!typed(env, argv[1], napi_int32_array, (void **)&tok, &n1) || !typed(env, argv[2], napi_int32_array, (void **)&pos, &n2) ||
      !typed(env, argv[3], napi_uint8_array, (void **)&act, &n3) || !typed(env, argv[4], napi_float32_array, (void **)&logits, &n4) ||
      n1 != (size_t)rows || n2 != (size_t)rows || n3 != (size_t)rows || n4 != (size_t)rows * s2t_decoder_vocab(dec))
    FAIL("decoderStep: tokens, positions (Int32Array), active (Uint8Array) per row and logits Float32Array[rows·V] expected");
  const char *err = s2t_decoder_step(dec, tok, pos, act, logits);
  if (err) FAIL(err);
  return undef(env);
}

/* sgemm(heap, batch, m, k, n, transA, transB, aOff, aStride, bOff, bStride, cOff): for each batch item i,
 * C_i[m×n] = op(A_i)·op(B_i) on a Float32Array (the tfjs wasm heap), offsets/strides in floats (0 broadcasts). */
static napi_value Sgemm(napi_env env, napi_callback_info info) {
  ARGS(12, "sgemm");
  float *heap;
  size_t length;
  if (!typed(env, argv[0], napi_float32_array, (void **)&heap, &length)) FAIL("sgemm: heap must be a Float32Array");
  int64_t batch = i64(env, argv[1]), m = i64(env, argv[2]), k = i64(env, argv[3]), n = i64(env, argv[4]);
  int ta = (int)i64(env, argv[5]), tb = (int)i64(env, argv[6]);
  int64_t aOff = i64(env, argv[7]), aStride = i64(env, argv[8]), bOff = i64(env, argv[9]), bStride = i64(env, argv[10]), cOff = i64(env, argv[11]);
  if (batch < 1 || m < 1 || k < 1 || n < 1 || aOff < 0 || bOff < 0 || cOff < 0 || aStride < 0 || bStride < 0 ||
      (size_t)(cOff + batch * m * n) > length || (size_t)(aOff + (batch - 1) * aStride + m * k) > length ||
      (size_t)(bOff + (batch - 1) * bStride + k * n) > length)
    FAIL("sgemm: operand outside the heap");
  s2t_phase = 0;
  for (int64_t i = 0; i < batch; i++)
    S2T_TIMED(S2T_MATMUL, s2t_gemm(ta, tb, m, n, k, heap + aOff + i * aStride, ta ? m : k, heap + bOff + i * bStride, tb ? k : n,
                                   heap + cOff + i * m * n, n, 0));
  return undef(env);
}

/* sumsq(g) → Σ g² (double) */
static napi_value SumSq(napi_env env, napi_callback_info info) {
  size_t argc = 1, n;
  napi_value argv[1], out;
  float *g;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc != 1 || !typed(env, argv[0], napi_float32_array, (void **)&g, &n)) FAIL("sumsq: a Float32Array expected");
  CHECK(napi_create_double(env, s2t_sumsq(g, (int64_t)n), &out));
  return out;
}

/* adamw(p, g, m, v, lr, weightDecay, beta1, beta2, eps, c1, c2, clip): p, m, v updated in place. */
static napi_value AdamW(napi_env env, napi_callback_info info) {
  ARGS(12, "adamw");
  size_t n[4];
  float *a[4];
  for (int i = 0; i < 4; i++)
    if (!typed(env, argv[i], napi_float32_array, (void **)&a[i], &n[i]) || n[i] != n[0]) FAIL("adamw: p, g, m, v must be Float32Arrays of one length");
  float h[8];
  for (int i = 0; i < 8; i++) h[i] = (float)f64(env, argv[4 + i]);
  s2t_adamw(a[0], a[1], a[2], a[3], (int64_t)n[0], h[0], h[1], h[2], h[3], h[4], h[5], h[6], h[7]);
  return undef(env);
}

/* threads([n]) → the pool's thread count (sets it first when n is given). */
static napi_value Threads(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1], out;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc == 1 && !is_null(env, argv[0])) s2t_set_threads((int)i64(env, argv[0]));
  CHECK(napi_create_int32(env, s2t_threads(), &out));
  return out;
}

static napi_value Config(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value out;
  CHECK(napi_create_string_utf8(env, s2t_gemm_config(), NAPI_AUTO_LENGTH, &out));
  return out;
}

/* profile(reset) → Float64Array: [phase][class] seconds (forward, backward × matmul, softmax, layer norm,
 * element-wise, copies), then the matmul FLOPs; reset zeroes the counters after reading. */
static napi_value Profile(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1], ab, out;
  bool reset = false;
  double *d;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc == 1) napi_get_value_bool(env, argv[0], &reset);
  CHECK(napi_create_arraybuffer(env, sizeof s2t_seconds + sizeof(double), (void **)&d, &ab));
  memcpy(d, s2t_seconds, sizeof s2t_seconds);
  d[2 * S2T_CLASSES] = (double)__atomic_load_n(&s2t_flops, __ATOMIC_RELAXED);
  if (reset) {
    memset(s2t_seconds, 0, sizeof s2t_seconds);
    __atomic_store_n(&s2t_flops, 0, __ATOMIC_RELAXED);
  }
  CHECK(napi_create_typedarray(env, napi_float64_array, 2 * S2T_CLASSES + 1, ab, 0, &out));
  return out;
}

NAPI_MODULE_INIT() {
  s2t_gemm_init();
  napi_property_descriptor props[] = {
    { "paramSizes", NULL, ParamSizes, NULL, NULL, NULL, napi_default, NULL },
    { "forward", NULL, Forward, NULL, NULL, NULL, napi_default, NULL },
    { "backward", NULL, Backward, NULL, NULL, NULL, napi_default, NULL },
    { "release", NULL, Release, NULL, NULL, NULL, napi_default, NULL },
    { "decoderNew", NULL, DecoderNew, NULL, NULL, NULL, napi_default, NULL },
    { "decoderStep", NULL, DecoderStep, NULL, NULL, NULL, napi_default, NULL },
    { "sgemm", NULL, Sgemm, NULL, NULL, NULL, napi_default, NULL },
    { "sumsq", NULL, SumSq, NULL, NULL, NULL, napi_default, NULL },
    { "adamw", NULL, AdamW, NULL, NULL, NULL, napi_default, NULL },
    { "threads", NULL, Threads, NULL, NULL, NULL, napi_default, NULL },
    { "config", NULL, Config, NULL, NULL, NULL, napi_default, NULL },
    { "profile", NULL, Profile, NULL, NULL, NULL, napi_default, NULL },
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
  return exports;
}
