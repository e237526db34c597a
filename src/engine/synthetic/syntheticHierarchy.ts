/**
 * SAELens's hierarchy (sae_lens/synthetic/hierarchy/): a forest built breadth-first over
 * sequential feature indices, mutual exclusion on a random portion of the eligible parents,
 * and the probability compensation of Hierarchy.compute_probability_correction_factors.
 */
import { seededRandom } from "../dictionary/init.ts";
import type { HierarchyConfig } from "./syntheticConfig.ts";

/** A node of hierarchy.json (every generated node has a feature). */
export interface HierarchyNode {
  feature_index: number;
  children: HierarchyNode[];
  mutually_exclusive_children: boolean;
  scale_children_by_parent: boolean;
}

export interface MutualExclusionGroup {
  /** The parent feature, or -1 for siblings without one. */
  parent: number;
  children: number[];
}

/** The forest as per-feature tables, the form the samplers read. */
export interface SyntheticHierarchy {
  roots: HierarchyNode[];
  /** Parent feature of each feature, -1 for roots and features outside the trees. */
  parent: Int32Array;
  /** Depth in its tree (roots 0), -1 outside the trees. */
  depth: Int32Array;
  /** 1 where the parent scales this child by parent/mean_parent instead of gating it. */
  scaledByParent: Uint8Array;
  /** The mutual-exclusion group a feature competes in, or -1. */
  meGroup: Int32Array;
  meGroups: MutualExclusionGroup[];
  /** The deepest level (roots 0). */
  maxDepth: number;
}

/** generate_hierarchy: roots first, then each level's children in order. */
export function generateHierarchy(
  numFeatures: number,
  cfg: HierarchyConfig,
  seed: number,
): SyntheticHierarchy {
  const rand = seededRandom(seed);
  const randint = (lo: number, hi: number) => lo + Math.floor(rand() * (hi - lo + 1));
  let next = 0;
  const node = (): HierarchyNode => ({
    feature_index: next++,
    children: [],
    mutually_exclusive_children: false,
    scale_children_by_parent: false,
  });
  const roots: HierarchyNode[] = [];
  for (let i = 0; i < cfg.total_root_nodes && next < numFeatures; i++) roots.push(node());
  const parents: { node: HierarchyNode; depth: number }[] = roots.map((n) => ({
    node: n,
    depth: 0,
  }));
  let level = parents.slice();
  while (level.length > 0) {
    const nextLevel: typeof level = [];
    for (const { node: parent, depth } of level) {
      if (depth >= cfg.max_depth) continue;
      const bf = cfg.branching_factor;
      const branching = typeof bf === "number" ? bf : randint(bf[0], bf[1]);
      for (let c = 0; c < branching && next < numFeatures; c++) {
        const child = node();
        parent.children.push(child);
        if (depth + 1 < cfg.max_depth) nextLevel.push({ node: child, depth: depth + 1 });
      }
    }
    parents.push(...nextLevel);
    level = nextLevel;
  }
  const eligible = parents.filter(
    ({ node: n, depth }) =>
      depth >= cfg.mutually_exclusive_min_depth &&
      (cfg.mutually_exclusive_max_depth === null || depth <= cfg.mutually_exclusive_max_depth) &&
      n.children.length >= 2,
  );
  const chosen = sampleIndices(
    eligible.length,
    Math.floor(eligible.length * cfg.mutually_exclusive_portion),
    rand,
  );
  for (const i of chosen) eligible[i]!.node.mutually_exclusive_children = true;
  if (cfg.scale_children_by_parent) for (const p of parents) p.node.scale_children_by_parent = true;
  return hierarchyTables(roots, numFeatures);
}

/** k distinct indices of 0..n-1 (a partial Fisher-Yates shuffle). */
function sampleIndices(n: number, k: number, rand: () => number): number[] {
  const pool = Array.from({ length: n }, (_, i) => i);
  for (let i = 0; i < k; i++) {
    const j = i + Math.floor(rand() * (n - i));
    [pool[i], pool[j]] = [pool[j]!, pool[i]!];
  }
  return pool.slice(0, k);
}

/** Per-feature tables of a forest (generated, or read from hierarchy.json). */
export function hierarchyTables(roots: HierarchyNode[], numFeatures: number): SyntheticHierarchy {
  const parent = new Int32Array(numFeatures).fill(-1);
  const depth = new Int32Array(numFeatures).fill(-1);
  const scaledByParent = new Uint8Array(numFeatures);
  const meGroup = new Int32Array(numFeatures).fill(-1);
  const meGroups: MutualExclusionGroup[] = [];
  let maxDepth = 0;
  const visit = (n: HierarchyNode, p: HierarchyNode | null, d: number) => {
    const f = n.feature_index;
    if (!(Number.isInteger(f) && f >= 0 && f < numFeatures) || depth[f] !== -1) {
      throw new Error(`hierarchy: feature_index ${f} is out of range or appears twice`);
    }
    depth[f] = d;
    maxDepth = Math.max(maxDepth, d);
    if (p) {
      parent[f] = p.feature_index;
      scaledByParent[f] = p.scale_children_by_parent ? 1 : 0;
    }
    if (n.mutually_exclusive_children && n.children.length >= 2) {
      for (const c of n.children) meGroup[c.feature_index] = meGroups.length;
      meGroups.push({ parent: f, children: n.children.map((c) => c.feature_index) });
    }
    for (const c of n.children) visit(c, n, d + 1);
  };
  for (const r of roots) visit(r, null, 0);
  return { roots, parent, depth, scaledByParent, meGroup, meGroups, maxDepth };
}

/**
 * compensate_probabilities: a child's base probability is divided by its parent's base
 * probability, and in a mutual-exclusion group multiplied by 1 + (Σ other siblings' base
 * probabilities) / parent's; the result is clamped at 1.
 */
export function compensateProbabilities(h: SyntheticHierarchy, base: Float64Array): Float64Array {
  const factor = new Float64Array(base.length).fill(1);
  for (let f = 0; f < base.length; f++) {
    const p = h.parent[f]!;
    if (p >= 0 && base[p]! > 0) factor[f] = 1 / base[p]!;
  }
  for (const g of h.meGroups) {
    const parentProb = g.parent >= 0 ? base[g.parent]! : 1;
    if (!(parentProb > 0)) continue;
    const total = g.children.reduce((s, c) => s + base[c]!, 0);
    for (const c of g.children) factor[c]! *= 1 + Math.max(0, total - base[c]!) / parentProb;
  }
  return base.map((p, f) => Math.min(1, p * factor[f]!));
}

/** hierarchy.json as SAELens's Hierarchy.to_dict writes it. */
export function hierarchyToDict(h: SyntheticHierarchy): { roots: unknown[] } {
  const toDict = (n: HierarchyNode): Record<string, unknown> => ({
    feature_index: n.feature_index,
    mutually_exclusive_children: n.mutually_exclusive_children,
    feature_id: null,
    children: n.children.map(toDict),
    ...(n.scale_children_by_parent ? { scale_children_by_parent: true } : {}),
  });
  return { roots: h.roots.map(toDict) };
}
