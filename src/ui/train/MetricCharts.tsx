import { useMemo, type ReactNode } from "react";
import type { MetricPoint, RunRecord } from "../../storage/runRecord.ts";
import { useConfigStore } from "../state/configStore.ts";
import { useRunsStore } from "../state/runsStore.ts";
import { describeArchitecture } from "../state/defaults.ts";
import { ARCHITECTURE_DEFAULTS } from "../../engine/reference/architectureSpec.ts";
import { LIVE_EVAL_WINDOWS, type StreamRunConfig } from "../../worker/protocol.ts";
import { tokensAxisEnd } from "./chartScales.ts";
import { dictionaryLook } from "./dictionaryLook.ts";
import { lossTermsOf } from "./lossTerms.ts";
import { MetricChart, type Series } from "./MetricChart.tsx";
import { F1, MCC, truthNote, truthSeries } from "./syntheticCharts.ts";
import { KIND_COLORS, KIND_LABELS, sweepShade } from "./seriesColors.ts";
import "./MetricCharts.css";

/** The runs on the charts: the visible ones, the current one always, newest first. */
function useShownRuns(): RunRecord[] {
  const runs = useRunsStore((s) => s.runs);
  const liveId = useRunsStore((s) => s.live?.runId);
  return useMemo(() => {
    const current = liveId ?? runs[runs.length - 1]?.id;
    return runs.filter((r) => r.visible || r.id === current).reverse();
  }, [runs, liveId]);
}

function metricSeries(runs: RunRecord[], pick: (p: MetricPoint) => number): Series[] {
  return runs.flatMap((run, age) =>
    Object.entries(run.histories).map(([id, points]) => ({
      key: `${run.id}-${id}`,
      ...dictionaryLook(run.config, id),
      runLabel: run.label,
      age,
      points: points.map((p) => ({ tokens: p.tokens, value: pick(p) })),
    })),
  );
}

/** Each run's loss terms per dictionary: MSE and whichever its architecture has. */
function lossSeries(runs: RunRecord[]): Series[] {
  return runs.flatMap((run, age) =>
    Object.entries(run.histories).flatMap(([id, points]) =>
      lossTermsOf(points).map((term) => ({
        key: `${run.id}-${id}-${term.label}`,
        ...dictionaryLook(run.config, id),
        runLabel: run.label,
        age,
        term: term.label,
        line: term.line,
        points: points.map((p) => ({ tokens: p.tokens, value: term.pick(p) })),
      })),
    ),
  );
}

/**
 * Each dictionary's ce_loss_score: the live points on a few windows, and the evaluation at the
 * end (or of a stopped run) as the final point, at the step its weights are of.
 */
function ceSeries(run: RunRecord, age: number): Series[] {
  const ids = new Set([...Object.keys(run.liveEvals), ...Object.keys(run.evals)]);
  return [...ids].map((id) => {
    const final = run.evals[id];
    return {
      key: `${run.id}-${id}-ce`,
      ...dictionaryLook(run.config, id),
      runLabel: run.label,
      age,
      points: (run.liveEvals[id] ?? []).map((p) => ({
        tokens: p.tokens,
        value: p.ce_loss_score,
      })),
      ...(final
        ? { final: { tokens: run.step * run.config.batchSize, value: final.ce_loss_score } }
        : {}),
    };
  });
}

/** "live 2 windows · ◆ final 64 windows": how many windows each kind of point read. */
function ceNote(newest: RunRecord | undefined): string {
  const finalWindows = newest ? Object.values(newest.evals)[0]?.sequences : undefined;
  return [
    `live ${LIVE_EVAL_WINDOWS} windows`,
    finalWindows !== undefined ? `◆ final ${finalWindows} windows` : "",
  ]
    .filter(Boolean)
    .join(" · ");
}

/** "Loss (log): MSE solid · AuxK, L0 dashed": the terms shown and their line styles. */
function lossTitle(series: Series[]): string {
  const names = (line: string) => [
    ...new Set(series.filter((s) => (s.line ?? "solid") === line).map((s) => s.term)),
  ];
  const dashed = names("dashed");
  const dotted = names("dotted");
  return [
    "Loss (log): MSE solid",
    dashed.length > 0 ? `${dashed.join(", ")} dashed` : "",
    dotted.length > 0 ? `${dotted.join(", ")} dotted` : "",
  ]
    .filter(Boolean)
    .join(" · ");
}

/** A sweep's values and their shades of each kind's hue ("k: 4 8 16"). */
function SweepLegend(props: { config: StreamRunConfig }) {
  const { sweep, dictionaries } = props.config;
  if (!sweep) return null;
  const kinds = [...new Set(dictionaries.map((d) => d.kind))];
  return (
    <span className="legend-item" data-testid="sweep-legend">
      {sweep.setting}:
      {sweep.values.map((v, i) => (
        <span key={String(v)} className="legend-item">
          {kinds.map((kind) => (
            <span
              key={kind}
              className="legend-swatch"
              style={{ background: sweepShade(kind, i, sweep.values.length) }}
            />
          ))}
          {String(v)}
        </span>
      ))}
    </span>
  );
}

/** Small multiples sharing the x-axis (tokens trained): the SAE and the transcoder together. */
export function MetricCharts(props: { children?: ReactNode }) {
  const runs = useShownRuns();
  const charts = useMemo(
    () => ({
      fvu: metricSeries(runs, (p) => p.fvu),
      l0: metricSeries(runs, (p) => p.l0),
      dead: metricSeries(runs, (p) => p.dead_features),
      loss: lossSeries(runs),
      ce: runs.flatMap((run, age) => ceSeries(run, age)),
      mcc: truthSeries(runs, MCC),
      f1: truthSeries(runs, F1),
    }),
    [runs],
  );
  const xMax = tokensAxisEnd(runs);
  const newest = runs[0]?.config.dictionaries;
  // A synthetic run's ground truth takes the CE score's place and the spliced-in summary's, as
  // soon as synthetic data is chosen: the CE score is the language model's, which it has none of.
  const syntheticChosen = useConfigStore((s) => s.config.data?.kind === "synthetic");
  const synthetic = syntheticChosen || runs[0]?.config.data?.kind === "synthetic";
  return (
    <section className="charts" aria-label="Training curves">
      <div className="charts-legend">
        {Object.entries(KIND_COLORS).map(([kind, color]) => (
          <span key={kind} className="legend-item">
            <span className="legend-swatch" style={{ background: color }} />
            {KIND_LABELS[kind]}
            {newest?.some((d) => d.kind === kind) && (
              <span className="legend-arch" data-testid={`legend-arch-${kind}`}>
                {runs[0]?.config.sweep
                  ? // A sweep's dictionaries differ in the swept value (the sweep legend's).
                    `${newest.filter((d) => d.kind === kind).length} dictionaries`
                  : describeArchitecture(newest.find((d) => d.kind === kind)!)}
              </span>
            )}
          </span>
        ))}
        {runs[0]?.config.sweep && <SweepLegend config={runs[0].config} />}
        <span className="muted">
          faded: earlier runs shown in the Runs view · x: tokens trained
        </span>
      </div>
      <div className="charts-grid">
        <MetricChart xMax={xMax} title="FVU (log)" testId="chart-fvu" series={charts.fvu} log />
        <MetricChart xMax={xMax} title="L0 (log)" testId="chart-l0" series={charts.l0} log />
        <MetricChart
          xMax={xMax}
          title={`Dead latents (none in ${ARCHITECTURE_DEFAULTS.deadFeatureWindow} steps)`}
          testId="chart-dead"
          series={charts.dead}
        />
        <MetricChart
          xMax={xMax}
          title={lossTitle(charts.loss)}
          testId="chart-loss"
          series={charts.loss}
          log
        />
        {synthetic ? (
          <>
            <MetricChart
              xMax={xMax}
              title="MCC (ground truth)"
              note={truthNote(runs[0])}
              testId="chart-mcc"
              series={charts.mcc}
            />
            <MetricChart
              xMax={xMax}
              title="F1 (ground truth)"
              note={truthNote(runs[0])}
              testId="chart-f1"
              series={charts.f1}
            />
          </>
        ) : (
          <>
            <MetricChart
              xMax={xMax}
              title="ce_loss_score (held-out)"
              note={ceNote(runs[0])}
              testId="chart-ce"
              series={charts.ce}
            />
            {props.children}
          </>
        )}
      </div>
    </section>
  );
}
