import type { FeatureDashboards } from "../../../worker/protocol.ts";
import { si } from "../../format.ts";

/** What the dashboards were computed on (names are untrusted: rendered as text). */
export function DashboardsSummary(props: { d: FeatureDashboards }) {
  const { d } = props;
  const sites = d.kind === "sae" ? d.hookName : `${d.hookName} → ${d.hookNameOut}`;
  return (
    <p className="dash-summary small" data-testid="dash-summary">
      <strong className="mono">{d.label}</strong> · {d.kind} · {sites} · d_sae{" "}
      {d.dSae.toLocaleString()} · {si(d.tokensCounted)} tokens counted ({d.windows} windows of{" "}
      {d.seqLen}
      {d.prependBos ? ", BOS first" : ""}) of {d.source} on {d.model} · {d.seconds.toFixed(1)} s
    </p>
  );
}
