import type { GraphJson } from "../../engine/circuits/graphJsonTypes.ts";
import { supernodesFromJson, supernodesToJson, type Supernode } from "./supernodes.ts";

/** What a reader adds to a graph: pins, supernodes, feature labels, the clicked node. */
export interface GraphEdits {
  pinnedIds: string[];
  supernodes: Supernode[];
  /** Labels typed here, by node_id; they replace the file's clerp. */
  clerps: Record<string, string>;
  clickedId: string;
}

/** The edits a file carries in its qParams (a supernode's members count as pinned). */
export function editsFromGraph(json: GraphJson): GraphEdits {
  const known = new Set(json.nodes.map((n) => n.node_id));
  const supernodes = supernodesFromJson(json.qParams.supernodes, known);
  const pinned = json.qParams.pinnedIds.filter((id) => known.has(id));
  for (const id of supernodes.flatMap((s) => s.nodeIds)) if (!pinned.includes(id)) pinned.push(id);
  const clicked = json.qParams.clickedId;
  return {
    pinnedIds: pinned,
    supernodes,
    clerps: {},
    clickedId: known.has(clicked) ? clicked : "",
  };
}

/** The graph JSON to download: the file's own, with the edits in qParams and clerp. */
export function graphWithEdits(json: GraphJson, edits: GraphEdits): GraphJson {
  return {
    ...json,
    qParams: {
      ...json.qParams,
      pinnedIds: [...edits.pinnedIds],
      supernodes: supernodesToJson(edits.supernodes),
      clickedId: edits.clickedId,
    },
    nodes: json.nodes.map((n) =>
      Object.hasOwn(edits.clerps, n.node_id) ? { ...n, clerp: edits.clerps[n.node_id]! } : n,
    ),
  };
}

/** "{slug}.json", with characters a file name should not hold replaced. */
export function graphFileName(json: GraphJson): string {
  const slug = json.metadata.slug.replace(/[^\w.-]+/g, "-").replace(/^-+|-+$/g, "");
  return `${slug || "graph"}.json`;
}
