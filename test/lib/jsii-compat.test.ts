import * as fs from 'fs';
import * as path from 'path';
import { jsiiProblems } from './jsii-api';

describe('jsii compatibility of the public API', () => {
  test('lib/ exports nothing jsii could not carry to other languages', () => {
    expect(jsiiProblems('lib/index.ts')).toEqual([]);
  });

  test('fails when a module exports what jsii refuses or drops', () => {
    // GIVEN a module inside the repository, so the project's compiler options apply
    const dir = fs.mkdtempSync(path.join(__dirname, 'jsii-fixture-'));
    try {
      fs.writeFileSync(path.join(dir, 'index.ts'), [
        "export const TAG = 'x';",
        'export interface Options { readonly size: number | string; mutable: boolean; readonly onDone?: () => void }',
        'export class Box<T> { public readonly items: Map<string, T> = new Map(); public pick(mode: \'a\' | \'b\'): [number, number] { return [mode.length, 0]; } }',
        'export interface IFine { readonly name?: string | undefined; readonly tags: Record<string, string>; lookup(key: string): number[] }',
      ].join('\n'));
      // WHEN
      const problems = jsiiProblems(path.relative(path.join(__dirname, '..', '..'), path.join(dir, 'index.ts')));
      // THEN
      expect(problems).toEqual([
        "'TAG' is exported as a VariableDeclaration, which jsii drops: export a class, interface or enum",
        "struct Options has property 'mutable' that is not readonly",
        "Options.size has union type 'number | string'",
        "Options.onDone has function type '() => void': jsii takes an interface with a method instead",
        'class Box is generic',
        "Box.items has generic type 'Map<string, T>'",
        "Box.pick parameter 'mode' has union type ''a' | 'b''",
        "Box.pick return has tuple type '[number, number]'",
      ]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
