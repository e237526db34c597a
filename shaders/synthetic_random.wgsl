// Counter-based random numbers, bit for bit those of src/engine/synthetic/counterRandom.ts:
// every draw hashes (seed, step, stream, row, index, draw) with lowbias32, chained boost-style.

const STREAM_COPULA_SHARED: u32 = 1u;
const STREAM_COPULA_OWN: u32 = 2u;
const STREAM_MAGNITUDE: u32 = 3u;
const STREAM_BERNOULLI: u32 = 4u;
const STREAM_MUTUAL_EXCLUSION: u32 = 5u;

fn lowbias32(v: u32) -> u32 {
  var x = v;
  x = x ^ (x >> 16u);
  x = x * 0x7feb352du;
  x = x ^ (x >> 15u);
  x = x * 0x846ca68bu;
  return x ^ (x >> 16u);
}

fn hash_combine(h: u32, key: u32) -> u32 {
  return lowbias32(h ^ (key + 0x9e3779b9u + (h << 6u) + (h >> 2u)));
}

fn row_key(seed: u32, step: u32, stream: u32, row: u32) -> u32 {
  return hash_combine(hash_combine(hash_combine(lowbias32(seed), step), stream), row);
}

fn draw_bits(key: u32, index: u32, draw: u32) -> u32 {
  return hash_combine(hash_combine(key, index), draw);
}

fn uniform_at(key: u32, index: u32) -> f32 {
  return f32(draw_bits(key, index, 0u) >> 8u) * 5.9604644775390625e-8;
}

// ln((k + 1)·2^-24) for a 24-bit k, and cos(2π·j·2^-24): exact range reduction on the integers,
// then short series, so that the float64 reference agrees to ~1e-7 (WGSL's own log and cos
// may err by 2^-11).
fn log_unit(k: u32) -> f32 {
  let v = k + 1u;
  var e = i32(firstLeadingBit(v));
  var m = ldexp(f32(v), -e);
  if (m > 1.4142135623730951) {
    m = m * 0.5;
    e = e + 1;
  }
  let s = (m - 1.0) / (m + 1.0);
  let s2 = s * s;
  let series = s * (2.0 + s2 * (0.6666666666666666 + s2 * (0.4 + s2 * (0.2857142857142857
    + s2 * (0.2222222222222222 + s2 * 0.18181818181818182)))));
  return f32(e - 24) * 0.6931471805599453 + series;
}

fn cos_turn(j: u32) -> f32 {
  let quadrant = j >> 22u;
  let t = f32(j & 0x3fffffu) * 2.384185791015625e-7 * 1.5707963267948966;
  let t2 = t * t;
  let c = 1.0 + t2 * (-0.5 + t2 * (0.041666666666666664 + t2 * (-0.001388888888888889
    + t2 * (2.48015873015873e-5 + t2 * (-2.755731922398589e-7 + t2 * 2.08767569878681e-9)))));
  let s = t * (1.0 + t2 * (-0.16666666666666666 + t2 * (0.008333333333333333
    + t2 * (-0.0001984126984126984 + t2 * (2.7557319223985893e-6
    + t2 * (-2.505210838544172e-8 + t2 * 1.6059043836821613e-10))))));
  switch quadrant {
    case 0u: { return c; }
    case 1u: { return -s; }
    case 2u: { return -c; }
    default: { return s; }
  }
}

fn normal_at(key: u32, index: u32) -> f32 {
  let u1 = draw_bits(key, index, 0u) >> 8u;
  let u2 = draw_bits(key, index, 1u) >> 8u;
  return sqrt(-2.0 * log_unit(u1)) * cos_turn(u2);
}
