/**
 * The frame every sparsity/fidelity scatter shares (Runs's Pareto charts, the Train view's live
 * frontier): L0 on a log x-axis with 1-2-5 ticks, a linear y-axis with explicit ticks, a dashed
 * grid. Its tooltip and point series come as children.
 */
import type { ReactNode } from "react";
import { CartesianGrid, ResponsiveContainer, ScatterChart, XAxis, YAxis } from "recharts";
import { si } from "../format.ts";
import type { logAxisTicks } from "./logTicks.ts";

export interface L0ScatterProps {
  l0Axis: ReturnType<typeof logAxisTicks>;
  y: {
    /** The points' field drawn on y. */
    key: string;
    /** The tooltip's name for it. */
    name?: string;
    axis: { domain: [number, number]; ticks: number[] };
    width: number;
  };
  margin: { top: number; right: number; bottom: number; left: number };
  children: ReactNode;
}

export function L0Scatter(props: L0ScatterProps) {
  const { l0Axis, y } = props;
  return (
    <ResponsiveContainer width="100%" height="100%">
      <ScatterChart margin={props.margin}>
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
          dataKey={y.key}
          {...(y.name ? { name: y.name } : {})}
          domain={y.axis.domain}
          ticks={y.axis.ticks}
          allowDataOverflow
          tickFormatter={(v: number) => si(v, 3)}
          tick={{ fontSize: 10 }}
          width={y.width}
        />
        {props.children}
      </ScatterChart>
    </ResponsiveContainer>
  );
}
