import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderApiReference } from '../../src/docs/api-reference.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

const COMMITTED = join(process.cwd(), 'docs/API.md');

describe('docs/API.md', () => {
  let app: TestApp;

  beforeAll(async () => {
    app = await startTestApp();
  });

  afterAll(async () => {
    await app.close();
  });

  async function served(url: string) {
    const response = await app.app.inject({ method: 'GET', url });
    expect(response.statusCode).toBe(200);
    return response.json();
  }

  it('is what the served OpenAPI and AsyncAPI documents give (else run `npm run docs:api`)', async () => {
    const generated = renderApiReference(await served('/docs/openapi.json'), await served('/docs/asyncapi.json'));
    expect(readFileSync(COMMITTED, 'utf8')).toBe(generated);
  });

  it('lists every operation of the OpenAPI document and every event of the AsyncAPI document', async () => {
    const committed = readFileSync(COMMITTED, 'utf8');
    const openapi = await served('/docs/openapi.json');
    const asyncapi = await served('/docs/asyncapi.json');
    for (const [path, item] of Object.entries(openapi.paths as Record<string, Record<string, unknown>>)) {
      for (const method of Object.keys(item)) expect(committed).toContain(`#### \`${method.toUpperCase()} ${path}\``);
    }
    for (const name of Object.keys(asyncapi.components.messages)) expect(committed).toContain(`#### \`${name}\``);
    for (const name of [...Object.keys(openapi.components.schemas), ...Object.keys(asyncapi.components.schemas)]) expect(committed).toContain(`### ${name}\n`);
  });

  it('files every operation under exactly one of the top-level tags (the sections above, and those of Swagger UI)', async () => {
    const openapi = await served('/docs/openapi.json');
    const declared = new Set((openapi.tags as Array<{ name: string }>).map((tag) => tag.name));
    const misfiled: string[] = [];
    for (const [path, item] of Object.entries(openapi.paths as Record<string, Record<string, { tags?: string[] }>>)) {
      for (const [method, operation] of Object.entries(item)) {
        const tags = operation.tags ?? [];
        if (tags.length !== 1 || !declared.has(tags[0])) misfiled.push(`${method.toUpperCase()} ${path}: ${JSON.stringify(tags)}`);
      }
    }
    expect(misfiled).toEqual([]);
  });
});
