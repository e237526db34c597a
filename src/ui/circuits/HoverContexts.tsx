import { useEffect } from "react";
import type { FeatureDashboards } from "../../worker/protocol.ts";
import { TokenText } from "../inspect/features/TokenText.tsx";
import { visibleToken } from "../inspect/features/tokenText.ts";
import type { FeatureSource } from "./featureSource.ts";
import { useFeatureStatsStore, type LayerStats } from "./featureStatsStore.ts";
import { choiceKey } from "../inspect/features/dictionaryChoices.ts";

const SHOWN = 3;
const AROUND = 5;

const stringMaps = new WeakMap<FeatureDashboards, Map<number, string>>();
function stringsOf(d: FeatureDashboards): Map<number, string> {
  let map = stringMaps.get(d);
  if (!map) {
    map = new Map(d.strings.tokens.map((t, i) => [t, d.strings.text[i]!]));
    stringMaps.set(d, map);
  }
  return map;
}

/** One top example: a few tokens either side, the activating one marked. */
function Snippet(props: { d: FeatureDashboards; token: number; activation: number }) {
  const { d, token } = props;
  const strings = stringsOf(d);
  const seq = Math.floor(token / d.seqLen);
  const pos = token % d.seqLen;
  const cells = [];
  for (let p = Math.max(0, pos - AROUND); p <= Math.min(d.seqLen - 1, pos + 2); p++) {
    const id = d.windowTokens[seq * d.seqLen + p]!;
    const text = visibleToken(strings.get(id) ?? `#${id}`);
    cells.push(
      p === pos ? (
        <mark key={p}>
          <TokenText text={text} />
        </mark>
      ) : (
        <span key={p}>
          <TokenText text={text} />
        </span>
      ),
    );
  }
  return (
    <li className="mono">
      {cells} <span className="muted">{props.activation.toPrecision(3)}</span>
    </li>
  );
}

function statsLine(stats: LayerStats | undefined, layer: number): string {
  if (!stats || stats.phase === "queued")
    return `Top contexts: waiting for layer ${layer}'s statistics…`;
  if (stats.phase === "running") {
    const share = stats.total ? ` ${Math.round((100 * (stats.done ?? 0)) / stats.total)}%` : "";
    return `Top contexts: reading the corpus for layer ${layer}'s transcoder…${share}`;
  }
  return stats.phase === "error" ? `Top contexts unavailable: ${stats.message}` : "";
}

/** A hovered feature's top activating contexts, from the inspector's statistics for its layer. */
export function HoverContexts(props: { source: FeatureSource }) {
  const { ref, layer, feature } = props.source;
  const key = ref ? choiceKey(ref) : undefined;
  const stats = useFeatureStatsStore((s) => (key ? s.byDictionary.get(key) : undefined));
  useEffect(() => {
    if (ref) useFeatureStatsStore.getState().want(ref);
  }, [ref]);
  if (!ref) {
    return <p className="muted small">Top contexts: this graph&apos;s set is no longer here.</p>;
  }
  if (stats?.phase !== "ready") {
    return (
      <p className="muted small" data-testid="hover-contexts">
        {statsLine(stats, layer)}
      </p>
    );
  }
  const d = stats.dashboards;
  const from = d.top.offsets[feature]!;
  const to = Math.min(d.top.offsets[feature + 1]!, from + SHOWN);
  return (
    <div className="hover-contexts" data-testid="hover-contexts">
      <span className="muted small">
        Top contexts (density {d.density[feature]!.toPrecision(2)}):
      </span>
      {from === to ? (
        <p className="muted small">Never fired on the corpus tokens read.</p>
      ) : (
        <ol>
          {Array.from({ length: to - from }, (_, i) => (
            <Snippet
              key={i}
              d={d}
              token={d.top.token[from + i]!}
              activation={d.top.activation[from + i]!}
            />
          ))}
        </ol>
      )}
    </div>
  );
}
