import { ComputeForm } from "./ComputeForm.tsx";
import { GraphError } from "./GraphError.tsx";
import { GraphUploadButton } from "./GraphUploadButton.tsx";
import { SavedGraphsList } from "./SavedGraphsList.tsx";
import type { SetChoice } from "./setChoices.ts";

/** What the Circuits view says before it has a graph. */
export function CircuitsEmpty(props: { choices: readonly SetChoice[] }) {
  return (
    <div className="circuits-empty" data-testid="circuits-empty">
      <h2>Attribution graphs</h2>
      <p>
        An attribution graph shows how a prompt&apos;s next-token prediction is computed: token
        embeddings at the bottom, transcoder features layer by layer, the top logits at the top, and
        the direct effect of each node on the next.
      </p>
      <p>
        <strong>
          {props.choices.length === 0
            ? "Train a transcoder at every layer (Train → every layer), or upload a circuit-tracer / Neuronpedia graph JSON"
            : "Pick a transcoder set, type a prompt and compute its graph, or upload a circuit-tracer / Neuronpedia graph JSON"}
        </strong>
      </p>
      <ComputeForm choices={props.choices} />
      <SavedGraphsList />
      <div className="circuits-drop-zone">
        <GraphUploadButton label="Upload a graph JSON…" />
        <span className="muted">
          or drop one anywhere on this page. It is read here: nothing is uploaded.
        </span>
      </div>
      <GraphError />
    </div>
  );
}
