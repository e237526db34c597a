import type { RunRecord } from "../../storage/runRecord.ts";
import { metric } from "../format.ts";
import { truthOf } from "../train/syntheticTruth.ts";

/** A dictionary's MCC and F1 against the planted features (blank for a run on the model). */
export function GroundTruthCells(props: { run: RunRecord; id: string }) {
  const truth = truthOf(props.run, props.id);
  const title = truth
    ? truth.final
      ? "measured on the evaluation stream when the run ended"
      : "the last live point (the final metrics come when the run ends)"
    : undefined;
  return (
    <>
      <td className="num" data-testid="run-mcc" title={title}>
        {truth ? metric(truth.mcc) : ""}
      </td>
      <td className="num" data-testid="run-f1" title={title}>
        {truth ? metric(truth.f1) : ""}
      </td>
    </>
  );
}
