import { useRef } from "react";
import { useLoadStore } from "../state/loadStore.ts";
import { looseName, pickedGroup } from "./droppedFiles.ts";

/** The drop zone, with buttons for those who would rather pick files or a folder. */
export function FilePickers() {
  const filesInput = useRef<HTMLInputElement>(null);
  const folderInput = useRef<HTMLInputElement>(null);
  const { loadFiles, addFailed } = useLoadStore.getState();

  const pickFiles = (input: HTMLInputElement) => {
    const list = [...(input.files ?? [])];
    input.value = "";
    if (list.length === 0) return;
    const files = list.map((file) => ({ path: file.name, file }));
    loadFiles(looseName(files), files);
  };
  const pickFolder = (input: HTMLInputElement) => {
    const list = input.files;
    if (!list || list.length === 0) return;
    try {
      const group = pickedGroup(list);
      loadFiles(group.name, group.files);
    } catch (err) {
      addFailed("the picked folder", (err as Error).message);
    } finally {
      input.value = "";
    }
  };

  return (
    <div className="drop-zone" data-testid="drop-zone">
      <p>
        <strong>Drop files or a folder anywhere on the page</strong>
      </p>
      <p className="muted">
        SAELens, sparsify, Gemma Scope, Llama Scope, circuit-tracer, torch .pt, or a GPT-2
        checkpoint. Files are read in the page: nothing is uploaded.
      </p>
      <div className="drop-zone-buttons">
        <button type="button" onClick={() => filesInput.current?.click()}>
          Choose files…
        </button>
        <button type="button" onClick={() => folderInput.current?.click()}>
          Choose a folder…
        </button>
      </div>
      <input
        ref={filesInput}
        type="file"
        multiple
        hidden
        data-testid="pick-files"
        onChange={(e) => pickFiles(e.currentTarget)}
      />
      <input
        ref={(el) => {
          folderInput.current = el;
          if (el) el.webkitdirectory = true;
        }}
        type="file"
        hidden
        data-testid="pick-folder"
        onChange={(e) => pickFolder(e.currentTarget)}
      />
    </div>
  );
}
