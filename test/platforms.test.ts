// The loader's error when no addon fits this machine: it names the platform,
// the loader's reason and how to build from source (docs/platforms.md). Each
// case loads a copy of dist/ in a scratch package with no addon, or with a
// file that is no shared object, in a child process.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const root = path.join(__dirname, '..');
const platform = `${process.platform}-${process.arch}`;

/** A package folder holding a copy of dist/ and whatever `addon` writes; requiring it in a child gives its stderr. */
function loadIn(addon: (dir: string) => void): { status: number | null; stderr: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'spiking-platform-'));
  try {
    fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'spiking', version: '0.0.0' }));
    fs.cpSync(path.join(root, 'dist'), path.join(dir, 'dist'), { recursive: true });
    addon(dir);
    const env: NodeJS.ProcessEnv = { ...process.env, NODE_PATH: path.join(root, 'node_modules') };
    delete env.SPIKING_ADDON;
    const r = spawnSync(process.execPath, ['-e', `require(${JSON.stringify(path.join(dir, 'dist', 'index.js'))})`], {
      env,
      encoding: 'utf8',
    });
    return { status: r.status, stderr: r.stderr };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function expectBuildAdvice(stderr: string): void {
  expect(stderr).toContain(`no native addon for ${platform} (Node.js ${process.version}, N-API 8)`);
  expect(stderr).toContain('prebuilds for linux-x64 and linux-arm64');
  expect(stderr).toContain('npm rebuild spiking --build-from-source');
  expect(stderr).toContain('docs/platforms.md');
}

describe('no addon fits', () => {
  test('neither a build nor a prebuild: the error names the platform, the reason and the source build', () => {
    const r = loadIn(() => {});
    expect(r.status).toBe(1);
    expectBuildAdvice(r.stderr);
    expect(r.stderr).toContain(`No native build was found for platform=${process.platform} arch=${process.arch}`);
  });

  test('a build that is no shared object for this machine: the same advice, after the loader\'s reason', () => {
    const r = loadIn((dir) => {
      fs.mkdirSync(path.join(dir, 'build', 'Release'), { recursive: true });
      fs.writeFileSync(path.join(dir, 'build', 'Release', 'spiking.node'), 'not an ELF file');
    });
    expect(r.status).toBe(1);
    expectBuildAdvice(r.stderr);
    expect(r.stderr).toMatch(/invalid ELF header|file too short/);
  });
});
