import { DEFAULT_ENDPOINT } from "../../engine/hub/hubLocation.ts";

/** `?hub=http://127.0.0.1:PORT` points the page at another Hub (the e2e tests' mock). */
function fromUrl(): string | undefined {
  if (typeof location === "undefined") return undefined;
  const raw = new URLSearchParams(location.search).get("hub");
  if (raw === null) return undefined;
  try {
    const url = new URL(raw);
    return url.protocol === "http:" || url.protocol === "https:" ? raw : undefined;
  } catch {
    return undefined;
  }
}

// Read once at start: the page rewrites its query string as settings change.
const override = fromUrl();

/** The Hub the page loads from, and whether the URL changed it (the page then says so). */
export const HUB_ENDPOINT = override ?? DEFAULT_ENDPOINT;
export const HUB_ENDPOINT_OVERRIDDEN = override !== undefined;
