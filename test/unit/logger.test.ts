import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { childLogger, createLogger, serializeError } from '../../src/logger';

/** The lines a logger wrote to its LOG_FILE, parsed. */
function logged(write: (file: string) => void): Array<Record<string, unknown>> {
  const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'logger-')), 'log.ndjson');
  write(file);
  return readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

describe('the logger (pino)', () => {
  it('writes one JSON line per event: level, time, component, fields and the message', () => {
    const [line] = logged((file) => createLogger('api', 'info', file).info('API listening', { port: 3000 }));
    expect(line).toMatchObject({ level: 'info', component: 'api', port: 3000, msg: 'API listening' });
    expect(new Date(String(line!.time)).toISOString()).toBe(line!.time);
  });

  it('leaves out lines below its level', () => {
    const lines = logged((file) => {
      const log = createLogger('worker', 'warn', file);
      log.info('quiet');
      log.warn('heard');
    });
    expect(lines.map((l) => l.msg)).toEqual(['heard']);
  });

  it('redacts tokens, secrets, API keys and the Authorization header wherever a field names them', () => {
    const [line] = logged((file) =>
      createLogger('api', 'info', file).info('careless', {
        authorization: 'Bearer sim_at_aaaaaaaaaaaaaaaaaaaa',
        secret: 'whsec_bbbb',
        accessToken: 'sim_at_cccc',
        connection: { refreshToken: 'sim_rt_dddd', clientSecret: 'eeee', tenantId: 'kept' },
        req: { headers: { authorization: 'Bearer xms_ffff', cookie: 'session=gggg', host: 'kept' } },
        webhook: { headers: { Authorization: 'Bearer hhhh' } },
      }),
    );
    const text = JSON.stringify(line);
    for (const secret of ['aaaa', 'bbbb', 'cccc', 'dddd', 'eeee', 'ffff', 'gggg', 'hhhh'])
      expect(text).not.toContain(secret);
    expect(line).toMatchObject({
      authorization: '[redacted]',
      connection: { refreshToken: '[redacted]', tenantId: 'kept' },
      req: { headers: { authorization: '[redacted]', host: 'kept' } },
    });
  });

  it('logs an error with its type, message and stack, never the request config an axios error carries', () => {
    const err = Object.assign(new Error('connect ECONNREFUSED'), {
      code: 'ECONNREFUSED',
      config: { headers: { Authorization: 'Bearer sim_at_zzzzzzzzzzzz' } },
      cause: new TypeError('socket closed'),
    });
    const [line] = logged((file) => createLogger('api', 'info', file).error('Unhandled API error', { err }));
    expect(line!.err).toMatchObject({
      type: 'Error',
      message: 'connect ECONNREFUSED',
      code: 'ECONNREFUSED',
      stack: expect.stringContaining('logger.test.ts'),
      cause: { type: 'TypeError', message: 'socket closed' },
    });
    expect(JSON.stringify(line)).not.toContain('zzzz');
    expect(serializeError('not an error')).toBe('not an error');
  });

  it('gives child loggers their fields on every line', () => {
    const lines = logged((file) => {
      const child = childLogger(createLogger('api', 'info', file), { requestId: 'r-1', businessId: 'biz_1' });
      child.info('one');
      child.warn('two', { extra: true });
    });
    expect(lines).toEqual([
      expect.objectContaining({ requestId: 'r-1', businessId: 'biz_1', msg: 'one' }),
      expect.objectContaining({ requestId: 'r-1', businessId: 'biz_1', extra: true, msg: 'two' }),
    ]);
  });
});
