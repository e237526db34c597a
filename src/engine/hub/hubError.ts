/**
 * Why a file could not be loaded from the Hub. `code` tells the UI what to suggest:
 * fix the location, pass a token, check the connection, retry later, or reload.
 */
export type HubErrorCode =
  | "invalid-location"
  | "not-found"
  | "access-denied"
  | "network"
  | "server"
  | "protocol"
  | "changed"
  | "range-unsupported";

export class HubError extends Error {
  override readonly name = "HubError";
  readonly code: HubErrorCode;
  /** Worth another attempt: the connection dropped or the server had a transient fault. */
  readonly retryable: boolean;

  constructor(code: HubErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.code = code;
    this.retryable = code === "network" || code === "server";
  }
}
