import { useRef } from "react";
import { useCircuitsStore } from "./circuitsStore.ts";

/** A button that picks a graph JSON file from disk. */
export function GraphUploadButton(props: { label: string; primary?: boolean }) {
  const input = useRef<HTMLInputElement>(null);
  const reading = useCircuitsStore((s) => s.reading);
  return (
    <>
      <button
        type="button"
        className={props.primary ? "primary" : undefined}
        disabled={reading}
        onClick={() => input.current?.click()}
      >
        {reading ? "Reading…" : props.label}
      </button>
      <input
        ref={input}
        type="file"
        accept=".json,application/json"
        hidden
        data-testid="graph-file-input"
        onChange={(e) => {
          const file = e.currentTarget.files?.[0];
          e.currentTarget.value = "";
          if (file) void useCircuitsStore.getState().uploadFile(file);
        }}
      />
    </>
  );
}
