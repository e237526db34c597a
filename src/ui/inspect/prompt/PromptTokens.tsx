import type { PromptResult } from "../../../worker/protocol.ts";
import { usePromptStore } from "../../state/promptStore.ts";
import { TokenText } from "../features/TokenText.tsx";
import { visibleToken } from "../features/tokenText.ts";

/**
 * The prompt's tokens in a row, whitespace visible as the dashboards show it: hovering one
 * shows its features, clicking one keeps them shown. Token strings are rendered as text.
 */
export function PromptTokens(props: { result: PromptResult }) {
  const { result } = props;
  const selected = usePromptStore((s) => s.selected);
  const hovered = usePromptStore((s) => s.hovered);
  const store = usePromptStore.getState();
  return (
    <div
      className="prompt-tokens mono"
      data-testid="prompt-tokens"
      role="listbox"
      aria-label="Prompt tokens"
      onMouseLeave={() => store.hover(undefined)}
    >
      {result.tokens.map((t, i) => {
        const text = visibleToken(t);
        return (
          <button
            key={i}
            type="button"
            role="option"
            aria-selected={selected === i}
            className={`tok prompt-tok${selected === i ? " tok-focus" : ""}${
              hovered === i ? " hovered" : ""
            }`}
            data-testid="prompt-token"
            title={`token ${i}: ${text}`}
            onMouseEnter={() => store.hover(i)}
            onFocus={() => store.hover(i)}
            onClick={() => store.select(i)}
          >
            <TokenText text={text} />
          </button>
        );
      })}
    </div>
  );
}
