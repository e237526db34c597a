import { useMemo, type ReactNode } from "react";
import { Scatter, Tooltip, type SymbolType } from "recharts";
import type { StreamArchitecture } from "../../worker/protocol.ts";
import { syntheticPresetOf } from "../../worker/syntheticProtocol.ts";
import { metric } from "../format.ts";
import { ARCHITECTURE_LABELS, STREAM_ARCHITECTURES } from "../state/defaults.ts";
import { useRunsStore } from "../state/runsStore.ts";
import { KIND_COLORS, KIND_LABELS } from "../train/seriesColors.ts";
import { L0Scatter } from "./L0Scatter.tsx";
import { linearAxisTicks } from "./linearTicks.ts";
import { logAxisTicks } from "./logTicks.ts";
import { f1Points, paretoPoints, type F1Point, type ParetoPoint } from "./paretoPoints.ts";

/** One marker per architecture (colour says SAE or transcoder). */
const ARCHITECTURE_SHAPES: Record<StreamArchitecture, { shape: SymbolType; glyph: string }> = {
  standard: { shape: "circle", glyph: "●" },
  topk: { shape: "triangle", glyph: "▲" },
  batchtopk: { shape: "diamond", glyph: "◆" },
  matryoshka_batchtopk: { shape: "star", glyph: "★" },
  jumprelu: { shape: "square", glyph: "■" },
};

const KINDS = ["sae", "transcoder"];

type YKey = "ce" | "fvu" | "f1";
/** A point of any panel: the F1 panel's carry their F1. */
type PanelPoint = ParetoPoint & Partial<Pick<F1Point, "f1" | "truthFinal">>;

const UNIT_ANCHORS = [0, 1];
const ZERO_ANCHOR = [0];

interface PanelSpec {
  title: string;
  testId: string;
  y: YKey;
  /** ce_loss_score and F1 live in [0, 1]: the axis shows both ends. FVU starts at 0. */
  anchors: number[];
  name: string;
  points: PanelPoint[];
  /** What to do when there is no point to draw. */
  empty: string;
  tooltip: (p: PanelPoint) => ReactNode;
}

function ParetoPanel(props: { spec: PanelSpec }) {
  const { title, testId, y, points, anchors } = props.spec;
  const l0Axis = useMemo(() => logAxisTicks(points.map((p) => p.l0)), [points]);
  const yAxis = useMemo(
    () =>
      linearAxisTicks(
        points.map((p) => p[y]),
        anchors,
      ),
    [points, y, anchors],
  );
  const archs = STREAM_ARCHITECTURES.filter((a) => points.some((p) => p.arch === a));
  return (
    <figure className="chart" data-testid={testId} data-points={points.length}>
      <figcaption>
        <span className="chart-title">{title}</span>
        <span className="muted" data-testid={`${testId}-shapes`}>
          {archs.map((a) => `${ARCHITECTURE_SHAPES[a].glyph} ${ARCHITECTURE_LABELS[a]}`).join(" ")}
          {archs.length > 0 ? " · " : ""}
          {points.length} points
        </span>
      </figcaption>
      {points.length === 0 ? (
        <p className="muted small chart-empty" data-testid={`${testId}-empty`}>
          {props.spec.empty}
        </p>
      ) : (
        <div className="chart-body" role="img" aria-label={`${title}: ${points.length} points`}>
          <L0Scatter
            l0Axis={l0Axis}
            y={{ key: y, name: props.spec.name, axis: yAxis, width: 42 }}
            margin={{ top: 8, right: 12, bottom: 4, left: 0 }}
          >
            <Tooltip
              cursor={{ strokeDasharray: "3 3" }}
              content={({ payload }) => {
                const p = payload?.[0]?.payload as PanelPoint | undefined;
                return p ? <div className="chart-tooltip">{props.spec.tooltip(p)}</div> : null;
              }}
            />
            {KINDS.flatMap((k) =>
              archs.map((a) => (
                <Scatter
                  key={`${k}-${a}`}
                  name={`${KIND_LABELS[k]} ${ARCHITECTURE_LABELS[a]}`}
                  data={points.filter((p) => p.kind === k && p.arch === a)}
                  fill={KIND_COLORS[k]}
                  shape={ARCHITECTURE_SHAPES[a].shape}
                  isAnimationActive={false}
                />
              )),
            )}
          </L0Scatter>
        </div>
      )}
    </figure>
  );
}

const NO_RUNS = "No runs yet: press Train in the Train view; each dictionary becomes a point here.";

/**
 * The sparsity/fidelity plots every SAE paper shows: L0 (log x) against CE score and FVU, and,
 * once a run trained on a synthetic model, against F1 on its planted features.
 */
export function ParetoChart() {
  const runs = useRunsStore((s) => s.runs);
  const points = useMemo(() => paretoPoints(runs), [runs]);
  const synthetic = runs.some((r) => syntheticPresetOf(r.config) !== undefined);
  const panels = useMemo(
    () => paretoPanels(runs.length, points, synthetic),
    [runs, points, synthetic],
  );
  return (
    <section className="pareto" aria-label="Pareto">
      {panels.map((spec) => (
        <ParetoPanel key={spec.testId} spec={spec} />
      ))}
    </section>
  );
}

const heading = (p: PanelPoint) => (
  <>
    <strong>{KIND_LABELS[p.kind]}</strong> {p.architecture} · {p.run}
    <br />
  </>
);

const fidelity = (p: PanelPoint) => (
  <>
    {heading(p)}L0 {metric(p.l0)} · FVU {metric(p.fvu)} · CE score {metric(p.ce)}
  </>
);

/** The panels: CE score and FVU always, F1 once a run trained on a synthetic model. */
function paretoPanels(runCount: number, points: ParetoPoint[], synthetic: boolean): PanelSpec[] {
  const panels: PanelSpec[] = [
    {
      title: "L0 (log) vs ce_loss_score",
      testId: "pareto-ce",
      y: "ce",
      anchors: UNIT_ANCHORS,
      name: "ce_loss_score",
      points: points.filter((p) => p.ce !== undefined),
      empty:
        runCount === 0
          ? NO_RUNS
          : "No ce_loss_score yet: it is measured on the built-in model, while a run trains and at its end." +
            (synthetic ? " Runs on synthetic data have none: see their F1." : ""),
      tooltip: fidelity,
    },
    {
      title: "L0 (log) vs FVU",
      testId: "pareto-fvu",
      y: "fvu",
      anchors: ZERO_ANCHOR,
      name: "FVU",
      points,
      empty:
        runCount === 0 ? NO_RUNS : "No run has logged a step yet: its points come at the first.",
      tooltip: fidelity,
    },
  ];
  if (synthetic) {
    panels.push({
      title: "L0 (log) vs F1 (ground truth)",
      testId: "pareto-f1",
      y: "f1",
      anchors: UNIT_ANCHORS,
      name: "F1",
      points: f1Points(points),
      empty:
        "F1 against the planted features comes with the ground truth, measured every few steps while a run on synthetic data trains and at its end.",
      tooltip: (p) => (
        <>
          {heading(p)}F1 {metric(p.f1)} · MCC {metric(p.truth?.mcc)} · L0 {metric(p.l0)} (
          {p.truthFinal ? "final, evaluation stream" : "last live point"})
        </>
      ),
    });
  }
  return panels;
}
