import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

// scripts/check-node.cjs is plain CommonJS (so that an old Node can run it): loaded with Node's require.
const { satisfies, supportedRange } = createRequire(join(process.cwd(), 'package.json'))('./scripts/check-node.cjs') as {
  satisfies(version: string, range: string): boolean;
  supportedRange(): string;
};

const read = (path: string) => readFileSync(join(process.cwd(), path), 'utf8');

describe('the supported Node.js versions', () => {
  it.each([
    ['24.9.0', true],
    ['24.21.0', true],
    ['26.0.0', true],
    ['26.10.0', true],
    ['v26.10.0', true],
    ['24.8.9', false],
    ['25.2.1', false],
    ['27.0.0', false],
    ['22.20.0', false],
    ['20.20.2', false],
  ])('package.json engines: %s supported = %s', (version, supported) => {
    expect(satisfies(version, supportedRange())).toBe(supported);
  });

  it('reads the range syntax package.json may use', () => {
    expect(satisfies('24.9.0', '>=24.9 <25')).toBe(true);
    expect(satisfies('25.0.0', '>=24.9 <25')).toBe(false);
    expect(satisfies('26.1.0', '>=26.1.0')).toBe(true);
    expect(satisfies('26.0.9', '>26.0.9')).toBe(false);
    expect(satisfies('26.0.9', '<=26.0.9')).toBe(true);
    expect(satisfies('26.0.9', '26.0.9')).toBe(true);
  });

  it('agree everywhere: engines, .nvmrc, the node devDependency, the Docker base image, and this test run', () => {
    const manifest = JSON.parse(read('package.json'));
    const nvmrc = read('.nvmrc').trim();
    const baseImage = /^ARG NODE_IMAGE=node:(\d+)-/m.exec(read('Dockerfile'))?.[1];
    expect(satisfies(`${nvmrc}.0.0`, manifest.engines.node) || satisfies(nvmrc, manifest.engines.node)).toBe(true);
    expect(satisfies(manifest.devDependencies.node, manifest.engines.node)).toBe(true);
    expect(manifest.devDependencies.node.split('.')[0]).toBe(nvmrc.split('.')[0]);
    expect(baseImage).toBe(nvmrc.split('.')[0]);
    expect(satisfies(process.versions.node, manifest.engines.node)).toBe(true);
    // The types are those of the oldest supported Node, so nothing newer gets used by accident.
    expect(manifest.devDependencies['@types/node'].split('.')[0]).toBe(/\^(\d+)/.exec(manifest.engines.node)![1]);
  });
});
