// Socket.IO client processes on the load core, spoken to over IPC (see bench/workers/sockets.js).
import { join } from 'node:path';
import { BENCH_DIR, LOAD_CPU, spawnPinned } from './common.js';
import { Histogram } from './histogram.js';

let workerCount = 0;

export class SocketWorker {
  constructor(name) {
    this.child = spawnPinned(`${name}-${++workerCount}`, LOAD_CPU, join(BENCH_DIR, 'workers', 'sockets.js'), [], {
      ipc: true,
      nodeArgs: ['--max-old-space-size=2048'],
    });
    this.calls = new Map();
    this.nextId = 0;
    this.child.on('message', ({ id, result, error }) => {
      const call = this.calls.get(id);
      if (!call) return;
      this.calls.delete(id);
      if (error) call.reject(new Error(`${this.child.benchName}: ${error}`));
      else call.resolve(result);
    });
    this.child.exited.then(({ code, signal }) => {
      for (const call of this.calls.values()) call.reject(new Error(`${this.child.benchName} exited (${code ?? signal})`));
      this.calls.clear();
    });
  }

  call(command, args) {
    const id = ++this.nextId;
    return new Promise((resolve, reject) => {
      this.calls.set(id, { resolve, reject });
      this.child.send({ id, command, args });
    });
  }

  async stop() {
    await this.call('disconnect').catch(() => undefined);
    await this.child.stop();
  }
}

/** `specs` spread over `processes` workers; answers the workers and the connect figures. */
export async function connectFleet(name, url, specs, processes, concurrency = 100) {
  const workers = Array.from({ length: processes }, () => new SocketWorker(name));
  const started = performance.now();
  const results = await Promise.all(
    workers.map((worker, index) => worker.call('connect', { url, specs: specs.filter((_, at) => at % processes === index), concurrency })),
  );
  const ms = performance.now() - started;
  const connected = results.reduce((sum, result) => sum + result.connected, 0);
  const failed = results.reduce((sum, result) => sum + result.failed, 0);
  const retried = results.reduce((sum, result) => sum + result.retried, 0);
  return { workers, connected, failed, retried, firstError: results.find((result) => result.firstError)?.firstError, ms, perSecond: (connected / ms) * 1000 };
}

export async function measureFleet(workers, on) {
  await Promise.all(workers.map((worker) => worker.call('measure', { on })));
}

export async function collectFleet(workers) {
  const results = await Promise.all(workers.map((worker) => worker.call('collect')));
  const latency = new Histogram();
  for (const result of results) latency.merge(Histogram.fromSparse(result.latency));
  return { delivered: results.reduce((sum, result) => sum + result.delivered, 0), latency };
}

export async function stopFleet(workers) {
  await Promise.all(workers.map((worker) => worker.stop()));
}
