import { HubError } from "./hubError.ts";

export const DEFAULT_ENDPOINT = "https://huggingface.co";
export const DEFAULT_REVISION = "main";

/** One file of a model repo at a revision (a branch, tag or commit). */
export interface HubFile {
  readonly repo: string;
  readonly revision: string;
  /** Inside the repo, "/"-separated, no leading slash. */
  readonly path: string;
}

/**
 * What a pasted location points at. `unknown` when the text does not say (`hf://`
 * and `org/repo/path` forms name files and folders alike); `path` is "" for the root.
 */
export interface HubLocation extends HubFile {
  readonly kind: "file" | "folder" | "unknown";
}

const HUB_HOSTS = ["huggingface.co", "www.huggingface.co", "hf.co"];
const MARKERS = new Map<string, "file" | "folder">([
  ["blob", "file"],
  ["resolve", "file"],
  ["tree", "folder"],
]);

/** A validated HubFile from its parts, e.g. from separate repo and path fields. */
export function hubFile(repo: string, path: string, revision = DEFAULT_REVISION): HubFile {
  const where = `${repo}/${path}`;
  checkRepo(where, repo);
  checkRevision(where, revision);
  checkPath(where, path, false);
  return { repo, revision, path };
}

/**
 * Parses `org/repo[@rev][/path]`, `hf://org/repo[@rev][/path]` or a Hub web URL
 * (`.../org/repo[/blob|resolve|tree/rev/path]`) on huggingface.co, hf.co or `endpoint`.
 */
export function parseHubLocation(input: string, endpoint = DEFAULT_ENDPOINT): HubLocation {
  const text = input.trim();
  if (/^https?:\/\//i.test(text)) return parseWebUrl(text, endpoint);
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(text);
  if (scheme !== null && scheme[1]?.toLowerCase() !== "hf") {
    throw invalid(text, `unsupported scheme "${scheme[1]}:"; expected https://, hf:// or org/repo`);
  }
  return parseRepoPath(text, scheme === null ? text : text.slice(scheme[0].length));
}

/** `${endpoint}/${repo}/resolve/${revision}/${path}`, each part percent-encoded. */
export function resolveUrl(file: HubFile, endpoint = DEFAULT_ENDPOINT): string {
  const path = file.path.split("/").map(encodeURIComponent).join("/");
  return `${trimEndpoint(endpoint)}/${file.repo}/resolve/${encodeURIComponent(file.revision)}/${path}`;
}

/** `org/repo/path (revision main)`, for messages. */
export function describeHubFile(file: HubFile): string {
  return `${file.repo}/${file.path} (revision ${file.revision})`;
}

function parseRepoPath(input: string, text: string): HubLocation {
  const [bare = "", ...afterAt] = text.split("@");
  const legacy = LEGACY_REPO_IDS[bare.replace(/\/$/, "")];
  const rest = legacy === undefined ? text : [legacy, ...afterAt].join("@");
  const folder = rest.endsWith("/");
  const [owner = "", nameAndRev, ...pathParts] = rest.replace(/\/$/, "").split("/");
  const at = nameAndRev?.indexOf("@") ?? -1;
  const name = at < 0 ? nameAndRev : nameAndRev?.slice(0, at);
  const revision = at < 0 ? DEFAULT_REVISION : decode(input, nameAndRev?.slice(at + 1) ?? "");
  const path = pathParts.join("/");
  const kind = folder || path === "" ? "folder" : "unknown";
  return located(input, repoId(input, owner, name), revision, path, kind);
}

function parseWebUrl(input: string, endpoint: string): HubLocation {
  let url: URL;
  try {
    url = new URL(input);
  } catch {
    throw invalid(input, "not a valid URL");
  }
  const base = new URL(trimEndpoint(endpoint));
  const prefix = url.host === base.host ? base.pathname.replace(/\/+$/, "") : "";
  if (!HUB_HOSTS.includes(url.hostname) && url.host !== base.host) {
    throw invalid(input, `host ${url.host} is not the Hugging Face Hub (${base.host})`);
  }
  if (!url.pathname.startsWith(`${prefix}/`)) {
    throw invalid(input, `expected a path under ${base.href}`);
  }
  const segments = url.pathname
    .slice(prefix.length + 1)
    .replace(/\/$/, "")
    .split("/");
  const [owner = "", name, marker, revision, ...pathParts] = segments;
  const repo = repoId(input, owner, name);
  if (marker === undefined) return located(input, repo, DEFAULT_REVISION, "", "folder");
  const kind = MARKERS.get(marker);
  if (kind === undefined || revision === undefined) {
    throw invalid(input, `expected /${repo}/blob|resolve|tree/<revision>/<path> after the host`);
  }
  const path = pathParts.map((p) => decode(input, p)).join("/");
  return located(input, repo, decode(input, revision), path, kind);
}

function located(
  input: string,
  repo: string,
  revision: string,
  path: string,
  kind: HubLocation["kind"],
): HubLocation {
  checkRepo(input, repo);
  checkRevision(input, revision);
  checkPath(input, path, kind !== "file");
  return { repo, revision, path, kind };
}

/**
 * Repo ids from before the Hub gave every repo an owner; the Hub redirects them to these. Only
 * whole ids are mapped: "gpt2/x" could be a user named gpt2.
 */
export const LEGACY_REPO_IDS: Readonly<Record<string, string>> = {
  gpt2: "openai-community/gpt2",
  "gpt2-medium": "openai-community/gpt2-medium",
  "gpt2-large": "openai-community/gpt2-large",
  "gpt2-xl": "openai-community/gpt2-xl",
  distilgpt2: "distilbert/distilgpt2",
};

function repoId(input: string, owner: string, name: string | undefined): string {
  if (owner === "datasets" || owner === "spaces") {
    throw invalid(input, `${owner} are not supported; expected a model repo`);
  }
  if (name !== undefined) return `${owner}/${name}`;
  const legacy = LEGACY_REPO_IDS[owner];
  if (legacy !== undefined) return legacy;
  throw invalid(
    input,
    `repo id "${owner}" has no owner; the Hub's ids are owner/name, e.g. openai-community/gpt2 ` +
      `(legacy ids it redirects: ${Object.keys(LEGACY_REPO_IDS).join(", ")})`,
  );
}

/** The Hub's rule: word characters, "-" and "." that start and end with a word character. */
function checkRepo(input: string, repo: string): void {
  const parts = repo.split("/");
  const ok =
    parts.length === 2 &&
    parts.every((p) => /^\w(?:[\w.-]*\w)?$/.test(p)) &&
    !/--|\.\./.test(repo) &&
    repo.length <= 96;
  if (!ok) {
    throw invalid(
      input,
      `repo id "${repo}" is not of the form owner/name (letters, digits, "_", "-", ".")`,
    );
  }
}

function checkRevision(input: string, revision: string): void {
  if (revision === "" || !cleanSegments(revision.split("/"))) {
    throw invalid(input, `revision "${revision}" is not a branch, tag or commit name`);
  }
}

function checkPath(input: string, path: string, allowEmpty: boolean): void {
  if (path === "" && allowEmpty) return;
  if (path === "") throw invalid(input, "the path of a file inside the repo is empty");
  if (!cleanSegments(path.split("/")) || path.includes("\\")) {
    throw invalid(
      input,
      `path "${path}" must be relative, "/"-separated, without empty, "." or ".." parts or control characters`,
    );
  }
}

function cleanSegments(segments: readonly string[]): boolean {
  return segments.every((s) => s !== "" && s !== "." && s !== ".." && !hasControl(s));
}

function hasControl(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c === 0x7f) return true;
  }
  return false;
}

function decode(input: string, segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw invalid(input, `"${segment}" is not a valid percent-encoded URL part`);
  }
}

function trimEndpoint(endpoint: string): string {
  return endpoint.replace(/\/+$/, "");
}

function invalid(input: string, detail: string): HubError {
  return new HubError("invalid-location", `invalid Hub location "${input}": ${detail}`);
}
