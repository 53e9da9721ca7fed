// Every code sample in README.md and docs/ runs, so the docs cannot drift
// from the code (the rules are in test/doc-blocks.ts):
// - js and ts blocks run with node in a scratch folder holding a copy of
//   examples/, where `spiking` is this package (its `main`, dist/, which npm
//   test's pretest builds); ts blocks are first type-checked, all together,
//   against dist/index.d.ts;
// - sh blocks run their `spiking` command lines through bin/spiking.js, in
//   such a folder too;
// - json blocks are experiment files: valid against the published schema,
//   and `spiking run` runs them;
// - a block marked <!-- not run: reason --> is counted, any other block fails.
// Relative links between the docs must point at files and headings that exist.
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import Ajv from 'ajv';
import * as ts from 'typescript';

import { cliCommands, docBlocks, docFiles, type DocBlock } from './doc-blocks';

const root = path.join(__dirname, '..');
const bin = path.join(root, 'bin', 'spiking.js');
const files = docFiles(root);
const blocks = files.flatMap((file) => docBlocks(fs.readFileSync(path.join(root, file), 'utf8'), file));
const where = (b: DocBlock) => `${b.file}:${b.line}`;
const ofKind = (...kinds: DocBlock['kind'][]) => blocks.filter((b) => kinds.includes(b.kind));
const count = (kind: DocBlock['kind']) => ofKind(kind).length;

// Made while the tests are collected: test.concurrent tests may start before beforeAll hooks run.
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'spiking-docs-'));
// `require('spiking')` from any folder below scratch is this package.
fs.mkdirSync(path.join(scratch, 'node_modules'));
fs.symlinkSync(root, path.join(scratch, 'node_modules', 'spiking'), 'dir');
afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }));

/** A fresh folder for one block, with a copy of examples/ in it. */
function folder(block: DocBlock): string {
  const dir = path.join(scratch, `${block.file.replace(/[^A-Za-z0-9]/g, '_')}-${block.line}`);
  fs.mkdirSync(dir);
  fs.cpSync(path.join(root, 'examples'), path.join(dir, 'examples'), { recursive: true });
  return dir;
}

/** Runs a command; a non-zero exit fails the test with the block's place and the command's output. */
function run(block: DocBlock, argv: string[], cwd: string, env: NodeJS.ProcessEnv = {}): Promise<void> {
  const options = { cwd, env: { ...process.env, ...env }, encoding: 'utf8' as const, timeout: 120_000, maxBuffer: 1 << 26 };
  return new Promise((resolve, reject) =>
    execFile(argv[0], argv.slice(1), options, (error, stdout, stderr) => {
      if (!error) return resolve();
      const how = typeof error.code === 'number' ? `exited with ${error.code}` : `failed (${error.signal ?? error.message})`;
      reject(new Error(`${where(block)}: ${argv.slice(1).join(' ')} ${how}\n${stdout}\n${stderr}`));
    }),
  );
}

/** A script as a file node runs: wrapped in an async function, so top-level await works. */
function runScript(block: DocBlock, javascript: string): Promise<void> {
  const dir = folder(block);
  const file = path.join(dir, 'sample.js');
  fs.writeFileSync(file, `(async () => {\n${javascript}\n})().catch((e) => { console.error(e); process.exitCode = 1; });\n`);
  return run(block, [process.execPath, file], dir);
}

describe(`the docs' code samples (${files.length} files)`, () => {
  test(`every block is classified: ${count('script') + count('typescript')} js/ts samples, ${count('cli')} command blocks, ${count('experiment')} experiment files run; ${count('output')} outputs shown; ${count('not run')} marked not run`, () => {
    expect(ofKind('unclassified').map((b) => `${where(b)}: ${b.reason}`)).toEqual([]);
    for (const b of ofKind('not run')) expect(`${where(b)}: ${b.reason}`).toMatch(/: \S.{9,}/); // a reason, not a shrug
    expect([count('script') + count('typescript'), count('cli'), count('experiment')]).not.toContain(0);
  });

  test('the TypeScript samples type-check against the published types (dist/index.d.ts)', () => {
    const samples = ofKind('typescript');
    const virtual = new Map(samples.map((b, k) => [path.join(root, '.docs-samples', `sample${k}.ts`), b]));
    const options: ts.CompilerOptions = {
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.ES2022, // top-level await, as the samples run
      moduleResolution: ts.ModuleResolutionKind.Node10,
      lib: ['lib.es2022.d.ts'],
      types: ['node'],
      typeRoots: [path.join(root, 'node_modules', '@types')],
      strict: true,
      noImplicitOverride: true,
      esModuleInterop: true,
      skipLibCheck: true,
      noEmit: true,
      baseUrl: root,
      paths: { spiking: ['dist/index.d.ts'] },
    };
    const host = ts.createCompilerHost(options);
    const { getSourceFile, fileExists, readFile } = host;
    const text = (name: string) => (virtual.has(name) ? `${virtual.get(name)!.code}\nexport {};\n` : undefined);
    host.fileExists = (name) => virtual.has(name) || fileExists.call(host, name);
    host.readFile = (name) => text(name) ?? readFile.call(host, name);
    host.getSourceFile = (name, version, ...rest) => {
      const source = text(name);
      return source !== undefined ? ts.createSourceFile(name, source, version) : getSourceFile.call(host, name, version, ...rest);
    };
    const program = ts.createProgram([...virtual.keys()], options, host);
    const errors = ts.getPreEmitDiagnostics(program).map((d) => {
      const message = ts.flattenDiagnosticMessageText(d.messageText, '\n');
      const block = d.file && virtual.get(d.file.fileName);
      if (!block || d.start === undefined) return message;
      const { line } = d.file!.getLineAndCharacterOfPosition(d.start);
      return `${block.file}:${block.line + 1 + line}: ${message}`;
    });
    expect(errors).toEqual([]);
  });

  // Each sample is its own node process; a few run side by side.
  const runnable = ofKind('script', 'typescript', 'cli', 'experiment');
  test.concurrent.each(runnable.map((b) => [`${where(b)} (${b.kind})`, b] as const))('%s runs', async (_, block) => {
    switch (block.kind) {
      case 'script':
        return runScript(block, block.code);
      case 'typescript': {
        const { outputText } = ts.transpileModule(block.code, {
          compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
          reportDiagnostics: false,
        });
        return runScript(block, outputText);
      }
      case 'cli': {
        const dir = folder(block);
        for (const words of block.commands!) {
          const env: NodeJS.ProcessEnv = {};
          let k = 0;
          for (; words[k] !== 'spiking' && words[k] !== 'npx'; k++) {
            const eq = words[k].indexOf('=');
            env[words[k].slice(0, eq)] = words[k].slice(eq + 1);
          }
          if (words[k] === 'npx') k++;
          await run(block, [process.execPath, bin, ...words.slice(k + 1)], dir, env);
        }
        return;
      }
      case 'experiment': {
        const experiment = JSON.parse(block.code);
        const validate = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true }).compile(
          JSON.parse(fs.readFileSync(path.join(root, 'schema', 'experiment.schema.json'), 'utf8')),
        );
        if (!validate(experiment)) throw new Error(`${where(block)}: ${JSON.stringify(validate.errors, null, 2)}`);
        // Paths in an experiment are relative to its file: it sits beside the examples' data.
        const dir = folder(block);
        fs.writeFileSync(path.join(dir, 'examples', 'sample.json'), block.code);
        await run(block, [process.execPath, bin, 'run', 'examples/sample.json', '--out', 'out', '--quiet'], dir);
        expect(fs.existsSync(path.join(dir, 'out', 'summary.json'))).toBe(true);
        return;
      }
    }
  }, 180_000);

  test("the README's quick start is what CI runs on a clean machine (.ci/run)", () => {
    const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('## Quick start'));
    const [quickStart] = docBlocks(section, 'README.md').filter((b) => b.tag === 'sh');
    const commands = quickStart.code.split('\n').map((l) => l.replace(/(^|\s)#.*$/, '').trim()).filter(Boolean);
    expect(commands).toEqual(['bash scripts/setup.sh', 'npm test']);
    const ci = fs.readFileSync(path.join(root, '.ci', 'run'), 'utf8').split('\n').map((l) => l.trim());
    for (const command of commands) expect(ci.filter((l) => l === command || l.endsWith(` ${command}`))).not.toEqual([]);
  });

  test('relative links between the docs point at files and headings that exist', () => {
    const withoutCode = (file: string) =>
      fs.readFileSync(path.join(root, file), 'utf8').replace(/^\s*(`{3,}|~{3,})[^\n]*\n[\s\S]*?^\s*\1\s*$/gm, '');
    // GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens.
    const anchors = (file: string) =>
      [...withoutCode(file).matchAll(/^#{1,6}\s+(.+?)\s*$/gm)].map(([, h]) => h.toLowerCase().replace(/[^\p{L}\p{N}\s_-]/gu, '').replace(/\s/g, '-'));
    const broken: string[] = [];
    for (const file of files) {
      for (const [, target] of withoutCode(file).matchAll(/\]\(([^)\s]+)\)/g)) {
        if (/^[a-z]+:/i.test(target)) continue;
        const [relative, fragment] = target.split('#');
        const resolved = relative ? path.join(path.dirname(file), relative) : file;
        if (!fs.existsSync(path.join(root, resolved))) broken.push(`${file}: ${target} (no such file)`);
        else if (fragment !== undefined && !anchors(resolved).includes(fragment)) broken.push(`${file}: ${target} (no such heading)`);
      }
    }
    expect(broken).toEqual([]);
  });
});

describe('the classification rules (test/doc-blocks.ts)', () => {
  const md = (...parts: string[]) => parts.join('\n');
  const kinds = (text: string) => docBlocks(text, 'x.md').map((b) => b.kind);

  test('each tag has its rule; untagged and unknown blocks are unclassified', () => {
    expect(kinds(md('```js', 'a', '```', '```ts', 'a', '```', '```json', '{}', '```', '```text', 'out', '```'))).toEqual([
      'script',
      'typescript',
      'experiment',
      'output',
    ]);
    expect(kinds(md('```', 'spiking info', '```', '```python', 'print(1)', '```'))).toEqual(['unclassified', 'unclassified']);
  });

  test('shell blocks run only spiking commands; anything else needs a not-run note with its reason', () => {
    expect(cliCommands('spiking info  # what runs here\n\nSPIKING_NUM_THREADS=1 npx spiking run "a b.json" --out o')).toEqual([
      ['spiking', 'info'],
      ['SPIKING_NUM_THREADS=1', 'npx', 'spiking', 'run', 'a b.json', '--out', 'o'],
    ]);
    expect(cliCommands('npm install spiking')).toMatch(/not a spiking command/);
    expect(cliCommands('spiking info | head')).toMatch(/shell construct/);
    const [plain, noted] = docBlocks(md('```sh', 'npm test', '```', '<!-- not run: the whole suite -->', '', '```sh', 'npm test', '```'), 'x.md');
    expect(plain.kind).toBe('unclassified');
    expect(noted).toMatchObject({ kind: 'not run', reason: 'the whole suite', line: 6 });
  });

  test('fences inside list items keep their code; an unclosed fence is an error', () => {
    const [b] = docBlocks(md('- item:', '', '  ```js', '  const a = 1;', '    const b = 2;', '  ```'), 'x.md');
    expect(b).toMatchObject({ kind: 'script', code: 'const a = 1;\n  const b = 2;', line: 3 });
    expect(() => docBlocks(md('```js', 'a'), 'x.md')).toThrow(/x.md:1: a code block that is never closed/);
  });
});

describe('the code cites docs/semantics.md', () => {
  const semantics = fs.readFileSync(path.join(root, 'docs', 'semantics.md'), 'utf8');
  const headings = [...semantics.matchAll(/^#{2,6}\s+(.+?)\s*$/gm)].map(([, h]) => h);
  const sources = (dir: string): string[] =>
    fs.readdirSync(path.join(root, dir), { withFileTypes: true }).flatMap((e) => {
      const rel = path.join(dir, e.name);
      if (e.isDirectory()) return sources(rel);
      return /\.(ts|js|cpp|hpp|py|sh)$/.test(e.name) && rel !== path.join('test', 'docs.test.ts') ? [rel] : [];
    });
  const code = ['lib', 'native', 'test', 'scripts', 'bin'].flatMap(sources).map((file) => [file, fs.readFileSync(path.join(root, file), 'utf8')] as const);

  test('and no file outside the repository', () => {
    expect(code.filter(([, text]) => /SEMANTICS/.test(text)).map(([file]) => file)).toEqual([]);
    expect(code.filter(([, text]) => text.includes('docs/semantics.md')).length).toBeGreaterThan(5);
  });

  test('by section names that exist there', () => {
    const cited = code.flatMap(([file, text]) =>
      [...text.matchAll(/docs\/semantics\.md, ("[^"]+"(?: \/ "[^"]+")*)/g)].flatMap(([, names]) =>
        [...names.matchAll(/"([^"]+)"/g)].map(([, name]) => ({ file, name })),
      ),
    );
    expect(cited.length).toBeGreaterThan(5);
    expect(cited.filter(({ name }) => !headings.includes(name))).toEqual([]);
  });
});
