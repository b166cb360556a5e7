/**
 * One readiness probe with a deadline, for the API's /readyz and the worker's: "ok", or the first line of why it
 * failed (never a stack trace, never a connection string).
 */
export async function probe(fn: () => Promise<unknown>, timeoutMs = 3000): Promise<string> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    await Promise.race([fn(), timeout]);
    return 'ok';
  } catch (err) {
    return err instanceof Error ? (err.message.split('\n')[0] ?? 'unreachable') : 'unreachable';
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Polls `url` (a process's /healthz or /readyz) every 250 ms until it answers 2xx: true then, false once `withinMs`
 * has passed or `gaveUp()` says waiting is pointless (for example, the process that would answer has exited).
 */
export async function untilAnswersOk(
  url: string,
  withinMs: number,
  gaveUp: () => boolean = () => false,
): Promise<boolean> {
  const deadline = Date.now() + withinMs;
  for (;;) {
    const ok = await fetch(url, { signal: AbortSignal.timeout(2_000) }).then(
      (res) => res.ok,
      () => false,
    );
    if (ok) return true;
    if (Date.now() > deadline || gaveUp()) return false;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}
