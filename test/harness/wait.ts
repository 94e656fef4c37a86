/** Waiting in tests for something another process does. */

/**
 * Polls `ready` every 100 ms until it holds; throws naming `what` after `timeoutMs`. `check` runs
 * before each poll, to fail early (a process that exited, say).
 */
export async function waitFor(
  ready: () => boolean | Promise<boolean>, timeoutMs: number, what: () => string, check?: () => void,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    check?.();
    if (await ready()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
