import { blobByteSource, type ByteSource } from "../engine/formats/byteSource.ts";
import type { FileSet } from "../engine/formats/fileSet.ts";
import { watchedSource, type LoadProgress } from "./loadProgress.ts";
import type { PickedFile } from "./protocol.ts";

const cleanPath = (path: string) => path.replace(/^\/+/, "");

/** The files the page picked or had dropped, read in slices (File.slice), never whole. */
export function pickedFileSet(
  name: string,
  files: readonly PickedFile[],
  progress: LoadProgress,
  signal: AbortSignal,
): FileSet {
  const map = new Map(
    files.map(({ path, file }) => {
      const clean = cleanPath(path);
      return [clean, blobByteSource(file, clean)] as const;
    }),
  );
  return watchedFileSet({ name, files: map }, progress, signal);
}

/** The picked files as they are, unwatched (e.g. a zip, opened before it becomes loads). */
export function pickedSources(files: readonly PickedFile[]): ByteSource[] {
  return files.map(({ path, file }) => blobByteSource(file, cleanPath(path)));
}

/** Each read of `set` counts toward `progress` and stops once `signal` aborts. */
export function watchedFileSet(set: FileSet, progress: LoadProgress, signal: AbortSignal): FileSet {
  const map = new Map(
    [...set.files].map(
      ([path, src]) => [path, watchedSource(src, path, progress, signal)] as const,
    ),
  );
  return { name: set.name, files: map };
}
