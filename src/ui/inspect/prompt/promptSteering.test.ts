import { createElement } from "react";
import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";
import { PromptSteering, SteerResultView } from "./PromptSteering.tsx";

const dictionary = { kind: "run", runId: "r", dictionaryId: "transcoder" } as const;
const render = (props: { suggested?: number; dSae?: number }) =>
  renderToStaticMarkup(createElement(PromptSteering, { dictionary, text: "The cat", ...props }));

describe("Try a prompt's steering", () => {
  it("starts from the shown token's strongest feature", () => {
    expect(render({ suggested: 17, dSae: 64 })).toMatch(
      /data-testid="steer-feature"[^>]*value="17"/,
    );
  });

  it("shows the top tokens and the generation before and after, token text escaped", () => {
    const html = renderToStaticMarkup(
      createElement(SteerResultView, {
        result: {
          tokens: ["The", " cat"],
          site: "blocks.1.hook_mlp_out",
          feature: 17,
          alpha: 5,
          before: [{ token: 1, text: " sat", probability: 0.5, logit: 3 }],
          after: [{ token: 2, text: "<img>", probability: 0.25, logit: 2 }],
          generated: { before: " sat on", after: " <b>" },
          ms: 20,
        },
      }),
    );
    expect(html).toContain("blocks.1.hook_mlp_out");
    expect(html).toContain("0.500");
    expect(html).toContain("&lt;img&gt;");
    expect(html).not.toContain("<img>");
    expect(html).not.toContain("<b>");
    expect(html.match(/data-testid="steer-column"/g)).toHaveLength(2);
  });
});
