import { si } from "../format.ts";
import { useDensityStore } from "../state/densityStore.ts";
import { useCurrentRun } from "../state/runsStore.ts";
import { DensityHistogram } from "../inspect/features/DensityHistogram.tsx";
import { KIND_COLORS, KIND_LABELS } from "./seriesColors.ts";
import "../inspect/features/Dashboards.css";

/**
 * The current run's feature density over its latest window of training steps (read on logging
 * steps), one histogram per dictionary side by side, with dead and dense counts.
 */
export function LiveDensity() {
  const run = useCurrentRun();
  const runId = useDensityStore((s) => s.runId);
  const step = useDensityStore((s) => s.step);
  const windowTokens = useDensityStore((s) => s.windowTokens);
  const denseThreshold = useDensityStore((s) => s.denseThreshold);
  const entries = useDensityStore((s) => s.entries);
  const shown = run && runId === run.id ? entries : [];
  const dicts = run?.config.dictionaries ?? [];
  return (
    <section
      className="live-density"
      aria-label="Feature density while training"
      title={
        windowTokens
          ? `Density at step ${step ?? 0}, over the last ${si(windowTokens)} training tokens`
          : undefined
      }
    >
      {shown.length === 0 ? (
        <p className="muted small live-density-empty">
          Feature density (log10 of each feature&apos;s firing frequency) appears here at the first
          logging step.
        </p>
      ) : (
        shown.map((e) => {
          const dict = dicts.find((d) => d.id === e.dictionary);
          const dSae = dict?.dSae ?? e.log10.length;
          const kind = dict?.kind ?? e.dictionary;
          return (
            <DensityHistogram
              key={e.dictionary}
              d={{ densityHistogram: e.histogram, dSae, denseThreshold }}
              title={`${dict?.label ?? KIND_LABELS[kind] ?? kind} density (log10)`}
              color={KIND_COLORS[kind]}
              testId={`live-density-${e.dictionary}`}
              deadLabel="silent"
              deadMeaning={
                `no fire in the last ${si(windowTokens ?? 0)} training tokens; the Dead latents ` +
                "chart counts SAELens's dead: none within the dead-feature window"
              }
              plain
            />
          );
        })
      )}
    </section>
  );
}
