/**
 * A feature page asked to be scrolled into view once it shows (e.g. opened from Try a prompt,
 * maybe after its dashboards are computed). Module state: one request at a time.
 */
let pending: number | undefined;

export function revealFeatureWhenShown(feature: number): void {
  pending = feature;
}

/** True once for the feature asked for (the page then scrolls itself into view). */
export function takeReveal(feature: number): boolean {
  if (pending !== feature) return false;
  pending = undefined;
  return true;
}
