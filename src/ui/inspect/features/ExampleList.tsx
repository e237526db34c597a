import type { FeatureDashboards } from "../../../worker/protocol.ts";
import { ContextSnippet } from "./ContextSnippet.tsx";

/** Examples [from, to) of one of the dashboards' example lists, as context snippets. */
export function ExampleList(props: {
  d: FeatureDashboards;
  feature: number;
  lists: FeatureDashboards["top"];
  from: number;
  to: number;
  known: ReadonlyMap<number, number>;
  testId?: string;
}) {
  const { d, lists, feature, known } = props;
  const items = [];
  for (let i = props.from; i < props.to; i++) {
    items.push(
      <ContextSnippet
        key={i}
        d={d}
        feature={feature}
        token={lists.token[i]!}
        activation={lists.activation[i]!}
        known={known}
      />,
    );
  }
  return (
    <ol className="snippets" data-testid={props.testId}>
      {items}
    </ol>
  );
}
