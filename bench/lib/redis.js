// A private redis-server for the scale-out scenario, so the benchmark's pub/sub traffic never meets
// anything else using the machine's Redis (the test suite, another instance).
import { spawn } from 'node:child_process';
import { freePort, sleep } from './common.js';

export async function startPrivateRedis() {
  const port = await freePort();
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  const url = `redis://127.0.0.1:${port}`;
  for (let tries = 0; tries < 50; tries++) {
    await sleep(100);
    const ok = await fetch(`http://127.0.0.1:${port}`).then(
      () => true,
      (error) => error?.cause?.code !== 'ECONNREFUSED',
    );
    if (ok) break;
  }
  return {
    url,
    stop: async () => {
      child.kill('SIGTERM');
      await new Promise((resolve) => (child.exitCode !== null ? resolve() : child.once('exit', resolve)));
    },
  };
}
