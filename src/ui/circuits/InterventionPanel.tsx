import { useEffect, useRef, useState } from "react";
import type {
  InterventionPrompt,
  InterventionRequest,
  InterventionResult,
} from "../../worker/interventionProtocol.ts";
import type { TranscoderSetRef } from "../../worker/circuitsProtocol.ts";
import type { FromWorker } from "../../worker/protocol.ts";
import { onEngineMessage } from "../engine.ts";
import { TokenText } from "../inspect/features/TokenText.tsx";
import { visibleToken } from "../inspect/features/tokenText.ts";
import {
  interventionRequest,
  multiplierOf,
  relativeGap,
  signed,
  type GraphLogitLink,
  type InterventionTarget,
  type Multipliers,
} from "./interventionRequest.ts";
import "./interventionPanel.css";

export interface InterventionPanelProps {
  /** Changes when another graph is shown: the panel then forgets its result. */
  graphId: string;
  /** The selected feature nodes, or a supernode's. */
  targets: readonly InterventionTarget[];
  /** The graph's transcoder set; undefined for an uploaded graph whose set is not here. */
  set: TranscoderSetRef | undefined;
  prompt: InterventionPrompt;
  /** The graph's links from features to logit nodes, for the prediction from the graph as drawn. */
  links?: readonly GraphLogitLink[];
  post: (m: InterventionRequest) => void;
  /** Default: every message of the engine worker. */
  subscribe?: (listener: (m: FromWorker) => void) => () => void;
}

const MULTIPLIER_RANGE = { min: -2, max: 4, step: 0.1 };
const MAX_GENERATE = 32;
let counter = 0;

/**
 * Test what the graph claims: set the selected features to a multiple of their activation (0
 * ablates) and rerun the model (circuit-tracer's feature intervention: the change goes into the
 * layer's MLP output, later layers recompute). Shows the next-token probabilities before and
 * after, and each top logit's change as the graph's direct edges predict it beside the actual one
 * (and the actual one with ln_final's scale held, as the graph holds it).
 */
export function InterventionPanel(props: InterventionPanelProps) {
  const { graphId, targets, set, prompt, links, post } = props;
  const subscribe = props.subscribe ?? onEngineMessage;
  const [multipliers, setMultipliers] = useState<Multipliers>({});
  const [generateOn, setGenerateOn] = useState(false);
  const [generate, setGenerate] = useState(8);
  // Both are of one graph; another graph shown hides them.
  const [pending, setPending] = useState<{ requestId: string; graphId: string }>();
  const [answer, setAnswer] = useState<{
    graphId: string;
    result?: InterventionResult;
    error?: string;
  }>();
  const pendingRef = useRef(pending);
  const running = pending?.graphId === graphId;
  const shown = answer?.graphId === graphId ? answer : undefined;

  useEffect(
    () =>
      subscribe((m) => {
        if (m.type !== "intervention-result" && m.type !== "intervention-error") return;
        const asked = pendingRef.current;
        if (m.requestId !== asked?.requestId) return;
        pendingRef.current = undefined;
        setPending(undefined);
        setAnswer(
          m.type === "intervention-error"
            ? { graphId: asked.graphId, error: m.message }
            : { graphId: asked.graphId, result: m.result },
        );
      }),
    [subscribe],
  );

  const run = () => {
    if (!set || targets.length === 0) return;
    const asked = { requestId: `intervene-${++counter}`, graphId };
    pendingRef.current = asked;
    setPending(asked);
    setAnswer(undefined);
    post(
      interventionRequest({
        requestId: asked.requestId,
        set,
        prompt,
        targets,
        multipliers,
        generate: generateOn ? generate : 0,
        ...(links ? { links } : {}),
      }),
    );
  };
  const setAll = (value: number) =>
    setMultipliers(Object.fromEntries(targets.map((t) => [t.nodeId, value])));

  return (
    <section
      className="intervention-panel"
      aria-label="Intervention"
      data-testid="intervention-panel"
    >
      <h3>Intervene</h3>
      {!set && (
        <p className="muted small">
          This graph&apos;s transcoder set is not here: load it or compute the graph from a run to
          rerun the model.
        </p>
      )}
      {targets.length === 0 ? (
        <p className="muted small">
          Pin feature nodes or select a supernode to set them to a multiple of their activation.
        </p>
      ) : (
        <ul className="intervention-targets">
          {targets.map((t) => {
            const m = multiplierOf(multipliers, t.nodeId);
            const set1 = (value: number) =>
              Number.isFinite(value) && setMultipliers({ ...multipliers, [t.nodeId]: value });
            return (
              <li key={t.nodeId} data-testid="intervention-target" data-node={t.nodeId}>
                <span className="mono intervention-node" title={t.label ?? t.nodeId}>
                  L{t.layer} #{t.feature} @{t.pos}
                  {t.label ? <span className="muted"> {t.label}</span> : null}
                </span>
                <input
                  type="range"
                  aria-label={`Multiplier of ${t.nodeId}`}
                  {...MULTIPLIER_RANGE}
                  value={m}
                  onChange={(e) => set1(Number(e.target.value))}
                />
                <input
                  type="number"
                  className="mono intervention-multiplier"
                  aria-label={`Multiplier of ${t.nodeId} (number)`}
                  step={MULTIPLIER_RANGE.step}
                  value={m}
                  onChange={(e) => set1(Number(e.target.value))}
                />
                <span className="muted small">× a{m === 0 ? " (ablated)" : ""}</span>
              </li>
            );
          })}
        </ul>
      )}
      <div className="intervention-actions">
        <button type="button" onClick={() => setAll(0)} disabled={targets.length === 0}>
          Ablate all
        </button>
        <button type="button" onClick={() => setAll(1)} disabled={targets.length === 0}>
          Reset to 1×
        </button>
        <label className="small">
          <input
            type="checkbox"
            checked={generateOn}
            onChange={(e) => setGenerateOn(e.target.checked)}
          />{" "}
          generate
        </label>
        <input
          type="number"
          className="mono intervention-generate"
          aria-label="Tokens to generate"
          min={1}
          max={MAX_GENERATE}
          value={generate}
          disabled={!generateOn}
          onChange={(e) =>
            setGenerate(
              Math.min(MAX_GENERATE, Math.max(1, Math.round(Number(e.target.value) || 1))),
            )
          }
        />
        <button
          type="button"
          className="primary"
          data-testid="intervention-run"
          aria-label="Run the intervention"
          disabled={!set || targets.length === 0 || running}
          onClick={run}
        >
          {running ? "Running…" : "Run"}
        </button>
      </div>
      {shown?.error && (
        <p className="alert" role="alert" data-testid="intervention-error">
          {shown.error}
        </p>
      )}
      {shown?.result && <InterventionResultView result={shown.result} />}
    </section>
  );
}

export function InterventionResultView(props: { result: InterventionResult }) {
  const { result } = props;
  const hasGraph = result.changes.some((c) => c.predictedFromGraph !== undefined);
  return (
    <div className="intervention-result" data-testid="intervention-result">
      <table className="intervention-table">
        <caption className="muted small">
          Top next tokens; Δ = change of the centred logit. Predicted: the graph&apos;s direct
          edges, Σ (m − 1)·A[logit, feature]{hasGraph && "; under it, from the links drawn"}.{" "}
          <span data-testid="ln-final-note">
            The two actuals differ by ln_final&apos;s scale: the graph holds it at its clean value,
            the model recomputes it, and a 1–3% change of it rescales every logit.
          </span>
        </caption>
        <thead>
          <tr>
            <th scope="col">
              token
              <span className="intervention-sub">p before → after</span>
            </th>
            <th scope="col">
              Δ predicted
              {hasGraph && <span className="intervention-sub">as drawn</span>}
            </th>
            <th scope="col">Δ actual</th>
            <th scope="col">Δ actual, ln_final scale held</th>
            <th scope="col" title="|predicted − actual| / |actual|">
              gap
            </th>
          </tr>
        </thead>
        <tbody>
          {result.changes.map((c) => (
            <tr key={c.token} data-testid="intervention-change" data-token={c.token}>
              <td className="mono">
                <TokenText text={visibleToken(c.text)} />
                <span className="intervention-sub">
                  {c.probabilityBefore.toFixed(3)} → {c.probabilityAfter.toFixed(3)}
                </span>
              </td>
              <td className="mono">
                {signed(c.predicted)}
                {hasGraph && (
                  <span className="intervention-sub" title="From the graph's links as drawn">
                    {c.predictedFromGraph === undefined ? "—" : signed(c.predictedFromGraph)}
                  </span>
                )}
              </td>
              <td className="mono" data-testid="change-actual">
                {signed(c.actual)}
              </td>
              <td className="mono" data-testid="change-actual-scale-held">
                {signed(c.actualLnFinalScaleHeld)}
              </td>
              <td className="mono muted">{relativeGap(c.predicted, c.actual)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {result.generated && (
        <dl className="intervention-generated">
          <dt>before</dt>
          <dd className="mono" data-testid="intervention-generated-before">
            <TokenText text={visibleToken(result.generated.before)} />
          </dd>
          <dt>after</dt>
          <dd className="mono" data-testid="intervention-generated-after">
            <TokenText text={visibleToken(result.generated.after)} />
          </dd>
        </dl>
      )}
      <p className="muted small">
        {result.freezeAttention ? "Attention patterns frozen" : "Attention recomputed"};{" "}
        {result.downstream === "model" ? "the model's own MLPs" : "transcoders with frozen errors"}{" "}
        downstream · {Math.round(result.ms)} ms
      </p>
    </div>
  );
}
