import { useState, type FormEvent } from "react";
import { parseHubLocation } from "../../engine/hub/hubLocation.ts";
import { HUB_ENDPOINT, HUB_ENDPOINT_OVERRIDDEN } from "./hubEndpoint.ts";
import { HubCatalogue } from "./HubCatalogue.tsx";
import { loadFromHub } from "./loadFromHub.ts";

/** "Load from Hugging Face": org/repo/path or a pasted URL, and ready choices for GPT-2 small. */
export function HubForm() {
  const [text, setText] = useState("");
  const [error, setError] = useState<string>();

  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (text.trim() === "") return;
    try {
      const loc = parseHubLocation(text, HUB_ENDPOINT);
      setError(undefined);
      loadFromHub({ repo: loc.repo, path: loc.path, revision: loc.revision, pathKind: loc.kind });
      setText("");
    } catch (err) {
      setError((err as Error).message);
    }
  };

  return (
    <section className="inspect-panel hub-form" aria-label="Load from Hugging Face">
      <h3>Load from Hugging Face</h3>
      <form onSubmit={submit} className="hub-row">
        <input
          type="text"
          value={text}
          placeholder="org/repo/path or a Hub URL"
          aria-label="Hugging Face location"
          aria-invalid={error !== undefined}
          data-testid="hub-location"
          spellCheck={false}
          onChange={(e) => setText(e.target.value)}
        />
        <button type="submit" className="primary">
          Load
        </button>
      </form>
      {error && (
        <p className="alert" role="alert">
          {error}
        </p>
      )}
      {HUB_ENDPOINT_OVERRIDDEN && (
        <p className="muted small" data-testid="hub-endpoint">
          Loading from {HUB_ENDPOINT} (set by the page's URL), not huggingface.co.
        </p>
      )}
      <HubCatalogue />
    </section>
  );
}
