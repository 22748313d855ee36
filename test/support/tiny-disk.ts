import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TinyDisk {
  path: string;
  remove(): void;
}

/**
 * A file system of `size` (e.g. `2m`) to fill up: a tmpfs mounted on a fresh directory. Null where this
 * process may not mount one (not root, no CAP_SYS_ADMIN); the suites using it say they were skipped.
 */
export function mountTinyDisk(size: string): TinyDisk | null {
  const path = mkdtempSync(join(tmpdir(), 'chat-tiny-disk-'));
  const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', path], { stdio: 'ignore' });
  if (mounted.status !== 0) {
    rmSync(path, { recursive: true, force: true });
    return null;
  }
  return {
    path,
    remove() {
      spawnSync('umount', ['-l', path], { stdio: 'ignore' });
      rmSync(path, { recursive: true, force: true });
    },
  };
}
