import { execFile } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const BIN = process.env.CONNECTOR_PG_BIN ?? '/usr/lib/postgresql/15/bin';

/**
 * A PostgreSQL 15 instance of this test's own, in a temporary directory on a free port, which the test may
 * stop, kill and start again without touching the system PostgreSQL other test files share. PostgreSQL
 * refuses to run as root, so as root it runs as the `postgres` OS user (runuser). Fails with a clear
 * message when it cannot start: the scenarios that need it skip nothing.
 */
export class PrivatePostgres {
  private constructor(
    readonly dir: string,
    readonly port: number,
  ) {}

  /** `postgres://postgres@127.0.0.1:PORT/postgres` (trust auth, loopback only). */
  get url(): string {
    return `postgres://postgres@127.0.0.1:${this.port}/postgres`;
  }

  private get data(): string {
    return join(this.dir, 'data');
  }

  static async start(): Promise<PrivatePostgres> {
    if (!existsSync(join(BIN, 'initdb'))) {
      throw new Error(`PostgreSQL 15 binaries not found in ${BIN} (set CONNECTOR_PG_BIN): the database-restart scenario needs its own instance`);
    }
    const dir = mkdtempSync(join(tmpdir(), 'connector-pg-'));
    const pg = new PrivatePostgres(dir, await freePort());
    try {
      if (isRoot()) {
        const { stdout } = await run('id', ['-u', 'postgres']);
        const { stdout: gid } = await run('id', ['-g', 'postgres']);
        chownSync(dir, Number(stdout.trim()), Number(gid.trim()));
        chmodSync(dir, 0o700);
      }
      // No fsync: the scenario crashes the server process, not the machine, so WAL recovery is exercised
      // all the same, and a loaded CI machine is not slowed further.
      await pg.pg('initdb', ['-D', pg.data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync', '--no-instructions']);
      await pg.startServer();
      return pg;
    } catch (error) {
      await pg.destroy().catch(() => undefined);
      throw new Error(`could not start a private PostgreSQL 15 instance in ${dir}: ${(error as Error).message}\n${pg.log()}`);
    }
  }

  /**
   * Starts the server and waits until it accepts connections. fsync is off (a crashed server process
   * leaves its writes in the machine's page cache), but commits stay synchronous: with
   * `synchronous_commit=off` an immediate shutdown loses transactions already acknowledged — a publish
   * intent the runtime had been told was stored, so its create was repeated after the restart. The
   * connector's no-double-create guarantee, like any on Postgres, needs the default `synchronous_commit=on`.
   */
  async startServer(): Promise<void> {
    const options = `-p ${this.port} -k ${this.dir} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off -c max_connections=200`;
    await this.pg('pg_ctl', ['-D', this.data, '-l', join(this.dir, 'server.log'), '-o', options, '-w', '-t', '60', 'start']);
  }

  /**
   * Stops the server. `immediate` is a crash as far as the clients see it: every backend is killed at once,
   * no checkpoint, WAL recovery on the next start.
   */
  async stopServer(mode: 'fast' | 'immediate' = 'immediate'): Promise<void> {
    await this.pg('pg_ctl', ['-D', this.data, '-m', mode, '-w', '-t', '60', 'stop']);
  }

  /** The server's log so far (for failure messages). */
  log(): string {
    try {
      return readFileSync(join(this.dir, 'server.log'), 'utf8').slice(-4000);
    } catch {
      return '';
    }
  }

  async destroy(): Promise<void> {
    if (existsSync(join(this.data, 'postmaster.pid'))) await this.stopServer('immediate').catch(() => undefined);
    rmSync(this.dir, { recursive: true, force: true });
  }

  private async pg(binary: string, args: string[]): Promise<void> {
    const file = join(BIN, binary);
    const [cmd, argv] = isRoot() ? ['runuser', ['-u', 'postgres', '--', file, ...args]] : [file, args];
    try {
      await run(cmd, argv, { cwd: this.dir, timeout: 120_000 });
    } catch (error) {
      const e = error as Error & { stderr?: string; stdout?: string };
      throw new Error(`${binary} ${args.join(' ')} failed: ${e.stderr || e.stdout || e.message}`);
    }
  }
}

const isRoot = () => process.getuid?.() === 0;

/** A port nothing listens on now (bound then released; PostgreSQL takes it right after). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
