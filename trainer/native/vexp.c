/* exp on float vectors (Cephes-style: 2^n · poly(r), r = x − n·ln2 in two parts), so softmax and the GELU's
 * sigmoid run at vector speed. Within 2 ulp of expf; every element goes through the same vector code (tails
 * are padded), so a value never depends on where it sits in an array. */
#include "s2t.h"
#include "vec.h"
#include <string.h>

/* Lane-wise select by a comparison mask (all bits set where true). */
static inline vf vsel(vi mask, vf a, vf b) { return (vf)((mask & (vi)a) | (~mask & (vi)b)); }

static inline vf vexp(vf x) {
  const vf hi = splat(88.3762626647949f), lo = splat(-87.3365447504f);
  x = vsel(x < lo, lo, x);
  x = vsel(x > hi, hi, x);
  vf fx = x * splat(1.44269504088896341f) + splat(0.5f);
  vf fl = __builtin_convertvector(__builtin_convertvector(fx, vi), vf); /* truncation, then down to the floor */
  fl = fl + __builtin_convertvector(fl > fx, vf);
  x = x - fl * splat(0.693359375f);
  x = x - fl * splat(-2.12194440e-4f);
  vf z = x * x;
  vf y = splat(1.9875691500E-4f);
  y = y * x + splat(1.3981999507E-3f);
  y = y * x + splat(8.3334519073E-3f);
  y = y * x + splat(4.1665795894E-2f);
  y = y * x + splat(1.6666665459E-1f);
  y = y * x + splat(5.0000001201E-1f);
  y = y * z + x + splat(1.0f);
  vi n = __builtin_convertvector(fl, vi);
  vi bits = (n + 127) << 23;
  return y * (vf)bits;
}

void s2t_exp_inplace(float *x, int64_t n) {
  int64_t i = 0;
  for (; i + VW <= n; i += VW) storeu(x + i, vexp(loadu(x + i)));
  if (i < n) {
    float tail[VW] = { 0 };
    memcpy(tail, x + i, (n - i) * sizeof(float));
    storeu(tail, vexp(loadu(tail)));
    memcpy(x + i, tail, (n - i) * sizeof(float));
  }
}

float s2t_expf(float x) {
  float v[VW] = { x };
  storeu(v, vexp(loadu(v)));
  return v[0];
}
