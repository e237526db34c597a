/** A group of pinned nodes with a label, as circuit-tracer's viewer keeps them. */
export interface Supernode {
  label: string;
  nodeIds: string[];
}

/** qParams.supernodes: [[label, ...nodeIds], ...]. */
export function supernodesToJson(supernodes: readonly Supernode[]): string[][] {
  return supernodes.map((s) => [s.label, ...s.nodeIds]);
}

/** Reads qParams.supernodes, keeping only the nodes the graph has; empty groups are dropped. */
export function supernodesFromJson(
  raw: readonly string[][],
  known: ReadonlySet<string>,
): Supernode[] {
  return raw
    .filter((s) => s.length >= 2)
    .map(([label, ...ids]) => ({ label: label!, nodeIds: ids.filter((id) => known.has(id)) }))
    .filter((s) => s.nodeIds.length > 0);
}

/** Pinned nodes not yet in a supernode, in pin order. */
export function ungroupedPins(
  pinnedIds: readonly string[],
  supernodes: readonly Supernode[],
): string[] {
  const grouped = new Set(supernodes.flatMap((s) => s.nodeIds));
  return pinnedIds.filter((id) => !grouped.has(id));
}

/** The label a new supernode gets when none is typed: "Supernode 3". */
export function defaultSupernodeLabel(supernodes: readonly Supernode[]): string {
  const taken = new Set(supernodes.map((s) => s.label));
  let n = supernodes.length + 1;
  while (taken.has(`Supernode ${n}`)) n++;
  return `Supernode ${n}`;
}

/** Groups the ungrouped pinned nodes into a new supernode (at least two are needed). */
export function groupPinned(
  pinnedIds: readonly string[],
  supernodes: readonly Supernode[],
  label: string,
): Supernode[] {
  const nodeIds = ungroupedPins(pinnedIds, supernodes);
  if (nodeIds.length < 2) {
    throw new Error(`a supernode groups at least 2 pinned nodes; ${nodeIds.length} are ungrouped`);
  }
  const name = label.trim() === "" ? defaultSupernodeLabel(supernodes) : label.trim();
  return [...supernodes, { label: name, nodeIds }];
}

export function renameSupernode(
  supernodes: readonly Supernode[],
  index: number,
  label: string,
): Supernode[] {
  return supernodes.map((s, i) => (i === index ? { ...s, label } : s));
}

export function removeSupernode(supernodes: readonly Supernode[], index: number): Supernode[] {
  return supernodes.filter((_, i) => i !== index);
}

/** Unpinning a node takes it out of its supernode; a supernode left empty goes. */
export function withoutNode(supernodes: readonly Supernode[], nodeId: string): Supernode[] {
  return supernodes
    .map((s) => ({ ...s, nodeIds: s.nodeIds.filter((id) => id !== nodeId) }))
    .filter((s) => s.nodeIds.length > 0);
}
