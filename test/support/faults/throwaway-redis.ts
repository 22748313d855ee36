import { type ChildProcess, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { connect } from 'node:net';
import { eventually, freePort } from './ports.js';
import { spawnTied } from './tied-process.js';

/** True when this machine has a `redis-server` on the PATH. */
export function hasRedisServer(): boolean {
  return spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0;
}

/** Answers true once a Redis on `port` replies to PING. */
function pong(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => done(false));
    socket.on('error', () => done(false));
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (data) => done(data.toString().startsWith('+PONG')));
  });
}

/**
 * A `redis-server` child process on a free port of 127.0.0.1, with no persistence: killing it loses
 * everything, as an outage of a cache-only Redis would. It can be killed, frozen (SIGSTOP, like a hung
 * host or a network partition: the TCP connection stays open but nothing answers) and started again on
 * the same port. `destroy()` kills whatever is still running; call it from `afterAll`.
 */
export class ThrowawayRedis {
  private child: ChildProcess | null = null;
  private output = '';

  private constructor(readonly port: number) {}

  static async create(): Promise<ThrowawayRedis> {
    const redis = new ThrowawayRedis(await freePort());
    await redis.start();
    return redis;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    if (this.child) throw new Error('redis-server is already running');
    const child = spawnTied('redis-server', ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--daemonize', 'no'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.on('data', (chunk) => (this.output += chunk));
    child.stderr!.on('data', (chunk) => (this.output += chunk));
    child.once('exit', () => {
      if (this.child === child) this.child = null;
    });
    this.child = child;
    await eventually(async () => ((await pong(this.port)) ? true : undefined), {
      timeoutMs: 5_000,
      intervalMs: 20,
      what: `redis-server on ${this.port}\n${this.output}`,
    });
  }

  /** SIGKILL: the connections drop at once, the data is gone. */
  async kill(): Promise<void> {
    const child = this.child;
    if (!child) return;
    const exited = once(child, 'exit');
    child.kill('SIGCONT');
    child.kill('SIGKILL');
    await exited;
  }

  /** SIGSTOP: the process stays, its connections stay open, and nothing is answered. */
  freeze(): void {
    this.child?.kill('SIGSTOP');
  }

  thaw(): void {
    this.child?.kill('SIGCONT');
  }

  async destroy(): Promise<void> {
    await this.kill();
  }
}
