import { describe, expect, it } from "vitest";
import { randomTranscoderSet } from "../engine/circuits/randomTranscoderSet.ts";
import { encodeText } from "../engine/text/tokenizer.ts";
import { loadModelFolder } from "../node/modelFolder.ts";
import type { FromWorkerIntervention, InterventionRequest } from "./interventionProtocol.ts";
import { InterventionRunner } from "./interventionRunner.ts";

const weights = await loadModelFolder("builtin", { processing: true });
const d = weights.config.dModel;
const random = randomTranscoderSet(
  d,
  [0, 1, 2, 3].map(() => ({ dSae: 16, activation: { kind: "relu" } as const })),
  2,
);

describe("the intervention runner", () => {
  const answers: FromWorkerIntervention[] = [];
  const runner = (host: boolean) =>
    new InterventionRunner({
      hostWeights: () =>
        Promise.resolve(
          host ? { weights, name: "gpt2-brown (built-in)", builtin: true } : undefined,
        ),
      transcoderSet: () => Promise.resolve(random),
      dictionary: () => Promise.resolve({ ...random.layers[1]!, label: "tc1" }),
      busy: () => undefined,
      post: (m) => answers.push(m),
    });

  it("answers with decoded tokens, the changes, and the prediction from the graph's edges", async () => {
    const request: InterventionRequest = {
      type: "intervene",
      requestId: "q1",
      set: { kind: "run", runId: "r1" },
      prompt: { tokens: encodeText("The cat sat") },
      interventions: [{ layer: 3, pos: 3, feature: 0, multiplier: 0 }],
      topK: 3,
      graphEdges: [],
    };
    const r = runner(true);
    r.handle(request);
    // The graph's edges: whatever weight is given into the top token, (0 − 1) times it.
    const first = await until(answers, "q1");
    if (first.type !== "intervention-result") throw new Error(JSON.stringify(first));
    const top = first.result.before[0]!.token;
    r.handle({
      ...request,
      requestId: "q2",
      graphEdges: [{ intervention: 0, token: top, weight: 2.5 }],
    });
    const second = await until(answers, "q2");
    if (second.type !== "intervention-result") throw new Error(JSON.stringify(second));
    expect(second.result.tokens).toEqual(["<|endoftext|>", "The", " cat", " sat"]);
    const change = second.result.changes.find((c) => c.token === top)!;
    expect(change.predictedFromGraph).toBe(-2.5);
    expect(change.text).toBe(second.result.before[0]!.text);
    expect(second.result.changes.filter((c) => c.predictedFromGraph !== undefined)).toHaveLength(1);
  });

  it("says why it cannot run without the model's host weights", async () => {
    runner(false).handle({
      type: "steer",
      requestId: "s1",
      dictionary: { kind: "loaded", loadId: "x" },
      text: "Hi",
      feature: 0,
      alpha: 1,
    });
    const answer = await until(answers, "s1");
    expect(answer).toMatchObject({
      type: "steer-error",
      message: expect.stringMatching(/built-in model/),
    });
  });
});

async function until(
  answers: FromWorkerIntervention[],
  requestId: string,
): Promise<FromWorkerIntervention> {
  for (;;) {
    const found = answers.find((a) => a.requestId === requestId);
    if (found) return found;
    await new Promise((r) => setTimeout(r, 10));
  }
}
