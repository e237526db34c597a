import { useMemo } from "react";
import { Cell, Scatter, Tooltip } from "recharts";
import { last, type RunRecord } from "../../storage/runRecord.ts";
import { metric } from "../format.ts";
import { L0Scatter } from "../runs/L0Scatter.tsx";
import { linearAxisTicks } from "../runs/linearTicks.ts";
import { logAxisTicks } from "../runs/logTicks.ts";
import { useCurrentRun } from "../state/runsStore.ts";
import { dictionaryLook } from "./dictionaryLook.ts";
import { frontierSentence, type FrontierPoint } from "./frontierReadout.ts";
import { KIND_COLORS, KIND_LABELS } from "./seriesColors.ts";

interface SweepPoint {
  id: string;
  kind: string;
  label: string;
  color: string;
  l0: number;
  fvu: number;
  /** The final evaluation's, else the latest live one. */
  ce?: number;
}

/** Each dictionary of the run where it is now: latest logged L0 and FVU, latest CE score. */
function sweepPoints(run: RunRecord): SweepPoint[] {
  return run.config.dictionaries.flatMap((d) => {
    const point = last(run.histories[d.id]);
    if (!point || !(point.l0 > 0)) return [];
    const look = dictionaryLook(run.config, d.id);
    const ce = run.evals[d.id]?.ce_loss_score ?? last(run.liveEvals[d.id])?.ce_loss_score;
    return [
      {
        id: d.id,
        kind: d.kind,
        label: look.label ?? KIND_LABELS[d.kind] ?? d.kind,
        color: look.color ?? KIND_COLORS[d.kind] ?? "#888",
        l0: point.l0,
        fvu: point.fvu,
        ...(ce !== undefined ? { ce } : {}),
      },
    ];
  });
}

const frontier = (points: SweepPoint[], kind: string, y: "ce" | "fvu"): FrontierPoint[] =>
  points.flatMap((p) => {
    const value = p[y];
    return p.kind === kind && value !== undefined ? [{ l0: p.l0, value }] : [];
  });

/**
 * A sweep's live Pareto plot: L0 (log) against ce_loss_score and against FVU, a line per kind
 * through its dictionaries (shaded by the swept value), moving as training goes on, and a
 * sentence comparing the kinds at the L0 both cover.
 */
export function LiveFrontier() {
  const run = useCurrentRun();
  const points = useMemo(() => (run ? sweepPoints(run) : []), [run]);
  const l0Axis = useMemo(() => logAxisTicks(points.map((p) => p.l0)), [points]);
  const kinds = [...new Set(points.map((p) => p.kind))];
  const both = kinds.includes("sae") && kinds.includes("transcoder");
  const sentence = (y: "ce" | "fvu") =>
    frontierSentence(
      frontier(points, "sae", y),
      frontier(points, "transcoder", y),
      y === "ce" ? "ce_loss_score" : "FVU",
    );
  const panel = (y: "ce" | "fvu") => {
    const shown = points.filter((p) => p[y] !== undefined);
    const yAxis =
      y === "ce"
        ? linearAxisTicks(
            shown.map((p) => p.ce),
            [0, 1],
          )
        : linearAxisTicks(
            shown.map((p) => p.fvu),
            [0],
          );
    const title = y === "ce" ? "L0 (log) vs ce_loss_score (live)" : "L0 (log) vs FVU";
    return (
      <figure className="chart" data-testid={`frontier-${y}`} data-points={shown.length}>
        <figcaption>
          <span className="chart-title">{title}</span>
          <span className="muted"> · {shown.length} points</span>
        </figcaption>
        <div className="chart-body" role="img" aria-label={`${title}: ${shown.length} points`}>
          <L0Scatter
            l0Axis={l0Axis}
            y={{ key: y, axis: yAxis, width: 40 }}
            margin={{ top: 6, right: 10, bottom: 2, left: 0 }}
          >
            <Tooltip
              content={({ payload }) => {
                const p = payload?.[0]?.payload as SweepPoint | undefined;
                if (!p) return null;
                return (
                  <div className="chart-tooltip">
                    <strong>{p.label}</strong>
                    <br />
                    L0 {metric(p.l0)} · FVU {metric(p.fvu)} · CE score {metric(p.ce)}
                  </div>
                );
              }}
            />
            {kinds.map((kind) => {
              const data = shown.filter((p) => p.kind === kind).sort((a, b) => a.l0 - b.l0);
              return (
                <Scatter
                  key={kind}
                  name={KIND_LABELS[kind] ?? kind}
                  data={data}
                  line={{ stroke: KIND_COLORS[kind], strokeWidth: 1.5 }}
                  fill={KIND_COLORS[kind]}
                  isAnimationActive={false}
                >
                  {data.map((p) => (
                    <Cell key={p.id} fill={p.color} />
                  ))}
                </Scatter>
              );
            })}
          </L0Scatter>
        </div>
      </figure>
    );
  };
  return (
    <section className="live-frontier" aria-label="Pareto frontier while training">
      {panel("ce")}
      {panel("fvu")}
      <div className="chart frontier-readout" data-testid="frontier-readout">
        <span className="chart-title">SAE vs transcoder at matched L0</span>
        {both ? (
          <>
            <p className="small">{sentence("ce")}</p>
            <p className="small">{sentence("fvu")}</p>
          </>
        ) : (
          <p className="muted small">
            {points.length === 0
              ? "The frontier appears at the first logging step."
              : "Train both kinds to compare them."}
          </p>
        )}
        <p className="muted small">
          Each point is a dictionary where it is now (latest logged L0 and FVU, latest CE score);
          lines join a kind&apos;s sweep, read piecewise linear in log L0.
        </p>
      </div>
    </section>
  );
}
