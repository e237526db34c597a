import { useEffect } from "react";
import { useSavedGraphsStore } from "./savedGraphsStore.ts";
import "./SavedGraphsList.css";

const score = (v: number) => v.toFixed(2);

/** Graphs computed here, newest first: open one, or delete it. */
export function SavedGraphsList(props: { onOpen?: () => void; title?: string }) {
  const list = useSavedGraphsStore((s) => s.list);
  const loaded = useSavedGraphsStore((s) => s.loaded);
  const error = useSavedGraphsStore((s) => s.error);
  useEffect(() => {
    if (!loaded) void useSavedGraphsStore.getState().refresh();
  }, [loaded]);
  if (list.length === 0 && !error) return null;
  const store = useSavedGraphsStore.getState();
  return (
    <section className="saved-graphs" data-testid="saved-graphs" aria-label="Saved graphs">
      <h3>{props.title ?? "Saved graphs"}</h3>
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      <ul>
        {list.map((g) => (
          <li key={g.id} data-testid="saved-graph">
            <button
              type="button"
              className="link"
              onClick={() => {
                void store.open(g.id);
                props.onOpen?.();
              }}
            >
              “{g.prompt}”
            </button>
            <span className="muted small">
              {" "}
              {g.setName} · {g.nodes.toLocaleString()} nodes · replacement{" "}
              {score(g.scores.pruned.replacementScore)} · {new Date(g.createdAt).toLocaleString()}
              {g.pinnedIds.length > 0 ? ` · ${g.pinnedIds.length} pinned` : ""}
            </span>
            <button
              type="button"
              aria-label={`Delete graph “${g.prompt}”`}
              onClick={() => void store.remove(g.id)}
            >
              Delete
            </button>
          </li>
        ))}
      </ul>
    </section>
  );
}
