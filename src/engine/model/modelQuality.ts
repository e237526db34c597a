/**
 * What a model's training run measured of it (training.json's `quality`, written by
 * tools/train_builtin_model.py): its held-out loss and, per layer, what zero-ablating that
 * layer's MLP costs, so a user can tell which layers are worth a transcoder.
 */
export interface ModelQuality {
  heldOutLoss: number;
  heldOutTokens: number;
  layers: { layer: number; mlpZeroAblationCost: number }[];
  note: string;
}

/** training.json's quality section, or undefined when it has none or it is malformed. */
export function parseModelQuality(text: string): ModelQuality | undefined {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return undefined;
  }
  const q = (json as { quality?: unknown }).quality as Partial<ModelQuality> | undefined;
  if (!q || typeof q.heldOutLoss !== "number" || !Array.isArray(q.layers)) return undefined;
  const layers = q.layers.filter(
    (l): l is { layer: number; mlpZeroAblationCost: number } =>
      typeof l?.layer === "number" && typeof l?.mlpZeroAblationCost === "number",
  );
  return {
    heldOutLoss: q.heldOutLoss,
    heldOutTokens: typeof q.heldOutTokens === "number" ? q.heldOutTokens : 0,
    layers: layers.map(({ layer, mlpZeroAblationCost }) => ({ layer, mlpZeroAblationCost })),
    note: typeof q.note === "string" ? q.note : "",
  };
}

export const MODEL_QUALITY_FILENAME = "training.json";
