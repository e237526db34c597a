import { readFile } from "node:fs/promises";
import type { Page } from "@playwright/test";
import type { AttributionGraph } from "../src/engine/circuits/attributionGraph.ts";
import { GRAPH_DB_NAME, type SavedGraph } from "../src/storage/graphsDb.ts";
import { largeGraph, reprunableGraph } from "../src/ui/circuits/testGraphs.ts";
import { graphFile } from "../src/worker/circuitsGraph.ts";
import type { CircuitThresholds } from "../src/worker/circuitsProtocol.ts";
import { expect, figure, openApp, small, test, waitForStatus } from "./fixtures.ts";
import { traceMainThread } from "./mainThreadTrace.ts";

const FIXTURE = "test/fixtures/circuits/cat-sat-graph.json";

async function openCircuits(page: Page): Promise<void> {
  await page.goto("/");
  await page.getByRole("tab", { name: "Circuits" }).click();
}

// The graph's node (the intervention panel's rows carry data-node too).
const node = (page: Page, id: string) =>
  page.getByTestId("graph-svg").locator(`[data-node="${id}"]`);

test("a graph JSON uploads, draws, explains a node on hover, and downloads with three pins grouped into a labelled supernode", async ({
  page,
}) => {
  test.setTimeout(60_000);
  const graph = JSON.parse(await readFile(FIXTURE, "utf8")) as {
    nodes: { node_id: string; feature_type: string; influence: number | null }[];
  };
  await openCircuits(page);
  await expect(page.getByTestId("circuits-empty")).toContainText(
    "Train a transcoder at every layer (Train → every layer), or upload a circuit-tracer / Neuronpedia graph JSON",
  );
  await page.getByTestId("graph-file-input").setInputFiles(FIXTURE);
  await expect(page.locator("[data-node]")).toHaveCount(graph.nodes.length);
  await expect(page.getByTestId("graph-metadata")).toContainText("Model builtin-4l");
  await expect(page.getByTestId("axis-token")).toHaveText([
    "<|endoftext|>",
    "The",
    "·cat",
    "·sat",
    "·on",
    "·the",
  ]);

  // Hover: the tooltip's facts (the label is shown as text, not markup).
  await node(page, "1_3875_3").hover();
  const tooltip = page.getByTestId("node-tooltip");
  await expect(tooltip).toContainText("cat <noun> & pets");
  await expect(tooltip).toContainText("id1_3875_3");
  await expect(tooltip).toContainText("activation6.126");
  await expect(tooltip).toContainText("token·sat");
  await node(page, "5_2000_5").hover();
  await expect(tooltip).toContainText("predicts·mat");
  await expect(tooltip).toContainText("probability0.31");

  // The threshold hides the less important nodes, live; tokens and logits stay.
  const kept = graph.nodes.filter(
    (n) => n.influence === null || n.feature_type === "embedding" || n.influence <= 0.3,
  ).length;
  await page.getByTestId("node-threshold").fill("0.3");
  await expect(page.locator("[data-node]")).toHaveCount(kept);
  await page.getByTestId("node-threshold").fill("0.8");
  await expect(page.locator("[data-node]")).toHaveCount(graph.nodes.length);

  // Pin three nodes (shift-click, and Pin in the panel), group them, label a feature.
  const features = graph.nodes.filter((n) => n.feature_type === "cross layer transcoder");
  const [a, b, c] = [features[0]!.node_id, features[1]!.node_id, features[2]!.node_id];
  await node(page, a).click({ modifiers: ["Shift"] });
  await node(page, b).click({ modifiers: ["Shift"] });
  await node(page, c).click();
  await expect(page.getByTestId("node-panel")).toContainText(c);
  await page.getByTestId("pin-toggle").click();
  await expect(page.getByTestId("subgraph-panel")).toContainText("3 pinned");
  await page.getByTestId("clerp-input").fill("says <mat>");
  await page.getByLabel("New supernode label").fill("cat subject");
  await page.getByRole("button", { name: "Group 3 pinned" }).click();
  await expect(page.getByLabel("Supernode 1 label")).toHaveValue("cat subject");

  const [download] = await Promise.all([
    page.waitForEvent("download"),
    page.getByRole("button", { name: "Download JSON" }).click(),
  ]);
  expect(download.suggestedFilename()).toBe("cat-sat.json");
  const saved = JSON.parse(await readFile(await download.path(), "utf8")) as {
    qParams: { pinnedIds: string[]; supernodes: string[][] };
    nodes: { node_id: string; clerp: string }[];
  };
  expect(saved.qParams.pinnedIds).toEqual([a, b, c]);
  expect(saved.qParams.supernodes).toEqual([["cat subject", a, b, c]]);
  expect(saved.nodes.find((n) => n.node_id === c)!.clerp).toBe("says <mat>");

  // The downloaded file opens with its pins, supernode and label.
  await page.getByRole("button", { name: "Close" }).click();
  await page.getByTestId("graph-file-input").setInputFiles(await download.path());
  await expect(page.getByTestId("subgraph-panel")).toContainText("3 pinned");
  await expect(page.getByLabel("Supernode 1 label")).toHaveValue("cat subject");
});

test("a 500-node, 5,000-edge graph pans, zooms and filters with no main-thread task over 50 ms", async ({
  page,
}) => {
  test.setTimeout(60_000);
  const graph = largeGraph();
  await openCircuits(page);
  await page.getByTestId("graph-file-input").setInputFiles({
    name: "large.json",
    mimeType: "application/json",
    buffer: Buffer.from(JSON.stringify(graph)),
  });
  await expect(page.locator("[data-node]")).toHaveCount(graph.nodes.length);
  await expect(page.getByTestId("graph-counts")).toContainText("5,000 of 5,000 edges");

  const trace = await traceMainThread(page);
  const box = (await page.getByTestId("graph-surface").boundingBox())!;
  const cx = box.x + box.width / 2;
  const cy = box.y + box.height / 2;
  await page.mouse.move(cx, cy);
  for (let i = 0; i < 6; i++) await page.mouse.wheel(0, -150);
  await page.mouse.down();
  for (let i = 1; i <= 12; i++) await page.mouse.move(cx - 25 * i, cy - 8 * i);
  await page.mouse.up();
  for (let i = 0; i < 6; i++) await page.mouse.wheel(0, 150);
  for (const value of ["0.6", "0.4", "0.2", "0.5", "0.8"]) {
    await page.getByTestId("node-threshold").fill(value);
  }
  await page.getByRole("button", { name: "Fit" }).click();
  const tasks = await trace.stop();
  const mostCpu = Math.max(0, ...tasks.map((t) => t.cpuMs));
  const longestWall = Math.max(0, ...tasks.map((t) => t.wallMs));
  figure("most main-thread CPU time in one task, 500-node graph", mostCpu, "ms", "under 50 ms");
  figure("longest main-thread task (wall), 500-node graph", longestWall, "ms", "under 50 ms");
  // The page's own work (CPU time) is held to the goal; wall time on a shared machine is printed.
  expect(mostCpu, "most main-thread CPU time in one task (ms)").toBeLessThan(50);
});

/**
 * Keeps `graph` in the origin's IndexedDB as the worker keeps a graph it computed (the page's
 * record at `thresholds`, the full adjacency for re-pruning); returns the link that reopens it and
 * how many nodes its file shows.
 */
async function keepComputedGraph(
  page: Page,
  graph: AttributionGraph,
  thresholds: CircuitThresholds,
): Promise<{ link: string; nodes: number }> {
  const id = "graph-reprune";
  const file = graphFile(graph, thresholds, { slug: id, decodeToken: String });
  const record: SavedGraph = {
    id,
    createdAt: Date.now(),
    prompt: graph.prompt,
    set: { kind: "run", runId: "run-gone" },
    setName: "a run",
    thresholds,
    json: file.json,
    scores: file.scores,
    pinnedIds: [],
    supernodes: [],
    clerps: {},
  };
  const { adjacency, ...rest } = graph;
  const bytes = Buffer.from(adjacency.buffer, adjacency.byteOffset, adjacency.byteLength);
  await page.evaluate(
    async ({ name, record, rest, adjacency }) => {
      const raw = Uint8Array.from(atob(adjacency), (c) => c.charCodeAt(0));
      const db = await new Promise<IDBDatabase>((resolve, reject) => {
        const open = indexedDB.open(name, 1);
        open.onupgradeneeded = () => {
          open.result.createObjectStore("graphs", { keyPath: "id" });
          open.result.createObjectStore("full", { keyPath: "id" });
        };
        open.onsuccess = () => resolve(open.result);
        open.onerror = () => reject(open.error);
      });
      const tx = db.transaction(["graphs", "full"], "readwrite");
      tx.objectStore("graphs").put(record);
      tx.objectStore("full").put({
        id: record.id,
        graph: { ...rest, adjacency: new Float32Array(raw.buffer) },
      });
      await new Promise((resolve, reject) => {
        tx.oncomplete = resolve;
        tx.onerror = () => reject(tx.error);
      });
      db.close();
    },
    { name: GRAPH_DB_NAME, record, rest, adjacency: bytes.toString("base64") },
  );
  const link = new URLSearchParams({
    "graph.prompt": graph.prompt,
    "graph.set": "run:run-gone",
    "graph.node": String(thresholds.node),
    "graph.edge": String(thresholds.edge),
  });
  return { link: `/?${link.toString()}`, nodes: file.json.nodes.length };
}

/** Waits, polling every frame (expect's back-off would add a second), for texts to show. */
async function untilShown(page: Page, texts: Record<string, string>): Promise<void> {
  await page.waitForFunction(
    (want) =>
      Object.entries(want).every(([testId, text]) =>
        document.querySelector(`[data-testid="${testId}"]`)?.textContent?.includes(text),
      ),
    texts,
    { polling: "raf", timeout: 30_000 },
  );
}

test("a reopened computed graph of 555 nodes and 7,549 edges re-prunes in the worker with no main-thread task over 50 ms", async ({
  page,
}) => {
  test.setTimeout(60_000);
  const graph = reprunableGraph();
  const wide = { node: 1, edge: 0.98 };
  const narrow = { node: 0.8, edge: 0.98 };
  // Written before the app first loads (on a blank page of its origin), then opened by its link.
  await page.route("**/blank", (r) => r.fulfill({ contentType: "text/html", body: "" }));
  await page.goto("/blank");
  const kept = await keepComputedGraph(page, graph, wide);
  await page.goto(kept.link);
  await expect(page.locator("[data-node]")).toHaveCount(kept.nodes);
  await expect(page.getByTestId("graph-counts")).toContainText("of 7,549 edges");
  expect(kept.nodes).toBeGreaterThanOrEqual(500);

  const narrowNodes = graphFile(graph, narrow, { slug: "x", decodeToken: String }).json.nodes
    .length;
  expect(narrowNodes).toBeLessThan(kept.nodes);
  const trace = await traceMainThread(page);
  // Each move re-prunes the full adjacency in the worker (read back from IndexedDB the first time).
  for (const [t, nodes] of [
    [narrow, narrowNodes],
    [wide, kept.nodes],
  ] as const) {
    await page.getByTestId("node-threshold").fill(String(t.node));
    await untilShown(page, {
      "graph-metadata": `pruned at node threshold ${t.node} `,
      "graph-counts": `of ${nodes} nodes`,
    });
  }
  const tasks = await trace.stop();
  const mostCpu = Math.max(0, ...tasks.map((t) => t.cpuMs));
  const longestWall = Math.max(0, ...tasks.map((t) => t.wallMs));
  figure("most main-thread CPU time in one task, worker re-prune", mostCpu, "ms", "under 50 ms");
  figure("longest main-thread task (wall), worker re-prune", longestWall, "ms", "under 50 ms");
  expect(mostCpu, "most main-thread CPU time in one task (ms)").toBeLessThan(50);
});

/**
 * A cheap every-layer run: a 16-latent TopK transcoder at each of the 4 layers, 12 steps (4 leave
 * no feature with an edge worth keeping; the page's start-up, not the steps, takes most of it).
 */
const SET_RUN = small({
  sae: "0",
  layers: "0,1,2,3",
  "transcoder.dsae": 16,
  "transcoder.arch": "topk",
  "transcoder.k": 4,
  steps: 12,
  log: 6,
  eval: 0,
});

test("a 4-layer set trained here gives a graph: computed in the worker, explored, pinned, ablated, kept across a reload, downloaded and uploaded again", async ({
  page,
}) => {
  test.setTimeout(120_000);
  await openApp(page, SET_RUN);
  await page.getByRole("button", { name: "Train", exact: true }).click();
  await waitForStatus(page, "done");

  await page.getByRole("tab", { name: "Circuits" }).click();
  await expect(page.getByTestId("set-select")).toContainText("transcoders L0 L1 L2 L3");
  await page.getByTestId("circuit-prompt").fill("The cat sat on the");
  await page.getByRole("button", { name: "Compute graph" }).click();
  await expect(page.getByTestId("graph-metadata")).toContainText("computed from run 1");
  await expect(page.getByTestId("graph-scores")).toContainText(
    /Replacement score 0\.\d+ \(unpruned/,
  );
  await expect(page.getByTestId("compute-done")).toContainText("backward passes");
  // Twelve steps leave weak transcoders: at 0.8 the errors carry the graph. Re-pruning in the
  // worker at 1 brings the features in.
  await page.getByTestId("node-threshold").fill("1");
  await expect(page.getByTestId("graph-metadata")).toContainText("pruned at node threshold 1 ");
  const features = page.locator("[data-node].node-feature");
  await expect(features.nth(2)).toBeVisible();

  // Hover: the inspector's top contexts for that layer; click: the feature page and neighbours.
  const first = features.first();
  const firstId = (await first.getAttribute("data-node"))!;
  await first.hover();
  await expect(page.getByTestId("hover-contexts")).toContainText("Top contexts", {
    timeout: 60_000,
  });
  await first.click();
  const panel = page.getByTestId("node-panel");
  await expect(panel.getByTestId("feature-page")).toBeVisible();
  await expect(panel.getByTestId("deembedding")).toBeVisible();
  if (!firstId.startsWith("0_")) await expect(panel.getByTestId("upstream")).toBeVisible();

  // Three features pinned into a supernode; the subgraph's own scores.
  const ids = await features.evaluateAll((els) =>
    els.slice(0, 3).map((e) => e.getAttribute("data-node")!),
  );
  for (const id of ids) await node(page, id).click({ modifiers: ["Shift"] });
  await expect(page.getByTestId("subgraph-panel")).toContainText("3 pinned");
  await expect(page.getByTestId("subgraph-scores")).toContainText(/replacement [01]\.\d{3}/);
  await page.getByLabel("New supernode label").fill("cat subject");
  await page.getByRole("button", { name: "Group 3 pinned" }).click();

  // Ablate the supernode: the model reruns in the worker and the top logits move.
  await page.getByTestId("supernode").getByRole("button", { name: "Intervene" }).click();
  await expect(page.getByTestId("intervention-target")).toHaveCount(3);
  await page.getByTestId("intervention-run").click();
  const changes = page.getByTestId("intervention-change");
  await expect(changes.first()).toBeVisible();
  const actual = await changes
    .getByTestId("change-actual")
    .evaluateAll((cells) => cells.map((c) => Number(c.textContent!.replace("−", "-"))));
  expect(actual.some((x) => x !== 0)).toBe(true);
  await expect(changes.first().getByTestId("change-actual-scale-held")).toHaveText(/^[+−]\d/);

  // Kept: listed beside the runs; a reload reopens it from the URL, pins and supernode included.
  await page.getByRole("tab", { name: "Runs" }).click();
  await expect(page.getByTestId("saved-graph")).toContainText("3 pinned");
  expect(new URL(page.url()).searchParams.get("graph.pins")).toBe(ids.join(","));
  await page.reload();
  await page.getByRole("tab", { name: "Circuits" }).click();
  await expect(page.getByTestId("subgraph-panel")).toContainText("3 pinned");
  await expect(page.getByLabel("Supernode 1 label")).toHaveValue("cat subject");
  await expect(page.getByTestId("graph-metadata")).toContainText("pruned at node threshold 1 ");

  const [download] = await Promise.all([
    page.waitForEvent("download"),
    page.getByRole("button", { name: "Download JSON" }).click(),
  ]);
  const saved = JSON.parse(await readFile(await download.path(), "utf8")) as {
    metadata: { info: { replacement_score: number } };
    qParams: { pinnedIds: string[]; supernodes: string[][] };
  };
  expect(saved.qParams.supernodes).toEqual([["cat subject", ...ids]]);
  expect(saved.metadata.info.replacement_score).toBeGreaterThan(0);
  await page.getByRole("button", { name: "Close" }).click();
  await page.getByTestId("graph-file-input").setInputFiles(await download.path());
  await expect(page.getByTestId("subgraph-panel")).toContainText("3 pinned");
  await expect(page.getByTestId("graph-scores")).toContainText("Replacement score");
});
