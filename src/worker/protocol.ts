/** The one typed message protocol between the UI thread and the engine worker. */
import type { DictionaryKind } from "../engine/dictionary/spec.ts";
import type { TrainingMetrics } from "../engine/train/metrics.ts";

export interface SyntheticRunConfig {
  kind: DictionaryKind;
  dIn: number;
  dOut: number;
  dSae: number;
  batchSize: number;
  steps: number;
  l1Coefficient: number;
  lr: number;
  seed: number;
  logEvery: number;
}

export type ToWorker =
  | { type: "train-synthetic"; runId: string; config: SyntheticRunConfig }
  | { type: "stop"; runId: string };

export type FromWorker =
  | { type: "ready"; adapter: string }
  | { type: "metrics"; runId: string; metrics: TrainingMetrics; tokensPerSecond: number }
  | { type: "done"; runId: string; steps: number }
  | { type: "error"; runId?: string; message: string };
