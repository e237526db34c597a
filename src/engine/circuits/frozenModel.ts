/**
 * The replacement model frozen at one prompt, as the batched backward passes see it.
 *
 * With a transcoder in place of every MLP, attention patterns and LayerNorm scales frozen, and
 * every MLP's output split into (its transcoder's latents · W_dec) + an error node (both
 * constants), the residual stream is affine in the sources. An edge from source s to target t
 * is `A[t, s] = r_tᵀ J_{t←s} v_s`, J the frozen linear map between the two locations
 * (circuit-tracer's method; ../shared/reference/circuits.md §1-2).
 *
 * The map J, per layer ℓ, going backward (g is a gradient on the residual stream [P, d]):
 * - at blocks.ℓ.hook_mlp_out the gradient is g (the MLP output adds to the residual);
 * - skip path only: g_n2 = W_skipᵀ g (nothing without a skip connection), plus any target row
 *   injected at blocks.ℓ.ln2.hook_normalized; through LN2 with a frozen scale,
 *   g_mid = g + (g_n2 − mean(g_n2)) / s2[p];
 * - attention with frozen patterns: g_z[p, h·dh+i] = Σ_c W_O[h·dh+i, c] g_mid[p, c];
 *   g_v[q, h·dh+i] = Σ_{p ≥ q} A[h, p, q] g_z[p, h·dh+i];
 *   g_n1[q, c] = γ1[c] Σ_j W_V[c, j] g_v[q, j]; then through LN1 with a frozen scale,
 *   g_pre = g_mid + (g_n1 − mean(g_n1)) / s1[q];
 * - below layer 0 the gradient is at hook_embed (blocks.0.hook_resid_pre).
 * A logit target row is injected at ln_final's output at the last position and goes through
 * ln_final's frozen scale: g = (r − mean(r)) / sF[P−1] at that position.
 */

/** One block, frozen. Weights are TransformerLens-processed (LayerNorm gains folded away). */
export interface FrozenLayer {
  /** [P] ln1's scale s1 (√(var + eps)) at each position. */
  ln1Scale: Float64Array;
  /** [d] ln1's gain, absent when processed (gain 1). */
  ln1Gain?: Float32Array;
  /** [nHead, P, P]: pattern[h, p (query), q (key)], zero for q > p. */
  pattern: Float64Array;
  /** [d, d]: the value projection, columns head-major (h·dh + i): wQkv's last d columns. */
  wV: Float32Array;
  /** [d, d]: rows are the heads' outputs z (h·dh + i). */
  wO: Float32Array;
  /** [P] ln2's scale s2 at each position. */
  ln2Scale: Float64Array;
  /** [d (out), d (in)]: the transcoder's skip connection, ŷ += x @ W_skipᵀ; absent: none. */
  wSkip?: Float32Array;
}

export interface FrozenModel {
  nLayer: number;
  dModel: number;
  nHead: number;
  dHead: number;
  /** Prompt length P (BOS included). */
  positions: number;
  layers: FrozenLayer[];
  /** [P] ln_final's scale at each position. */
  lnFinalScale: Float64Array;
}

/** Where a source's vector is written: a layer's hook_mlp_out, or hook_embed (slot = nLayer). */
export interface AttributionSources {
  count: number;
  /** [count] 0..nLayer−1: blocks.slot.hook_mlp_out; nLayer: hook_embed. */
  slot: Int32Array;
  /** [count] position. */
  pos: Int32Array;
  /** [count, d] the source's vector v_s (a·W_dec[f], an error vector, an embedding). */
  vectors: Float32Array;
}

/** Target rows r_t: injected at blocks.layer.ln2.hook_normalized, or (layer = nLayer) a logit. */
export interface AttributionTargets {
  count: number;
  /** [count] 0..nLayer−1: a feature's pre-activation read at that layer's ln2.hook_normalized;
   * nLayer: a logit read at ln_final's output (pos must be P − 1). */
  layer: Int32Array;
  /** [count] position. */
  pos: Int32Array;
  /** [count, d] the row r_t (a W_enc column, or a centred W_U column). */
  vectors: Float32Array;
}
