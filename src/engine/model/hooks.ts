/** TransformerLens hook names for the sites of one block, in the order the forward pass meets them. */
export const HOOK_SITES = [
  "hook_resid_pre",
  "hook_attn_out",
  "hook_resid_mid",
  "ln2.hook_normalized",
  "hook_mlp_out",
  "hook_resid_post",
] as const;

export type HookSite = (typeof HOOK_SITES)[number];

export interface HookPoint {
  layer: number;
  site: HookSite;
  /** e.g. "blocks.1.ln2.hook_normalized" */
  name: string;
}

export function hookName(layer: number, site: HookSite): string {
  return `blocks.${layer}.${site}`;
}

/** Every hook name of a model with nLayer blocks, in forward order. */
export function allHookNames(nLayer: number): string[] {
  const names: string[] = [];
  for (let l = 0; l < nLayer; l++) for (const site of HOOK_SITES) names.push(hookName(l, site));
  return names;
}

/** Parses a hook name, refusing anything this model does not have with the list of what it has. */
export function parseHookName(name: string, nLayer: number): HookPoint {
  const m = /^blocks\.(\d+)\.(.+)$/.exec(name);
  const site = m?.[2] as HookSite | undefined;
  const layer = Number(m?.[1]);
  if (!m || !HOOK_SITES.includes(site as HookSite) || !(layer < nLayer)) {
    throw new Error(
      `unknown hook ${JSON.stringify(name)}; this model (${nLayer} layers) has ` +
        `blocks.L.{${HOOK_SITES.join(", ")}} for L in 0..${nLayer - 1}`,
    );
  }
  return { layer, site: site as HookSite, name };
}

/** The sites a transcoder of layer L reads and writes: the MLP's input and output. */
export function transcoderSites(layer: number): { input: string; output: string } {
  return { input: hookName(layer, "ln2.hook_normalized"), output: hookName(layer, "hook_mlp_out") };
}
