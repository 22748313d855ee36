/**
 * `npm run check:documents`: the OpenAPI and AsyncAPI documents the built app serves, checked with the
 * tools frontend teams use (`npm run build` first; the npm script does), each with 0 errors:
 *
 * 1. @apidevtools/swagger-parser validates /docs/openapi.json (OpenAPI 3.1, every $ref resolved);
 * 2. @asyncapi/parser parses /docs/asyncapi.json;
 * 3. Spectral lints them with its `spectral:oas` and `spectral:asyncapi` rulesets;
 * 4. our own rules for what those tools don't check: every operation named from the table, every
 *    parameter and JSON body with an example that its schema accepts, path ids `format: uuid`, integers
 *    only, tagged operations under described tags, typed sync events, the error-code enums equal to
 *    src/common/errors/error-codes.ts, every AsyncAPI message with a messageId;
 * 5. openapi-typescript (installed apart, in tools/openapi-typescript: it needs TypeScript 5) generates a
 *    typed client, and tools/typed-client/flow.ts — a realistic flow with openapi-fetch — must type-check
 *    without casts and then run against the app.
 *
 * The database is DATABASE_URL when set, else an embedded one in a temporary directory; no Redis.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import SwaggerParser from '@apidevtools/swagger-parser';
import { Parser as AsyncApiParser } from '@asyncapi/parser';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';

const root = fileURLToPath(new URL('..', import.meta.url));
const workDir = mkdtempSync(join(tmpdir(), 'chat-documents-'));
const failures = [];
const fail = (check, problem) => failures.push(`${check}: ${problem}`);

function run(command, args, options = {}) {
  const result = spawnSync(command, args, { cwd: root, encoding: 'utf8', ...options });
  return { status: result.status ?? 1, output: `${result.stdout ?? ''}${result.stderr ?? ''}` };
}

async function bootApp() {
  const { loadConfig } = await import(join(root, 'dist/src/config/app-config.js'));
  const { createApp } = await import(join(root, 'dist/src/app.factory.js'));
  const { REDIS_URL: _redis, ...env } = process.env;
  const config = loadConfig({ ...env, NODE_ENV: 'test', LOG_LEVEL: 'silent', DATA_DIR: join(workDir, 'data'), MEDIA_DIR: join(workDir, 'media') });
  const running = await createApp(config);
  await running.app.listen({ port: 0, host: '127.0.0.1' });
  const address = running.app.getHttpServer().address();
  return { running, url: `http://127.0.0.1:${address.port}` };
}

async function fetchJson(url) {
  const response = await fetch(url);
  if (response.status !== 200) throw new Error(`GET ${url} answered ${response.status}`);
  return response.json();
}

async function withSwaggerParser(openapi) {
  try {
    await SwaggerParser.validate(structuredClone(openapi));
  } catch (error) {
    fail('swagger-parser', error.message);
  }
}

async function withAsyncApiParser(asyncapi) {
  const { diagnostics } = await new AsyncApiParser().parse(JSON.stringify(asyncapi));
  for (const diagnostic of diagnostics.filter((entry) => entry.severity === 0))
    fail('@asyncapi/parser', `${diagnostic.code} at ${diagnostic.path.join('.')}: ${diagnostic.message}`);
}

function withSpectral(file, ruleset) {
  const rulesetFile = join(workDir, `${ruleset}.spectral.json`);
  writeFileSync(rulesetFile, JSON.stringify({ extends: [[`spectral:${ruleset}`, 'recommended']] }));
  const cli = join(root, 'node_modules/@stoplight/spectral-cli/dist/index.js');
  const lint = run(process.execPath, [cli, 'lint', '--ruleset', rulesetFile, '--fail-severity', 'error', '--display-only-failures', file], {
    env: { ...process.env, SCARF_ANALYTICS: 'false', DO_NOT_TRACK: '1' },
  });
  if (lint.status !== 0) fail(`spectral:${ruleset}`, lint.output.trim());
  else console.log(`spectral:${ruleset}: ${lint.output.trim() || 'no errors'}`);
}

const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'];

function operationsOf(openapi) {
  return Object.entries(openapi.paths).flatMap(([path, item]) =>
    HTTP_METHODS.filter((method) => item[method]).map((method) => ({ path, method, operation: item[method] })),
  );
}

function schemaValidator(openapi) {
  const ajv = addFormats(new Ajv2020({ strict: false, allErrors: true }));
  ajv.addFormat('binary', true);
  ajv.addSchema({ $id: 'openapi', components: openapi.components });
  const rebase = (schema) => JSON.parse(JSON.stringify(schema).replaceAll('"#/components/', '"openapi#/components/'));
  return (schema, value) => {
    const validate = ajv.compile(rebase(schema));
    return validate(value) ? undefined : ajv.errorsText(validate.errors);
  };
}

/** Our own rules (see the header). */
async function withOwnRules(openapi, asyncapi) {
  const { HTTP_ERROR_CODES, SOCKET_ERROR_CODES } = await import(join(root, 'dist/src/common/errors/error-codes.js'));
  const { UNNAMED_OPERATION_PREFIX } = await import(join(root, 'dist/src/docs/openapi.js'));
  const check = 'own rules';
  const problemOf = schemaValidator(openapi);
  const tags = new Map((openapi.tags ?? []).map((tag) => [tag.name, tag.description]));
  for (const [name, description] of tags) if (!description) fail(check, `tag ${name} has no description`);
  for (const { path, method, operation } of operationsOf(openapi)) {
    const where = `${method.toUpperCase()} ${path}`;
    if (!operation.operationId || operation.operationId.startsWith(UNNAMED_OPERATION_PREFIX))
      fail(check, `${where} has no operationId from the table in src/docs/openapi.ts`);
    for (const tag of operation.tags ?? []) if (!tags.has(tag)) fail(check, `${where} is tagged ${tag}, which is not a top-level tag`);
    if (!operation.tags?.length) fail(check, `${where} has no tag`);
    for (const parameter of operation.parameters ?? []) {
      if (parameter.example === undefined) fail(check, `${where} parameter ${parameter.name} has no example`);
      else if (parameter.schema) {
        const problem = problemOf(parameter.schema, parameter.example);
        if (problem) fail(check, `${where} parameter ${parameter.name}'s example does not match its schema: ${problem}`);
      }
      if (parameter.in === 'path' && /(^|[a-z])(id|Id)$/.test(parameter.name) && parameter.schema?.format !== 'uuid')
        fail(check, `${where} path id ${parameter.name} is not format: uuid`);
    }
    for (const [type, media] of Object.entries(operation.requestBody?.content ?? {})) {
      if (!type.includes('json')) continue;
      const examples = media.example !== undefined ? [media.example] : Object.values(media.examples ?? {}).map((example) => example.value);
      if (!examples.length) fail(check, `${where} body has no example`);
      for (const example of examples) {
        const problem = problemOf(media.schema, example);
        if (problem) fail(check, `${where} body example does not match its schema: ${problem}`);
      }
    }
    for (const [status, response] of Object.entries(operation.responses)) {
      if (!response.headers?.['x-request-id']) fail(check, `${where} → ${status} does not document x-request-id`);
      if ('429' in operation.responses && !response.headers?.['x-ratelimit-remaining'])
        fail(check, `${where} → ${status} does not document the rate-limit headers`);
    }
  }
  const text = JSON.stringify(openapi);
  if (text.includes('"type":"number"')) fail(check, 'a schema says `type: number`; every number of this API is an integer');
  if (text.includes('"nullable"')) fail(check, '`nullable` is not OpenAPI 3.1');
  const schemas = openapi.components.schemas;
  const sameSet = (a, b) => JSON.stringify([...a].sort()) === JSON.stringify([...b].sort());
  if (!sameSet(schemas.ErrorCode?.enum ?? [], HTTP_ERROR_CODES)) fail(check, 'ErrorCode is not the HTTP codes of src/common/errors/error-codes.ts');
  if (schemas.SyncEventDto?.discriminator?.propertyName !== 'type' || !schemas.SyncEventDto.oneOf?.length)
    fail(check, 'SyncEventDto is not a union discriminated by type');
  for (const [name, message] of Object.entries(asyncapi.components.messages))
    if (message.messageId !== name) fail(check, `AsyncAPI message ${name} has no messageId`);
  if (!sameSet(asyncapi.components.schemas.AckErrorDto?.properties?.code?.enum ?? [], SOCKET_ERROR_CODES))
    fail(check, 'the AsyncAPI ack error codes are not the socket codes of src/common/errors/error-codes.ts');
}

/** openapi-typescript's client, and the typed flow compiled (no casts) and run against the app. */
async function withTypedClient(openapiFile, url) {
  const tool = join(root, 'tools/openapi-typescript');
  if (!existsSync(join(tool, 'node_modules/openapi-typescript'))) {
    const install = run('npm', ['ci', '--no-audit', '--no-fund', '--prefix', tool]);
    if (install.status !== 0) return fail('openapi-typescript', `npm ci in tools/openapi-typescript failed:\n${install.output}`);
  }
  const client = join(root, 'tools/typed-client');
  mkdirSync(join(client, 'generated'), { recursive: true });
  const generate = run(process.execPath, [
    join(tool, 'node_modules/openapi-typescript/bin/cli.js'),
    openapiFile,
    '--output',
    join(client, 'generated/openapi.ts'),
  ]);
  if (generate.status !== 0) return fail('openapi-typescript', generate.output.trim());
  const flowSource = readFileSync(join(client, 'flow.ts'), 'utf8');
  const casts = flowSource.split('\n').filter((line) => /\bas (?!const\b)[A-Za-z{[(]|<[A-Z]\w*>\s*\w|\bany\b/.test(line.replace(/\/\/.*$/, '')));
  if (casts.length) fail('typed flow', `casts or any in tools/typed-client/flow.ts:\n${casts.join('\n')}`);
  // Compiled inside the repository (tools/typed-client/dist, ignored by git), so `openapi-fetch` resolves.
  const compile = run(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(client, 'tsconfig.json')]);
  if (compile.status !== 0) return fail('typed flow', `does not type-check against the generated client:\n${compile.output.trim()}`);
  try {
    const { flow } = await import(pathToFileURL(join(client, 'dist', 'flow.js')).href);
    const shown = await flow(url);
    console.log(`typed flow against the app:\n  ${shown.join('\n  ')}`);
  } catch (error) {
    fail('typed flow', `failed against the app: ${error.stack ?? error}`);
  }
}

let app;
try {
  app = await bootApp();
  const openapi = await fetchJson(`${app.url}/docs/openapi.json`);
  const asyncapi = await fetchJson(`${app.url}/docs/asyncapi.json`);
  const openapiFile = join(workDir, 'openapi.json');
  const asyncapiFile = join(workDir, 'asyncapi.json');
  writeFileSync(openapiFile, `${JSON.stringify(openapi, null, 2)}\n`);
  writeFileSync(asyncapiFile, `${JSON.stringify(asyncapi, null, 2)}\n`);
  await withSwaggerParser(openapi);
  await withAsyncApiParser(asyncapi);
  withSpectral(openapiFile, 'oas');
  withSpectral(asyncapiFile, 'asyncapi');
  await withOwnRules(openapi, asyncapi);
  await withTypedClient(openapiFile, app.url);
} catch (error) {
  fail('check-documents', error.stack ?? String(error));
} finally {
  await app?.running.close();
  rmSync(workDir, { recursive: true, force: true });
}

if (failures.length) {
  console.error(`Document checks failed (${failures.length}):\n\n${failures.join('\n\n')}`);
  process.exitCode = 1;
} else {
  console.log('Document checks passed: swagger-parser, @asyncapi/parser, Spectral oas + asyncapi, own rules, openapi-typescript + typed flow');
}
