/**
 * The dictionary step's two dense products, each with interchangeable kernels (same bindings,
 * constants and epilogues): "rows" is dict_matmul_rows (out = act(A) @ W + bias, the encoder,
 * dense decoder and skip), "at" is dict_matmul_at (out = Aᵀ G, the dense weight gradients).
 * "blocked" is the register-blocked kernel without workgroup memory that is fastest on
 * SwiftShader; the others are for GPUs (chosen per adapter by autotune.ts).
 */
import { MAX_WORKGROUPS_PER_DIMENSION } from "./kernel.ts";

export type GemmProduct = "rows" | "at";

export interface GemmVariant {
  name: string;
  /** shaders/<shader>.wgsl */
  shader: string;
  /** Override constants added to the call site's. */
  constants: Record<string, number>;
  /** Needs the adapter's "subgroups" feature (enabled on the device). */
  subgroups: boolean;
  /** Workgroups for an output of `rows` rows and `cols4` vec4 columns. */
  grid(cols4: number, rows: number): [number, number];
}

const blockedGrid = (cols4: number, rows: number): [number, number] => [
  Math.ceil(cols4 / 16),
  Math.ceil(rows / 32),
];

function tiled(shader: string, name: string, rowsPerInvocation: 4 | 8): GemmVariant {
  return {
    name,
    shader,
    constants: { ROWS_PER_INVOCATION: rowsPerInvocation },
    subgroups: false,
    grid: (cols4, rows) => [Math.ceil(cols4 / 16), Math.ceil(rows / (16 * rowsPerInvocation))],
  };
}

const VARIANTS: Record<GemmProduct, GemmVariant[]> = {
  rows: [
    {
      name: "blocked",
      shader: "dict_matmul_rows",
      constants: {},
      subgroups: false,
      grid: blockedGrid,
    },
    tiled("dict_matmul_rows_tiled", "tiled64x64", 4),
    tiled("dict_matmul_rows_tiled", "tiled128x64", 8),
    {
      name: "subgroupSplitK",
      shader: "dict_matmul_rows_subgroup",
      constants: {},
      subgroups: true,
      grid: (cols4, rows) => [cols4, Math.ceil(rows / 4)],
    },
  ],
  at: [
    {
      name: "blocked",
      shader: "dict_matmul_at",
      constants: {},
      subgroups: false,
      grid: blockedGrid,
    },
    tiled("dict_matmul_at_tiled", "tiled64x64", 4),
    tiled("dict_matmul_at_tiled", "tiled128x64", 8),
    {
      name: "subgroupSplitK",
      shader: "dict_matmul_at_subgroup",
      constants: {},
      subgroups: true,
      grid: (cols4, rows) => [cols4, Math.ceil(rows / 8)],
    },
  ],
};

/** The kernel chosen for each product. */
export type GemmChoice = Record<GemmProduct, string>;

/** Today's kernels: what SwiftShader (and any adapter not tuned) runs. */
export const DEFAULT_GEMM: GemmChoice = { rows: "blocked", at: "blocked" };

export function gemmVariants(product: GemmProduct, subgroups: boolean): GemmVariant[] {
  return VARIANTS[product].filter((v) => subgroups || !v.subgroups);
}

export function gemmVariant(product: GemmProduct, name: string): GemmVariant {
  const found = VARIANTS[product].find((v) => v.name === name);
  if (!found) throw new Error(`unknown ${product} GEMM variant "${name}"`);
  return found;
}

/** A choice whose names all exist (a cache written by another version may hold others). */
export function isGemmChoice(value: unknown): value is GemmChoice {
  if (typeof value !== "object" || value === null) return false;
  const v = value as Record<string, unknown>;
  return (["rows", "at"] as const).every((p) =>
    VARIANTS[p].some((variant) => variant.name === v[p]),
  );
}

/** The variant that runs `product` for an output of rows x cols4: `name`, unless its grid is too large. */
export function variantForShape(
  product: GemmProduct,
  name: string,
  cols4: number,
  rows: number,
): GemmVariant {
  const chosen = gemmVariant(product, name);
  const grid = chosen.grid(cols4, rows);
  if (Math.max(...grid) <= MAX_WORKGROUPS_PER_DIMENSION) return chosen;
  return gemmVariant(product, DEFAULT_GEMM[product]);
}

export function describeGemm(choice: GemmChoice): string {
  return `rows=${choice.rows}, at=${choice.at}`;
}

const chosenFor = new WeakMap<GPUDevice, GemmChoice>();

/** Records the variants chosen for a device (acquireDevice does, once per adapter). */
export function setGemmChoice(device: GPUDevice, choice: GemmChoice): void {
  chosenFor.set(device, choice);
}

/** The variants chosen for a device; today's kernels when none was chosen. */
export function gemmChoiceFor(device: GPUDevice): GemmChoice {
  return chosenFor.get(device) ?? DEFAULT_GEMM;
}
