import { describe, expect, it } from "vitest";
import { HubError } from "./hubError.ts";
import { describeHubFile, hubFile, parseHubLocation, resolveUrl } from "./hubLocation.ts";

function invalid(run: () => unknown): HubError {
  try {
    run();
  } catch (e) {
    expect(e).toBeInstanceOf(HubError);
    expect((e as HubError).code).toBe("invalid-location");
    return e as HubError;
  }
  throw new Error("expected an invalid-location HubError");
}

describe("parseHubLocation", () => {
  it.each([
    ["org/repo/layer_5/cfg.json", "main", "layer_5/cfg.json", "unknown"],
    ["org/repo", "main", "", "folder"],
    ["org/repo/layer_5/", "main", "layer_5", "folder"],
    ["org/repo@v1.0/cfg.json", "v1.0", "cfg.json", "unknown"],
    ["  hf://org/repo/sae.safetensors ", "main", "sae.safetensors", "unknown"],
    ["hf://org/repo@refs%2Fpr%2F1/a/b.json", "refs/pr/1", "a/b.json", "unknown"],
    [
      "https://huggingface.co/org/repo/blob/main/layer_5/cfg.json",
      "main",
      "layer_5/cfg.json",
      "file",
    ],
    [
      "https://huggingface.co/org/repo/resolve/abc123/w.safetensors?download=true",
      "abc123",
      "w.safetensors",
      "file",
    ],
    ["https://hf.co/org/repo/resolve/main/a%20b/c%23d.json", "main", "a b/c#d.json", "file"],
    ["https://huggingface.co/org/repo/tree/main/layer_5", "main", "layer_5", "folder"],
    ["https://huggingface.co/org/repo/tree/refs%2Fpr%2F2", "refs/pr/2", "", "folder"],
    ["https://www.huggingface.co/org/repo/", "main", "", "folder"],
  ])("%s", (input, revision, path, kind) => {
    expect(parseHubLocation(input)).toEqual({ repo: "org/repo", revision, path, kind });
  });

  it("accepts URLs of the configured endpoint, with its path prefix", () => {
    const local = parseHubLocation(
      "http://127.0.0.1:8123/a/b/resolve/main/x.bin",
      "http://127.0.0.1:8123",
    );
    expect(local).toEqual({ repo: "a/b", revision: "main", path: "x.bin", kind: "file" });
    const mirror = parseHubLocation(
      "https://mirror.example/hf/a/b/blob/main/x.bin",
      "https://mirror.example/hf/",
    );
    expect(mirror).toEqual({ repo: "a/b", revision: "main", path: "x.bin", kind: "file" });
  });

  it("says what is wrong with a location", () => {
    const cases: [string, string][] = [
      [
        "org/repo/a//b.json",
        'path "a//b.json" must be relative, "/"-separated, without empty, "." or ".." parts',
      ],
      ["org/repo/../x.json", 'path "../x.json" must be relative'],
      ["hf://org/repo/./x.json", 'path "./x.json" must be relative'],
      ["org/..", 'repo id "org/.." is not of the form owner/name'],
      ["bert-base-uncased", 'repo id "bert-base-uncased" has no owner'],
      ["https://huggingface.co/bert-base-uncased", 'repo id "bert-base-uncased" has no owner'],
      ["org/re po/x", 'repo id "org/re po" is not'],
      ["org/a--b/x", 'repo id "org/a--b" is not'],
      ["org/repo@/x", 'revision "" is not a branch, tag or commit name'],
      ["ftp://org/repo", 'unsupported scheme "ftp:"'],
      [
        "https://example.com/org/repo",
        "host example.com is not the Hugging Face Hub (huggingface.co)",
      ],
      [
        "https://huggingface.co/datasets/org/repo",
        "datasets are not supported; expected a model repo",
      ],
      [
        "https://huggingface.co/org/repo/commit/abc",
        "expected /org/repo/blob|resolve|tree/<revision>/<path>",
      ],
      ["https://huggingface.co/org/repo/toString/main/x", "expected /org/repo/blob|resolve|tree/"],
      ["https://huggingface.co/org/repo/blob/main", "the path of a file inside the repo is empty"],
      [
        "https://huggingface.co/org/repo/blob/main/%E0%A4%A",
        '"%E0%A4%A" is not a valid percent-encoded URL part',
      ],
    ];
    for (const [input, detail] of cases) {
      const e = invalid(() => parseHubLocation(input));
      expect(e.message).toContain(`invalid Hub location "${input.trim()}": ${detail}`);
    }
  });
});

describe("hubFile", () => {
  it("validates the parts and defaults the revision to main", () => {
    expect(hubFile("org/repo", "a/b.safetensors")).toEqual({
      repo: "org/repo",
      revision: "main",
      path: "a/b.safetensors",
    });
    expect(invalid(() => hubFile("org/repo", "/abs")).message).toContain(
      'path "/abs" must be relative',
    );
    expect(invalid(() => hubFile("org/repo", "a\\b")).message).toContain('path "a\\b" must be');
    expect(invalid(() => hubFile("org/repo", "")).message).toContain("path of a file");
    expect(invalid(() => hubFile("org/repo", "x", "a/../b")).message).toContain(
      'revision "a/../b"',
    );
    expect(invalid(() => hubFile("org/repo", "x\u0000y")).message).toContain("must be relative");
  });
});

describe("resolveUrl", () => {
  it("builds the resolve URL, percent-encoding the revision and each path part", () => {
    const file = { repo: "org/repo", revision: "refs/pr/1", path: "a b/c#d.json" };
    expect(resolveUrl(file)).toBe(
      "https://huggingface.co/org/repo/resolve/refs%2Fpr%2F1/a%20b/c%23d.json",
    );
    expect(resolveUrl(hubFile("org/repo", "x.bin"), "http://127.0.0.1:9/")).toBe(
      "http://127.0.0.1:9/org/repo/resolve/main/x.bin",
    );
    expect(describeHubFile(file)).toBe("org/repo/a b/c#d.json (revision refs/pr/1)");
  });

  it("round-trips a parsed URL", () => {
    const url = "https://huggingface.co/org/repo/resolve/v%202/dir/x%25.json";
    expect(resolveUrl(parseHubLocation(url))).toBe(url);
  });
});

describe("legacy repo ids", () => {
  it("maps the ids the Hub redirects (gpt2) to their owner/name", () => {
    expect(parseHubLocation("gpt2")).toEqual({
      repo: "openai-community/gpt2",
      revision: "main",
      path: "",
      kind: "folder",
    });
    expect(parseHubLocation("hf://gpt2-medium@v1").repo).toBe("openai-community/gpt2-medium");
    expect(parseHubLocation("gpt2-xl@v1").revision).toBe("v1");
    expect(parseHubLocation("https://huggingface.co/distilgpt2").repo).toBe(
      "distilbert/distilgpt2",
    );
  });

  it("refuses another id without an owner, with an example of the form", () => {
    expect(invalid(() => parseHubLocation("bert-base-uncased")).message).toMatch(
      /repo id "bert-base-uncased" has no owner; the Hub's ids are owner\/name, e\.g\. openai-community\/gpt2/,
    );
  });
});
