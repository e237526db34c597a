import { basename } from "node:path";
import { CliError } from "./cliError.ts";
import { intFlag, numberFlag, parseCommandFlags, stringFlag } from "./flags.ts";
import { ATTRIBUTE_HELP, ATTRIBUTE_USAGE, DEFAULTS } from "./attributeHelp.ts";
import { takeTranscoderPaths } from "./transcoderSetEval.ts";

export interface AttributeSettings {
  model: string;
  processing: boolean;
  transcoders: string[];
  prompt: string;
  maxLogits: number;
  logitProb: number;
  nodeThreshold: number;
  edgeThreshold: number;
  maxFeatureNodes: number;
  batchRows: number;
  slug: string;
  out: string;
  adjacency?: string;
}

const str = { type: "string" } as const;
export const ATTRIBUTE_OPTIONS = {
  model: str,
  "no-processing": { type: "boolean" },
  prompt: str,
  "max-logits": str,
  "logit-prob": str,
  "node-threshold": str,
  "edge-threshold": str,
  "max-feature-nodes": str,
  "batch-rows": str,
  slug: str,
  out: str,
  adjacency: str,
} as const;

/** The command line's settings, or undefined after printing --help. */
export function parseAttributeFlags(argv: readonly string[]): AttributeSettings | undefined {
  const { rest, paths } = takeTranscoderPaths(argv);
  const v = parseCommandFlags(rest, ATTRIBUTE_OPTIONS, ATTRIBUTE_USAGE, ATTRIBUTE_HELP);
  if (!v) return undefined;
  const model = stringFlag(v, "model");
  if (!paths) throw new CliError("missing --transcoders PATH...");
  if (typeof v.prompt !== "string") throw new CliError("missing --prompt");
  if (v.prompt === "") throw new CliError("--prompt is empty; give the text to attribute");
  const out = stringFlag(v, "out");
  if (!out.endsWith(".json")) {
    throw new CliError(`--out ${out}: expected a .json file (circuit-tracer's {slug}.json)`);
  }
  const adjacency = v.adjacency === undefined ? undefined : stringFlag(v, "adjacency");
  if (adjacency !== undefined && !adjacency.endsWith(".safetensors")) {
    throw new CliError(`--adjacency ${adjacency}: expected a .safetensors file`);
  }
  const share = (name: string, fallback: number) => {
    const x = numberFlag(v, name, fallback, { min: 0 });
    if (x > 1) throw new CliError(`--${name} expects a number in [0, 1], got "${String(v[name])}"`);
    return x;
  };
  const logitProb = share("logit-prob", DEFAULTS.logitProb);
  if (logitProb === 0) throw new CliError('--logit-prob expects a number in (0, 1], got "0"');
  const slug = v.slug === undefined ? basename(out, ".json") : stringFlag(v, "slug");
  return {
    model,
    processing: v["no-processing"] !== true,
    transcoders: paths,
    prompt: v.prompt,
    maxLogits: intFlag(v, "max-logits", DEFAULTS.maxLogits),
    logitProb,
    nodeThreshold: share("node-threshold", DEFAULTS.nodeThreshold),
    edgeThreshold: share("edge-threshold", DEFAULTS.edgeThreshold),
    maxFeatureNodes: intFlag(v, "max-feature-nodes", DEFAULTS.maxFeatureNodes, 0),
    batchRows: intFlag(v, "batch-rows", DEFAULTS.batchRows),
    slug,
    out,
    ...(adjacency === undefined ? {} : { adjacency }),
  };
}
