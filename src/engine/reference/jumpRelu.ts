/**
 * JumpReLU's straight-through estimators, as SAELens's autograd Functions define them
 * (architectures.md §4; sae_lens/saes/jumprelu_sae.py). Per element, with ε the bandwidth
 * and K the rectangle kernel.
 */

/** K(u) = 1[−0.5 < u < 0.5]. */
export function rectangle(u: number): number {
  return u > -0.5 && u < 0.5 ? 1 : 0;
}

/** JumpReLU forward in training: π·1[π > θ]. */
export function jumpRelu(pre: number, theta: number): number {
  return pre > theta ? pre : 0;
}

/** JumpReLU backward to θ for an upstream gradient g: −(θ/ε)·K((π − θ)/ε)·g. */
export function jumpReluThresholdGrad(pre: number, theta: number, eps: number, g: number): number {
  return -(theta / eps) * rectangle((pre - theta) / eps) * g;
}

/** Step (the L0 penalty's Heaviside) backward to θ: −(1/ε)·K((π − θ)/ε)·g; to π it is 0. */
export function stepThresholdGrad(pre: number, theta: number, eps: number, g: number): number {
  return -(1 / eps) * rectangle((pre - theta) / eps) * g;
}
