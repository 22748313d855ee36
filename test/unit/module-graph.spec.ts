import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const SRC = resolve(dirname(fileURLToPath(import.meta.url)), '../../src');

function sourceFiles(directory: string): string[] {
  return readdirSync(directory).flatMap((name) => {
    const path = join(directory, name);
    return statSync(path).isDirectory() ? sourceFiles(path) : path.endsWith('.ts') ? [path] : [];
  });
}

/** The top-level folder under src/ a file is in; files directly in src/ (bootstrap, wiring) have none. */
const folderOf = (file: string): string | null => {
  const parts = relative(SRC, file).split('/');
  return parts.length > 1 ? parts[0] : null;
};

/** Every relative import and export-from of a file, type-only ones included: a type is a dependency too. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const specifiers = [
    ...text.matchAll(/(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s+['"](\.[^'"]+)['"]/g),
    ...text.matchAll(/import\(\s*['"](\.[^'"]+)['"]\s*\)/g),
  ];
  return specifiers.map((match) => resolve(dirname(file), match[1]));
}

/** folder → the folders its files import. */
function folderGraph(): Map<string, Set<string>> {
  const graph = new Map<string, Set<string>>();
  for (const file of sourceFiles(SRC)) {
    const from = folderOf(file);
    if (!from) continue;
    const edges = graph.get(from) ?? new Set<string>();
    graph.set(from, edges);
    for (const target of importsOf(file)) {
      const to = target.startsWith(SRC) ? folderOf(target) : null;
      if (to && to !== from) edges.add(to);
    }
  }
  return graph;
}

/** Every cycle's folders, found by depth-first search (each cycle once, from its first folder in the walk). */
function cycles(graph: Map<string, Set<string>>): string[][] {
  const found: string[][] = [];
  const state = new Map<string, 'open' | 'done'>();
  const path: string[] = [];
  const visit = (folder: string) => {
    state.set(folder, 'open');
    path.push(folder);
    for (const next of graph.get(folder) ?? []) {
      if (state.get(next) === 'open') found.push([...path.slice(path.indexOf(next)), next]);
      else if (!state.has(next)) visit(next);
    }
    path.pop();
    state.set(folder, 'done');
  };
  for (const folder of [...graph.keys()].sort()) if (!state.has(folder)) visit(folder);
  return found;
}

describe('the module graph of src/', () => {
  const graph = folderGraph();

  it('has no cycle between top-level folders: no two modules import each other, directly or around', () => {
    expect(cycles(graph).map((cycle) => cycle.join(' → '))).toEqual([]);
  });

  it('keeps access at the bottom: it imports only the foundations', () => {
    expect([...(graph.get('access') ?? [])].sort()).toEqual(['common', 'database']);
  });

  it('finds the folders it is meant to check (the parser works)', () => {
    expect(graph.get('conversations')).toEqual(expect.objectContaining({ size: expect.any(Number) }));
    expect([...graph.get('conversations')!]).toEqual(expect.arrayContaining(['access', 'messages', 'memberships']));
    expect(
      cycles(
        new Map([
          ['a', new Set(['b'])],
          ['b', new Set(['a'])],
        ]),
      ),
    ).toEqual([['a', 'b', 'a']]);
  });
});
