/**
 * The shape of src/ (issue 10): no import circles (type-only imports count),
 * the server and the connection know no protocol, protocols never reach into
 * the server. A new import that breaks one of these fails here.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { findCycles, importGraph } from './support/import-graph';

const SRC = path.join(__dirname, '..', 'src');
const graph = importGraph(SRC);
const importsOf = (file: string): string[] => {
  const targets = graph.get(file);
  if (targets === undefined) throw new Error(`${file} is not in src/`);
  return targets;
};
/** Files of one protocol module (src/protocols/<name>/...). */
const PROTOCOL_FILE = /^protocols\/[^/]+\//;

describe('src/ import graph', () => {
  it('finds circles, type-only ones included (checked on a tree that has one)', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ringnet-imports-'));
    try {
      fs.mkdirSync(path.join(dir, 'p'));
      fs.writeFileSync(path.join(dir, 'a.ts'), "import { b } from './p/b';\nexport const a = b;\n");
      fs.writeFileSync(path.join(dir, 'p', 'b.ts'), "import type { C } from '../c';\nexport const b = 1 as unknown as C;\n");
      fs.writeFileSync(path.join(dir, 'c.ts'), "export type { A } from './a';\nexport type C = number;\n");
      expect(findCycles(importGraph(dir))).toEqual([['a.ts', 'p/b.ts', 'c.ts', 'a.ts']]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('has no import circles', () => {
    expect(graph.size).toBeGreaterThan(20);
    expect(findCycles(graph)).toEqual([]);
  });

  it('the connection imports no protocol; the server only the registry and the module contract', () => {
    expect(importsOf('connection.ts').filter((f) => f.startsWith('protocols/'))).toEqual([]);
    expect(importsOf('server.ts').filter((f) => PROTOCOL_FILE.test(f))).toEqual([]);
  });

  it('no protocol module imports the server, the server options or the public index', () => {
    const offenders: string[] = [];
    for (const [file, targets] of graph) {
      if (!file.startsWith('protocols/')) continue;
      for (const t of targets) if (t === 'server.ts' || t === 'options.ts' || t === 'index.ts') offenders.push(`${file} -> ${t}`);
    }
    expect(offenders).toEqual([]);
  });

  it('protocol modules do not import each other (what they share lives in src/protocols/*.ts)', () => {
    const offenders: string[] = [];
    for (const [file, targets] of graph) {
      const own = PROTOCOL_FILE.exec(file)?.[0];
      if (own === undefined) continue;
      for (const t of targets) if (PROTOCOL_FILE.test(t) && !t.startsWith(own)) offenders.push(`${file} -> ${t}`);
    }
    expect(offenders).toEqual([]);
  });
});
