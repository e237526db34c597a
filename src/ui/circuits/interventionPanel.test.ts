import { createElement } from "react";
import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";
import type { InterventionResult } from "../../worker/interventionProtocol.ts";
import { InterventionPanel, InterventionResultView } from "./InterventionPanel.tsx";

const change = (
  token: number,
  text: string,
  predicted: number,
  actual: number,
  actualLnFinalScaleHeld: number,
) => ({
  token,
  text,
  before: 1,
  after: 1 + actual,
  actual,
  actualLnFinalScaleHeld,
  predicted,
  probabilityBefore: 0.5,
  probabilityAfter: 0.25,
});

describe("the intervention panel", () => {
  it("lists the features with their multipliers (0 = ablated) and labels as text", () => {
    const html = renderToStaticMarkup(
      createElement(InterventionPanel, {
        graphId: "g",
        targets: [{ nodeId: "1_7_2", layer: 1, pos: 2, feature: 7, label: "<b>cats</b>" }],
        set: { kind: "run", runId: "r" },
        prompt: { text: "The cat" },
        post: () => undefined,
        subscribe: () => () => undefined,
      }),
    );
    expect(html).toContain("L1 #7 @2");
    expect(html).toContain("&lt;b&gt;cats&lt;/b&gt;");
    expect(html).toContain("(ablated)");
  });

  it("says what to do without a set or a selection", () => {
    const html = renderToStaticMarkup(
      createElement(InterventionPanel, {
        graphId: "g",
        targets: [],
        set: undefined,
        prompt: { text: "x" },
        post: () => undefined,
        subscribe: () => () => undefined,
      }),
    );
    expect(html).toMatch(/transcoder set is not here/);
    expect(html).toMatch(/Pin feature nodes/);
  });

  it("shows predicted beside both actuals per token, untrusted token text escaped", () => {
    const result: InterventionResult = {
      tokens: ["<|endoftext|>", "<script>"],
      interventions: [],
      before: [],
      after: [],
      changes: [change(1, "<script>", -0.9, -1, -0.875), change(2, " the", 0.5, 0.25, 0.4375)],
      generated: { before: " a <i>", after: " b" },
      downstream: "model",
      freezeAttention: true,
      ms: 12,
    };
    const html = renderToStaticMarkup(createElement(InterventionResultView, { result }));
    expect(html).not.toContain("<script>");
    expect(html).toContain("&lt;script&gt;");
    expect(html).toContain("−0.900");
    // The actual with ln_final's scale held, and the line saying why it differs.
    expect(html).toContain("−0.875");
    expect(html).toContain("+0.438");
    expect(html).toMatch(/two actuals differ by ln_final&#x27;s scale/);
    expect(html).toContain("10%");
    expect(html).toContain("100%");
    expect(html).not.toContain("<i>");
  });
});
