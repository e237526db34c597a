import type { DictionaryEvaluation } from "../engine/stream/streamSession.ts";
import type { TrainingMetrics } from "../engine/train/metrics.ts";
import type { HyperparameterChange, StreamRunConfig } from "../worker/protocol.ts";

export type RunStatus = "running" | "paused" | "done" | "interrupted" | "failed" | "stopped";

/** One logged step of one dictionary, with where the run was in tokens. */
export type MetricPoint = TrainingMetrics & { tokens: number; tokensPerSecond: number };

export interface LiveEvalPoint {
  step: number;
  tokens: number;
  ce_loss_score: number;
}

/** Everything the page keeps of a run (weights and checkpoints live in their own stores). */
export interface RunRecord {
  id: string;
  createdAt: number;
  config: StreamRunConfig;
  /** How the config differs from the previous run's, e.g. "transcoder l1 0.3 → 1". */
  label: string;
  /** Index into the run palette. */
  color: number;
  status: RunStatus;
  /** Why it failed or was paused by a fault, in words. */
  message?: string;
  step: number;
  tokens: number;
  /** The step of the last checkpoint saved by the worker (resume continues from here). */
  checkpointStep?: number;
  histories: Record<string, MetricPoint[]>;
  liveEvals: Record<string, LiveEvalPoint[]>;
  evals: Record<string, DictionaryEvaluation>;
  changes: HyperparameterChange[];
  visible: boolean;
  /** Wall time spent training, over every session of the run. */
  elapsedMs: number;
}

/** The last element of a history, if any. */
export function last<T>(a: readonly T[] | undefined): T | undefined {
  return a?.[a.length - 1];
}
