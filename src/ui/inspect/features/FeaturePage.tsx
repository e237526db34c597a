import { useEffect, useMemo, useRef, useState } from "react";
import type { FeatureDashboards } from "../../../worker/protocol.ts";
import { metric } from "../../format.ts";
import { ActivationHistogram } from "./ActivationHistogram.tsx";
import { ExampleList } from "./ExampleList.tsx";
import { featureMark } from "./featureOrder.ts";
import { IntervalSamples } from "./IntervalSamples.tsx";
import { NeighborList } from "./NeighborList.tsx";
import { takeReveal } from "./revealFeature.ts";
import { TokenValueTable } from "./TokenValueTable.tsx";

/** Every activation of this feature the pass recorded (top and interval examples), by token. */
function knownActivations(d: FeatureDashboards, f: number): Map<number, number> {
  const known = new Map<number, number>();
  const add = (l: FeatureDashboards["top"], from: number, to: number) => {
    for (let i = from; i < to; i++) known.set(l.token[i]!, l.activation[i]!);
  };
  add(d.top, d.top.offsets[f]!, d.top.offsets[f + 1]!);
  const b = d.intervalBins;
  add(d.intervals, d.intervals.offsets[f * b]!, d.intervals.offsets[(f + 1) * b]!);
  return known;
}

/** One feature: its top contexts, histogram, interval samples, logits and neighbours. */
export function FeaturePage(props: { d: FeatureDashboards; feature: number }) {
  const { d, feature: f } = props;
  const [lnFolded, setLnFolded] = useState(false);
  // Unset: the dashboards' default (on for the built-in model).
  const [hideAbsent, setHideAbsent] = useState<boolean | undefined>(undefined);
  const known = useMemo(() => knownActivations(d, f), [d, f]);
  const mark = featureMark(d, f);
  const ref = useRef<HTMLElement>(null);
  useEffect(() => {
    if (takeReveal(f)) ref.current?.scrollIntoView({ behavior: "smooth", block: "start" });
  }, [d, f]);
  const inCorpus = d.inCorpus;
  const hiding = inCorpus !== undefined && (hideAbsent ?? inCorpus.hideByDefault);
  const source = hiding ? inCorpus : d;
  const logits = lnFolded ? source.logitsLn : source.logitsRaw;
  const deembedding = hiding ? inCorpus.deembedding : d.deembedding;
  return (
    <article
      className="feature-page"
      data-testid="feature-page"
      aria-label={`Feature ${f}`}
      ref={ref}
    >
      <header className="feature-head">
        <h3 className="mono">Feature #{f}</h3>
        {mark && <span className={`mark mark-${mark}`}>{mark}</span>}
        <span className="mono small muted">
          density {metric(d.density[f])} · max {metric(d.max[f])} · mean {metric(d.mean[f])}
        </span>
      </header>
      <div className="feature-body">
        <section className="feature-examples" aria-label="Top activating contexts">
          <h4>Top activations</h4>
          {d.top.offsets[f + 1] === d.top.offsets[f] ? (
            <p className="muted">Never fired on these tokens.</p>
          ) : (
            <ExampleList
              d={d}
              feature={f}
              lists={d.top}
              from={d.top.offsets[f]!}
              to={d.top.offsets[f + 1]!}
              known={known}
              testId="top-examples"
            />
          )}
          <p className="muted small">
            Tinted by this feature's activation where the pass recorded it (its top and interval
            examples); hover a token for the value. + shows the whole window with every token tinted
            (computed on demand: one forward pass).
          </p>
          <IntervalSamples d={d} feature={f} known={known} />
        </section>
        <aside className="feature-side">
          <ActivationHistogram d={d} feature={f} />
          {logits ? (
            <>
              <div className="logit-mode" role="group" aria-label="Logit effect">
                <button type="button" aria-pressed={!lnFolded} onClick={() => setLnFolded(false)}>
                  raw
                </button>
                <button type="button" aria-pressed={lnFolded} onClick={() => setLnFolded(true)}>
                  ln_final-folded
                </button>
              </div>
              {inCorpus && (
                <label
                  className="absent-toggle"
                  title={
                    inCorpus.trainingSlice
                      ? "Tokens that never occur in the corpus's training slice: the built-in model never saw them, so their unembeddings stayed alike and fill the lists with equal values"
                      : "Tokens that never occur in the built-in corpus"
                  }
                >
                  <input
                    type="checkbox"
                    data-testid="hide-absent-tokens"
                    checked={hiding}
                    onChange={(e) => setHideAbsent(e.target.checked)}
                  />
                  hide tokens absent from the {inCorpus.trainingSlice ? "training " : ""}corpus (
                  {inCorpus.absent.toLocaleString()} tokens)
                </label>
              )}
              <TokenValueTable
                title={
                  lnFolded ? "Logits through ln_final (bottom | top)" : "Logits (bottom | top)"
                }
                views={logits}
                feature={f}
                testId="logits"
              />
            </>
          ) : (
            <p className="muted small">{d.viewsNote}</p>
          )}
          {deembedding && (
            <TokenValueTable
              title="De-embedding (bottom | top)"
              views={deembedding}
              feature={f}
              testId="deembedding"
            />
          )}
          {d.neighbors && (
            <NeighborList d={d} neighbors={d.neighbors} logits={source.logitsRaw} feature={f} />
          )}
        </aside>
      </div>
    </article>
  );
}
