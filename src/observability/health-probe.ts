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
