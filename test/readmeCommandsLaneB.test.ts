/** Lane "b" of the README's commands (test/readmeRuns.ts), run beside lane "a". */
import { describe, it } from "vitest";
import { readmeShellCommands, runLane } from "./readmeRuns.ts";

describe("README commands", () => {
  // A hang detector, as lane a's.
  it("lane b: each runs as written at small sizes and writes what the README says", async () => {
    await runLane("b", readmeShellCommands());
  }, 1_200_000);
});
