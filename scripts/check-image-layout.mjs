/**
 * `npm run check:image`: what `docker build` would make of the Dockerfile, checked without Docker.
 *
 * 1. Reads the Dockerfile and carries out every stage's instructions in a directory of its own standing
 *    for the stage's `/`: COPY from the build context (minus .dockerignore) or from an earlier stage, with
 *    the ownership Docker gives (root, or --chown; `node` is uid/gid 1000 as in the node images), and RUN
 *    — `npm …` in the stage's WORKDIR on this project's Node (the image's would be the same major), and
 *    `mkdir`/`chown`/`chmod` on the stage's paths. Any other instruction or command fails the check: the
 *    Dockerfile keeps to what this script understands, so the two can't drift apart.
 * 2. Checks the runtime stage's tree: the media and data directories exist and belong to the non-root
 *    user the image runs as, DATA_DIR and MEDIA_DIR lie in a VOLUME, the code belongs to root and is not
 *    writable by that user, there is no TypeScript, no devDependency, no source, no .env; the base image,
 *    .nvmrc and package.json "engines" agree on the Node version; the port and health check agree.
 * 3. Runs it: chroot into that tree (the host's /usr standing for the base image's system files, this
 *    project's Node binary at /opt/node/bin/node) as uid 1000, with the image's ENV and CMD, and checks
 *    that /health/ready answers, that the image's own HEALTHCHECK command passes, that an upload is
 *    stored under the media volume, and that SIGTERM stops it with exit code 0.
 *
 * The database: a scratch database on DATABASE_URL's server when DATABASE_URL is set (as
 * docker-compose.yml runs it), else the embedded one in the /app/data volume. Needs root (chown, chroot,
 * mount namespaces) on Linux. `docker compose config` runs too when docker-compose is installed.
 */
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import {
  chmodSync,
  cpSync,
  existsSync,
  lchownSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, posix, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const require = createRequire(import.meta.url);
const { satisfies } = require('./check-node.cjs');
const USERS = { root: 0, node: 1000 };
const NODE_BINARY = process.execPath;

const problems = [];
const check = (ok, problem) => {
  if (!ok) problems.push(problem);
  return ok;
};
const say = (line) => process.stdout.write(`${line}\n`);
class CheckFailed extends Error {}
const fail = (message) => {
  throw new CheckFailed(message);
};

if (process.platform !== 'linux' || process.getuid?.() !== 0) {
  process.stderr.write('check-image-layout: needs root on Linux (it chowns, mounts and chroots); nothing was checked\n');
  process.exit(1);
}

// ---------------------------------------------------------------------------------------------- parse

function instructions(text) {
  const joined = text.replace(/\\\r?\n/g, ' ');
  return joined
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'))
    .map((line) => {
      const [, keyword, rest] = /^(\w+)\s+(.*)$/.exec(line) ?? fail(`cannot read the Dockerfile line: ${line}`);
      return { keyword: keyword.toUpperCase(), rest: rest.trim(), line };
    });
}

function substitute(text, args) {
  return text.replace(/\$\{(\w+)\}|\$(\w+)/g, (whole, braced, bare) => args[braced ?? bare] ?? whole);
}

function parseEnv(rest) {
  return Object.fromEntries(rest.split(/\s+/).map((pair) => pair.split(/=(.*)/s).slice(0, 2)));
}

function flagsOf(words) {
  const flags = {};
  while (words[0]?.startsWith('--')) {
    const [name, value] = words.shift().slice(2).split('=');
    flags[name] = value;
  }
  return flags;
}

function ownerOf(spec) {
  const [user, group = user] = spec.split(':');
  const id = (name) =>
    /^\d+$/.test(name) ? Number(name) : (USERS[name] ?? fail(`unknown user or group "${name}" (the script knows ${Object.keys(USERS).join(', ')})`));
  return { uid: id(user), gid: id(group) };
}

// ------------------------------------------------------------------------------------- build stages

const ignorePatterns = existsSync(join(root, '.dockerignore'))
  ? readFileSync(join(root, '.dockerignore'), 'utf8')
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line && !line.startsWith('#'))
      .map(
        (pattern) =>
          new RegExp(
            `^${pattern
              .replace(/\/$/, '')
              .replace(/[.+^$()|[\]{}]/g, '\\$&')
              .replace(/\*/g, '[^/]*')
              .replace(/\?/g, '[^/]')}(/.*)?$`,
          ),
      )
  : [];
const ignored = (relativePath) => ignorePatterns.some((pattern) => pattern.test(relativePath));

function chownTree(path, { uid, gid }) {
  lchownSync(path, uid, gid);
  if (lstatSync(path).isDirectory()) for (const entry of readdirSync(path)) chownTree(join(path, entry), { uid, gid });
}

/** `mkdir -p` inside a stage: directories made on the way belong to root, as Docker makes them. */
function makeDirectory(stageRoot, containerPath) {
  const parts = containerPath.split('/').filter(Boolean);
  let current = stageRoot;
  for (const part of parts) {
    current = join(current, part);
    if (!existsSync(current)) {
      mkdirSync(current);
      chmodSync(current, 0o755);
      lchownSync(current, 0, 0);
    }
  }
}

function copyInto(sourcePath, targetPath, owner, filter) {
  cpSync(sourcePath, targetPath, { recursive: true, verbatimSymlinks: true, preserveTimestamps: true, filter });
  chownTree(targetPath, owner);
}

function resolveIn(stage, path) {
  return posix.isAbsolute(path) ? posix.normalize(path) : posix.join(stage.workdir, path);
}

function runCommand(stage, command) {
  const words = command.trim().split(/\s+/);
  if (words.some((word) => /["'`$;|<>]/.test(word))) fail(`RUN ${command}: quoting, variables and redirections are not understood here`);
  const [program, ...args] = words;
  const host = (path) => join(stage.root, resolveIn(stage, path));
  if (program === 'npm') {
    say(`    npm ${args.join(' ')}`);
    const outcome = spawnSync('npm', args, {
      cwd: join(stage.root, stage.workdir),
      stdio: ['ignore', 'inherit', 'inherit'],
      // The image's Node runs npm and its scripts; here, this project's Node of the same major.
      env: { ...process.env, ...stage.env, PATH: `${dirname(NODE_BINARY)}:${process.env.PATH}` },
    });
    if (outcome.status !== 0) fail(`RUN ${command} failed with ${outcome.status}`);
  } else if (program === 'mkdir') {
    for (const path of args.filter((arg) => arg !== '-p')) makeDirectory(stage.root, resolveIn(stage, path));
  } else if (program === 'chown') {
    const recursive = args[0] === '-R';
    const [spec, ...paths] = recursive ? args.slice(1) : args;
    for (const path of paths) (recursive ? chownTree : (target, o) => lchownSync(target, o.uid, o.gid))(host(path), ownerOf(spec));
  } else if (program === 'chmod') {
    const [mode, ...paths] = args;
    if (!/^[0-7]{3,4}$/.test(mode)) fail(`RUN chmod ${mode}: only octal modes are understood here`);
    for (const path of paths) chmodSync(host(path), Number.parseInt(mode, 8));
  } else {
    fail(`RUN ${program}: not understood by scripts/check-image-layout.mjs (npm, mkdir, chown and chmod are)`);
  }
}

function build(dockerfile, workDir) {
  const args = {};
  const stages = [];
  let stage = null;
  for (const { keyword, rest, line } of instructions(dockerfile)) {
    const text = substitute(rest, { ...args, ...stage?.env });
    if (keyword === 'ARG') {
      const [name, value] = rest.split(/=(.*)/s);
      args[name] = value;
      continue;
    }
    if (keyword === 'FROM') {
      const [, image, name] = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(text) ?? fail(`cannot read ${line}`);
      stage = {
        name: name ?? String(stages.length),
        image,
        root: join(workDir, `stage-${stages.length}`),
        workdir: '/',
        env: {},
        user: 'root',
        volumes: [],
        expose: [],
        healthcheck: null,
        cmd: null,
      };
      mkdirSync(stage.root);
      stages.push(stage);
      say(`  stage ${stage.name} (FROM ${image})`);
      continue;
    }
    if (!stage) fail(`${line} comes before any FROM`);
    switch (keyword) {
      case 'WORKDIR':
        stage.workdir = resolveIn(stage, text);
        makeDirectory(stage.root, stage.workdir);
        break;
      case 'ENV':
        Object.assign(stage.env, parseEnv(text));
        break;
      case 'COPY': {
        const words = text.split(/\s+/);
        const flags = flagsOf(words);
        const destination = resolveIn(stage, words.pop());
        const owner = flags.chown ? ownerOf(flags.chown) : { uid: 0, gid: 0 };
        const from = flags.from ? (stages.find((candidate) => candidate.name === flags.from) ?? fail(`COPY --from=${flags.from}: no such stage`)) : null;
        const intoDirectory = words.length > 1 || destination.endsWith('/');
        for (const source of words) {
          const sourcePath = from ? join(from.root, resolveIn(from, source)) : join(root, source);
          if (!existsSync(sourcePath)) fail(`${line}: ${source} does not exist`);
          if (!from && ignored(source)) fail(`${line}: ${source} is excluded by .dockerignore`);
          const isDirectory = statSync(sourcePath).isDirectory();
          const target = intoDirectory && !isDirectory ? posix.join(destination, posix.basename(source)) : destination;
          makeDirectory(stage.root, isDirectory ? target : posix.dirname(target));
          const filter = from ? undefined : (path) => !ignored(relative(root, path));
          copyInto(sourcePath, join(stage.root, target), owner, filter);
        }
        break;
      }
      case 'RUN':
        for (const command of text.split('&&')) runCommand(stage, command);
        break;
      case 'USER':
        stage.user = text;
        break;
      case 'VOLUME':
        stage.volumes.push(...(text.startsWith('[') ? JSON.parse(text) : text.split(/\s+/)));
        break;
      case 'EXPOSE':
        stage.expose.push(...text.split(/\s+/).map((port) => Number.parseInt(port, 10)));
        break;
      case 'HEALTHCHECK': {
        const command = /\bCMD\s+(\[.*\])\s*$/.exec(text) ?? fail(`${line}: only the exec form (CMD [...]) is understood here`);
        stage.healthcheck = JSON.parse(command[1]);
        break;
      }
      case 'CMD':
        stage.cmd = text.startsWith('[') ? JSON.parse(text) : fail(`${line}: use the exec form so the server is PID 1 and gets the signals`);
        break;
      case 'STOPSIGNAL':
      case 'LABEL':
        break;
      default:
        fail(`${line}: ${keyword} is not understood by scripts/check-image-layout.mjs`);
    }
  }
  return { stages, args };
}

// ---------------------------------------------------------------------------------- check the tree

function walk(path, visit) {
  const stat = lstatSync(path);
  visit(path, stat);
  if (stat.isDirectory()) for (const entry of readdirSync(path)) walk(join(path, entry), visit);
}

function checkTree(runtime, nodeImage) {
  const at = (containerPath) => join(runtime.root, containerPath);
  const uid = USERS[runtime.user] ?? Number(runtime.user);
  check(uid !== 0 && Number.isInteger(uid), `the image runs as "${runtime.user}", not as a non-root user`);
  const { DATA_DIR: dataDir, MEDIA_DIR: mediaDir } = runtime.env;
  for (const [name, path] of [
    ['DATA_DIR', dataDir],
    ['MEDIA_DIR', mediaDir],
  ]) {
    if (!check(path && posix.isAbsolute(path), `ENV ${name} is not an absolute path (${path})`)) continue;
    const inVolume = runtime.volumes.some((volume) => path === volume || path.startsWith(`${volume}/`));
    check(inVolume, `${name}=${path} is not in a VOLUME (${runtime.volumes.join(', ') || 'none'})`);
    if (!check(existsSync(at(path)) && statSync(at(path)).isDirectory(), `${name}=${path} does not exist in the image`)) continue;
    for (let current = path; current !== '/'; current = posix.dirname(current)) {
      const stat = statSync(at(current));
      if (runtime.volumes.some((volume) => current === volume || current.startsWith(`${volume}/`))) {
        check(stat.uid === uid && stat.gid === uid, `${current} belongs to ${stat.uid}:${stat.gid}, not to the server's user ${uid}`);
        check((stat.mode & 0o700) === 0o700, `${current} is not writable by its owner (mode ${(stat.mode & 0o777).toString(8)})`);
      }
    }
  }
  // The code: root's, and not writable by the server.
  const volumes = runtime.volumes.map((volume) => at(volume));
  walk(at(runtime.workdir), (path, stat) => {
    if (volumes.some((volume) => path === volume || path.startsWith(`${volume}/`))) return;
    if (stat.uid !== 0 || (stat.mode & 0o002 && !stat.isSymbolicLink()))
      problems.push(`${relative(runtime.root, path)} is writable by the server (owner ${stat.uid}, mode ${(stat.mode & 0o777).toString(8)})`);
  });
  const app = at(runtime.workdir);
  const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8'));
  const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  // What only development needs, as the lockfile says (a devDependency that a dependency also needs,
  // such as ajv, is not marked dev there).
  const devOnly = Object.entries(lock.packages).filter(([path, entry]) => path.startsWith('node_modules/') && (entry.dev || entry.devOptional));
  check(
    devOnly.some(([path]) => path === 'node_modules/typescript'),
    'the lockfile no longer lists TypeScript as development-only: update this check',
  );
  for (const [path] of devOnly) check(!existsSync(join(app, path)), `${path} (only needed in development) is in the image`);
  for (const absent of ['src', 'test', 'bench', 'migrations', '.env', 'tsconfig.json', 'node_modules/typescript']) {
    check(!existsSync(join(app, absent)), `${absent} is in the image`);
  }
  walk(join(app, 'dist'), (path) => check(!/\.ts$/.test(path) || /\.d\.ts$/.test(path), `TypeScript source ${relative(runtime.root, path)} in the image`));
  // Node: the base image, .nvmrc and engines agree.
  const major = /^node:(\d+)/.exec(nodeImage)?.[1];
  const nvmrc = readFileSync(join(root, '.nvmrc'), 'utf8').trim();
  check(major && major === nvmrc.split('.')[0], `the base image ${nodeImage} and .nvmrc (${nvmrc}) name different Node majors`);
  check(major && satisfies(`${major}.99.0`, manifest.engines.node), `the base image's Node ${major} is not in package.json engines (${manifest.engines.node})`);
  check(
    satisfies(process.versions.node, manifest.engines.node) && process.versions.node.split('.')[0] === major,
    `this check runs on Node ${process.versions.node}, not the image's Node ${major}`,
  );
  check(runtime.expose.includes(Number(runtime.env.PORT)), `EXPOSE ${runtime.expose.join(' ')} does not include PORT=${runtime.env.PORT}`);
  check(runtime.healthcheck?.join(' ').includes('process.env.PORT'), 'the HEALTHCHECK does not follow PORT');
  check(runtime.cmd && existsSync(join(app, runtime.cmd[1] ?? '')), `CMD ${JSON.stringify(runtime.cmd)} names a file that is not in the image`);
  check(existsSync(join(app, 'dist/src/main.js')), 'dist/src/main.js is not in the image');
}

// ------------------------------------------------------------------------------------ run the image

async function freePort() {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address();
  server.close();
  return port;
}

/**
 * Runs `argv` in the runtime tree as the image would: a mount namespace of its own where the tree is `/`,
 * the host's /usr (read-only) standing for the base image's, this project's Node at /opt/node/bin/node.
 */
function inImage(runtime, argv, env, options = {}) {
  const rootfs = runtime.root;
  const uid = USERS[runtime.user] ?? Number(runtime.user);
  for (const link of ['bin', 'lib', 'lib64', 'sbin']) {
    if (!existsSync(join(rootfs, link)) && existsSync(`/${link}`)) spawnSync('cp', ['-P', `/${link}`, join(rootfs, link)]);
  }
  for (const dir of ['usr', 'etc', 'dev', 'proc', 'tmp', 'opt/node/bin']) mkdirSync(join(rootfs, dir), { recursive: true });
  if (!existsSync(join(rootfs, 'opt/node/bin/node'))) writeFileSync(join(rootfs, 'opt/node/bin/node'), '');
  const mounts = [
    `mount --rbind /usr ${rootfs}/usr && mount -o remount,bind,ro ${rootfs}/usr`,
    `mount --rbind /etc ${rootfs}/etc && mount -o remount,bind,ro ${rootfs}/etc`,
    `mount --rbind /dev ${rootfs}/dev`,
    `mount -t proc proc ${rootfs}/proc`,
    `mount -t tmpfs tmpfs ${rootfs}/tmp`,
    `mount --bind ${NODE_BINARY} ${rootfs}/opt/node/bin/node`,
  ].join(' && ');
  const environment = Object.entries({ PATH: '/opt/node/bin:/usr/local/bin:/usr/bin:/bin', HOME: '/tmp', ...runtime.env, ...env }).map(
    ([key, value]) => `${key}=${value}`,
  );
  const script = `${mounts} && cd ${rootfs} && exec chroot --userspec=${uid}:${uid} --groups=${uid} . /usr/bin/env -C ${runtime.workdir} -i "$@"`;
  return spawn(
    'setpriv',
    ['--pdeathsig', 'KILL', '--', 'unshare', '--mount', '--propagation', 'private', 'sh', '-c', script, 'sh', ...environment, ...argv],
    options,
  );
}

async function eventually(probe, what, timeoutMs = 120_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch {
      // not yet
    }
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs / 1000} s`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

async function scratchDatabase() {
  if (!process.env.DATABASE_URL) return null;
  const pg = (await import('pg')).default;
  const name = `chat_image_${Date.now()}_${randomBytes(3).toString('hex')}`;
  const run = async (sql) => {
    const client = new pg.Client({ connectionString: process.env.DATABASE_URL });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  await run(`CREATE DATABASE ${name}`);
  const url = new URL(process.env.DATABASE_URL);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => run(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
}

async function runImage(runtime) {
  const port = await freePort();
  const database = await scratchDatabase();
  say(
    `  running CMD ${JSON.stringify(runtime.cmd)} as uid ${USERS[runtime.user] ?? runtime.user} on ${database ? 'a scratch database on DATABASE_URL' : 'the embedded database in the data volume'}`,
  );
  const env = {
    PORT: String(port),
    HOST: '127.0.0.1',
    JWT_SECRET: randomBytes(48).toString('base64'),
    LOG_LEVEL: 'info',
    ...(database ? { DATABASE_URL: database.url } : {}),
  };
  const server = inImage(runtime, runtime.cmd, env, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  server.stdout.on('data', (chunk) => (output += chunk));
  server.stderr.on('data', (chunk) => (output += chunk));
  const exited = once(server, 'exit');
  const url = `http://127.0.0.1:${port}`;
  try {
    await eventually(async () => {
      if (server.exitCode !== null) throw Object.assign(new Error('exited'), { fatal: true });
      return (await fetch(`${url}/health/ready`)).status === 200 ? true : undefined;
    }, 'the server ready').catch((error) => fail(`the server did not get ready (${error.message}):\n${output}`));
    say('  /health/ready: 200');

    const health = inImage(runtime, runtime.healthcheck, env, { stdio: 'ignore' });
    const [healthCode] = await once(health, 'exit');
    check(healthCode === 0, `the image's HEALTHCHECK command exited with ${healthCode}`);
    say(`  HEALTHCHECK: exit ${healthCode}`);

    const signup = await fetch(`${url}/api/v1/auth/signup`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'image@example.com', username: 'image_check', password: 'correct horse battery' }),
    });
    check(signup.status === 201, `signup answered ${signup.status}`);
    const { accessToken } = await signup.json();
    const sharp = (await import('sharp')).default;
    const png = await sharp({ create: { width: 64, height: 48, channels: 3, background: '#3b82f6' } })
      .png()
      .toBuffer();
    const form = new FormData();
    form.append('file', new Blob([png], { type: 'image/png' }), 'check.png');
    const upload = await fetch(`${url}/api/v1/media`, { method: 'POST', headers: { authorization: `Bearer ${accessToken}` }, body: form });
    const uploaded = await upload.json();
    check(upload.status === 201, `an upload answered ${upload.status}: ${JSON.stringify(uploaded)}`);
    say(`  upload: ${upload.status}`);
    if (upload.status === 201) {
      const content = await fetch(`${url}/api/v1/media/${uploaded.id}/content`, { headers: { authorization: `Bearer ${accessToken}` } });
      check(content.status === 200 && Buffer.from(await content.arrayBuffer()).equals(png), `the upload reads back as ${content.status}`);
      const stored = [];
      walk(join(runtime.root, runtime.env.MEDIA_DIR), (path, stat) => stat.isFile() && stored.push({ path, stat }));
      check(
        stored.some(({ path }) => path.includes(uploaded.id)),
        `the upload is not stored under MEDIA_DIR=${runtime.env.MEDIA_DIR}`,
      );
      check(
        stored.every(({ stat }) => stat.uid === USERS[runtime.user]),
        'stored media do not belong to the server user',
      );
    }
    server.kill('SIGTERM');
    const [code, signal] = await exited;
    check(code === 0, `SIGTERM: the server exited with ${code ?? signal}\n${output}`);
    say(`  SIGTERM: exit ${code ?? signal}`);
    if (!database) check(!existsSync(join(runtime.root, runtime.env.DATA_DIR, 'pg.lock')), 'the embedded database lock is left after a clean stop');
  } finally {
    if (server.exitCode === null && server.signalCode === null) {
      server.kill('SIGKILL');
      await exited;
    }
    await database?.drop();
  }
}

// ------------------------------------------------------------------------------------------- compose

function checkCompose() {
  const composeFile = join(root, 'docker-compose.yml');
  const compose =
    spawnSync('docker-compose', ['--version'], { stdio: 'ignore' }).status === 0
      ? ['docker-compose']
      : spawnSync('docker', ['compose', 'version'], { stdio: 'ignore' }).status === 0
        ? ['docker', 'compose']
        : null;
  if (!compose) return say('  docker compose config: skipped (neither docker-compose nor docker compose is installed)');
  const outcome = spawnSync(compose[0], [...compose.slice(1), '-f', composeFile, 'config', '-q'], {
    env: { ...process.env, JWT_SECRET: 'x'.repeat(48) },
    encoding: 'utf8',
  });
  check(outcome.status === 0, `${compose.join(' ')} config: ${outcome.stderr.trim()}`);
  say(`  ${compose.join(' ')} config: ${outcome.status === 0 ? 'valid' : 'invalid'}`);
}

// ---------------------------------------------------------------------------------------------- main

/** The mounts live in the runs' own mount namespaces; never delete a tree that has one in ours. */
function removeWorkDir(workDir) {
  const mounted = readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .some((line) => line.split(' ')[4]?.startsWith(workDir));
  if (mounted) return process.stderr.write(`check-image-layout: ${workDir} still has mounts; left in place\n`);
  rmSync(workDir, { recursive: true, force: true });
}

const workDir = mkdtempSync(join(tmpdir(), 'chat-image-'));
chmodSync(workDir, 0o755);
try {
  const started = Date.now();
  say("Building the Dockerfile's stages without Docker:");
  // Another Dockerfile as the first argument: to see what this script says about a change before making it.
  const dockerfile = readFileSync(process.argv[2] ?? join(root, 'Dockerfile'), 'utf8');
  const { stages } = build(dockerfile, workDir);
  const runtime = stages.at(-1);
  say("Checking the runtime stage's tree:");
  checkTree(runtime, runtime.image);
  checkCompose();
  if (!problems.length) {
    say('Running it:');
    await runImage(runtime);
  }
  if (problems.length) fail(`${problems.length} problem(s):\n  ${problems.join('\n  ')}`);
  say(`The image layout is as it should be (${Math.round((Date.now() - started) / 1000)} s).`);
} catch (error) {
  if (!(error instanceof CheckFailed)) throw error;
  process.stderr.write(`check-image-layout: ${error.message}\n`);
  process.exitCode = 1;
} finally {
  removeWorkDir(workDir);
}
