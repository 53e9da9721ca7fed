// The fenced code blocks of the project's Markdown (README.md, docs/), each
// classified by how test/docs.test.ts checks it. One rule per fence tag:
//
//   ```js, ```javascript   a script: run with node, `require('spiking')` is this package
//   ```ts, ```typescript   the same after TypeScript (type-checked against dist/index.d.ts, then transpiled)
//   ```sh, ```bash         `spiking ...` / `npx spiking ...` command lines: run by the CLI
//   ```json                an experiment file: valid against schema/experiment.schema.json, and run
//   ```text                output shown to the reader (a terminal, an error message): not run
//
// A block preceded by `<!-- not run: reason -->` is not run (and counted);
// any other block (no tag, another tag, a shell line that is not the CLI) is
// unclassified, and the docs test fails on it.
import * as fs from 'node:fs';
import * as path from 'node:path';

export type BlockKind = 'script' | 'typescript' | 'cli' | 'experiment' | 'output' | 'not run' | 'unclassified';

export interface DocBlock {
  /** Markdown file, relative to the repository root. */
  file: string;
  /** Line of the opening fence, 1-based. */
  line: number;
  /** The fence's tag (language), lower case; '' when there is none. */
  tag: string;
  code: string;
  kind: BlockKind;
  /** 'not run': the annotation's reason; 'unclassified': why; 'cli': the command lines. */
  reason?: string;
  commands?: string[][];
}

const NOT_RUN = /^<!--\s*not run:\s*(.*?)\s*-->$/;
const TAGS: Record<string, BlockKind> = {
  js: 'script',
  javascript: 'script',
  ts: 'typescript',
  typescript: 'typescript',
  sh: 'cli',
  bash: 'cli',
  json: 'experiment',
  text: 'output',
};

/** Splits one shell line into words (plain words, '...' and "..." quoting); null on unbalanced quotes. */
export function shellWords(line: string): string[] | null {
  if (!/^(?:[^'"]|'[^']*'|"(?:[^"\\]|\\.)*")*$/.test(line)) return null;
  const words = line.match(/(?:[^\s'"]+|'[^']*'|"(?:[^"\\]|\\.)*")+/g) ?? [];
  return words.map((w) => w.replace(/'([^']*)'|"((?:[^"\\]|\\.)*)"/g, (_, single, double) => single ?? double.replace(/\\(.)/g, '$1')));
}

/**
 * The command lines of a shell block, if every one runs the CLI: optional
 * VAR=value prefixes, then `spiking` or `npx spiking`, then its arguments.
 * Comments (` # ...`) and blank lines are skipped. Returns the reason otherwise.
 */
export function cliCommands(code: string): string[][] | string {
  const commands: string[][] = [];
  for (const raw of code.split('\n')) {
    const line = raw.replace(/(^|\s)#.*$/, '').trim();
    if (line === '') continue;
    if (/[|;&<>`$()]/.test(line)) return `a shell construct in "${line}"`;
    const words = shellWords(line);
    if (!words) return `unbalanced quotes in "${line}"`;
    let k = 0;
    while (k < words.length && /^[A-Z_][A-Z0-9_]*=/.test(words[k])) k++;
    if (words[k] === 'npx') k++;
    if (words[k] !== 'spiking') return `"${line}" is not a spiking command`;
    commands.push(words);
  }
  return commands.length ? commands : 'no command in the block';
}

/** Every fenced block of a Markdown text, classified. */
export function docBlocks(markdown: string, file: string): DocBlock[] {
  const lines = markdown.split('\n');
  const blocks: DocBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)(`{3,}|~{3,})\s*([^\s`]*)/.exec(lines[i]);
    if (!open) continue;
    const [, indent, fence, rawTag] = open;
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && !new RegExp(`^\\s*${fence[0]}{${fence.length},}\\s*$`).test(lines[i]); i++) {
      body.push(lines[i].startsWith(indent) ? lines[i].slice(indent.length) : lines[i].trimStart());
    }
    if (i >= lines.length) throw new Error(`${file}:${start + 1}: a code block that is never closed`);
    let before = start - 1;
    while (before >= 0 && lines[before].trim() === '') before--;
    const note = before >= 0 ? NOT_RUN.exec(lines[before].trim()) : null;
    const tag = rawTag.toLowerCase();
    const block: DocBlock = { file, line: start + 1, tag, code: body.join('\n'), kind: TAGS[tag] ?? 'unclassified' };
    if (note) {
      block.kind = 'not run';
      block.reason = note[1];
    } else if (block.kind === 'unclassified') {
      block.reason = tag ? `no rule for blocks tagged "${tag}"` : 'no tag (js, ts, sh, json or text)';
    } else if (block.kind === 'cli') {
      const commands = cliCommands(block.code);
      if (typeof commands === 'string') {
        block.kind = 'unclassified';
        block.reason = `${commands}: only spiking commands run; mark other blocks <!-- not run: reason -->`;
      } else {
        block.commands = commands;
      }
    }
    blocks.push(block);
  }
  return blocks;
}

/** README.md and every Markdown file under docs/, relative to the root. */
export function docFiles(root: string): string[] {
  const out = ['README.md'];
  const walk = (dir: string): void => {
    for (const entry of fs.readdirSync(path.join(root, dir), { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const rel = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(rel);
      else if (entry.name.endsWith('.md')) out.push(rel);
    }
  };
  walk('docs');
  return out;
}
