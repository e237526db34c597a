import type { PromptResult } from "../../../worker/protocol.ts";
import { metric } from "../../format.ts";
import { useEngineStore } from "../../state/engineStore.ts";
import { sameRef, useFeaturesStore } from "../../state/featuresStore.ts";
import { usePromptStore } from "../../state/promptStore.ts";
import { DEFAULT_DASHBOARD_TOKENS } from "../features/dictionaryChoices.ts";
import { revealFeatureWhenShown, takeReveal } from "../features/revealFeature.ts";
import { TokenText } from "../features/TokenText.tsx";
import { visibleToken } from "../features/tokenText.ts";

const KIND = { sae: "SAE", transcoder: "transcoder" } as const;

/**
 * The hovered (else the selected) token's top features, one column per dictionary side by
 * side. A feature opens its dashboard page: at once when the dashboards shown are of that
 * dictionary, else once they are computed.
 */
export function PromptFeatures(props: { result: PromptResult }) {
  const { result } = props;
  const refs = usePromptStore((s) => s.refs);
  const selected = usePromptStore((s) => s.selected);
  const hovered = usePromptStore((s) => s.hovered);
  const shownRef = useFeaturesStore((s) => s.shownRef);
  const software = useEngineStore((s) => s.adapter?.software);
  const token = hovered ?? selected ?? 0;
  const tokens =
    software === false ? DEFAULT_DASHBOARD_TOKENS.gpu : DEFAULT_DASHBOARD_TOKENS.software;
  const open = (i: number, feature: number) => {
    const ref = refs[i];
    if (!ref) return;
    revealFeatureWhenShown(feature);
    useFeaturesStore.getState().openFeature(ref, feature, tokens);
    // Shown at once: scroll to its page. Being computed: to the dashboards' progress, and the
    // page scrolls itself into view when it shows.
    requestAnimationFrame(() => {
      const page = document.querySelector(
        `[data-testid="feature-page"][aria-label="Feature ${feature}"]`,
      );
      const shownNow = page && useFeaturesStore.getState().phase !== "running";
      if (shownNow) takeReveal(feature);
      (shownNow
        ? page
        : document.querySelector('[aria-label="Feature dashboards"]')
      )?.scrollIntoView({ behavior: "smooth", block: "start" });
    });
  };
  return (
    <div className="prompt-features" data-testid="prompt-features">
      <p className="prompt-at small">
        Token {token}:{" "}
        <span className="tok tok-focus mono">
          <TokenText text={visibleToken(result.tokens[token] ?? "")} />
        </span>{" "}
        <span className="muted">
          {hovered !== undefined && hovered !== selected ? "(hovered; click to keep)" : ""}
        </span>
      </p>
      <div className="prompt-columns">
        {result.perDictionary.map((d, i) => {
          const ref = refs[i];
          const hasPage = ref !== undefined && shownRef !== undefined && sameRef(ref, shownRef);
          const top = d.top[token] ?? [];
          return (
            <div
              key={i}
              className={`prompt-column prompt-${d.kind}`}
              data-testid="prompt-dictionary"
            >
              <h4 title={d.label}>
                {KIND[d.kind]} {d.dSae} <span className="muted small">{d.hookName}</span>
              </h4>
              {top.length === 0 ? (
                <p className="muted small">No feature fires on this token.</p>
              ) : (
                <ol className="prompt-top">
                  {top.map(([f, v]) => (
                    <li key={f}>
                      <button
                        type="button"
                        className="prompt-feature"
                        data-testid="prompt-feature"
                        data-feature={f}
                        title={
                          hasPage
                            ? "Open its page"
                            : "Compute this dictionary's dashboards and open its page"
                        }
                        onClick={() => open(i, f)}
                      >
                        <span className="mono">#{f}</span>
                        <span
                          className="prompt-bar"
                          style={{ ["--w" as string]: (v / top[0]![1]).toFixed(3) }}
                        />
                        <span className="mono prompt-value">{metric(v)}</span>
                      </button>
                    </li>
                  ))}
                </ol>
              )}
            </div>
          );
        })}
      </div>
    </div>
  );
}
