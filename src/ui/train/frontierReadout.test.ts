import { describe, expect, it } from "vitest";
import { compareFrontiers, frontierAt, frontierSentence } from "./frontierReadout.ts";

describe("frontierAt", () => {
  it("interpolates linearly in log L0 and is undefined outside the points", () => {
    const pts = [
      { l0: 32, value: 0.9 },
      { l0: 8, value: 0.5 },
    ];
    // 16 is halfway between 8 and 32 in log L0.
    expect(frontierAt(pts, 16)).toBeCloseTo(0.7, 12);
    expect(frontierAt(pts, 8)).toBe(0.5);
    expect(frontierAt(pts, 32)).toBe(0.9);
    expect(frontierAt(pts, 4)).toBeUndefined();
    expect(frontierAt(pts, 64)).toBeUndefined();
  });
});

describe("compareFrontiers", () => {
  const sae = [
    { l0: 4, value: 0.6 },
    { l0: 16, value: 0.8 },
  ];
  const transcoder = [
    { l0: 8, value: 0.75 },
    { l0: 32, value: 0.95 },
  ];

  it("compares at each kind's L0s inside the range both cover", () => {
    const c = compareFrontiers(sae, transcoder, true)!;
    expect([c.from, c.to]).toEqual([8, 16]);
    expect(c.at).toEqual([8, 16]);
    // SAE at 8: 0.7; transcoder at 16: 0.85.
    expect(c.leads[0]).toBeCloseTo(0.05, 12);
    expect(c.leads[1]).toBeCloseTo(0.05, 12);
    expect(c.meanLead).toBeCloseTo(0.05, 12);
    // For FVU lower is better: the same numbers mean the SAE leads.
    expect(compareFrontiers(sae, transcoder, false)!.meanLead).toBeCloseTo(-0.05, 12);
  });

  it("says which kind is ahead and by how much, in one sentence", () => {
    expect(frontierSentence(sae, transcoder, "ce_loss_score")).toBe(
      "At L0 8.0–16, the transcoder is ahead of the SAE on ce_loss_score by 0.050 on average.",
    );
    expect(frontierSentence(sae, transcoder, "FVU")).toBe(
      "At L0 8.0–16, the SAE is ahead of the transcoder on FVU by 0.050 on average.",
    );
    // F1 against planted features: higher is better, as for the CE score.
    expect(frontierSentence(sae, transcoder, "F1")).toBe(
      "At L0 8.0–16, the transcoder is ahead of the SAE on F1 by 0.050 on average.",
    );
  });

  it("says so when the L0 ranges do not overlap", () => {
    expect(compareFrontiers(sae, [{ l0: 64, value: 1 }], true)).toBeUndefined();
    expect(frontierSentence([], [], "ce_loss_score")).toBe(
      "No ce_loss_score measured yet: the comparison appears with the first points.",
    );
    expect(frontierSentence(sae, [], "FVU")).toBe(
      "No L0 both kinds reach yet (SAE 4.0–16, transcoder none yet): the FVU frontiers cannot be compared at matched sparsity.",
    );
  });
});
