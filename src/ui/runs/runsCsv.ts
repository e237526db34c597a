import { runTitle } from "../../storage/runNames.ts";
import { last, seedOf, type RunRecord } from "../../storage/runRecord.ts";
import { describeArchitecture } from "../state/defaults.ts";
import { dictionarySite } from "./runsTableRows.ts";

type Cell = string | number | boolean | undefined;

/**
 * One CSV cell (RFC 4180): quoted when it holds a comma, quote or line break. Text that a
 * spreadsheet would run as a formula (=, +, @, a tab) is prefixed with a quote mark.
 */
export function csvCell(v: Cell): string {
  if (v === undefined) return "";
  if (typeof v !== "string") return String(v);
  const safe = /^[=+@\t\r]/.test(v) ? `'${v}` : v;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

/** The last logged step's numbers, as `npm run train` logs them. */
const TRAINING = [
  "step",
  "loss",
  "mse_loss",
  "l0",
  "fvu",
  "explained_variance",
  "dead_features",
] as const;

/**
 * The Runs table as CSV: one row per dictionary (the table's rows, in its order), with the run's
 * name, status, notes, config, the last logged step's metrics (last_*) and the final evaluation
 * (eval_*, every number it has). Numbers are written exactly.
 */
export function runsCsv(rows: readonly { run: RunRecord; kind: string }[]): string {
  const evalKeys = [
    ...new Set(
      rows.flatMap(({ run, kind }) =>
        Object.entries(run.evals[kind] ?? {})
          .filter(([, v]) => typeof v === "number")
          .map(([k]) => k),
      ),
    ),
  ];
  const header = [
    "run",
    "id",
    "created",
    "status",
    "label",
    "notes",
    "dictionary",
    "architecture",
    "site",
    "d_sae",
    "layer",
    "batch_size",
    "steps",
    "lr",
    "l1_coefficient",
    "k",
    "l0_coefficient",
    "skip",
    "normalize",
    "processing",
    "seed",
    "tokens",
    ...TRAINING.map((k) => `last_${k}`),
    ...evalKeys.map((k) => `eval_${k}`),
  ];
  const lines = [header.map(csvCell).join(",")];
  for (const { run, kind } of rows) {
    const c = run.config;
    const d = c.dictionaries.find((x) => x.id === kind);
    if (d) {
      const point = last(run.histories[d.id]);
      const evaluation = run.evals[d.id] as unknown as Record<string, unknown> | undefined;
      const row: Cell[] = [
        runTitle(run),
        run.id,
        new Date(run.createdAt).toISOString(),
        run.status,
        run.label,
        run.notes,
        d.kind,
        describeArchitecture(d),
        dictionarySite(run, d.id),
        d.dSae,
        d.layer ?? c.layer,
        c.batchSize,
        c.steps,
        d.lr,
        d.l1Coefficient,
        d.k,
        d.l0Coefficient,
        d.kind === "transcoder" ? (d.skip ?? false) : undefined,
        c.normalize,
        c.processing,
        seedOf(run, d.id),
        point?.tokens,
        ...TRAINING.map((k) => point?.[k]),
        ...evalKeys.map((k) => {
          const v = evaluation?.[k];
          return typeof v === "number" ? v : undefined;
        }),
      ];
      lines.push(row.map(csvCell).join(","));
    }
  }
  return lines.join("\r\n") + "\r\n";
}
