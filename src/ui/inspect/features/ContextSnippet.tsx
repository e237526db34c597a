import { useState } from "react";
import type { FeatureDashboards } from "../../../worker/protocol.ts";
import { metric } from "../../format.ts";
import { useFeaturesStore } from "../../state/featuresStore.ts";
import { useFeatureWindowStore, windowKey } from "../../state/featureWindowStore.ts";
import { TokenText } from "./TokenText.tsx";
import { visibleToken } from "./tokenText.ts";

/** Tokens shown either side of the example until expanded to the whole window. */
const CONTEXT = 16;

/**
 * One example in its window: the tokens around it, each tinted by this feature's activation
 * where the pass recorded one (the example, and any other of its top or interval examples in
 * the same window), the value in the title. Expanded, the whole window, every token tinted by
 * the activations the worker computes for it on demand (one forward pass). Token strings are
 * rendered as text.
 */
export function ContextSnippet(props: {
  d: FeatureDashboards;
  feature: number;
  /** sequence · seqLen + position. */
  token: number;
  activation: number;
  known: ReadonlyMap<number, number>;
}) {
  const { d, feature, token, activation, known } = props;
  const strings = useFeaturesStore((s) => s.strings);
  const version = useFeaturesStore((s) => s.shownVersion);
  const [expanded, setExpanded] = useState(false);
  const seq = Math.floor(token / d.seqLen);
  const pos = token % d.seqLen;
  const key = windowKey(version, feature, seq);
  const whole = useFeatureWindowStore((s) => (expanded ? s.windows.get(key) : undefined));
  const values = whole?.values;
  const from = expanded ? 0 : Math.max(0, pos - CONTEXT);
  const to = expanded ? d.seqLen : Math.min(d.seqLen, pos + CONTEXT + 1);
  const max = d.max[feature]! || 1;
  const cell = (p: number) => {
    const g = seq * d.seqLen + p;
    const id = d.windowTokens[g]!;
    const a = values ? values[p]! : known.get(g);
    const text = visibleToken(strings.get(id) ?? `<${id}>`);
    const tinted = a !== undefined && a > 0;
    return (
      <span
        key={p}
        className={`tok${p === pos ? " tok-focus" : ""}${tinted ? " tok-act" : ""}`}
        style={tinted ? { ["--a" as string]: Math.min(1, a / max).toFixed(3) } : undefined}
        title={a !== undefined ? `${text}  activation ${metric(a)}` : `${text}  (not recorded)`}
        data-activation={a}
      >
        <TokenText text={text} />
      </span>
    );
  };
  const range = (a: number, b: number) => Array.from({ length: b - a }, (_, i) => cell(a + i));
  const expand = () => {
    const next = !expanded;
    setExpanded(next);
    const ref = useFeaturesStore.getState().shownRef;
    if (next && ref) {
      const ids = Array.from(d.windowTokens.subarray(seq * d.seqLen, (seq + 1) * d.seqLen));
      useFeatureWindowStore.getState().request(key, ref, feature, ids);
    }
  };
  return (
    <li className="snippet" data-testid="snippet">
      <span className="snippet-value mono" title="activation">
        {metric(activation)}
      </span>
      {expanded ? (
        <span
          className="snippet-tokens mono expanded"
          data-testid="snippet-window"
          data-state={values ? "ready" : whole?.error ? "error" : "pending"}
          title={whole?.error}
        >
          {range(from, to)}
        </span>
      ) : (
        // The example at a fixed column: the left context is clipped on its left, the right
        // context on its right.
        <span className="snippet-tokens mono">
          <span className="snippet-left">{range(from, pos)}</span>
          {cell(pos)}
          <span className="snippet-right">{range(pos + 1, to)}</span>
        </span>
      )}
      <button
        type="button"
        className="snippet-expand"
        aria-expanded={expanded}
        aria-label={expanded ? "Show less context" : "Show the whole window"}
        onClick={expand}
      >
        {expanded ? "−" : "+"}
      </button>
    </li>
  );
}
