import { CartesianGrid, Legend, Line, LineChart, Tooltip, XAxis, YAxis } from "recharts";
import type { SplicedMetrics } from "../engine/eval/splicedEval.ts";
import type { MetricPoint } from "./streamStore.ts";

/** One dictionary's live curves and latest numbers, and its spliced-in metrics when known. */
export function DictionaryCard(props: {
  id: string;
  title: string;
  history: MetricPoint[];
  evaluation?: SplicedMetrics;
}) {
  const { history, evaluation } = props;
  const last = history[history.length - 1];
  return (
    <section data-testid={`dict-${props.id}`} style={{ flex: "1 1 340px", minWidth: 320 }}>
      <h3>{props.title}</h3>
      {/* Mounted before the first point arrives: mounting a chart is the page's costliest render. */}
      <LineChart width={340} height={200} data={history}>
        <CartesianGrid strokeDasharray="3 3" />
        <XAxis dataKey="step" />
        <YAxis />
        <Tooltip />
        <Legend />
        <Line
          type="monotone"
          dataKey="loss"
          stroke="#3366cc"
          dot={false}
          isAnimationActive={false}
        />
        <Line
          type="monotone"
          dataKey="mse_loss"
          stroke="#dc3912"
          dot={false}
          isAnimationActive={false}
        />
      </LineChart>
      {last && (
        <dl
          style={{
            display: "grid",
            gridTemplateColumns: "auto auto",
            gap: "2px 12px",
            fontSize: 14,
          }}
        >
          <dt>Step</dt>
          <dd data-testid={`${props.id}-step`}>{last.step}</dd>
          <dt>Loss (mse + l1)</dt>
          <dd data-testid={`${props.id}-loss`}>{last.loss.toFixed(4)}</dd>
          <dt>L0</dt>
          <dd data-testid={`${props.id}-l0`}>{last.l0.toFixed(1)}</dd>
          <dt>Explained variance</dt>
          <dd data-testid={`${props.id}-ev`}>{last.explained_variance.toFixed(4)}</dd>
          <dt>Dead features</dt>
          <dd>{last.dead_features}</dd>
          <dt>Training tokens/s</dt>
          <dd>{Math.round(last.tokensPerSecond)}</dd>
        </dl>
      )}
      {evaluation && (
        <dl
          data-testid={`${props.id}-eval`}
          style={{
            display: "grid",
            gridTemplateColumns: "auto auto",
            gap: "2px 12px",
            fontSize: 14,
          }}
        >
          <dt>ce_loss_without_sae / with_sae / with_ablation</dt>
          <dd>
            {evaluation.ce_loss_without_sae.toFixed(3)} / {evaluation.ce_loss_with_sae.toFixed(3)} /{" "}
            {evaluation.ce_loss_with_ablation.toFixed(3)}
          </dd>
          <dt>ce_loss_score</dt>
          <dd data-testid={`${props.id}-ce-score`}>{evaluation.ce_loss_score.toFixed(4)}</dd>
          <dt>kl_div_with_sae</dt>
          <dd data-testid={`${props.id}-kl`}>{evaluation.kl_div_with_sae.toFixed(4)}</dd>
          <dt>kl_div_with_ablation</dt>
          <dd>{evaluation.kl_div_with_ablation.toFixed(4)}</dd>
          <dt>kl_div_score</dt>
          <dd>{evaluation.kl_div_score.toFixed(4)}</dd>
          <dt>Held-out tokens</dt>
          <dd>{evaluation.tokens}</dd>
        </dl>
      )}
      <ol hidden data-testid={`${props.id}-losses`}>
        {history.map((m) => (
          <li key={m.step}>{m.loss}</li>
        ))}
      </ol>
    </section>
  );
}
