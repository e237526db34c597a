import type { DictionaryKind } from "../dictionary/spec.ts";

/**
 * The seed a dictionary of a run is initialised with: FNV-1a (32-bit) of `${runSeed}/${kind}`.
 * Each dictionary gets its own, so that an SAE and a transcoder trained together do not start
 * from the same decoder (their latents would share indices, and matching them would count an
 * initialisation as a learned agreement). The page and `npm run train --model` both use it.
 */
export function dictionarySeed(runSeed: number, kind: DictionaryKind): number {
  let hash = 0x811c9dc5;
  for (const byte of new TextEncoder().encode(`${runSeed}/${kind}`)) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}
