import { Fragment, useMemo } from "react";
import { Cell, Scatter, Tooltip } from "recharts";
import { syntheticPresetOf } from "../../worker/syntheticProtocol.ts";
import { metric } from "../format.ts";
import { L0Scatter } from "../runs/L0Scatter.tsx";
import { linearAxisTicks } from "../runs/linearTicks.ts";
import { logAxisTicks } from "../runs/logTicks.ts";
import { useCurrentRun } from "../state/runsStore.ts";
import { frontierSentence } from "./frontierReadout.ts";
import { KIND_COLORS, KIND_LABELS } from "./seriesColors.ts";
import {
  FRONTIER_METRIC_NAMES,
  kindFrontier,
  panelPoints,
  sweepPoints,
  type FrontierY,
  type PanelPoint,
} from "./sweepPoints.ts";

const TITLES: Record<FrontierY, string> = {
  ce: "L0 (log) vs ce_loss_score (live)",
  fvu: "L0 (log) vs FVU",
  f1: "L0 (log) vs F1 (ground truth, live)",
};

/**
 * A sweep's live Pareto plot: L0 (log) against ce_loss_score (F1 on a synthetic model) and
 * against FVU, a line per kind through its dictionaries (shaded by the swept value), moving as
 * training goes on, and a sentence comparing the kinds at the L0 both cover.
 */
export function LiveFrontier() {
  const run = useCurrentRun();
  const points = useMemo(() => (run ? sweepPoints(run) : []), [run]);
  // On a synthetic model there is no CE score: F1 against the planted features takes its place.
  const first: FrontierY = run && syntheticPresetOf(run.config) ? "f1" : "ce";
  const panels = useMemo(
    () =>
      ([first, "fvu"] as const).map((y) => ({ y, shown: run ? panelPoints(run, points, y) : [] })),
    [run, points, first],
  );
  // Both panels share the L0 axis, over every point either draws.
  const l0Axis = useMemo(
    () => logAxisTicks(panels.flatMap((p) => p.shown.map((q) => q.l0))),
    [panels],
  );
  const kinds = [...new Set(points.map((p) => p.kind))];
  const both = kinds.includes("sae") && kinds.includes("transcoder");
  const sentence = (y: FrontierY, shown: PanelPoint[]) =>
    frontierSentence(
      kindFrontier(shown, "sae"),
      kindFrontier(shown, "transcoder"),
      FRONTIER_METRIC_NAMES[y],
    );
  const panel = (y: FrontierY, shown: PanelPoint[]) => {
    const yAxis = linearAxisTicks(
      shown.map((p) => p.value),
      y === "fvu" ? [0] : [0, 1],
    );
    const title = TITLES[y];
    return (
      <figure className="chart" data-testid={`frontier-${y}`} data-points={shown.length}>
        <figcaption>
          <span className="chart-title">{title}</span>
          <span className="muted"> · {shown.length} points</span>
        </figcaption>
        <div className="chart-body" role="img" aria-label={`${title}: ${shown.length} points`}>
          <L0Scatter
            l0Axis={l0Axis}
            y={{ key: "value", axis: yAxis, width: 40 }}
            margin={{ top: 6, right: 10, bottom: 2, left: 0 }}
          >
            <Tooltip
              content={({ payload }) => {
                const p = payload?.[0]?.payload as PanelPoint | undefined;
                if (!p) return null;
                return (
                  <div className="chart-tooltip">
                    <strong>{p.label}</strong>
                    <br />
                    L0 {metric(p.l0)} ·{" "}
                    {y === "f1"
                      ? `F1 ${metric(p.value)} (evaluation stream)`
                      : `FVU ${metric(p.fvu)} · CE score ${metric(p.ce)}`}
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
      {panels.map((p) => (
        <Fragment key={p.y}>{panel(p.y, p.shown)}</Fragment>
      ))}
      <div className="chart frontier-readout" data-testid="frontier-readout">
        <span className="chart-title">SAE vs transcoder at matched L0</span>
        {both ? (
          <>
            {panels.map((p) => (
              <p key={p.y} className="small">
                {sentence(p.y, p.shown)}
              </p>
            ))}
          </>
        ) : (
          <p className="muted small">
            {points.length === 0
              ? "The frontier appears at the first logging step."
              : "Train both kinds to compare them."}
          </p>
        )}
        <p className="muted small">
          Each point is a dictionary where it is now (latest logged L0 and FVU,{" "}
          {first === "f1" ? "latest F1 at its L0 on the evaluation stream" : "latest CE score"});
          lines join a kind&apos;s sweep, read piecewise linear in log L0.
        </p>
      </div>
    </section>
  );
}
