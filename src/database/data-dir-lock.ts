import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { linkSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/** Another live process has the embedded database's files open; its message is one line for the operator. */
export class DataDirInUse extends Error {
  constructor(
    readonly dataDir: string,
    readonly owner: number | 'this process',
  ) {
    super(
      `The embedded database in ${dataDir} is in use by ${owner === 'this process' ? 'this process' : `process ${owner}`}: ` +
        'stop it first, or give this process another DATA_DIR (or a PostgreSQL server in DATABASE_URL).',
    );
    this.name = 'DataDirInUse';
  }
}

/**
 * Who holds a lock: the pid, and — where Linux tells — the boot and the process's start time, which
 * together name one process even after its pid has been given to another one.
 */
interface LockRecord {
  pid: number;
  host?: string;
  boot?: string;
  start?: string;
}

const heldHere = new Set<string>();
const MAX_ATTEMPTS = 5;

function readQuietly(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return undefined;
  }
}

const bootId = () => readQuietly('/proc/sys/kernel/random/boot_id');

/** Field 22 of /proc/<pid>/stat: when the process started, in clock ticks since boot. */
function startTimeOf(pid: number): string | undefined {
  const stat = readQuietly(`/proc/${pid}/stat`);
  // The command name (field 2) is in parentheses and may hold spaces: count fields after its last ')'.
  return stat?.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
}

function recordOfThisProcess(): LockRecord {
  return { pid: process.pid, host: hostname(), boot: bootId(), start: startTimeOf(process.pid) };
}

/** Lock files of earlier versions hold just the pid. */
function parseRecord(text: string): LockRecord {
  if (/^\d+$/.test(text)) return { pid: Number(text) };
  try {
    const record = JSON.parse(text) as LockRecord;
    return Number.isInteger(record.pid) ? record : { pid: 0 };
  } catch {
    return { pid: 0 };
  }
}

function pidExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Whether the process that wrote the lock still runs. Our own pid is never a live holder: this process
 * would know (`heldHere`), so the file was left by an earlier process that had our pid — in a container
 * the server is PID 1 on every start, and without this rule one crash would lock the data out for good.
 * PostgreSQL's postmaster.pid check makes the same call, and for its parent's pid too where it can't tell
 * more; on Linux the boot id and start time settle it whatever the pid.
 */
function holderIsAlive(record: LockRecord): boolean {
  if (!record.pid || record.pid === process.pid || !pidExists(record.pid)) return false;
  if (record.boot && record.start) {
    const boot = bootId();
    const start = startTimeOf(record.pid);
    if (boot && start) return boot === record.boot && start === record.start;
  }
  return record.pid !== process.ppid;
}

/** Creates the lock file with its content in one step (a hard link of a complete file): false if it exists. */
function createExclusively(path: string, content: string): boolean {
  const temporary = `${path}.${process.pid}-${randomBytes(4).toString('hex')}`;
  writeFileSync(temporary, content, { flag: 'wx' });
  try {
    linkSync(temporary, path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  } finally {
    unlinkSync(temporary);
  }
}

/**
 * Moves a stale lock out of the way, unless it changed since it was judged stale (another process took it
 * over first: its fresh lock is put back).
 */
function removeStale(path: string, judged: string): void {
  const aside = `${path}.stale-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    renameSync(path, aside);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  if (readQuietly(aside) !== judged) {
    try {
      linkSync(aside, path);
    } catch {
      // a third process created one meanwhile: that one stands
    }
  }
  unlinkSync(aside);
}

/**
 * Keeps every other process off a directory of files only one process may open (PGlite would not stop a
 * second one). Answers the release function; throws `DataDirInUse` while a live process holds the lock.
 * A lock left by a process that is gone (crash, SIGKILL, power cut) is taken over.
 */
export function lockDataDir(path: string): () => void {
  const dataDir = dirname(path);
  if (heldHere.has(path)) throw new DataDirInUse(dataDir, 'this process');
  const content = JSON.stringify(recordOfThisProcess());
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    if (createExclusively(path, content)) {
      heldHere.add(path);
      return () => release(path, content);
    }
    const existing = readQuietly(path);
    if (existing === undefined) continue;
    const record = parseRecord(existing);
    if (holderIsAlive(record)) throw new DataDirInUse(dataDir, record.pid);
    removeStale(path, existing);
  }
  throw new Error(`Could not take the lock ${path}: other processes keep taking it`);
}

function release(path: string, content: string): void {
  heldHere.delete(path);
  // Only our own lock: never a file another process put there after judging ours stale.
  if (readQuietly(path) !== content) return;
  try {
    unlinkSync(path);
  } catch {
    // already gone
  }
}
