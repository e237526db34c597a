import { formatBytes, formatDuration, type RunEstimate } from "../../engine/stream/runEstimate.ts";
import { useRunEstimate } from "./useRunEstimate.ts";
import "./RunEstimate.css";

/**
 * The next run's cost, before it starts: GPU memory (the largest buffer), and time at this
 * adapter's measured throughput; a run that cannot fit says which buffer and which limit.
 * The details list every buffer, per owner.
 */
export function RunEstimateLine() {
  const e = useRunEstimate();
  if (!e) return null;
  return (
    <div
      className={`run-estimate${e.refusal ? " refused" : ""}`}
      data-testid="run-estimate"
      data-seconds={e.seconds ?? ""}
      data-bytes={e.totalBytes}
    >
      <p>
        ≈ {formatBytes(e.totalBytes)} GPU memory (largest buffer {formatBytes(e.largest.bytes)})
        {e.seconds !== undefined && <> · ≈ {formatDuration(e.seconds)} on this adapter</>}
      </p>
      {e.refusal && (
        <p className="run-estimate-refusal" data-testid="run-estimate-refusal" role="alert">
          Cannot run here: {e.refusal}.
        </p>
      )}
      <details>
        <summary>details</summary>
        <EstimateDetails e={e} />
      </details>
    </div>
  );
}

function EstimateDetails({ e }: { e: RunEstimate }) {
  const owners = [...new Set(e.buffers.map((b) => b.owner))];
  const gflop = (f: number) => `${(f / 1e9).toPrecision(3)} GFLOP`;
  return (
    <div className="run-estimate-details">
      <p>
        Per step {gflop(e.flopsPerStep)} (model forward {gflop(e.modelFlopsPerStep)}, dictionaries{" "}
        {gflop(e.dictionaryFlopsPerStep)}); final evaluation {gflop(e.evalFlops)}.
        {e.trainSeconds !== undefined && e.evalSeconds !== undefined && (
          <>
            {" "}
            Training ≈ {formatDuration(e.trainSeconds)} with the live evaluations, final evaluation
            ≈ {formatDuration(e.evalSeconds)}.
          </>
        )}
      </p>
      <table>
        <tbody>
          {owners.map((owner) => {
            const rows = e.buffers.filter((b) => b.owner === owner);
            const total = rows.reduce((s, b) => s + b.bytes, 0);
            return [
              <tr key={owner} className="owner">
                <th scope="rowgroup">{owner}</th>
                <td>{formatBytes(total)}</td>
              </tr>,
              ...rows.map((b) => (
                <tr key={`${owner}/${b.name}`}>
                  <td>{b.name}</td>
                  <td>{formatBytes(b.bytes)}</td>
                </tr>
              )),
            ];
          })}
        </tbody>
      </table>
    </div>
  );
}
