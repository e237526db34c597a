import { useEffect, useState } from "react";
import { useCircuitsStore } from "./circuitsStore.ts";

const hasFiles = (e: DragEvent) => e.dataTransfer?.types.includes("Files") === true;

/**
 * While the Circuits view is shown, a file dropped anywhere on the page is a graph JSON for it.
 * The listeners run in the capture phase and stop the event, so the page's own drop handling
 * (which loads dictionaries into Inspect) does not see it. Returns whether a file is over the page.
 */
export function useCircuitsDrop(active: boolean): boolean {
  const [dragging, setDragging] = useState(false);
  useEffect(() => {
    if (!active) return;
    let depth = 0;
    const claim = (e: DragEvent) => {
      if (!hasFiles(e)) return false;
      e.preventDefault();
      e.stopPropagation();
      return true;
    };
    const enter = (e: DragEvent) => {
      if (!claim(e)) return;
      depth++;
      setDragging(true);
    };
    const over = (e: DragEvent) => {
      if (claim(e) && e.dataTransfer) e.dataTransfer.dropEffect = "copy";
    };
    const leave = (e: DragEvent) => {
      if (!claim(e)) return;
      depth = Math.max(0, depth - 1);
      if (depth === 0) setDragging(false);
    };
    const drop = (e: DragEvent) => {
      if (!claim(e)) return;
      depth = 0;
      setDragging(false);
      const files = [...(e.dataTransfer?.files ?? [])];
      const store = useCircuitsStore.getState();
      if (files.length !== 1) {
        store.fail(`drop one graph .json file (${files.length} were dropped)`);
        return;
      }
      void store.uploadFile(files[0]!);
    };
    const options = { capture: true };
    window.addEventListener("dragenter", enter, options);
    window.addEventListener("dragover", over, options);
    window.addEventListener("dragleave", leave, options);
    window.addEventListener("drop", drop, options);
    return () => {
      setDragging(false);
      window.removeEventListener("dragenter", enter, options);
      window.removeEventListener("dragover", over, options);
      window.removeEventListener("dragleave", leave, options);
      window.removeEventListener("drop", drop, options);
    };
  }, [active]);
  return dragging;
}
