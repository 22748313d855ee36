import { type ChildProcess, spawn, spawnSync, type SpawnOptions } from 'node:child_process';

const hasSetpriv = spawnSync('setpriv', ['--version'], { stdio: 'ignore' }).status === 0;

/**
 * Spawns a child that dies with the test process: through util-linux `setpriv --pdeathsig KILL`, which
 * execs the command in place (same pid, so signals reach it directly) after asking the kernel to SIGKILL
 * it when its parent goes away. `afterAll` hooks stop the children of a failing test; this stops them
 * when Jest itself is killed before it gets there. `user` runs the command as that user (root only).
 */
export function spawnTied(command: string, args: string[], options: SpawnOptions & { user?: string } = {}): ChildProcess {
  const { user, ...spawnOptions } = options;
  if (!hasSetpriv) {
    if (user) return spawn('runuser', ['-u', user, '--', command, ...args], spawnOptions);
    return spawn(command, args, spawnOptions);
  }
  const identity = user ? [`--reuid=${user}`, `--regid=${user}`, '--init-groups'] : [];
  return spawn('setpriv', [...identity, '--pdeathsig', 'KILL', '--', command, ...args], spawnOptions);
}
