import { dictionarySeed } from "../engine/stream/dictionarySeed.ts";
import type { DictionaryEvaluation } from "../engine/stream/streamSession.ts";
import type { TrainingMetrics } from "../engine/train/metrics.ts";
import type { LiveTruthPoint } from "../engine/stream/syntheticGroundTruth.ts";
import type { HyperparameterChange, StreamRunConfig } from "../worker/protocol.ts";
import type { FinalTruth } from "../worker/syntheticProtocol.ts";

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
  /**
   * What the user calls it, "run 3" unless renamed (records from before names get theirs from
   * their place in creation order when read: runDb.allRuns).
   */
  name?: string;
  /** The user's notes on the run. */
  notes?: string;
  /** How the config differs from the previous run's, e.g. "transcoder l1 0.3 → 1". */
  label: string;
  /**
   * Each dictionary's initialisation seed (dictionarySeed of the run's seed and its id).
   * Absent from records made before per-dictionary seeds, whose dictionaries all used the run's.
   */
  seeds?: Record<string, number>;
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
  /** A run on a synthetic model: each dictionary's live ground truth (absent otherwise). */
  truthPoints?: Record<string, LiveTruthPoint[]>;
  /** A run on a synthetic model: each dictionary's ground truth at the end. */
  truth?: Record<string, FinalTruth>;
  changes: HyperparameterChange[];
  visible: boolean;
  /** Wall time spent training, over every session of the run. */
  elapsedMs: number;
}

/** Each dictionary's initialisation seed, as a new run of this config gets them. */
export function seedsOf(config: StreamRunConfig): Record<string, number> {
  return Object.fromEntries(
    config.dictionaries.map((d) => [d.id, dictionarySeed(config.seed, d.id)]),
  );
}

/**
 * A record as read from storage: runs saved before dictionaries had ids (at most one of each
 * kind) get their kind as id, the key their histories, evals and weights were kept under.
 */
export function withDictionaryIds(run: RunRecord): RunRecord {
  if (run.config.dictionaries.every((d) => typeof d.id === "string")) return run;
  const dictionaries = run.config.dictionaries.map((d) => ({ ...d, id: d.id ?? d.kind }));
  return { ...run, config: { ...run.config, dictionaries } };
}

/** The seed a dictionary of this run was initialised with. */
export function seedOf(run: Pick<RunRecord, "seeds" | "config">, id: string): number {
  return run.seeds?.[id] ?? run.config.seed;
}

/** The last element of a history, if any. */
export function last<T>(a: readonly T[] | undefined): T | undefined {
  return a?.[a.length - 1];
}
