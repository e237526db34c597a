import { useState } from "react";
import { parseSweep, SWEEP_SETTINGS, type SweepSetting } from "../../engine/stream/sweep.ts";
import type { StreamRunConfig } from "../../worker/protocol.ts";
import { Info } from "../Info.tsx";
import { expansionSummary } from "../state/runExpansion.ts";

const SETTING_LABELS: Record<SweepSetting, string> = {
  k: "k",
  l1_coefficient: "L1 coefficient",
  l0_coefficient: "L0 coefficient",
  d_sae: "d_sae",
  lr: "learning rate",
  architecture: "architecture",
};

const SWEEP_HELP =
  "One setting and its values (a comma list), applied to each enabled kind: a dictionary per " +
  "kind and value, all trained on one stream (the model runs once per batch). The Pareto plot " +
  "draws each kind's line through its values.";
const LAYERS_HELP =
  "A dictionary of each enabled kind at each layer, trained together as one run; the results " +
  "show per layer.";

/** The run's sweep and layer list (in the URL), and how many dictionaries they make. */
export function SweepFields(props: {
  config: StreamRunConfig;
  nLayer: number;
  disabled: boolean;
  update: (patch: Partial<StreamRunConfig>) => void;
}) {
  const { config, nLayer, update } = props;
  const [setting, setSetting] = useState<SweepSetting | "">(config.sweep?.setting ?? "");
  const [values, setValues] = useState(config.sweep?.values.join(",") ?? "");
  const [layersText, setLayersText] = useState(config.layers?.join(",") ?? "");
  const [error, setError] = useState<string>();
  const layersMode =
    config.layers === undefined
      ? "one"
      : config.layers.length === nLayer && config.layers.every((l, i) => l === i)
        ? "all"
        : "list";

  const commitSweep = (s: SweepSetting | "", text: string) => {
    if (s === "" || text.trim() === "") {
      setError(undefined);
      update({ sweep: undefined });
      return;
    }
    try {
      const sweep = parseSweep(`${s}=${text}`);
      setError(undefined);
      update({ sweep });
    } catch (err) {
      setError((err as Error).message);
    }
  };
  const commitLayers = (text: string) => {
    const layers = text
      .split(",")
      .map((x) => x.trim())
      .filter((x) => x !== "")
      .map(Number);
    if (layers.some((l) => !Number.isInteger(l) || l < 0 || l >= nLayer)) {
      setError(`layers: give a comma list of layers 0..${nLayer - 1}`);
      return;
    }
    setError(undefined);
    update({ layers: [...new Set(layers)].sort((a, b) => a - b) });
  };
  const summary = expansionSummary(config);

  return (
    <fieldset disabled={props.disabled} className="sweep" data-testid="sweep-fields">
      <legend>
        <Info text={SWEEP_HELP}>Sweep</Info>
      </legend>
      <div className="field-row">
        <label className="select-field">
          <span>Setting</span>
          <select
            data-testid="sweep-setting"
            value={setting}
            onChange={(e) => {
              const s = e.target.value as SweepSetting | "";
              setSetting(s);
              commitSweep(s, values);
            }}
          >
            <option value="">none</option>
            {SWEEP_SETTINGS.map((s) => (
              <option key={s} value={s}>
                {SETTING_LABELS[s]}
              </option>
            ))}
          </select>
        </label>
        <label className="select-field grow">
          <span>Values</span>
          <input
            data-testid="sweep-values"
            type="text"
            placeholder={setting === "architecture" ? "standard,topk" : "4,8,16"}
            value={values}
            disabled={setting === ""}
            onChange={(e) => {
              setValues(e.target.value);
              commitSweep(setting, e.target.value);
            }}
          />
        </label>
      </div>
      <div className="field-row">
        <label className="select-field">
          <span>
            <Info text={LAYERS_HELP}>Layers</Info>
          </span>
          <select
            data-testid="sweep-layers"
            value={layersMode}
            onChange={(e) => {
              if (e.target.value === "one") update({ layers: undefined });
              else if (e.target.value === "all") {
                update({ layers: Array.from({ length: nLayer }, (_, i) => i) });
              } else commitLayers(layersText || String(config.layer));
            }}
          >
            <option value="one">the layer above</option>
            <option value="all">every layer</option>
            <option value="list">a list</option>
          </select>
        </label>
        {layersMode === "list" && (
          <label className="select-field grow">
            <span>Layer list</span>
            <input
              data-testid="sweep-layer-list"
              type="text"
              value={layersText || (config.layers?.join(",") ?? "")}
              onChange={(e) => {
                setLayersText(e.target.value);
                commitLayers(e.target.value);
              }}
            />
          </label>
        )}
      </div>
      <p className="small" data-testid="sweep-count" role="status">
        {error ?? ("error" in summary ? summary.error : dictionaryCount(summary.count))}
      </p>
    </fieldset>
  );
}

function dictionaryCount(n: number): string {
  return n === 1 ? "Trains 1 dictionary." : `Trains ${n} dictionaries on one stream.`;
}
