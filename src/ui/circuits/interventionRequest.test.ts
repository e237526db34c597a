import { describe, expect, it } from "vitest";
import { interventionRequest, relativeGap, signed } from "./interventionRequest.ts";

describe("the intervention panel's request", () => {
  const targets = [
    { nodeId: "1_7_2", layer: 1, pos: 2, feature: 7 },
    { nodeId: "3_40_4", layer: 3, pos: 4, feature: 40 },
  ];

  it("sends one intervention per feature, ablating those without a multiplier", () => {
    const request = interventionRequest({
      requestId: "r",
      set: { kind: "run", runId: "run-1" },
      prompt: { text: "The cat" },
      targets,
      multipliers: { "3_40_4": 2.5 },
      generate: 0,
    });
    expect(request.interventions).toEqual([
      { layer: 1, pos: 2, feature: 7, multiplier: 0 },
      { layer: 3, pos: 4, feature: 40, multiplier: 2.5 },
    ]);
    expect(request).not.toHaveProperty("generate");
    expect(request).not.toHaveProperty("graphEdges");
  });

  it("re-keys the graph's links by intervention and drops links from other nodes", () => {
    const request = interventionRequest({
      requestId: "r",
      set: { kind: "loaded", loadIds: ["a", "b"] },
      prompt: { tokens: [50256, 464] },
      targets,
      multipliers: {},
      generate: 8,
      links: [
        { source: "3_40_4", token: 262, weight: 1.5 },
        { source: "0_1_1", token: 262, weight: 9 },
        { source: "1_7_2", token: 11, weight: -0.25 },
      ],
    });
    expect(request.generate).toBe(8);
    expect(request.graphEdges).toEqual([
      { intervention: 1, token: 262, weight: 1.5 },
      { intervention: 0, token: 11, weight: -0.25 },
    ]);
  });

  it("formats signed changes and the relative gap", () => {
    expect(signed(-1.2)).toBe("−1.20");
    expect(signed(0.1234)).toBe("+0.123");
    expect(signed(12.34)).toBe("+12.3");
    expect(relativeGap(0.9, 1)).toBe("10%");
    expect(relativeGap(0, 0)).toBe("0%");
    expect(relativeGap(0.5, 0)).toBe("—");
  });
});
