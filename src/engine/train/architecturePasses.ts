import { batchTopkSelect } from "../eval/gpuBatchTopk.ts";
import { grid1d } from "../gpu/kernel.ts";
import {
  batchK,
  hasAuxK,
  matryoshkaWidthsOf,
  rescales,
  selectsOverBatch,
  type ArchitectureOptions,
} from "./architecture.ts";
import { auxCapacity, rowCapacity, type ArchitectureBuffers } from "./dictionaryBuffers.ts";
import type { Pass, PassKit, StepPasses } from "./dictionaryPasses.ts";

/**
 * One step of TopK, BatchTopK or JumpReLU (architectures.md §2–§4, SAELens v6.18), with no read
 * back:
 * 1. once per step: the dead mask and AuxK's k_aux and scale from the GPU's counters (dict_dead);
 * 2. x', the decoder norms, pre = x' @ W_enc + b_enc (dense: the one product over every latent);
 * 3. the selection, which lists each row's active latents and marks every entry:
 *    TopK per row (dict_train_topk), BatchTopK and Matryoshka BatchTopK over the batch
 *    (dict_batch_topk, with τ), or JumpReLU's threshold (dict_jumprelu_select);
 * 4. the decoder over the listed latents (+ the skip connection); Matryoshka's prefix decodes
 *    and their residuals summed per level (dict_matryoshka); AuxK's selection and decode;
 * 5. per latent, the rows it takes part in (dict_mark_cols) and the firing counters;
 * 6. per latent over those rows: dpre and dW_dec (and JumpReLU's dlog θ), then dW_enc, db_enc;
 *    W_skip's and b_dec's gradients; clipping and Adam.
 * Everything after the encoder does work in proportion to the listed entries.
 */
export function architecturePasses(kit: PassKit, a: ArchitectureOptions): StepPasses {
  const { layout, B, b } = kit;
  const arch = b.arch!;
  const fp = layout.fp;
  const preAct = a.architecture === "jumprelu" && a.preActLossCoefficient !== 0;
  const dead = hasAuxK(a) || preAct ? [deadPass(kit, arch)] : [];
  const select =
    a.architecture === "topk"
      ? [topkSelect(kit, arch, a, false)]
      : selectsOverBatch(a)
        ? batchTopk(kit, arch, a)
        : [jumpReluSelect(kit, arch, a, preAct)];
  const auxK = hasAuxK(a)
    ? [
        topkSelect(kit, arch, a, true),
        kit.pass(
          kit.kernel("dict_aux_decode", {
            constants: { CAP: auxCapacity(layout), AUX_COEF: a.auxLossCoefficient },
          }),
          [
            b.dims,
            b.pre,
            arch.auxList,
            arch.auxCount,
            b.params,
            b.residual,
            arch.archState,
            arch.gAux,
            b.rowSums,
          ],
          grid1d(B, 1),
        ),
      ]
    : [];
  const levels = Math.max(1, matryoshkaWidthsOf(a, layout.dSae).length);
  const matryoshka = levels > 1 ? [matryoshkaResiduals(kit, arch, levels)] : [];
  const summedResiduals = arch.levelResiduals ?? b.residual;
  const columns = [
    kit.pass(
      kit.kernel("dict_mark_cols"),
      [b.dims, arch.mark, b.colList, b.colCount, arch.colFired],
      grid1d(fp, 64),
    ),
    kit.firing(arch.colFired),
  ];
  const latentGrads =
    a.architecture === "jumprelu"
      ? kit.pass(
          kit.kernel("dict_jumprelu_latent_grads", { constants: jumpReluConstants(kit, a) }),
          [
            b.dims,
            b.stepParams,
            b.colList,
            b.colCount,
            b.pre,
            b.residual,
            b.decoderNorms,
            b.params,
            b.dPre,
            b.grads,
          ],
          grid1d(fp, 1),
        )
      : kit.pass(
          kit.kernel("dict_topk_latent_grads", { constants: { LEVELS: levels } }),
          [
            b.dims,
            b.colList,
            b.colCount,
            b.pre,
            summedResiduals,
            arch.gAux,
            b.params,
            b.dPre,
            b.grads,
            arch.levelWidths,
          ],
          grid1d(fp, 1),
        );
  const backward = [
    latentGrads,
    kit.pass(
      kit.kernel("dict_latent_enc_grads"),
      [b.dims, b.colList, b.colCount, b.dPre, b.xPrime, b.grads],
      grid1d(fp, 1),
    ),
    ...kit.skipGradient(),
    kit.biasDecGradient(hasAuxK(a), summedResiduals),
  ];
  return {
    start: [...dead, kit.ageFiring()],
    before: [
      ...kit.encode(),
      ...select,
      kit.decode(rowCapacity(layout, a)),
      ...kit.skipForward(),
      ...matryoshka,
      ...auxK,
      ...columns,
      ...backward,
    ],
    after: kit.optimizer(),
  };
}

/** Each Matryoshka level's residual and their sums from the outermost in (dict_matryoshka). */
function matryoshkaResiduals(kit: PassKit, arch: ArchitectureBuffers, levels: number): Pass {
  const { layout, B } = kit;
  return kit.pass(
    kit.kernel("dict_matryoshka", {
      entryPoint: "residuals",
      constants: { LEVELS: levels, CAP: layout.fp },
    }),
    matryoshkaResources(kit, arch),
    grid1d(B, 1),
  );
}

function matryoshkaResources(kit: PassKit, arch: ArchitectureBuffers): GPUBuffer[] {
  const b = kit.b;
  return [
    b.dims,
    b.stepParams,
    b.pre,
    b.rowList,
    b.rowCount,
    b.params,
    b.y,
    arch.levelWidths,
    arch.levelResiduals!,
    arch.innerSums!,
  ];
}

/** Matryoshka's inner squared errors summed over the batch, on logging steps; else nothing. */
export function matryoshkaTotals(kit: PassKit, a: ArchitectureOptions): Pass[] {
  const arch = kit.b.arch;
  const levels = matryoshkaWidthsOf(a, kit.layout.dSae).length;
  if (arch === undefined || levels < 2) return [];
  return [
    kit.pass(
      kit.kernel("dict_matryoshka", {
        entryPoint: "totals",
        constants: { LEVELS: levels, CAP: kit.layout.fp },
      }),
      matryoshkaResources(kit, arch),
      [1, 1],
    ),
  ];
}

/**
 * Invocations per row of the selection kernels (topk_select.wgsl's SELECT_WG): fewer for short
 * rows, where each would hold a few keys and the barriers dominate.
 */
function selectWorkgroup(dSae: number): number {
  return dSae <= 2048 ? 64 : 256;
}

function deadPass(kit: PassKit, arch: ArchitectureBuffers): Pass {
  const b = kit.b;
  return kit.pass(
    kit.kernel("dict_dead"),
    [b.dims, b.stepParams, b.firing, arch.deadMask, arch.archState],
    [1, 1],
  );
}

/** Per-row TopK (main) or AuxK over the dead latents (aux). */
function topkSelect(
  kit: PassKit,
  arch: ArchitectureBuffers,
  a: ArchitectureOptions,
  aux: boolean,
): Pass {
  const { layout, B, b } = kit;
  const capacity = aux ? auxCapacity(layout) : rowCapacity(layout, a);
  const pipeline = kit.kernel("dict_train_topk", {
    prelude: "topk_select",
    label: aux ? "auxk select" : "topk select",
    constants: {
      N: layout.dSae,
      STRIDE: layout.fp,
      CAP: capacity,
      K: aux ? 0 : a.k,
      RESCALE: rescales(a) ? 1 : 0,
      AUX: aux ? 1 : 0,
      SELECT_WG: selectWorkgroup(layout.dSae),
    },
  });
  const [list, count] = aux ? [arch.auxList, arch.auxCount] : [b.rowList, b.rowCount];
  return kit.pass(
    pipeline,
    [b.dims, b.pre, b.decoderNorms, arch.deadMask, arch.archState, list, count, arch.mark],
    grid1d(B, 1),
  );
}

/** The batch-level radix select of dict_batch_topk.wgsl, its compaction and τ. */
function batchTopk(kit: PassKit, arch: ArchitectureBuffers, a: ArchitectureOptions): Pass[] {
  const { layout, B, b } = kit;
  const constants = {
    N: layout.dSae,
    STRIDE: layout.fp,
    RESCALE: rescales(a) ? 1 : 0,
    K_BATCH: batchK(a, B),
    TAU_LR: a.topkThresholdLr,
    TAU_OFFSET: layout.offThreshold,
    SELECT_WG: selectWorkgroup(layout.dSae),
  };
  const resources = [
    b.dims,
    b.pre,
    b.decoderNorms,
    arch.batchState,
    arch.rowTies,
    b.rowList,
    b.rowCount,
    arch.mark,
    b.params,
  ];
  const entry = (entryPoint: string, grid: [number, number]) =>
    kit.pass(
      kit.kernel("dict_batch_topk", { prelude: "topk_select", entryPoint, constants }),
      resources,
      grid,
    );
  return [
    entry("reset", [1, 1]),
    ...batchTopkSelect(layout.dSae, constants.SELECT_WG, (entryPoint, grid) =>
      entry(entryPoint, grid(B)),
    ),
    entry("tau", [1, 1]),
  ];
}

function jumpReluConstants(kit: PassKit, a: ArchitectureOptions): Record<string, number> {
  return {
    OFF_THRESHOLD: kit.layout.offThreshold,
    BANDWIDTH: a.jumpreluBandwidth,
    TANH: a.jumpreluSparsityLossMode === "tanh" ? 1 : 0,
    TANH_SCALE: a.jumpreluTanhScale,
    PRE_ACT_COEF: a.preActLossCoefficient,
  };
}

function jumpReluSelect(
  kit: PassKit,
  arch: ArchitectureBuffers,
  a: ArchitectureOptions,
  preAct: boolean,
): Pass {
  const { layout, B, b } = kit;
  const { PRE_ACT_COEF: _coefficient, ...constants } = jumpReluConstants(kit, a);
  return kit.pass(
    kit.kernel("dict_jumprelu_select", {
      prelude: "topk_select",
      constants: {
        ...constants,
        N: layout.dSae,
        STRIDE: layout.fp,
        PRE_ACT: preAct ? 1 : 0,
        SELECT_WG: selectWorkgroup(layout.dSae),
      },
    }),
    [
      b.dims,
      b.pre,
      b.decoderNorms,
      b.params,
      arch.deadMask,
      b.rowList,
      b.rowCount,
      arch.mark,
      b.rowSums,
    ],
    grid1d(B, 1),
  );
}
