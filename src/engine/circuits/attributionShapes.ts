import type { AttributionSources, AttributionTargets, FrozenModel } from "./frozenModel.ts";

/** Throws a specific error when a FrozenModel's arrays do not fit its dimensions. */
export function checkFrozenModel(model: FrozenModel): void {
  const { nLayer, dModel: d, nHead, dHead, positions: P } = model;
  if (nHead * dHead !== d)
    throw new Error(`FrozenModel: nHead ${nHead} × dHead ${dHead} must equal dModel ${d}`);
  if (P < 1) throw new Error(`FrozenModel: positions must be at least 1, got ${P}`);
  if (model.layers.length !== nLayer)
    throw new Error(`FrozenModel: ${model.layers.length} layers, expected nLayer = ${nLayer}`);
  expectLength("FrozenModel.lnFinalScale", model.lnFinalScale, P);
  model.layers.forEach((layer, l) => {
    const at = `FrozenModel.layers[${l}]`;
    expectLength(`${at}.ln1Scale`, layer.ln1Scale, P);
    expectLength(`${at}.ln2Scale`, layer.ln2Scale, P);
    if (layer.ln1Gain) expectLength(`${at}.ln1Gain`, layer.ln1Gain, d);
    expectLength(`${at}.pattern`, layer.pattern, nHead * P * P);
    expectLength(`${at}.wV`, layer.wV, d * d);
    expectLength(`${at}.wO`, layer.wO, d * d);
    if (layer.wSkip) expectLength(`${at}.wSkip`, layer.wSkip, d * d);
  });
}

/** Throws a specific error when sources do not fit the model (slot, position, vector width). */
export function checkSources(model: FrozenModel, sources: AttributionSources): void {
  const { count } = sources;
  expectLength("AttributionSources.slot", sources.slot, count);
  expectLength("AttributionSources.pos", sources.pos, count);
  expectLength("AttributionSources.vectors", sources.vectors, count * model.dModel);
  for (let s = 0; s < count; s++) {
    const slot = sources.slot[s]!;
    if (!Number.isInteger(slot) || slot < 0 || slot > model.nLayer)
      throw new Error(`AttributionSources.slot[${s}] = ${slot}, expected 0..${model.nLayer}`);
    checkPosition(`AttributionSources.pos[${s}]`, sources.pos[s]!, model.positions);
  }
}

/** Throws a specific error when targets do not fit the model (layer, position, vector width). */
export function checkTargets(model: FrozenModel, targets: AttributionTargets): void {
  const { count } = targets;
  const P = model.positions;
  expectLength("AttributionTargets.layer", targets.layer, count);
  expectLength("AttributionTargets.pos", targets.pos, count);
  expectLength("AttributionTargets.vectors", targets.vectors, count * model.dModel);
  for (let t = 0; t < count; t++) {
    const layer = targets.layer[t]!;
    if (!Number.isInteger(layer) || layer < 0 || layer > model.nLayer)
      throw new Error(`AttributionTargets.layer[${t}] = ${layer}, expected 0..${model.nLayer}`);
    const pos = targets.pos[t]!;
    checkPosition(`AttributionTargets.pos[${t}]`, pos, P);
    if (layer === model.nLayer && pos !== P - 1)
      throw new Error(
        `AttributionTargets.pos[${t}] = ${pos}: a logit target (layer ${layer}) is read at the last position, ${P - 1}`,
      );
  }
}

function expectLength(what: string, array: ArrayLike<number>, expected: number): void {
  if (array.length !== expected)
    throw new Error(`${what} has ${array.length} values, expected ${expected}`);
}

function checkPosition(what: string, pos: number, P: number): void {
  if (!Number.isInteger(pos) || pos < 0 || pos >= P)
    throw new Error(`${what} = ${pos}, expected 0..${P - 1}`);
}
