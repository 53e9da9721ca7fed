// The package as users get it: packed with npm pack (without its prepack
// checks of the prebuilds, which a checkout need not have), unpacked into a fresh
// project's node_modules (its dependencies linked from this checkout; the
// addon given by SPIKING_ADDON, since the tarball holds sources, not a
// build), then used with require, with import, and compiled by tsc against
// test/types/usage.ts (precise types: what must compile and what must not).
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const root = path.join(__dirname, '..');
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as {
  license: string;
  scripts: Record<string, string>;
  dependencies: Record<string, string>;
};

let project: string;
let env: NodeJS.ProcessEnv;

beforeAll(() => {
  project = fs.mkdtempSync(path.join(os.tmpdir(), 'spiking-package-'));
  const packed = JSON.parse(execFileSync('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', project], { cwd: root, encoding: 'utf8' })) as Array<{ filename: string }>;
  const modules = path.join(project, 'node_modules');
  fs.mkdirSync(path.join(modules, '@types'), { recursive: true });
  execFileSync('tar', ['-xzf', path.join(project, packed[0].filename), '-C', modules]);
  fs.renameSync(path.join(modules, 'package'), path.join(modules, 'spiking'));
  for (const dep of [...Object.keys(pkg.dependencies), '@types/node']) {
    fs.symlinkSync(path.join(root, 'node_modules', dep), path.join(modules, dep), 'dir');
  }
  // The addon this checkout loads (the build, the prebuild, or the one SPIKING_ADDON names).
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const addon = process.env.SPIKING_ADDON ?? (require('node-gyp-build') as { path(dir: string): string }).path(root);
  env = { ...process.env, SPIKING_ADDON: addon };
}, 120_000);

afterAll(() => fs.rmSync(project, { recursive: true, force: true }));

const node = (args: string[]) => spawnSync(process.execPath, args, { cwd: project, env, encoding: 'utf8' });

test('the package carries an MIT LICENSE, as package.json says', () => {
  expect(pkg.license).toBe('MIT');
  const license = fs.readFileSync(path.join(project, 'node_modules', 'spiking', 'LICENSE'), 'utf8');
  expect(license.startsWith('MIT License\n')).toBe(true);
});

test('require works', () => {
  const r = node(['-e', "const s = require('spiking'); const l = new s.LIFNeuron({ cellsShape: [2], thresh: 1, vRest: 0, alphaV: 1, alphaT: 1, dt: 1, durationRefrac: 0, tauV: 0.9, tauT: 0.8 }); console.log(Array.from(l.run(new Float32Array(4).fill(2), { steps: 2 }).spikes).join(','), s.INSTRUCTION_SETS.includes(s.instructionSet()))"]);
  expect(r.stderr).toBe('');
  expect(r.stdout).toBe('1,1,1,1 true\n');
});

test('import works: named and default', () => {
  const r = node([
    '--input-type=module',
    '-e',
    "import spiking, { LIFNeuron, Network } from 'spiking'; import meta from 'spiking/package.json' with { type: 'json' }; console.log(typeof LIFNeuron, typeof Network, spiking.LIFNeuron === LIFNeuron, meta.name)",
  ]);
  expect(r.stderr).toBe('');
  expect(r.stdout).toBe('function function true spiking\n');
});

test('the types: what must compile compiles, what must not is an error', () => {
  fs.copyFileSync(path.join(__dirname, 'types', 'usage.ts'), path.join(project, 'usage.ts'));
  const tsconfig = { compilerOptions: { strict: true, module: 'node16', moduleResolution: 'node16', target: 'es2022', noEmit: true, skipLibCheck: true, types: ['node'] }, files: ['usage.ts'] };
  fs.writeFileSync(path.join(project, 'tsconfig.json'), JSON.stringify(tsconfig));
  const tsc = spawnSync(process.execPath, [path.join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', project], { encoding: 'utf8' });
  expect(tsc.stdout + tsc.stderr).toBe('');
  expect(tsc.status).toBe(0);
}, 60_000);

test('no script is run by npm as a hook of another by accident (pre<name>, post<name>)', () => {
  const names = Object.keys(pkg.scripts);
  const hooks = names.filter((n) => /^(pre|post)/.test(n) && names.includes(n.replace(/^(pre|post)/, '')));
  expect(hooks).toEqual([]);
  expect(names).not.toContain('prebuild');
  expect(fs.readFileSync(path.join(root, 'scripts', 'setup.sh'), 'utf8')).toMatch(/^npm ci [^\n]*--ignore-scripts\nnpm run build\n/m);
});
