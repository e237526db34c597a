import { TokenText } from "../inspect/features/TokenText.tsx";
import { visibleToken } from "../inspect/features/tokenText.ts";
import { useCircuitsStore } from "./circuitsStore.ts";

const score = (v: number) => v.toFixed(3);

/** A graph computed here also keeps the unpruned graph's scores in metadata.info. */
function unprunedScores(info: Record<string, unknown> | undefined) {
  const replacement = info?.full_replacement_score;
  const completeness = info?.full_completeness_score;
  return typeof replacement === "number" && typeof completeness === "number"
    ? { replacement, completeness }
    : undefined;
}

/** The graph's prompt, model, threshold and scores, each score explained in a line. */
export function GraphMetadata() {
  const shown = useCircuitsStore((s) => s.shown)!;
  const { metadata } = shown.json;
  const full = unprunedScores(metadata.info);
  const errors = shown.view.nodes.filter((n) => n.kind === "error").length;
  const source =
    shown.origin.kind === "file"
      ? `file ${shown.origin.fileName}`
      : `computed from ${shown.origin.setName}`;
  return (
    <section className="graph-metadata" data-testid="graph-metadata" aria-label="Graph">
      <p className="graph-prompt">
        <span className="muted">Prompt </span>
        <span className="mono">
          {metadata.prompt_tokens.map((t, i) => (
            <span key={i} className="graph-prompt-token">
              <TokenText text={visibleToken(t)} />
            </span>
          ))}
        </span>
      </p>
      <p className="muted">
        Model <span className="mono">{metadata.scan || "unknown"}</span> · pruned at node threshold{" "}
        <span className="mono">{metadata.node_threshold ?? "unknown"}</span> ·{" "}
        {shown.view.nodes.length.toLocaleString()} nodes ({errors} error),{" "}
        {shown.view.linkSource.length.toLocaleString()} edges · {source}
      </p>
      {shown.scores ? (
        <ul className="graph-scores" data-testid="graph-scores">
          <li>
            <strong>Replacement score {score(shown.scores.replacementScore)}</strong>
            {full && <span className="muted"> (unpruned {score(full.replacement)})</span>}: the
            share of the influence on the output that flows from tokens rather than through error
            nodes (1 = the transcoders miss nothing).
          </li>
          <li>
            <strong>Completeness score {score(shown.scores.completenessScore)}</strong>
            {full && <span className="muted"> (unpruned {score(full.completeness)})</span>}: the
            share of each node&apos;s input that comes from features and tokens rather than error
            nodes, weighted by influence.
          </li>
        </ul>
      ) : (
        <p className="muted" data-testid="graph-scores">
          Replacement and completeness scores: not in this file (a graph computed here shows them).
        </p>
      )}
    </section>
  );
}
