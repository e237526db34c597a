import type { StreamRunConfig } from "../../worker/protocol.ts";
import type { SyntheticPresetName } from "../../engine/synthetic/syntheticPresets.ts";
import { Info } from "../Info.tsx";
import { useEngineStore } from "../state/engineStore.ts";
import { offeredPresets, PRESET_LABELS } from "./syntheticTruth.ts";

const DATA_HELP =
  "The built-in model's activations, or a synthetic model with planted features " +
  "(SAELens's SynthSAEBench): x = Σ aᵢuᵢ + b, and a transcoder's target y = Σ aᵢvᵢ + b_out. " +
  "With known features, live curves measure MCC and F1 against the truth instead of the CE score.";

const PRESET_HELP =
  "Scaled-down copies of SynthSAEBench-16k's structure (Zipfian firing, trees with mutual " +
  "exclusion, correlations). The 16k preset is offered on a hardware GPU only.";

/** Data: the built-in model | a synthetic model, and the synthetic preset. */
export function SyntheticDataField(props: {
  config: StreamRunConfig;
  update: (patch: Partial<StreamRunConfig>) => void;
}) {
  const { config, update } = props;
  const software = useEngineStore((s) => s.adapter?.software ?? true);
  const presets = offeredPresets(software);
  const preset = config.data?.kind === "synthetic" ? config.data.preset : undefined;
  return (
    <>
      <label className="select-field">
        <span>
          <Info text={DATA_HELP}>Data</Info>
        </span>
        <select
          data-testid="data-source"
          value={preset ? "synthetic" : "model"}
          onChange={(e) =>
            update({
              data:
                e.target.value === "synthetic"
                  ? { kind: "synthetic", preset: presets[0]! }
                  : undefined,
            })
          }
        >
          <option value="model">built-in model</option>
          <option value="synthetic">synthetic</option>
        </select>
      </label>
      {preset && (
        <label className="select-field">
          <span>
            <Info text={PRESET_HELP}>Preset</Info>
          </span>
          <select
            data-testid="synthetic-preset"
            value={preset}
            onChange={(e) =>
              update({
                data: { kind: "synthetic", preset: e.target.value as SyntheticPresetName },
              })
            }
          >
            {presets.map((p) => (
              <option key={p} value={p}>
                {PRESET_LABELS[p]}
              </option>
            ))}
          </select>
        </label>
      )}
    </>
  );
}
