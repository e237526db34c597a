import { useEffect, useState } from "react";
import { useLoadStore } from "../state/loadStore.ts";
import { droppedGroups } from "./droppedFiles.ts";

const hasFiles = (e: DragEvent) => e.dataTransfer?.types.includes("Files") === true;

/**
 * Files dropped anywhere on the page are loaded (each dropped folder on its own) and
 * `onDropped` shows them. Returns whether files are being dragged over the page.
 */
export function usePageDrop(onDropped: () => void): boolean {
  const [dragging, setDragging] = useState(false);
  useEffect(() => {
    // dragenter and dragleave fire for every element crossed: count them.
    let depth = 0;
    const enter = (e: DragEvent) => {
      if (!hasFiles(e)) return;
      e.preventDefault();
      depth++;
      setDragging(true);
    };
    const over = (e: DragEvent) => {
      if (!hasFiles(e)) return;
      e.preventDefault();
      if (e.dataTransfer) e.dataTransfer.dropEffect = "copy";
    };
    const leave = (e: DragEvent) => {
      if (!hasFiles(e)) return;
      depth = Math.max(0, depth - 1);
      if (depth === 0) setDragging(false);
    };
    const drop = (e: DragEvent) => {
      if (!hasFiles(e) || !e.dataTransfer) return;
      e.preventDefault();
      depth = 0;
      setDragging(false);
      const store = useLoadStore.getState();
      droppedGroups(e.dataTransfer).then(
        (groups) => groups.forEach((g) => store.loadFiles(g.name, g.files)),
        (err: unknown) => store.addFailed("dropped files", (err as Error).message),
      );
      onDropped();
    };
    window.addEventListener("dragenter", enter);
    window.addEventListener("dragover", over);
    window.addEventListener("dragleave", leave);
    window.addEventListener("drop", drop);
    return () => {
      window.removeEventListener("dragenter", enter);
      window.removeEventListener("dragover", over);
      window.removeEventListener("dragleave", leave);
      window.removeEventListener("drop", drop);
    };
  }, [onDropped]);
  return dragging;
}
