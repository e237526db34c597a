import { blobByteSource } from "../engine/formats/byteSource.ts";
import type { FileSet } from "../engine/formats/fileSet.ts";
import { watchedSource, type LoadProgress } from "./loadProgress.ts";
import type { PickedFile } from "./protocol.ts";

/** The files the page picked or had dropped, read in slices (File.slice), never whole. */
export function pickedFileSet(
  name: string,
  files: readonly PickedFile[],
  progress: LoadProgress,
  signal: AbortSignal,
): FileSet {
  const map = new Map(
    files.map(({ path, file }) => {
      const clean = path.replace(/^\/+/, "");
      const src = blobByteSource(file, clean);
      return [clean, watchedSource(src, clean, progress, signal)] as const;
    }),
  );
  return { name, files: map };
}
