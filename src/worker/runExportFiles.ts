import type { DictionaryFiles } from "../engine/formats/saelensZip.ts";
import { seedOf, type RunRecord } from "../storage/runRecord.ts";

/**
 * What a run's download holds for one dictionary besides its weights: the initialisation seed
 * (cfg.json's metadata.seed), the logged steps (metrics.jsonl, the fields `npm run train`
 * writes) and the final evaluation (eval.json), from the page's record of the run.
 */
export function runFiles(
  run: RunRecord,
  kind: string,
): Pick<DictionaryFiles, "metadata" | "metrics" | "evaluation"> {
  const history = run.histories[kind] ?? [];
  const evaluation = run.evals[kind];
  return {
    metadata: { seed: seedOf(run, kind) },
    // tokens and tokensPerSecond are the page's additions to each logged step.
    metrics: history.map(({ tokens: _tokens, tokensPerSecond: _rate, ...m }) => m),
    ...(evaluation ? { evaluation } : {}),
  };
}
