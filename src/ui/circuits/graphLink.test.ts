import { describe, expect, it } from "vitest";
import { configToUrl, keepInUrl } from "../state/urlState.ts";
import { GPU_DEFAULTS } from "../state/defaults.ts";
import { graphLinkFromUrl, graphLinkParams, withGraphLink } from "./graphLink.ts";

const link = {
  prompt: "The cat sat on the",
  set: "run:run-17",
  node: 0.55,
  edge: 0.98,
  pins: ["1_37_2", "3_-1_4"],
};

describe("a graph's link", () => {
  it("round-trips through the query string, beside the run configuration", () => {
    const search = withGraphLink("?layer=2&steps=100", link);
    expect(new URLSearchParams(search).get("layer")).toBe("2");
    expect(graphLinkFromUrl(search)).toEqual(link);
    expect(withGraphLink(search, undefined)).toBe("?layer=2&steps=100");
  });

  it("needs a prompt and a set; a bad threshold falls back to circuit-tracer's default", () => {
    expect(graphLinkFromUrl("?graph.prompt=hi")).toBeUndefined();
    expect(graphLinkFromUrl("?graph.prompt=hi&graph.set=loaded&graph.node=7")).toEqual({
      prompt: "hi",
      set: "loaded",
      node: 0.8,
      edge: 0.98,
      pins: [],
    });
  });

  it("survives the Train view rewriting the URL", () => {
    keepInUrl(() => graphLinkParams(link));
    try {
      expect(graphLinkFromUrl(configToUrl(GPU_DEFAULTS))).toEqual(link);
    } finally {
      keepInUrl(() => []);
    }
  });
});
