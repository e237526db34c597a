/**
 * The headline figures of a device run, drawn from its sections' raw outputs: our step and encoder
 * product per shape, PyTorch's (fp32 and TF32) beside them, and issue 13's goals.
 */
import { ENCODER_PEAK_FRACTION_GOAL, FP32_PEAK_TFLOPS, type DictionaryShape } from "./sections.ts";

interface StateSummary {
  l0: number;
  trainerPath: string;
  msPerStep: number;
  stepOverEncoder: number;
  msPerStepByPath: Record<string, number>;
}

export interface BenchEntry {
  section: string;
  kind: string;
  B: number;
  d_in: number;
  d_out: number;
  d_sae: number;
  encoderMs: number;
  encoderTflops: number;
  encoderFractionOfFp32Peak: number;
  init: StateSummary;
  sparse: StateSummary;
  architectures: { architecture: string; k: number; deadLatents: number; msPerStep: number }[];
}

interface PeerShape {
  kind: string;
  B: number;
  d_in: number;
  d_out: number;
  d_sae: number;
  msPerStep?: number;
  encoderTflops?: number;
  error?: string;
}

export interface Comparison {
  shape: string;
  oursInitMs: number;
  oursSparseMs: number;
  oursSparseL0: number;
  peerFp32Ms: number;
  peerTf32Ms: number;
  /** Ours over PyTorch's: below 1, our step is the faster. */
  oursInitOverPeerFp32: number;
  oursSparseOverPeerFp32: number;
  oursSparseOverPeerTf32: number;
  oursEncoderTflops: number;
  peerFp32EncoderTflops: number;
  peerTf32EncoderTflops: number;
}

type Json = Record<string, unknown>;

const sameShape = (a: PeerShape | BenchEntry, s: DictionaryShape) =>
  a.kind === s.kind && a.B === s.B && a.d_in === s.dIn && a.d_out === s.dOut && a.d_sae === s.dSae;

const describe = (s: DictionaryShape) =>
  `${s.kind} B=${s.B} d_in=${s.dIn} d_out=${s.dOut} d_sae=${s.dSae}`;

/** One entry per shape of a bench section's output (its `shapes`), with the encoder's TFLOP/s. */
export function benchEntries(section: string, output: Json): BenchEntry[] {
  const shapes = (output.shapes ?? []) as Json[];
  return shapes.map((r) => {
    const [B, dIn, dSae] = [r.B, r.d_in, r.d_sae] as number[];
    const encoderMs = r.encoderMs as number;
    const encoderTflops = (2 * B! * dIn! * dSae!) / (encoderMs * 1e9);
    const state = (s: Json): StateSummary => ({
      l0: s.l0 as number,
      trainerPath: s.trainerPath as string,
      msPerStep: s.msPerStep as number,
      stepOverEncoder: s.stepOverEncoder as number,
      msPerStepByPath: Object.fromEntries(
        Object.entries(s.paths as Record<string, Json>).map(([p, t]) => [p, t.msPerStep]),
      ) as Record<string, number>,
    });
    return {
      section,
      kind: r.kind as string,
      B: B!,
      d_in: dIn!,
      d_out: r.d_out as number,
      d_sae: dSae!,
      encoderMs,
      encoderTflops,
      encoderFractionOfFp32Peak: encoderTflops / FP32_PEAK_TFLOPS,
      init: state(r.init as Json),
      sparse: state(r.sparse as Json),
      architectures: (r.architectures as Json[]).map((a) => ({
        architecture: a.architecture as string,
        k: a.k as number,
        deadLatents: a.deadLatents as number,
        msPerStep: a.msPerStep as number,
      })),
    };
  });
}

/** Ours beside PyTorch's at each shape both measured. */
export function comparisons(
  shapes: DictionaryShape[],
  bench: BenchEntry[],
  peer: Json | undefined,
): Comparison[] {
  if (!peer) return [];
  const out: Comparison[] = [];
  for (const s of shapes) {
    const ours = bench.find((b) => sameShape(b, s));
    const fp32 = (peer.fp32 as PeerShape[] | undefined)?.find((p) => sameShape(p, s));
    const tf32 = (peer.tf32 as PeerShape[] | undefined)?.find((p) => sameShape(p, s));
    if (!ours || fp32?.msPerStep === undefined || tf32?.msPerStep === undefined) continue;
    out.push({
      shape: describe(s),
      oursInitMs: ours.init.msPerStep,
      oursSparseMs: ours.sparse.msPerStep,
      oursSparseL0: ours.sparse.l0,
      peerFp32Ms: fp32.msPerStep,
      peerTf32Ms: tf32.msPerStep,
      oursInitOverPeerFp32: ours.init.msPerStep / fp32.msPerStep,
      oursSparseOverPeerFp32: ours.sparse.msPerStep / fp32.msPerStep,
      oursSparseOverPeerTf32: ours.sparse.msPerStep / tf32.msPerStep,
      oursEncoderTflops: ours.encoderTflops,
      peerFp32EncoderTflops: fp32.encoderTflops!,
      peerTf32EncoderTflops: tf32.encoderTflops!,
    });
  }
  return out;
}

/** Issue 13's goals at the GPT-2 small shapes (meaningless in a dry run, which says so). */
export function goals(dryRun: boolean, bench: BenchEntry[], compared: Comparison[]) {
  return {
    meaningful: !dryRun,
    fp32PeakTflops: FP32_PEAK_TFLOPS,
    encoderAtLeast30PercentOfPeak: bench
      .filter((b) => b.section.startsWith("bench-gpt2small"))
      .map((b) => ({
        shape: `${b.kind} B=${b.B} d_in=${b.d_in} d_sae=${b.d_sae}`,
        fraction: b.encoderFractionOfFp32Peak,
        met: b.encoderFractionOfFp32Peak >= ENCODER_PEAK_FRACTION_GOAL,
      })),
    sparseStepNoSlowerThanPeerFp32: compared.map((c) => ({
      shape: c.shape,
      oursSparseOverPeerFp32: c.oursSparseOverPeerFp32,
      met: c.oursSparseOverPeerFp32 <= 1,
    })),
  };
}
