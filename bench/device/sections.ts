/**
 * What bench/device/run.sh measures, section by section: the real run on a GPU (GPT-2 small's
 * widths) and its dry run (the same sections at tiny shapes, SwiftShader and CPU PyTorch).
 */

export interface DictionaryShape {
  kind: "sae" | "transcoder";
  B: number;
  dIn: number;
  dOut: number;
  dSae: number;
}

export interface Section {
  name: string;
  /** "node": a bench entry point (bench/<script>.ts, or its bundle); "python": bench/device/<script>. */
  runtime: "node" | "python";
  script: string;
  args: string[];
  /** The most seconds it may take (less when the run's budget is nearly spent). */
  limitSeconds: number;
}

/** H200's fp32 (non-tensor-core) peak, the yardstick of the encoder product's TFLOP/s. */
export const FP32_PEAK_TFLOPS = 67;
export const FP32_PEAK_NOTE =
  "NVIDIA H200 fp32 (non-tensor-core) peak, ~67 TFLOP/s; a dry run's fraction means nothing";
/** Issue 13's goals: encoder >= 30% of the fp32 peak; once sparse, a step no slower than PyTorch's. */
export const ENCODER_PEAK_FRACTION_GOAL = 0.3;

const GPT2_SMALL = { B: 4096, dIn: 768, dOut: 768, dSae: 24_576 };
const TINY = { B: 32, dIn: 8, dOut: 8, dSae: 32 };

export function dictionaryShapes(dryRun: boolean): DictionaryShape[] {
  const size = dryRun ? TINY : GPT2_SMALL;
  return [
    { kind: "sae", ...size },
    { kind: "transcoder", ...size },
  ];
}

const shapeArgs = (s: DictionaryShape) => [
  "--kind",
  s.kind,
  "--batch",
  String(s.B),
  "--d-in",
  String(s.dIn),
  "--d-out",
  String(s.dOut),
  "--d-sae",
  String(s.dSae),
];

export const peerShapeArg = (s: DictionaryShape) => `${s.kind}:${s.B}x${s.dIn}x${s.dOut}x${s.dSae}`;

/**
 * In the order of what matters most, so that a run cut short keeps the headline figures: the
 * adapter, our step at GPT-2 small scale, PyTorch's, the stream, then today's `npm run bench`.
 */
export function deviceSections(dryRun: boolean): Section[] {
  const shapes = dictionaryShapes(dryRun);
  const timing = dryRun
    ? ["--steps", "1", "--warmup", "1", "--encoder-reps", "1"]
    : ["--steps", "5", "--warmup", "2", "--encoder-reps", "10"];
  const ours: Section[] = shapes.map((s) => ({
    name: `bench-gpt2small-${s.kind}`,
    runtime: "node",
    script: "bench",
    args: ["--no-tfjs", ...shapeArgs(s), ...timing],
    limitSeconds: dryRun ? 120 : 150,
  }));
  const peer: Section = {
    name: "peer",
    runtime: "python",
    script: "peer.py",
    args: [
      "--device",
      dryRun ? "cpu" : "cuda",
      ...shapes.flatMap((s) => ["--shape", peerShapeArg(s)]),
      ...(dryRun ? ["--warmup", "1", "--steps", "2", "--encoder-reps", "2"] : []),
    ],
    limitSeconds: 120,
  };
  const stream: Section = {
    name: "stream",
    runtime: "node",
    script: "stream",
    args: dryRun
      ? ["--model", "random-tiny", "--batch", "32", "--d-sae", "64", "--steps", "2"]
      : ["--model", "random-gpt2-small", "--batch", "4096", "--d-sae", "24576", "--steps", "8"],
    limitSeconds: dryRun ? 120 : 100,
  };
  // Today's shapes (B 1024-4096, d 128) as `npm run bench` times them; a dry run shrinks them.
  const standard: Section = {
    name: "bench-standard",
    runtime: "node",
    script: "bench",
    args: dryRun ? ["--no-tfjs", ...shapeArgs({ ...TINY, kind: "sae" }), ...timing] : ["--no-tfjs"],
    limitSeconds: dryRun ? 120 : 150,
  };
  // SynthSAEBench-16k's BatchTopK at the published settings (width 4096, k 25, lr 3e-4, batch
  // 1024) for a fixed training time, then its ground-truth metrics (bench/synthetic.ts).
  const synthetic: Section = {
    name: "synthetic-16k",
    runtime: "node",
    script: "synthetic",
    args: dryRun
      ? ["--preset", "tiny", "--width", "64", "--k", "4", "--batch", "64", "--steps", "3"].concat([
          "--samples",
          "256",
          "--architectures",
          "batchtopk",
          "--json",
        ])
      : ["--preset", "synthsaebench-16k", "--width", "4096"]
          .concat(["--k", "25", "--lr", "3e-4", "--batch", "1024", "--steps", "1000000"])
          .concat(["--seconds", "90", "--samples", "16384", "--architectures", "batchtopk"])
          .concat(["--json"]),
    limitSeconds: dryRun ? 120 : 180,
  };
  return [
    { name: "adapter", runtime: "node", script: "adapter", args: [], limitSeconds: 90 },
    ours[0]!,
    peer,
    ours[1]!,
    stream,
    synthetic,
    standard,
  ];
}
