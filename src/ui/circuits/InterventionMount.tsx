import { useMemo } from "react";
import { sendToEngine } from "../engine.ts";
import { useCircuitsStore } from "./circuitsStore.ts";
import { useComputeStore } from "./computeStore.ts";
import { InterventionPanel } from "./InterventionPanel.tsx";
import type { GraphLogitLink, InterventionTarget } from "./interventionRequest.ts";
import { featureIndex } from "./nodeFacts.ts";
import type { ViewGraph } from "./viewGraph.ts";

/** The feature nodes among `ids`, as the intervention panel takes them. */
function targetsOf(view: ViewGraph, ids: readonly string[], clerps: Record<string, string>) {
  const out: InterventionTarget[] = [];
  for (const id of ids) {
    const index = view.indexById.get(id);
    const node = index === undefined ? undefined : view.nodes[index]!;
    const feature = node ? featureIndex(node) : undefined;
    if (!node || feature === undefined || node.layer === undefined) continue;
    const label = Object.hasOwn(clerps, id) ? clerps[id]! : node.json.clerp;
    out.push({
      nodeId: id,
      layer: node.layer,
      pos: node.json.ctx_idx,
      feature,
      ...(node.json.activation !== null ? { activation: node.json.activation } : {}),
      ...(label ? { label } : {}),
    });
  }
  return out;
}

/** The graph's links from these features to logit nodes (the prediction from the graph as drawn). */
function logitLinks(view: ViewGraph, targets: readonly InterventionTarget[]): GraphLogitLink[] {
  const out: GraphLogitLink[] = [];
  for (const t of targets) {
    const index = view.indexById.get(t.nodeId)!;
    for (const l of view.outgoing[index]!) {
      const target = view.nodes[view.linkTarget[l]!]!;
      if (target.kind !== "logit" || target.json.feature === null) continue;
      out.push({ source: t.nodeId, token: target.json.feature, weight: view.linkWeight[l]! });
    }
  }
  return out;
}

/**
 * The intervention panel for a computed graph: on the supernode chosen for it, else the selected
 * feature. An uploaded graph has no set here to rerun, so it gets none.
 */
export function InterventionMount() {
  const shown = useCircuitsStore((s) => s.shown);
  const selectedId = useCircuitsStore((s) => s.selectedId);
  const supernodes = useCircuitsStore((s) => s.supernodes);
  const clerps = useCircuitsStore((s) => s.clerps);
  const group = useComputeStore((s) => s.interventionGroup);
  const graph = useComputeStore((s) => s.graph);
  const chosen = group !== undefined ? supernodes[group] : undefined;
  const ids = useMemo(
    () => (chosen ? chosen.nodeIds : selectedId ? [selectedId] : []),
    [chosen, selectedId],
  );
  const view = shown?.view;
  const targets = useMemo(() => (view ? targetsOf(view, ids, clerps) : []), [view, ids, clerps]);
  const links = useMemo(() => (view ? logitLinks(view, targets) : []), [view, targets]);
  if (!shown || shown.origin.kind !== "computed" || !graph || targets.length === 0) return null;
  return (
    <section className="intervention-mount" aria-label="Test by intervention">
      <p className="muted small">
        On {chosen ? `supernode “${chosen.label}”` : "the selected feature"} (Intervene on a
        supernode to test it instead)
      </p>
      <InterventionPanel
        graphId={graph.graphId}
        targets={targets}
        set={graph.set}
        prompt={{ text: graph.prompt }}
        links={links}
        post={(m) => sendToEngine(m)}
      />
    </section>
  );
}
