import { describe, expect, it } from "vitest";
import type { DictionaryEvaluation } from "../../engine/stream/streamSession.ts";
import type { MetricPoint, RunRecord } from "../../storage/runRecord.ts";
import { GPU_DEFAULTS } from "../state/defaults.ts";
import { csvCell, runsCsv } from "./runsCsv.ts";
import { runsTableRows } from "./runsTableRows.ts";

function point(step: number, fvu: number, l0: number): MetricPoint {
  return {
    step,
    mse_loss: fvu / 2,
    l1_loss: 0.1,
    loss: fvu,
    l0,
    explained_variance: 1 - fvu,
    fvu,
    dead_features: 0,
    grad_norm: 1,
    lr: 3e-3,
    l1_coefficient: 0.3,
    tokens: step * 1024,
    tokensPerSecond: 5000,
  };
}

function record(
  n: number,
  fvu: { sae?: number; transcoder?: number },
  extra: Partial<RunRecord> = {},
): RunRecord {
  const histories: RunRecord["histories"] = {};
  for (const [kind, v] of Object.entries(fvu)) histories[kind] = [point(100, v, 10 * n)];
  return {
    id: `run-${n}`,
    name: `run ${n}`,
    createdAt: 1_700_000_000_000 + n * 1000,
    config: GPU_DEFAULTS,
    label: `label ${n}`,
    color: n,
    status: "done",
    step: 100,
    tokens: 102_400,
    histories,
    liveEvals: {},
    evals: {},
    changes: [],
    visible: true,
    elapsedMs: 0,
    ...extra,
  };
}

const runs = [
  record(1, { sae: 0.3, transcoder: 0.5 }),
  record(2, { sae: 0.1, transcoder: 0.7 }, { status: "stopped", notes: "wide lr sweep" }),
  record(
    10,
    { sae: 0.2 },
    { config: { ...GPU_DEFAULTS, dictionaries: GPU_DEFAULTS.dictionaries.slice(0, 1) } },
  ),
];
const ids = (rows: { run: RunRecord; kind: string }[]) =>
  rows.map((r) => `${r.run.name}/${r.kind}`);

describe("the Runs table's rows", () => {
  it("lists runs newest first, each run's dictionaries together", () => {
    const rows = runsTableRows(runs, { key: "created", descending: true }, "");
    expect(ids(rows)).toEqual([
      "run 10/sae",
      "run 2/sae",
      "run 2/transcoder",
      "run 1/sae",
      "run 1/transcoder",
    ]);
    expect(rows.map((r) => [r.first, r.span])).toEqual([
      [true, 1],
      [true, 2],
      [false, 2],
      [true, 2],
      [false, 2],
    ]);
  });

  it("sorts names by their numbers, and every dictionary by a metric, missing ones last", () => {
    const byName = runsTableRows(runs, { key: "name", descending: false }, "");
    expect(ids(byName).filter((x) => x.endsWith("/sae"))).toEqual([
      "run 1/sae",
      "run 2/sae",
      "run 10/sae",
    ]);
    const byFvu = runsTableRows(runs, { key: "fvu", descending: false }, "");
    expect(ids(byFvu)).toEqual([
      "run 2/sae",
      "run 10/sae",
      "run 1/sae",
      "run 1/transcoder",
      "run 2/transcoder",
    ]);
    expect(byFvu.every((r) => r.first && r.span === 1)).toBe(true);
    const withEval = runs.map((r, i) =>
      i === 0 ? { ...r, evals: { sae: { ce_loss_score: 0.9 } as DictionaryEvaluation } } : r,
    );
    const byCe = runsTableRows(withEval, { key: "ce_loss_score", descending: true }, "");
    expect(ids(byCe)[0]).toBe("run 1/sae");
    expect(byCe).toHaveLength(5);
  });

  it("filters on every word: name, notes, status, kind, site", () => {
    expect(
      ids(runsTableRows(runs, { key: "created", descending: true }, "sweep transcoder")),
    ).toEqual(["run 2/transcoder"]);
    expect(ids(runsTableRows(runs, { key: "created", descending: true }, "STOPPED"))).toHaveLength(
      2,
    );
    expect(ids(runsTableRows(runs, { key: "created", descending: true }, "blocks.3.mlp"))).toEqual([
      "run 2/transcoder",
      "run 1/transcoder",
    ]);
    expect(runsTableRows(runs, { key: "created", descending: true }, "nothing-like-this")).toEqual(
      [],
    );
  });
});

describe("runsCsv", () => {
  it("writes one row per dictionary with its config, exact final numbers and evaluation", () => {
    const withEval = {
      ...runs[1]!,
      notes: 'says "hi", then\nmore',
      evals: { sae: { ce_loss_score: 0.987654321, kl_div_with_sae: 0.01 } as DictionaryEvaluation },
    };
    const rows = runsTableRows([withEval], { key: "created", descending: true }, "");
    const lines = runsCsv(rows).split("\r\n");
    const header = lines[0]!.split(",");
    expect(header.slice(0, 6)).toEqual(["run", "id", "created", "status", "label", "notes"]);
    expect(header).toContain("last_fvu");
    expect(header.slice(-2)).toEqual(["eval_ce_loss_score", "eval_kl_div_with_sae"]);
    // The notes' quotes and line break are quoted (rows end in CRLF, the note's break is LF).
    expect(lines[1]).toMatch(
      /^run 2,run-2,2023-11-14T22:13:22\.000Z,stopped,label 2,"says ""hi"", then\nmore",sae,/,
    );
    const sae = lines[1]!.split(",");
    expect(sae).toContain("blocks.3.hook_mlp_out");
    expect(sae).toContain("0.1"); // last_fvu, exactly
    expect(sae.slice(-2)).toEqual(["0.987654321", "0.01"]);
    expect(lines[2]!.split(",").slice(-2)).toEqual(["", ""]);
    expect(lines).toHaveLength(4); // header, SAE, transcoder, the final line break
  });

  it("quotes commas and defuses spreadsheet formulas", () => {
    expect(csvCell("a,b")).toBe('"a,b"');
    expect(csvCell("=HYPERLINK(1)")).toBe("'=HYPERLINK(1)");
    expect(csvCell(-0.5)).toBe("-0.5");
    expect(csvCell(undefined)).toBe("");
  });
});
