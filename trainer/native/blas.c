/* Optional native matmul for the built-in trainer: batched sgemm through the system's OpenBLAS, reading and
 * writing the TensorFlow.js wasm backend's heap in place (a Float32Array over its memory + element offsets).
 * Built on first use by trainer/native/nativeBlas.ts when gcc, Node's headers and libopenblas-dev exist;
 * without it the trainer runs on plain wasm. */
#include <node_api.h>
#include <cblas.h>
#include <stdint.h>

static int64_t arg_i64(napi_env env, napi_value v) {
  int64_t x = 0;
  napi_get_value_int64(env, v, &x);
  return x;
}

/* sgemm(heap, batch, m, k, n, transA, transB, aOff, aStride, bOff, bStride, cOff): for every batch item i,
 * C_i[m×n] = op(A_i) · op(B_i), row-major; offsets and strides in floats (stride 0 broadcasts). */
static napi_value Sgemm(napi_env env, napi_callback_info info) {
  size_t argc = 12;
  napi_value argv[12];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc != 12) {
    napi_throw_error(env, NULL, "sgemm: 12 arguments expected");
    return NULL;
  }
  napi_typedarray_type type;
  size_t length;
  void *data;
  napi_value buffer;
  size_t byteOffset;
  if (napi_get_typedarray_info(env, argv[0], &type, &length, &data, &buffer, &byteOffset) != napi_ok || type != napi_float32_array) {
    napi_throw_type_error(env, NULL, "sgemm: heap must be a Float32Array");
    return NULL;
  }
  float *heap = (float *)data;
  int64_t batch = arg_i64(env, argv[1]), m = arg_i64(env, argv[2]), k = arg_i64(env, argv[3]), n = arg_i64(env, argv[4]);
  int ta = (int)arg_i64(env, argv[5]), tb = (int)arg_i64(env, argv[6]);
  int64_t aOff = arg_i64(env, argv[7]), aStride = arg_i64(env, argv[8]);
  int64_t bOff = arg_i64(env, argv[9]), bStride = arg_i64(env, argv[10]);
  int64_t cOff = arg_i64(env, argv[11]);
  int64_t last = cOff + batch * m * n;
  if (batch < 1 || m < 1 || k < 1 || n < 1 || aOff < 0 || bOff < 0 || cOff < 0 || (size_t)last > length ||
      (size_t)(aOff + (batch - 1) * aStride + m * k) > length || (size_t)(bOff + (batch - 1) * bStride + k * n) > length) {
    napi_throw_range_error(env, NULL, "sgemm: operand outside the heap");
    return NULL;
  }
  for (int64_t i = 0; i < batch; i++) {
    cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans,
                (int)m, (int)n, (int)k, 1.0f,
                heap + aOff + i * aStride, ta ? (int)m : (int)k,
                heap + bOff + i * bStride, tb ? (int)k : (int)n,
                0.0f, heap + cOff + i * m * n, (int)n);
  }
  return NULL;
}

static napi_value Threads(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc == 1) openblas_set_num_threads((int)arg_i64(env, argv[0]));
  napi_value out;
  napi_create_int32(env, openblas_get_num_threads(), &out);
  return out;
}

static napi_value Config(napi_env env, napi_callback_info info) {
  napi_value out;
  napi_create_string_utf8(env, openblas_get_config(), NAPI_AUTO_LENGTH, &out);
  return out;
}

static napi_value Init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
    { "sgemm", NULL, Sgemm, NULL, NULL, NULL, napi_default, NULL },
    { "threads", NULL, Threads, NULL, NULL, NULL, napi_default, NULL },
    { "config", NULL, Config, NULL, NULL, NULL, napi_default, NULL },
  };
  napi_define_properties(env, exports, 3, props);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
