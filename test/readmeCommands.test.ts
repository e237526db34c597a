/**
 * Every command in README.md's shell blocks is run (test/readmeRuns.ts says how, at small sizes)
 * or skipped by design with a reason. This file runs lane "a" of the commands;
 * test/readmeCommandsLaneB.test.ts runs lane "b" beside it.
 */
import { describe, expect, it } from "vitest";
import { readmeShellCommands, RUN, runLane, SKIPPED_BY_DESIGN } from "./readmeRuns.ts";

describe("README commands", () => {
  const commands = readmeShellCommands();

  it("each command in the README is run here or skipped by design with a reason", () => {
    const known = new Set([...RUN.map((r) => r.command), ...Object.keys(SKIPPED_BY_DESIGN)]);
    expect(
      commands.filter((c) => !known.has(c)),
      "README commands neither run nor listed",
    ).toEqual([]);
    expect(
      [...known].filter((c) => !commands.includes(c)),
      "listed but not in the README",
    ).toEqual([]);
  });

  // A hang detector: both lanes, one after the other, took 5.7 minutes on a 2-core machine that
  // other work shared (load 7 to 10).
  it("lane a: each runs as written at small sizes and writes what the README says", async () => {
    await runLane("a", commands);
  }, 1_200_000);
});
