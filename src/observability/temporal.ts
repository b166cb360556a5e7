import net from 'node:net';
import type { LogLevel, LogMetadata, Logger as SdkLogger } from '@temporalio/common';
import type { Logger } from '../logger';

/**
 * The Temporal SDK's logging and metrics, joined to the process's own. `Runtime.install({ logger })` gets
 * `temporalLogger(log)`, so workflow and activity `log` lines (with their workflowId, activityType, …) come out
 * as the same JSON lines, redacted the same way. The SDK's Prometheus exporter listens on a loopback port of its
 * own; the worker's /metrics fetches it and serves it after its own metrics, so there is one scrape target.
 */
export function temporalLogger(log: Logger): SdkLogger {
  // An activity's task token is a long opaque credential for completing it: of no use in a log line.
  const fields = (meta?: LogMetadata) => {
    if (!meta) return undefined;
    const { taskToken: _token, ...rest } = meta;
    return rest;
  };
  const at = (level: LogLevel) =>
    level === 'TRACE' || level === 'DEBUG'
      ? 'debug'
      : level === 'INFO'
        ? 'info'
        : level === 'WARN'
          ? 'warn'
          : 'error';
  return {
    log: (level, message, meta) => log[at(level)](message, fields(meta)),
    trace: () => undefined,
    debug: (message, meta) => log.debug(message, fields(meta)),
    info: (message, meta) => log.info(message, fields(meta)),
    warn: (message, meta) => log.warn(message, fields(meta)),
    error: (message, meta) => log.error(message, fields(meta)),
  };
}

/** A free port on 127.0.0.1 for the SDK's exporter (which must be told one; only this process reads it). */
export function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Reads the SDK exporter's text; a failure becomes a comment line, so the process's own metrics still serve. */
export function sdkMetrics(port: number, timeoutMs = 2000): () => Promise<string> {
  return async () => {
    try {
      const res = await fetch(`http://127.0.0.1:${port}/metrics`, { signal: AbortSignal.timeout(timeoutMs) });
      if (!res.ok) return `# Temporal SDK metrics unavailable: HTTP ${res.status}\n`;
      return await res.text();
    } catch (err) {
      return `# Temporal SDK metrics unavailable: ${err instanceof Error ? err.message : String(err)}\n`;
    }
  };
}
