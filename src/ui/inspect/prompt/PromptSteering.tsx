import { useState } from "react";
import type { ShownToken, SteerResult } from "../../../worker/interventionProtocol.ts";
import type { FeatureDictionaryRef } from "../../../worker/protocol.ts";
import { TokenText } from "../features/TokenText.tsx";
import { visibleToken } from "../features/tokenText.ts";
import { useSteeringStore } from "./steeringStore.ts";

const GENERATE = 8;

/**
 * Steer with the first dictionary: add α·W_dec[f] at its site (an SAE's hook, a transcoder's
 * MLP output) at every position, then compare the next-token top logits and a short greedy
 * generation before and after.
 */
export function PromptSteering(props: {
  dictionary: FeatureDictionaryRef;
  dSae?: number;
  text: string;
  /** A feature to start from (the shown token's strongest). */
  suggested?: number;
}) {
  const { dictionary, dSae, text, suggested } = props;
  const [typed, setTyped] = useState<number>();
  const [alpha, setAlpha] = useState(5);
  const running = useSteeringStore((s) => s.requestId !== undefined);
  const result = useSteeringStore((s) => s.result);
  const error = useSteeringStore((s) => s.error);
  const feature = typed ?? suggested ?? 0;
  const valid = Number.isInteger(feature) && feature >= 0 && (dSae === undefined || feature < dSae);
  const canRun = valid && Number.isFinite(alpha) && text.trim() !== "" && !running;
  return (
    <div className="prompt-steering" data-testid="prompt-steering">
      <h4>Steer</h4>
      <div className="prompt-steer-controls">
        <label>
          <span>Feature</span>
          <input
            type="number"
            className="mono"
            data-testid="steer-feature"
            min={0}
            max={dSae === undefined ? undefined : dSae - 1}
            value={feature}
            onChange={(e) => setTyped(Math.round(Number(e.target.value)))}
          />
        </label>
        <label>
          <span>α</span>
          <input
            type="number"
            className="mono"
            data-testid="steer-alpha"
            step={0.5}
            value={alpha}
            onChange={(e) => setAlpha(Number(e.target.value))}
          />
        </label>
        <button
          type="button"
          data-testid="steer-run"
          disabled={!canRun}
          title="Add α·W_dec[feature] at the dictionary's site at every position"
          onClick={() =>
            useSteeringStore
              .getState()
              .steer({ dictionary, text, feature, alpha, generate: GENERATE })
          }
        >
          {running ? "Steering…" : "Steer"}
        </button>
        <span className="muted small">adds α·W_dec[f] at every position</span>
      </div>
      {error && (
        <p className="alert" role="alert" data-testid="steer-error">
          {error}
        </p>
      )}
      {result && <SteerResultView result={result} />}
    </div>
  );
}

/** The steered run beside the clean one. */
export function SteerResultView(props: { result: SteerResult }) {
  const { result } = props;
  return (
    <div className="prompt-steer-result" data-testid="steer-result">
      <p className="muted small">
        #{result.feature} × {result.alpha} at <span className="mono">{result.site}</span> ·{" "}
        {Math.round(result.ms)} ms
      </p>
      <div className="prompt-columns">
        <SteerColumn title="Before" tokens={result.before} generated={result.generated?.before} />
        <SteerColumn title="After" tokens={result.after} generated={result.generated?.after} />
      </div>
    </div>
  );
}

function SteerColumn(props: { title: string; tokens: ShownToken[]; generated?: string }) {
  return (
    <div className="prompt-column" data-testid="steer-column">
      <h4>{props.title}</h4>
      <ol className="prompt-top">
        {props.tokens.map((t) => (
          <li key={t.token} className="prompt-steer-token">
            <span className="mono">
              <TokenText text={visibleToken(t.text)} />
            </span>
            <span className="mono prompt-value">{t.probability.toFixed(3)}</span>
          </li>
        ))}
      </ol>
      {props.generated !== undefined && (
        <p className="mono small prompt-steer-generated">
          <TokenText text={visibleToken(props.generated)} />
        </p>
      )}
    </div>
  );
}
