import { HOOK_SITES, hookName, type HookSite } from "../../engine/model/hooks.ts";
import type {
  StreamArchitecture,
  StreamDictionaryConfig,
  StreamRunConfig,
} from "../../worker/protocol.ts";
import { Info } from "../Info.tsx";
import { NumberField } from "../NumberField.tsx";
import { useConfigStore } from "../state/configStore.ts";
import {
  ARCHITECTURE_LABELS,
  DEFAULT_K,
  DEFAULT_L0_COEFFICIENT,
  GPU_DEFAULTS,
  maxK,
  readsK,
  readsL0,
  readsL1,
  readsWidths,
  STREAM_ARCHITECTURES,
} from "../state/defaults.ts";
import { MatryoshkaWidthsField } from "./MatryoshkaWidthsField.tsx";
import { useEngineStore } from "../state/engineStore.ts";
import { useRunsStore } from "../state/runsStore.ts";
import { SETTING_HELP } from "./settingHelp.ts";
import { SweepFields } from "./SweepFields.tsx";
import { SyntheticDataField } from "./SyntheticDataField.tsx";
import { KIND_COLORS } from "./seriesColors.ts";
import { RunEstimateLine } from "./RunEstimate.tsx";
import "./ConfigPanel.css";

const KINDS = ["sae", "transcoder"] as const;
type Kind = (typeof KINDS)[number];

/**
 * The next run's settings (kept in the URL). While a run is paused, its learning rates and
 * L1 / L0 coefficients stay editable: the change applies from the next step and is recorded in
 * the run. k and the architecture stay fixed (they size the run's buffers).
 */
export function ConfigPanel() {
  const config = useConfigStore((s) => s.config);
  const setConfig = useConfigStore((s) => s.setConfig);
  const nLayer = useEngineStore((s) => s.model?.nLayer ?? config.layer + 1);
  const adapterKnown = useEngineStore(
    (s) => s.adapter !== undefined || s.noDevice !== undefined || s.workerDead !== undefined,
  );
  const live = useRunsStore((s) => s.live);
  const attached = live?.attached === true;
  const paused = attached && live.phase === "paused";
  // A run stopped by a fault resumes with the learning rate and L1 set here.
  const interrupted = useRunsStore(
    (s) =>
      s.live !== undefined &&
      !s.live.attached &&
      s.runs.find((r) => r.id === s.live!.runId)?.status === "interrupted",
  );

  const update = (patch: Partial<StreamRunConfig>) => setConfig({ ...config, ...patch });
  // A synthetic model has one site (its x, and y): no layer, hook or splicing into the model.
  const synthetic = config.data?.kind === "synthetic";
  const dict = (kind: Kind) => config.dictionaries.find((d) => d.kind === kind);
  const updateDict = (kind: Kind, patch: Partial<StreamDictionaryConfig> | null) => {
    const base = dict(kind) ?? GPU_DEFAULTS.dictionaries.find((d) => d.kind === kind)!;
    const others = config.dictionaries.filter((d) => d.kind !== kind);
    const next = patch === null ? others : [...others, { ...base, ...patch }];
    next.sort((a, b) => KINDS.indexOf(a.kind) - KINDS.indexOf(b.kind));
    update({ dictionaries: next });
    const changed = next.find((d) => d.kind === kind);
    const hyper =
      patch?.lr !== undefined ||
      patch?.l1Coefficient !== undefined ||
      patch?.l0Coefficient !== undefined;
    if ((paused || interrupted) && changed && hyper) {
      useRunsStore.getState().setHyperparameters(kind, {
        lr: changed.lr,
        l1Coefficient: changed.l1Coefficient,
        ...(changed.l0Coefficient !== undefined ? { l0Coefficient: changed.l0Coefficient } : {}),
      });
    }
  };

  /** A new architecture, with the fields it reads (k within d_sae). */
  const setArchitecture = (kind: Kind, architecture: StreamArchitecture) => {
    const d = dict(kind);
    if (!d) return;
    const { architecture: _a, k: _k, l0Coefficient: _l0, matryoshkaWidths: _w, ...rest } = d;
    const next: StreamDictionaryConfig = {
      ...rest,
      ...(architecture === "standard" ? {} : { architecture }),
      ...(readsK(architecture)
        ? { k: Math.min(d.k ?? DEFAULT_K, maxK(architecture, d.dSae)) }
        : {}),
      ...(readsWidths(architecture) && d.matryoshkaWidths
        ? { matryoshkaWidths: d.matryoshkaWidths }
        : {}),
      ...(readsL0(architecture)
        ? { l0Coefficient: d.l0Coefficient ?? DEFAULT_L0_COEFFICIENT }
        : {}),
    };
    update({ dictionaries: config.dictionaries.map((x) => (x.kind === kind ? next : x)) });
  };

  if (!adapterKnown) {
    // The defaults depend on the adapter (a software one gets smaller ones): none are shown
    // until it is known, rather than the GPU's for the seconds the worker takes to start.
    return (
      <aside className="config" aria-label="Run settings" data-testid="config-pending">
        <p className="muted small">
          Finding the GPU adapter: the settings&apos; defaults depend on it…
        </p>
      </aside>
    );
  }
  return (
    <aside className="config" aria-label="Run settings">
      <fieldset disabled={attached}>
        <legend>Model and stream</legend>
        <div className="field-row">
          {!synthetic && (
            <label className="select-field">
              <span>
                <Info text={SETTING_HELP.layer}>Layer</Info>
              </span>
              <select
                data-testid="layer"
                value={config.layer}
                onChange={(e) => update({ layer: Number(e.target.value) })}
              >
                {Array.from({ length: nLayer }, (_, l) => (
                  <option key={l} value={l}>
                    {l}
                  </option>
                ))}
              </select>
            </label>
          )}
          <NumberField
            label="Batch (tokens)"
            help={SETTING_HELP.batch}
            testId="batch"
            value={config.batchSize}
            min={1}
            max={65536}
            integer
            onChange={(v) => update({ batchSize: v })}
          />
          <NumberField
            label="Steps"
            help={SETTING_HELP.steps}
            testId="steps"
            value={config.steps}
            min={1}
            max={10_000_000}
            integer
            onChange={(v) => update({ steps: v })}
          />
        </div>
        <div className="field-row">
          <NumberField
            label="Log every"
            help={SETTING_HELP.logEvery}
            testId="log-every"
            value={config.logEvery}
            min={1}
            max={1_000_000}
            integer
            onChange={(v) => update({ logEvery: v })}
          />
          <NumberField
            label="Seed"
            help={SETTING_HELP.seed}
            value={config.seed}
            min={0}
            max={2 ** 31}
            integer
            onChange={(v) => update({ seed: v })}
          />
          {!synthetic && (
            <NumberField
              label="Eval windows"
              help={SETTING_HELP.evalWindows}
              testId="eval-sequences"
              value={config.evalSequences}
              min={0}
              max={1000}
              integer
              onChange={(v) => update({ evalSequences: v })}
            />
          )}
        </div>
        <div className="field-row">
          <SyntheticDataField config={config} update={update} />
          <NumberField
            label={synthetic ? "Ground truth every (0 = auto)" : "CE score every (0 = auto)"}
            help={SETTING_HELP.liveEvery}
            testId="live-eval-every"
            value={config.liveEvalEvery}
            min={0}
            max={1_000_000}
            integer
            onChange={(v) => update({ liveEvalEvery: v })}
          />
        </div>
        {!synthetic && (
          <label className="check">
            <input
              type="checkbox"
              checked={config.processing}
              onChange={(e) => update({ processing: e.target.checked })}
            />
            <Info text={SETTING_HELP.processing}>TransformerLens processing</Info>
          </label>
        )}
        <label className="check">
          <input
            type="checkbox"
            checked={config.normalize === "expected_average_only_in"}
            onChange={(e) =>
              update({ normalize: e.target.checked ? "expected_average_only_in" : "none" })
            }
          />
          <Info text={SETTING_HELP.normalize}>Normalize activations</Info>
        </label>
      </fieldset>

      {KINDS.map((kind) => {
        const d = dict(kind);
        return (
          <fieldset key={kind} disabled={attached && !paused} className={`dict dict-${kind}`}>
            <legend>
              <label className="check">
                <input
                  type="checkbox"
                  data-testid={`enable-${kind}`}
                  checked={d !== undefined}
                  disabled={attached}
                  onChange={(e) => updateDict(kind, e.target.checked ? {} : null)}
                />
                <span className="kind-swatch" style={{ background: KIND_COLORS[kind] }} />
                {kind === "sae" ? (
                  "Sparse autoencoder"
                ) : (
                  <Info text={SETTING_HELP.transcoder}>Transcoder</Info>
                )}
              </label>
            </legend>
            {d && (
              <>
                {synthetic ? (
                  <p className="sites mono">
                    {kind === "sae" ? "x → x̂" : "x → ŷ (the synthetic y)"}
                  </p>
                ) : kind === "sae" ? (
                  <label className="select-field wide">
                    <span>
                      <Info text={SETTING_HELP.saeHook}>Hook</Info>
                    </span>
                    <select
                      data-testid="sae-site"
                      value={d.site ?? "hook_resid_pre"}
                      disabled={attached}
                      onChange={(e) => updateDict("sae", { site: e.target.value as HookSite })}
                    >
                      {HOOK_SITES.map((site) => (
                        <option key={site} value={site}>
                          {hookName(config.layer, site)}
                        </option>
                      ))}
                    </select>
                  </label>
                ) : (
                  <p className="sites mono">
                    {hookName(config.layer, "ln2.hook_normalized")} →{" "}
                    {hookName(config.layer, "hook_mlp_out")}
                  </p>
                )}
                <label className="select-field wide">
                  <span>
                    <Info text={SETTING_HELP.architecture}>Architecture</Info>
                  </span>
                  <select
                    data-testid={`${kind}-architecture`}
                    value={d.architecture ?? "standard"}
                    disabled={attached}
                    onChange={(e) => setArchitecture(kind, e.target.value as StreamArchitecture)}
                  >
                    {STREAM_ARCHITECTURES.map((a) => (
                      <option key={a} value={a}>
                        {ARCHITECTURE_LABELS[a]}
                      </option>
                    ))}
                  </select>
                </label>
                <div className="field-row">
                  <NumberField
                    label="d_sae"
                    help={SETTING_HELP.dSae}
                    testId={`${kind}-dsae`}
                    value={d.dSae}
                    min={4}
                    max={65536}
                    integer
                    disabled={attached}
                    onChange={(v) =>
                      updateDict(kind, {
                        dSae: v,
                        // k stays within the new d_sae; widths that no longer end at it go.
                        ...(readsK(d.architecture)
                          ? { k: Math.min(d.k ?? DEFAULT_K, maxK(d.architecture!, v)) }
                          : {}),
                        ...(d.matryoshkaWidths && d.matryoshkaWidths.at(-1) !== v
                          ? { matryoshkaWidths: undefined }
                          : {}),
                      })
                    }
                  />
                  {readsL1(d.architecture) && (
                    <NumberField
                      label="L1 coefficient"
                      help={SETTING_HELP.l1}
                      testId={`${kind}-l1`}
                      value={d.l1Coefficient}
                      min={0}
                      max={1e6}
                      onChange={(v) => updateDict(kind, { l1Coefficient: v })}
                    />
                  )}
                  {readsK(d.architecture) && (
                    <NumberField
                      label="k (latents per token)"
                      help={SETTING_HELP.k}
                      testId={`${kind}-k`}
                      value={d.k ?? DEFAULT_K}
                      min={1}
                      max={maxK(d.architecture!, d.dSae)}
                      integer
                      disabled={attached}
                      title={
                        attached ? "k is fixed during a run: it sizes the TopK buffers" : undefined
                      }
                      onChange={(v) => updateDict(kind, { k: v })}
                    />
                  )}
                  {readsWidths(d.architecture) && (
                    <MatryoshkaWidthsField
                      value={d.matryoshkaWidths}
                      dSae={d.dSae}
                      disabled={attached}
                      testId={`${kind}-matryoshka-widths`}
                      onChange={(widths) => updateDict(kind, { matryoshkaWidths: widths })}
                    />
                  )}
                  {readsL0(d.architecture) && (
                    <NumberField
                      label="L0 coefficient"
                      help={SETTING_HELP.l0}
                      testId={`${kind}-l0-coefficient`}
                      value={d.l0Coefficient ?? DEFAULT_L0_COEFFICIENT}
                      min={0}
                      max={1e6}
                      onChange={(v) => updateDict(kind, { l0Coefficient: v })}
                    />
                  )}
                  <NumberField
                    label="Learning rate"
                    help={SETTING_HELP.lr}
                    testId={`${kind}-lr`}
                    value={d.lr}
                    min={1e-7}
                    max={1}
                    onChange={(v) => updateDict(kind, { lr: v })}
                  />
                </div>
                {kind === "transcoder" && (
                  <label className="check">
                    <input
                      type="checkbox"
                      data-testid="transcoder-skip"
                      checked={d.skip === true}
                      disabled={attached}
                      onChange={(e) => updateDict(kind, { skip: e.target.checked })}
                    />
                    <Info text={SETTING_HELP.skip}>Skip connection (W_skip)</Info>
                  </label>
                )}
                {kind === "transcoder" && d.architecture === "topk" && (
                  <p className="notice" data-testid="topk-transcoder-note">
                    SAELens has no TopK transcoder: Download names it topk_transcoder, which this
                    playground and npm run eval load; SAELens does not.
                  </p>
                )}
              </>
            )}
          </fieldset>
        );
      })}
      <SweepFields config={config} nLayer={nLayer} disabled={attached} update={update} />
      <RunEstimateLine />
      {paused && (
        <p className="notice" data-testid="paused-note">
          Paused: changes to the learning rate and the L1 or L0 coefficient apply from the next step
          and are recorded in the run; k stays fixed.
        </p>
      )}
    </aside>
  );
}
