import { useMemo } from "react";
import {
  CartesianGrid,
  ResponsiveContainer,
  Scatter,
  ScatterChart,
  Tooltip,
  XAxis,
  YAxis,
  type SymbolType,
} from "recharts";
import { runTitle } from "../../storage/runNames.ts";
import type { RunRecord } from "../../storage/runRecord.ts";
import { metric, si } from "../format.ts";
import type { StreamArchitecture } from "../../worker/protocol.ts";
import {
  ARCHITECTURE_LABELS,
  describeArchitecture,
  STREAM_ARCHITECTURES,
} from "../state/defaults.ts";
import { useRunsStore } from "../state/runsStore.ts";
import { KIND_COLORS, KIND_LABELS } from "../train/seriesColors.ts";
import { linearAxisTicks } from "./linearTicks.ts";
import { logAxisTicks } from "./logTicks.ts";

/** One marker per architecture (colour says SAE or transcoder). */
const ARCHITECTURE_SHAPES: Record<StreamArchitecture, { shape: SymbolType; glyph: string }> = {
  standard: { shape: "circle", glyph: "●" },
  topk: { shape: "triangle", glyph: "▲" },
  batchtopk: { shape: "diamond", glyph: "◆" },
  matryoshka_batchtopk: { shape: "star", glyph: "★" },
  jumprelu: { shape: "square", glyph: "■" },
};

interface ParetoPoint {
  run: string;
  kind: string;
  arch: StreamArchitecture;
  /** "TopK k 4", "JumpReLU L0 coef 0.1, skip"... */
  architecture: string;
  l0: number;
  ce: number | undefined;
  fvu: number;
}

/** Each run's final point per dictionary: L0, FVU, and ce_loss_score (final eval, else live). */
export function paretoPoints(runs: RunRecord[]): ParetoPoint[] {
  return runs.flatMap((run) =>
    Object.entries(run.histories).flatMap(([id, h]) => {
      const last = h[h.length - 1];
      if (!last || !(last.l0 > 0)) return [];
      const live = run.liveEvals[id];
      const ce = run.evals[id]?.ce_loss_score ?? live?.[live.length - 1]?.ce_loss_score;
      const d = run.config.dictionaries.find((x) => x.id === id);
      const kind = d?.kind ?? id;
      const architecture = d ? describeArchitecture(d) : "";
      const arch = d?.architecture ?? "standard";
      const name = `${runTitle(run)} · ${d?.label ?? run.label}`;
      return [{ run: name, kind, arch, architecture, l0: last.l0, ce, fvu: last.fvu }];
    }),
  );
}

/** The sparsity/fidelity plot every SAE paper shows: L0 (log x) against CE score and FVU. */
export function ParetoChart() {
  const runs = useRunsStore((s) => s.runs);
  const points = useMemo(() => paretoPoints(runs), [runs]);
  const l0Axis = useMemo(() => logAxisTicks(points.map((p) => p.l0)), [points]);
  // ce_loss_score is 0 at zero ablation and 1 at the clean model: the axis shows both.
  const yAxes = useMemo(
    () => ({
      ce: linearAxisTicks(
        points.map((p) => p.ce),
        [0, 1],
      ),
      fvu: linearAxisTicks(
        points.map((p) => p.fvu),
        [0],
      ),
    }),
    [points],
  );
  const kinds = ["sae", "transcoder"];
  const archs = STREAM_ARCHITECTURES.filter((a) => points.some((p) => p.arch === a));
  const panel = (title: string, y: "ce" | "fvu", testId: string) => (
    <figure className="chart" data-testid={testId}>
      <figcaption>
        <span className="chart-title">{title}</span>
        <span className="muted" data-testid={`${testId}-shapes`}>
          {archs.map((a) => `${ARCHITECTURE_SHAPES[a].glyph} ${ARCHITECTURE_LABELS[a]}`).join(" ")}{" "}
          · {points.length} points
        </span>
      </figcaption>
      <div className="chart-body" role="img" aria-label={`${title}: ${points.length} runs`}>
        <ResponsiveContainer width="100%" height="100%">
          <ScatterChart margin={{ top: 8, right: 12, bottom: 4, left: 0 }}>
            <CartesianGrid stroke="var(--grid)" strokeDasharray="2 3" />
            <XAxis
              type="number"
              dataKey="l0"
              name="L0"
              scale="log"
              domain={l0Axis?.domain ?? ["auto", "auto"]}
              ticks={l0Axis?.ticks}
              tickFormatter={(v: number) => si(v, 2)}
              tick={{ fontSize: 10 }}
            />
            <YAxis
              type="number"
              dataKey={y}
              name={y === "ce" ? "ce_loss_score" : "FVU"}
              domain={yAxes[y].domain}
              ticks={yAxes[y].ticks}
              allowDataOverflow
              tickFormatter={(v: number) => si(v, 3)}
              tick={{ fontSize: 10 }}
              width={42}
            />
            <Tooltip
              cursor={{ strokeDasharray: "3 3" }}
              content={({ payload }) => {
                const p = payload?.[0]?.payload as ParetoPoint | undefined;
                if (!p) return null;
                return (
                  <div className="chart-tooltip">
                    <strong>{KIND_LABELS[p.kind]}</strong> {p.architecture} · {p.run}
                    <br />
                    L0 {metric(p.l0)} · FVU {metric(p.fvu)} · CE score {metric(p.ce)}
                  </div>
                );
              }}
            />
            {kinds.flatMap((k) =>
              archs.map((a) => (
                <Scatter
                  key={`${k}-${a}`}
                  name={`${KIND_LABELS[k]} ${ARCHITECTURE_LABELS[a]}`}
                  data={points.filter(
                    (p) => p.kind === k && p.arch === a && (y === "fvu" || p.ce !== undefined),
                  )}
                  fill={KIND_COLORS[k]}
                  shape={ARCHITECTURE_SHAPES[a].shape}
                  isAnimationActive={false}
                />
              )),
            )}
          </ScatterChart>
        </ResponsiveContainer>
      </div>
    </figure>
  );
  return (
    <section className="pareto" aria-label="Pareto">
      {panel("L0 (log) vs ce_loss_score", "ce", "pareto-ce")}
      {panel("L0 (log) vs FVU", "fvu", "pareto-fvu")}
    </section>
  );
}
