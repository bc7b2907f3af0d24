import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, Errors } from '@connector/core';

function capture() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { log: createLogger({ level: 'info' }, stream), lines };
}

describe('logged errors', () => {
  it("keep their own fields and never the connection a driver's error points to (no password, no client dump)", () => {
    const { log, lines } = capture();
    // As pg and pg-boss raise them: the error holds the client, whose parameters hold the password.
    const error = Object.assign(new Error('Connection terminated unexpectedly'), {
      code: 'ECONNRESET',
      client: { connectionParameters: { user: 'connector', password: 's3cret-db-password', host: 'db' }, _types: { text: {} } },
    });
    log.error({ err: error }, 'pg-boss error');
    const [line] = lines;
    expect(line).toContain('Connection terminated unexpectedly');
    expect(line).toContain('ECONNRESET');
    expect(line).not.toContain('s3cret-db-password');
    expect(line).not.toContain('connectionParameters');
  });

  it("keep a ConnectorError's code and details, and the cause chain", () => {
    const { log, lines } = capture();
    const error = Errors.databaseUnavailable('connect ECONNREFUSED 127.0.0.1:5432');
    log.error({ err: new Error('inbox commit failed', { cause: error }) }, 'x');
    const logged = JSON.parse(lines[0]!) as { err: { message: string; cause: { code: string; message: string } } };
    expect(logged.err.message).toBe('inbox commit failed');
    expect(logged.err.cause).toMatchObject({ code: 'CONNECTOR_ERR_DATABASE_UNAVAILABLE', message: expect.stringContaining('ECONNREFUSED') });
  });
});
