import { useEffect } from "react";
import { HOOK_SITES, hookName, type HookSite } from "../engine/model/hooks.ts";
import type { StreamDictionaryConfig, StreamRunConfig } from "../worker/protocol.ts";
import { DictionaryCard } from "./DictionaryCard.tsx";
import { onEngineMessage, sendToEngine } from "./engine.ts";
import { NumberField } from "./NumberField.tsx";
import { useStreamStore } from "./streamStore.ts";
import { configToUrl, DEFAULT_STREAM_CONFIG } from "./urlState.ts";

const KINDS = ["sae", "transcoder"] as const;

/**
 * Trains an SAE and a transcoder at once on the built-in model's activation stream, with their
 * loss curves side by side and the spliced-in metrics at the end.
 */
export function ModelRunPanel() {
  const s = useStreamStore();
  const { config, model, status } = s;
  const running = status === "running";

  useEffect(() => onEngineMessage(useStreamStore.getState().receive), []);
  useEffect(() => {
    sendToEngine({ type: "load-model", processing: config.processing });
  }, [config.processing]);
  useEffect(() => {
    history.replaceState(null, "", configToUrl(config));
  }, [config]);

  const update = (patch: Partial<StreamRunConfig>) => s.setConfig({ ...config, ...patch });
  const dict = (kind: (typeof KINDS)[number]) => config.dictionaries.find((d) => d.kind === kind);
  const updateDict = (
    kind: (typeof KINDS)[number],
    patch: Partial<StreamDictionaryConfig> | null,
  ) => {
    const base = dict(kind) ?? DEFAULT_STREAM_CONFIG.dictionaries.find((d) => d.kind === kind)!;
    const others = config.dictionaries.filter((d) => d.kind !== kind);
    const next = patch === null ? others : [...others, { ...base, ...patch }];
    next.sort((a, b) => KINDS.indexOf(a.kind) - KINDS.indexOf(b.kind));
    update({ dictionaries: next });
  };
  const start = () => {
    const runId = `stream-${Date.now()}`;
    s.start(runId);
    sendToEngine({ type: "train-stream", runId, config });
  };
  const stop = () => {
    if (s.runId) sendToEngine({ type: "stop", runId: s.runId });
    s.stop();
  };
  const nLayer = model?.nLayer ?? config.layer + 1;
  const sae = dict("sae");
  const transcoder = dict("transcoder");

  return (
    <section data-testid="model-run" data-status={status}>
      <h2>Train on the built-in model</h2>
      {model ? (
        <p data-testid="model-info">
          {model.name}: {model.nLayer} layers, d_model {model.dModel}, {model.nHead} heads, context{" "}
          {model.nCtx}, vocabulary {model.vocabSize}
          {model.processed ? " (TransformerLens processing)" : " (raw weights)"}. Corpus:{" "}
          {model.corpus}, {model.trainTokens.toLocaleString()} training and{" "}
          {model.heldOutTokens.toLocaleString()} held-out tokens.
        </p>
      ) : (
        !s.modelError && <p>Loading the built-in model…</p>
      )}
      {s.modelError && <p role="alert">Could not load the model: {s.modelError}</p>}

      <fieldset disabled={running} style={{ border: "1px solid #ccc", marginBottom: 8 }}>
        <legend>Model and stream</legend>
        <label style={{ marginRight: 12, fontSize: 13 }}>
          Layer{" "}
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
        <label style={{ marginRight: 12, fontSize: 13 }}>
          <input
            type="checkbox"
            checked={config.processing}
            onChange={(e) => update({ processing: e.target.checked })}
          />{" "}
          TransformerLens processing
        </label>
        <label style={{ marginRight: 12, fontSize: 13 }}>
          <input
            type="checkbox"
            checked={config.normalize === "expected_average_only_in"}
            onChange={(e) =>
              update({ normalize: e.target.checked ? "expected_average_only_in" : "none" })
            }
          />{" "}
          Normalize activations
        </label>
        <div style={{ marginTop: 6 }}>
          <NumberField
            label="Batch (tokens)"
            testId="batch"
            value={config.batchSize}
            min={1}
            max={65536}
            integer
            onChange={(v) => update({ batchSize: v })}
          />
          <NumberField
            label="Steps"
            testId="steps"
            value={config.steps}
            min={1}
            max={10_000_000}
            integer
            onChange={(v) => update({ steps: v })}
          />
          <NumberField
            label="Log every"
            testId="log-every"
            value={config.logEvery}
            min={1}
            max={1_000_000}
            integer
            onChange={(v) => update({ logEvery: v })}
          />
          <NumberField
            label="Seed"
            value={config.seed}
            min={0}
            max={2 ** 31}
            integer
            onChange={(v) => update({ seed: v })}
          />
          <NumberField
            label="Eval sequences"
            testId="eval-sequences"
            value={config.evalSequences}
            min={0}
            max={1000}
            integer
            onChange={(v) => update({ evalSequences: v })}
          />
        </div>
      </fieldset>

      <div style={{ display: "flex", gap: 8, flexWrap: "wrap" }}>
        {KINDS.map((kind) => {
          const d = dict(kind);
          return (
            <fieldset
              key={kind}
              disabled={running}
              style={{ border: "1px solid #ccc", flex: "1 1 300px" }}
            >
              <legend>
                <label>
                  <input
                    type="checkbox"
                    data-testid={`enable-${kind}`}
                    checked={d !== undefined}
                    onChange={(e) => updateDict(kind, e.target.checked ? {} : null)}
                  />{" "}
                  {kind === "sae" ? "Sparse autoencoder" : "Transcoder"}
                </label>
              </legend>
              {d && (
                <>
                  {kind === "sae" ? (
                    <label style={{ display: "block", fontSize: 13 }}>
                      Hook{" "}
                      <select
                        data-testid="sae-site"
                        value={d.site ?? "hook_resid_pre"}
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
                    <p style={{ fontSize: 13, margin: "4px 0" }}>
                      {hookName(config.layer, "ln2.hook_normalized")} →{" "}
                      {hookName(config.layer, "hook_mlp_out")}
                    </p>
                  )}
                  <NumberField
                    label="d_sae"
                    testId={`${kind}-dsae`}
                    value={d.dSae}
                    min={4}
                    max={65536}
                    integer
                    onChange={(v) => updateDict(kind, { dSae: v })}
                  />
                  <NumberField
                    label="L1 coefficient"
                    testId={`${kind}-l1`}
                    value={d.l1Coefficient}
                    min={0}
                    max={1e6}
                    onChange={(v) => updateDict(kind, { l1Coefficient: v })}
                  />
                  <NumberField
                    label="Learning rate"
                    testId={`${kind}-lr`}
                    value={d.lr}
                    min={1e-7}
                    max={1}
                    onChange={(v) => updateDict(kind, { lr: v })}
                  />
                </>
              )}
            </fieldset>
          );
        })}
      </div>

      <p>
        <button
          type="button"
          onClick={start}
          disabled={running || !model || config.dictionaries.length === 0}
        >
          Train
        </button>{" "}
        <button type="button" onClick={stop} disabled={!running}>
          Stop
        </button>{" "}
        {s.message && <span data-testid="run-message">{s.message}</span>}
        {s.streamTokensPerSecond !== undefined && (
          <span>
            {" "}
            · stream: <span data-testid="stream-tps">
              {Math.round(s.streamTokensPerSecond)}
            </span>{" "}
            tokens/s
          </span>
        )}
      </p>
      {s.error && <p role="alert">{s.error}</p>}

      <div style={{ display: "flex", gap: 16, flexWrap: "wrap" }}>
        {sae && (
          <DictionaryCard
            id="sae"
            title={`SAE on ${hookName(config.layer, sae.site ?? "hook_resid_pre")}`}
            history={s.histories.sae ?? []}
            evaluation={s.evals.sae}
          />
        )}
        {transcoder && (
          <DictionaryCard
            id="transcoder"
            title={`Transcoder, MLP ${config.layer}`}
            history={s.histories.transcoder ?? []}
            evaluation={s.evals.transcoder}
          />
        )}
      </div>
    </section>
  );
}
