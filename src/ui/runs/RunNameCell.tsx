import { useState } from "react";
import { runTitle } from "../../storage/runNames.ts";
import type { RunRecord } from "../../storage/runRecord.ts";
import { useRunsStore } from "../state/runsStore.ts";

/**
 * A run's name (click Rename: Enter or leaving the field keeps it, Escape does not), its
 * config-diff label, and its notes (click Notes to write them; kept with the run).
 */
export function RunNameCell(props: { run: RunRecord }) {
  const { run } = props;
  const title = runTitle(run);
  const [editing, setEditing] = useState<"name" | "notes">();
  const [draft, setDraft] = useState("");
  const store = useRunsStore.getState();
  const start = (what: "name" | "notes") => {
    setDraft(what === "name" ? title : (run.notes ?? ""));
    setEditing(what);
  };
  const commit = () => {
    if (editing === "name") store.rename(run.id, draft);
    else if (editing === "notes") store.setNotes(run.id, draft.trim());
    setEditing(undefined);
  };
  return (
    <span className="run-name-cell">
      {editing === "name" ? (
        <input
          className="run-name-input"
          aria-label={`New name for ${title}`}
          data-testid="run-name-input"
          value={draft}
          maxLength={80}
          autoFocus
          onChange={(e) => setDraft(e.target.value)}
          onBlur={commit}
          onKeyDown={(e) => {
            if (e.key === "Enter") commit();
            if (e.key === "Escape") setEditing(undefined);
          }}
        />
      ) : (
        <b className="run-name" data-testid="run-name">
          {title}
        </b>
      )}{" "}
      {editing !== "name" && (
        <button
          type="button"
          className="link small"
          aria-label={`Rename ${title}`}
          onClick={() => start("name")}
        >
          Rename
        </button>
      )}{" "}
      {editing !== "notes" && (
        <button
          type="button"
          className="link small"
          aria-label={`${run.notes ? "Edit the notes of" : "Add notes to"} ${title}`}
          onClick={() => start("notes")}
        >
          Notes
        </button>
      )}
      <div className="muted small" data-testid="run-label">
        {run.label}
      </div>
      {editing === "notes" ? (
        <textarea
          className="run-notes-input"
          aria-label={`Notes on ${title}`}
          data-testid="run-notes-input"
          value={draft}
          rows={3}
          maxLength={2000}
          autoFocus
          onChange={(e) => setDraft(e.target.value)}
          onBlur={commit}
          onKeyDown={(e) => {
            if (e.key === "Escape") setEditing(undefined);
            if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) commit();
          }}
        />
      ) : (
        run.notes && (
          <div className="run-notes small" data-testid="run-notes">
            {run.notes}
          </div>
        )
      )}
    </span>
  );
}
