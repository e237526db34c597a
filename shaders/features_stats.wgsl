// Per-feature statistics over one chunk of latents [rows, STRIDE], one invocation per feature,
// walking the chunk's rows in order (neighbouring invocations read neighbouring columns of a
// row). Only invocation f touches feature f's state, so no atomics are needed, and the result
// does not depend on scheduling. Chunks hold whole sequences of run.seqLen rows. Every latent
// is multiplied by scale[f] first (decoder norms a TopK's selection must not see; else 1).
//
// first:  count, Kahan sum, max and min of the firing (> 0) values of included rows, and the
//         running top-K examples at eligible positions (SAEDashboard's edge buffer).
// second: with the final max and min known, the linear histogram over [min, max] (torch.histc),
//         the log-spaced one, and the interval samples at eligible positions (a reservoir per
//         bin keeping the SAMPLES lowest hash priorities).
//
// Example order everywhere: value descending, then global token index ascending
// (token = sequence * seqLen + position).

struct Run {
  rows: u32,
  seqLen: u32,
  tokenBase: u32,
  seed: u32,
}

@group(0) @binding(0) var<uniform> run: Run;
@group(0) @binding(1) var<storage, read> latents: array<f32>;
// 1 where the row counts (not an excluded special token), else 0.
@group(0) @binding(2) var<storage, read> included: array<u32>;
// Per feature STATS words: count, sum, sum compensation, max, min (floats as bits).
@group(0) @binding(3) var<storage, read_write> stats: array<u32>;
// Per feature K pairs (value bits, token); empty slots hold value 0.
@group(0) @binding(4) var<storage, read_write> top: array<u32>;
// Per feature BINS linear counts, then BINS log-spaced counts.
@group(0) @binding(5) var<storage, read_write> hist: array<u32>;
// Per feature INTERVALS * SAMPLES triples (priority, token, value bits), each bin sorted by
// priority; empty slots hold priority 0xffffffff.
@group(0) @binding(6) var<storage, read_write> samples: array<u32>;
@group(0) @binding(7) var<storage, read> scale: array<f32>;

override N: u32;
override STRIDE: u32;
override K: u32 = 20u;
override BINS: u32 = 50u;
override INTERVALS: u32 = 10u;
override SAMPLES: u32 = 5u;

const STATS: u32 = 5u;
// SAEDashboard's buffer (5, 5): positions [BUFFER_BEFORE + 1, seqLen - BUFFER_AFTER).
const BUFFER_BEFORE: u32 = 5u;
const BUFFER_AFTER: u32 = 5u;

// Whether an example may sit at this position (every position when the window is too short
// to leave one inside the buffer).
fn eligible(position: u32) -> bool {
  let first = BUFFER_BEFORE + 1u;
  if (run.seqLen <= first + BUFFER_AFTER) { return true; }
  return position >= first && position < run.seqLen - BUFFER_AFTER;
}

// (a, ta) ranks before (b, tb).
fn before(a: f32, ta: u32, b: f32, tb: u32) -> bool {
  return a > b || (a == b && ta < tb);
}

fn insertTop(f: u32, v: f32, t: u32) {
  let base = f * K * 2u;
  var i = K;
  // Shift worse entries down until v's place.
  loop {
    if (i == 0u) { break; }
    let pv = bitcast<f32>(top[base + (i - 1u) * 2u]);
    let pt = top[base + (i - 1u) * 2u + 1u];
    if (!before(v, t, pv, pt)) { break; }
    if (i < K) {
      top[base + i * 2u] = top[base + (i - 1u) * 2u];
      top[base + i * 2u + 1u] = pt;
    }
    i -= 1u;
  }
  if (i < K) {
    top[base + i * 2u] = bitcast<u32>(v);
    top[base + i * 2u + 1u] = t;
  }
}

@compute @workgroup_size(64)
fn first(@builtin(global_invocation_id) gid: vec3<u32>) {
  let f = gid.x;
  if (f >= N) { return; }
  let s = f * STATS;
  var count = stats[s];
  var sum = bitcast<f32>(stats[s + 1u]);
  var comp = bitcast<f32>(stats[s + 2u]);
  var mx = bitcast<f32>(stats[s + 3u]);
  var mn = bitcast<f32>(stats[s + 4u]);
  let sc = scale[f];
  // The K-th example, kept in registers so that most values skip the list.
  let last = (f * K + K - 1u) * 2u;
  var worstV = bitcast<f32>(top[last]);
  var worstT = top[last + 1u];
  for (var r = 0u; r < run.rows; r++) {
    let v = latents[r * STRIDE + f] * sc;
    if (v <= 0.0 || included[r] == 0u) { continue; }
    count += 1u;
    let y = v - comp;
    let t = sum + y;
    comp = (t - sum) - y;
    sum = t;
    mx = max(mx, v);
    mn = select(v, min(mn, v), count > 1u);
    // Rows run in increasing token order, so a later equal value never outranks.
    let token = run.tokenBase + r;
    if (eligible(r % run.seqLen) && before(v, token, worstV, worstT)) {
      insertTop(f, v, token);
      worstV = bitcast<f32>(top[last]);
      worstT = top[last + 1u];
    }
  }
  stats[s] = count;
  stats[s + 1u] = bitcast<u32>(sum);
  stats[s + 2u] = bitcast<u32>(comp);
  stats[s + 3u] = bitcast<u32>(mx);
  stats[s + 4u] = bitcast<u32>(mn);
}

// A 32-bit integer hash (lowbias32) of the seed, the feature and the token.
fn mix32(x: u32) -> u32 {
  var h = x;
  h ^= h >> 16u;
  h *= 0x7feb352du;
  h ^= h >> 15u;
  h *= 0x846ca68bu;
  h ^= h >> 16u;
  return h;
}

fn priority(f: u32, token: u32) -> u32 {
  return mix32(mix32(mix32(run.seed) ^ f) ^ token);
}

fn insertSample(f: u32, bin: u32, p: u32, t: u32, v: f32) {
  let base = (f * INTERVALS + bin) * SAMPLES * 3u;
  var i = SAMPLES;
  loop {
    if (i == 0u) { break; }
    let pp = samples[base + (i - 1u) * 3u];
    let pt = samples[base + (i - 1u) * 3u + 1u];
    if (!(p < pp || (p == pp && t < pt))) { break; }
    if (i < SAMPLES) {
      samples[base + i * 3u] = pp;
      samples[base + i * 3u + 1u] = pt;
      samples[base + i * 3u + 2u] = samples[base + (i - 1u) * 3u + 2u];
    }
    i -= 1u;
  }
  if (i < SAMPLES) {
    samples[base + i * 3u] = p;
    samples[base + i * 3u + 1u] = t;
    samples[base + i * 3u + 2u] = bitcast<u32>(v);
  }
}

@compute @workgroup_size(64)
fn second(@builtin(global_invocation_id) gid: vec3<u32>) {
  let f = gid.x;
  if (f >= N) { return; }
  let s = f * STATS;
  if (stats[s] == 0u) { return; }
  let mx = bitcast<f32>(stats[s + 3u]);
  let mn = bitcast<f32>(stats[s + 4u]);
  let logMin = log(mn);
  let logSpan = log(mx) - logMin;
  // torch.histc's range: [min, max], widened to [v - 1, v + 1] when they are equal.
  var lo = mn;
  var hi = mx;
  if (lo == hi) {
    lo -= 1.0;
    hi += 1.0;
  }
  let h = f * BINS * 2u;
  let sc = scale[f];
  for (var r = 0u; r < run.rows; r++) {
    let v = latents[r * STRIDE + f] * sc;
    if (v <= 0.0 || included[r] == 0u) { continue; }
    let lin = min(u32(max((v - lo) * f32(BINS) / (hi - lo), 0.0)), BINS - 1u);
    hist[h + lin] += 1u;
    var lg = 0u;
    if (logSpan > 0.0) {
      lg = min(u32(max(log(v) - logMin, 0.0) / logSpan * f32(BINS)), BINS - 1u);
    }
    hist[h + BINS + lg] += 1u;
    if (!eligible(r % run.seqLen)) { continue; }
    let bin = min(u32(v / mx * f32(INTERVALS)), INTERVALS - 1u);
    let token = run.tokenBase + r;
    let p = priority(f, token);
    let worst = samples[((f * INTERVALS + bin) * SAMPLES + SAMPLES - 1u) * 3u];
    if (p <= worst) { insertSample(f, bin, p, token, v); }
  }
}
