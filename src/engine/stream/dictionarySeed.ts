/**
 * The seed a dictionary of a run is initialised with: FNV-1a (32-bit) of `${runSeed}/${id}`.
 * Each dictionary gets its own, so that an SAE and a transcoder trained together do not start
 * from the same decoder (their latents would share indices, and matching them would count an
 * initialisation as a learned agreement). The id is the dictionary's kind in a plain pair
 * ("sae", "transcoder") and its sweep id otherwise (sweep.ts, e.g. "transcoder.L3.k16"). The
 * page and `npm run train --model` both use it.
 */
export function dictionarySeed(runSeed: number, id: string): number {
  let hash = 0x811c9dc5;
  for (const byte of new TextEncoder().encode(`${runSeed}/${id}`)) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}
