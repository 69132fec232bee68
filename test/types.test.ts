/**
 * The public types (issue 10: the API does not change): a user's program
 * against src/index.ts compiles under strict settings, goim frames are
 * accepted by send()/broadcast(), and what must not compile does not.
 */
import * as path from 'node:path';
import * as ts from 'typescript';
import { expect, it } from 'vitest';

it('a program using the public types compiles, and its @ts-expect-error lines are errors', () => {
  const file = path.join(__dirname, 'fixtures', 'public-api.ts');
  const program = ts.createProgram([file], {
    strict: true, noEmit: true, target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.CommonJS,
    moduleResolution: ts.ModuleResolutionKind.Node10, types: ['node'], skipLibCheck: true, noUnusedLocals: true,
  });
  const diagnostics = ts.getPreEmitDiagnostics(program).map((d) => {
    const where = d.file && d.start !== undefined ? `${path.basename(d.file.fileName)}:${d.file.getLineAndCharacterOfPosition(d.start).line + 1}` : '';
    return `${where} ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`;
  });
  expect(diagnostics).toEqual([]);
}, 180_000); // a whole tsc program: slow on a loaded 2-core machine
