import { type ChildProcess, execFile } from 'node:child_process';
import { once } from 'node:events';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { eventually, freePort } from './ports.js';
import { spawnTied } from './tied-process.js';

const run = promisify(execFile);
const POSTGRES_ROOT = '/usr/lib/postgresql';

/** The newest installed server's bin directory, or undefined when this machine has no PostgreSQL server. */
export function postgresBinDir(): string | undefined {
  if (!existsSync(POSTGRES_ROOT)) return undefined;
  const versions = readdirSync(POSTGRES_ROOT)
    .filter((version) => existsSync(join(POSTGRES_ROOT, version, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a));
  return versions.length ? join(POSTGRES_ROOT, versions[0], 'bin') : undefined;
}

/** PostgreSQL refuses to run as root: as root, the cluster belongs to `postgres`. */
const runAs = process.getuid?.() === 0 && userInfo().username !== 'postgres' ? 'postgres' : undefined;

/**
 * A PostgreSQL cluster of its own on a free port of 127.0.0.1, that a test stops and starts under a
 * running app. The postmaster runs in the foreground as this process's child (tied to it, so it can't
 * outlive a killed Jest); `stop()` is `pg_ctl stop`, as an operator or a crash would end it.
 * `destroy()` stops it and deletes its files: call it from `afterAll`.
 */
export class ThrowawayPostgres {
  private postmaster: ChildProcess | null = null;
  private output = '';

  private constructor(
    private readonly binDir: string,
    private readonly baseDir: string,
    readonly port: number,
  ) {}

  static async create(): Promise<ThrowawayPostgres> {
    const binDir = postgresBinDir();
    if (!binDir) throw new Error(`no PostgreSQL server under ${POSTGRES_ROOT}`);
    const baseDir = mkdtempSync(join(tmpdir(), 'chat-faults-pg-'));
    const cluster = new ThrowawayPostgres(binDir, baseDir, await freePort());
    try {
      if (runAs) {
        const [{ stdout: uid }, { stdout: gid }] = await Promise.all([run('id', ['-u', runAs]), run('id', ['-g', runAs])]);
        chownSync(baseDir, Number(uid), Number(gid));
      }
      await cluster.tool('initdb', ['-D', cluster.dataDir, '-U', 'postgres', '--auth=trust', '--no-sync', '-E', 'UTF8']);
      await cluster.start();
      return cluster;
    } catch (error) {
      await cluster.destroy();
      throw error;
    }
  }

  get url(): string {
    return `postgres://postgres@127.0.0.1:${this.port}/postgres`;
  }

  private get dataDir() {
    return join(this.baseDir, 'data');
  }

  /** Starts the postmaster and waits until it accepts connections. */
  async start(): Promise<void> {
    if (this.postmaster) throw new Error('the cluster is already running');
    // Throwaway: no durability needed. The socket directory is its own, so nothing else collides.
    const args = [
      '-D',
      this.dataDir,
      '-p',
      String(this.port),
      '-k',
      this.baseDir,
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      'fsync=off',
      '-c',
      'full_page_writes=off',
    ];
    const postmaster = spawnTied(join(this.binDir, 'postgres'), args, { user: runAs, cwd: this.baseDir, stdio: ['ignore', 'pipe', 'pipe'] });
    postmaster.stdout!.on('data', (chunk) => (this.output += chunk));
    postmaster.stderr!.on('data', (chunk) => (this.output += chunk));
    postmaster.once('exit', () => {
      if (this.postmaster === postmaster) this.postmaster = null;
    });
    this.postmaster = postmaster;
    await eventually(
      async () => {
        if (this.postmaster !== postmaster) throw new Error('the postmaster exited');
        const client = new pg.Client({ connectionString: this.url, connectionTimeoutMillis: 1_000 });
        await client.connect();
        await client.end();
        return true;
      },
      { timeoutMs: 20_000, intervalMs: 50, what: `PostgreSQL on ${this.port}:\n${this.output}` },
    );
  }

  /**
   * `pg_ctl stop`. `immediate` kills every backend at once and flushes nothing, like a crash or a pulled
   * cable: clients see their connections drop, new ones are refused.
   */
  async stop(mode: 'immediate' | 'fast' = 'immediate'): Promise<void> {
    const postmaster = this.postmaster;
    if (!postmaster) return;
    const exited = once(postmaster, 'exit');
    await this.tool('pg_ctl', ['-D', this.dataDir, '-m', mode, '-w', '-t', '20', 'stop']);
    await exited;
  }

  /** Ends every other connection to the database from the server's side, as an administrator or a failover would. */
  async terminateBackends(): Promise<number> {
    const client = new pg.Client({ connectionString: this.url });
    await client.connect();
    try {
      const result = await client.query(
        'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()',
      );
      return result.rowCount ?? 0;
    } finally {
      await client.end();
    }
  }

  /** Whatever the server wrote, for failure messages. */
  log(): string {
    return this.output;
  }

  async destroy(): Promise<void> {
    const postmaster = this.postmaster;
    if (postmaster) {
      const exited = once(postmaster, 'exit');
      // SIGQUIT is PostgreSQL's immediate shutdown; SIGKILL if even that does not end it.
      postmaster.kill('SIGQUIT');
      const timer = setTimeout(() => postmaster.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(this.baseDir, { recursive: true, force: true });
  }

  private async tool(name: string, args: string[]): Promise<void> {
    const binary = join(this.binDir, name);
    const [command, argv] = runAs ? ['runuser', ['-u', runAs, '--', binary, ...args]] : [binary, args];
    await run(command, argv, { timeout: 30_000, cwd: this.baseDir });
  }
}
