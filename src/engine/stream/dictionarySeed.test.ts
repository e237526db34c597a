import { describe, expect, it } from "vitest";
import { GPU_DEFAULTS } from "../../ui/state/defaults.ts";
import { plansOf } from "../../worker/streamRun.ts";
import { initDictionary } from "../dictionary/init.ts";
import { sameIndexSuspicious } from "../features/featureMatching.ts";
import { cosineMatchesReference } from "../features/featureMatchingReference.ts";
import { dictionarySeed } from "./dictionarySeed.ts";

describe("dictionarySeed", () => {
  it("is FNV-1a (32-bit) of `${seed}/${kind}`", () => {
    // Python: h = 0x811c9dc5; for b in s.encode(): h = ((h ^ b) * 0x01000193) & 0xffffffff
    expect(dictionarySeed(0, "sae")).toBe(450683495);
    expect(dictionarySeed(0, "transcoder")).toBe(3024271455);
    expect(dictionarySeed(42, "sae")).toBe(63314171);
  });

  it("gives a run's SAE and transcoder their own seeds, so their initial decoders differ", () => {
    const plans = plansOf(GPU_DEFAULTS);
    const [sae, transcoder] = plans;
    expect(sae!.seed).toBe(dictionarySeed(GPU_DEFAULTS.seed, "sae"));
    expect(transcoder!.seed).toBe(dictionarySeed(GPU_DEFAULTS.seed, "transcoder"));
    // The two decoders as training starts them (same shape), matched as Match features does.
    const shape = { dIn: 16, dSae: 64, dOut: 16 };
    const decoder = (seed: number) => initDictionary(shape, seed).wDec;
    const match = (a: number, b: number) =>
      cosineMatchesReference(decoder(a), decoder(b), { nA: 64, nB: 64, d: 16 }, 0);
    const own = match(sae!.seed, transcoder!.seed);
    expect(own.sameIndex).toBeLessThan(10 / 64);
    expect(sameIndexSuspicious(own, 64)).toBe(false);
    // One seed for both (as before): every latent's best match is its own index.
    const shared = match(GPU_DEFAULTS.seed, GPU_DEFAULTS.seed);
    expect(shared.sameIndex).toBe(1);
    expect(sameIndexSuspicious(shared, 64)).toBe(true);
  });
});
