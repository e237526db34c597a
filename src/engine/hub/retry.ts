import { HubError } from "./hubError.ts";

export interface RetryPolicy {
  /** Failures in a row, without progress, before giving up. */
  readonly maxRetries: number;
  /** Delay before the first retry; doubles with each failure in a row. */
  readonly retryDelayMs: number;
  readonly signal: AbortSignal | undefined;
}

/**
 * Runs `attempt` until it succeeds. Retryable HubErrors are retried after a backoff;
 * `progressed()`, asked after a failure, resets the count when the attempt moved
 * forward, so a long transfer over a flaky link is not abandoned while it advances.
 */
export async function withRetries<T>(
  policy: RetryPolicy,
  attempt: () => Promise<T>,
  progressed: () => boolean = () => false,
): Promise<T> {
  let failures = 0;
  for (;;) {
    try {
      return await attempt();
    } catch (e) {
      policy.signal?.throwIfAborted();
      if (!(e instanceof HubError) || !e.retryable) throw e;
      failures = progressed() ? 1 : failures + 1;
      if (failures > policy.maxRetries) {
        throw new HubError(e.code, `${e.message} (gave up after ${failures} attempts)`, {
          cause: e,
        });
      }
      await sleep(policy.retryDelayMs * 2 ** (failures - 1), policy.signal);
    }
  }
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
