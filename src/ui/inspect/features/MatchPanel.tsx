import { useState } from "react";
import { sameIndexSuspicious } from "../../../engine/features/featureMatching.ts";
import type { FeatureMatchResult } from "../../../worker/protocol.ts";
import { metric, si } from "../../format.ts";
import { NumberField } from "../../NumberField.tsx";
import { useEngineStore } from "../../state/engineStore.ts";
import { useFeaturesStore } from "../../state/featuresStore.ts";
import { useMatchStore } from "../../state/matchStore.ts";
import { CancellableProgress } from "../CancellableProgress.tsx";
import {
  DEFAULT_DASHBOARD_TOKENS,
  useDictionaryChoices,
  type DictionaryChoice,
} from "./dictionaryChoices.ts";
import { MatchTable } from "./MatchTable.tsx";

const MAX_TOKENS = 65_280;

function DictionarySelect(props: {
  label: string;
  choices: DictionaryChoice[];
  value: string | undefined;
  onChange: (key: string) => void;
  testId: string;
}) {
  return (
    <label className="dash-dict">
      <span>{props.label}</span>
      <select
        data-testid={props.testId}
        value={props.value ?? ""}
        onChange={(e) => props.onChange(e.target.value)}
      >
        {props.choices.map((c) => (
          <option key={c.key} value={c.key}>
            {c.label}
          </option>
        ))}
      </select>
    </label>
  );
}

function pct(x: number, digits = 1): string {
  return `${(x * 100).toFixed(digits)}%`;
}

/**
 * The share of best matches at A's own index, by the statistic where it is highest, and a
 * warning when it is far above chance (1 / B's d_sae): a shared initialisation, not learning.
 */
function SameIndex(props: { r: FeatureMatchResult }) {
  const { r } = props;
  const columns = [
    { name: "decoder cosine", c: r.cosine },
    { name: "correlation", c: r.correlation },
  ].filter((x): x is { name: string; c: NonNullable<typeof x.c> } => x.c !== undefined);
  if (columns.length === 0) return null;
  const worst = columns.reduce((a, b) => (b.c.sameIndex > a.c.sameIndex ? b : a));
  const chance = pct(1 / r.dSaeB, 2);
  const shares = columns.map((x) => `${pct(x.c.sameIndex)} by ${x.name}`).join(", ");
  if (!sameIndexSuspicious(worst.c, r.dSaeB)) {
    return (
      <p className="muted small" data-testid="match-same-index">
        Same index as A: {shares} (chance {chance}).
      </p>
    );
  }
  return (
    <p className="notice small" role="status" data-testid="match-same-index">
      ⚠ {shares} of A&apos;s best matches are B&apos;s feature of the same index, against {chance}{" "}
      by chance: the two dictionaries may share an initialisation, so the matches above can count
      their common start rather than what they learned.
    </p>
  );
}

/** What each statistic found against its chance baseline. */
function MatchSummary(props: { r: FeatureMatchResult }) {
  const { r } = props;
  return (
    <ul className="match-summary small" data-testid="match-summary">
      <li>
        <b>Decoder cosine</b>:{" "}
        {r.cosine ? (
          <>
            {pct(r.cosine.matched)} of A's {r.dSaeA.toLocaleString()} features above chance (99th
            percentile of the best cosine against B's decoder with shuffled coordinates:{" "}
            {metric(r.cosine.threshold)})
          </>
        ) : (
          <span className="muted">not computed: {r.cosineNote}</span>
        )}
      </li>
      <li>
        <b>Correlation</b>:{" "}
        {r.correlation ? (
          <>
            {pct(r.correlation.matched)} above chance (99th percentile of the best correlation
            against B one window later: {metric(r.correlation.threshold)}), Pearson over{" "}
            {si(r.tokens)} tokens,{" "}
            {r.pairs === "full"
              ? "every pair"
              : "each A feature's 10 nearest B features by decoder cosine"}
          </>
        ) : (
          <span className="muted">not computed: {r.correlationNote}</span>
        )}
      </li>
    </ul>
  );
}

/**
 * Match features between two dictionaries (trained or loaded): for each feature of A, its best
 * B feature by decoder cosine and by activation correlation, against chance baselines.
 */
export function MatchPanel() {
  const choices = useDictionaryChoices();
  const software = useEngineStore((s) => s.adapter?.software);
  const phase = useMatchStore((s) => s.phase);
  const progress = useMatchStore((s) => s.progress);
  const error = useMatchStore((s) => s.error);
  const result = useMatchStore((s) => s.result);
  const shown = useMatchStore((s) => s.shown);
  const [keyA, setKeyA] = useState<string>();
  const [keyB, setKeyB] = useState<string>();
  const [tokens, setTokens] = useState<number>();
  if (choices.length < 2) return null;
  const a = choices.find((c) => c.key === keyA) ?? choices[0]!;
  const b = choices.find((c) => c.key === keyB) ?? choices.find((c) => c.key !== a.key)!;
  const n =
    tokens ??
    (software === false ? DEFAULT_DASHBOARD_TOKENS.gpu : DEFAULT_DASHBOARD_TOKENS.software);
  const store = useMatchStore.getState();
  const open = (side: "a" | "b", feature: number) => {
    const ref = shown?.[side === "a" ? 0 : 1];
    if (!ref) return;
    useFeaturesStore.getState().openFeature(ref, feature, n);
  };
  return (
    <section className="match-panel" aria-label="Match features" data-testid="match-panel">
      <h4>Match features</h4>
      <div className="dash-row">
        <DictionarySelect
          label="A"
          choices={choices}
          value={a.key}
          onChange={setKeyA}
          testId="match-a"
        />
        <DictionarySelect
          label="B"
          choices={choices}
          value={b.key}
          onChange={setKeyB}
          testId="match-b"
        />
        <NumberField
          label="Tokens"
          value={n}
          min={128}
          max={MAX_TOKENS}
          integer
          onChange={setTokens}
          testId="match-tokens"
        />
        <button
          type="button"
          className="primary"
          disabled={phase === "running" || a.key === b.key}
          onClick={() => store.run(a.ref, b.ref, n)}
        >
          Match
        </button>
      </div>
      <p className="muted small">
        For each feature of A, the B feature whose decoder direction is nearest (when both write to
        the same site) and the one whose activations correlate best on the same tokens, each against
        a chance baseline. Features that read the same activations correlate even when they are
        different features: a correlation match means most alongside a cosine match.
      </p>
      {phase === "running" && (
        <CancellableProgress
          done={progress?.done}
          total={progress?.total}
          text={
            progress
              ? `${progress.label}: ${si(progress.done)} / ${si(progress.total)}`
              : "Starting…"
          }
          ariaLabel="Matching progress"
          testId="match-progress"
          onCancel={store.cancel}
        />
      )}
      {phase === "error" && error && (
        <p className="alert" role="alert" data-testid="match-error">
          {error}
        </p>
      )}
      {result && (
        <>
          <p className="small mono" title={`${result.labelA} → ${result.labelB}`}>
            A {result.labelA} ({result.dSaeA.toLocaleString()}) → B {result.labelB} (
            {result.dSaeB.toLocaleString()}) · {result.seconds.toFixed(1)} s
          </p>
          <MatchSummary r={result} />
          <SameIndex r={result} />
          <MatchTable r={result} onOpen={open} />
        </>
      )}
    </section>
  );
}
