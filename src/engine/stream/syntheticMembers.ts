/**
 * The dictionaries of a run on a synthetic model: sweep.ts's expansion (kinds, a swept
 * setting), without layers: the synthetic model has one site, its x (and y). Ids are the kind
 * and the swept value ("sae", "transcoder.k16", "sae.matryoshka_batchtopk"), seeds derive from
 * them as on a model's stream.
 */
import { dictionarySeed } from "./dictionarySeed.ts";
import { expandSweep, type SweepMember, type SweepRequest } from "./sweep.ts";

export type SyntheticSweepRequest = Omit<SweepRequest, "layers" | "layerList" | "saeSite">;

export function expandSyntheticRun(request: SyntheticSweepRequest): SweepMember[] {
  const members = expandSweep({ ...request, layers: [0], layerList: false });
  return members.map(({ hook: _hook, ...m }) => {
    const id = m.id.replace(/\.L0(?=\.|$)/, "");
    return {
      ...m,
      id,
      label: m.label.replace(" · L0", ""),
      seed: dictionarySeed(request.runSeed, id),
    };
  });
}
