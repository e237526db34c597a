import { useEffect } from "react";
import { useRunsStore } from "../state/runsStore.ts";

/** Space pauses and resumes the live run, unless the user is typing in a field. */
export function useSpaceTogglesPause(): void {
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.code !== "Space" || e.repeat) return;
      const target = e.target as HTMLElement | null;
      if (target?.closest("input, select, textarea, button, [contenteditable]")) return;
      const { live, pause, resume } = useRunsStore.getState();
      if (!live) return;
      e.preventDefault();
      if (live.phase === "running") pause();
      else if (live.phase === "paused" || !live.attached) resume();
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, []);
}
