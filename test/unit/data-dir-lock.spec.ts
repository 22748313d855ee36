import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataDirInUse, lockDataDir } from '../../src/database/data-dir-lock.js';

const linux = process.platform === 'linux';

function startTimeOf(pid: number): string {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
}

describe('the data directory lock', () => {
  let dir: string;
  let lockPath: string;
  let sleeper: ChildProcess;

  beforeAll(async () => {
    // A live process that is not this one, to hold locks in the tests.
    sleeper = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
    await once(sleeper, 'spawn');
  });

  afterAll(async () => {
    sleeper.kill('SIGKILL');
    await once(sleeper, 'exit');
  });

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'chat-lock-'));
    lockPath = join(dir, 'pg.lock');
  });

  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  const refusal = (): DataDirInUse => {
    try {
      lockDataDir(lockPath)();
    } catch (error) {
      if (error instanceof DataDirInUse) return error;
      throw error;
    }
    throw new Error('expected the lock to be refused');
  };

  it('is taken, names its holder, and is gone once released, leaving no other file', () => {
    const release = lockDataDir(lockPath);
    expect(JSON.parse(readFileSync(lockPath, 'utf8'))).toMatchObject({ pid: process.pid });
    release();
    expect(readdirSync(dir)).toEqual([]);
  });

  it('refuses a second holder in the same process', () => {
    const release = lockDataDir(lockPath);
    try {
      expect(refusal().message).toBe(
        `The embedded database in ${dir} is in use by this process: stop it first, or give this process another DATA_DIR (or a PostgreSQL server in DATABASE_URL).`,
      );
    } finally {
      release();
    }
  });

  it('refuses while another live process holds it, naming that process', () => {
    writeFileSync(lockPath, JSON.stringify({ pid: sleeper.pid }));
    expect(refusal().message).toContain(`is in use by process ${sleeper.pid}:`);
    expect(JSON.parse(readFileSync(lockPath, 'utf8')).pid).toBe(sleeper.pid);
  });

  it('refuses a lock file of an earlier version (just the pid) while that process lives', () => {
    writeFileSync(lockPath, String(sleeper.pid));
    expect(refusal().owner).toBe(sleeper.pid);
  });

  it('takes over a lock holding its own pid that it does not hold: PID 1 again after a container restart', () => {
    writeFileSync(lockPath, String(process.pid));
    const release = lockDataDir(lockPath);
    expect(JSON.parse(readFileSync(lockPath, 'utf8')).pid).toBe(process.pid);
    release();
  });

  it('takes over the lock of a process that is gone', async () => {
    const gone = spawn(process.execPath, ['-e', '0'], { stdio: 'ignore' });
    const [code] = await once(gone, 'exit');
    expect(code).toBe(0);
    writeFileSync(lockPath, JSON.stringify({ pid: gone.pid }));
    const release = lockDataDir(lockPath);
    expect(JSON.parse(readFileSync(lockPath, 'utf8')).pid).toBe(process.pid);
    release();
  });

  it('takes over an empty or unreadable lock file', () => {
    writeFileSync(lockPath, 'not a lock');
    lockDataDir(lockPath)();
    expect(existsSync(lockPath)).toBe(false);
  });

  (linux ? it : it.skip)('tells a live holder from another process that got its pid later (boot and start time)', () => {
    const boot = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
    writeFileSync(lockPath, JSON.stringify({ pid: sleeper.pid, boot, start: startTimeOf(sleeper.pid!) }));
    expect(refusal().owner).toBe(sleeper.pid);
    // Same pid, another start time: the process that wrote it is gone and the pid went to someone else.
    writeFileSync(lockPath, JSON.stringify({ pid: sleeper.pid, boot, start: '1' }));
    lockDataDir(lockPath)();
    // Same pid, another boot: a lock from before a reboot.
    writeFileSync(lockPath, JSON.stringify({ pid: sleeper.pid, boot: 'another-boot', start: startTimeOf(sleeper.pid!) }));
    lockDataDir(lockPath)();
    expect(existsSync(lockPath)).toBe(false);
  });

  it('leaves a lock that another process took over alone when releasing its own', () => {
    const release = lockDataDir(lockPath);
    // As if another process had judged ours stale and taken it.
    writeFileSync(lockPath, JSON.stringify({ pid: sleeper.pid }));
    release();
    expect(JSON.parse(readFileSync(lockPath, 'utf8')).pid).toBe(sleeper.pid);
  });
});
