// The project's own design document is what the code cites: every "DESIGN §n" resolves to a numbered
// section of docs/DESIGN.md, and every path in the README's layout table exists.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';

function files(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) files(p, out);
    else if (/\.(ts|tsx|wgsl|sh|html)$/.test(name)) out.push(p);
  }
  return out;
}

describe('docs', () => {
  test('every DESIGN §n cited in the code is a section of docs/DESIGN.md', () => {
    const sections = new Set([...readFileSync('docs/DESIGN.md', 'utf8').matchAll(/^## (\d+)\. /gm)].map((m) => m[1]));
    const cited = new Map<string, string>();
    for (const f of ['src', 'shaders', 'bench', 'tests'].flatMap((d) => files(d)))
      for (const m of readFileSync(f, 'utf8').matchAll(/DESIGN §(\d+)/g)) cited.set(m[1], f);
    expect(cited.size).toBeGreaterThan(5);
    for (const [n, f] of cited) expect(sections.has(n), `DESIGN §${n} (cited in ${f})`).toBe(true);
  });

  test('every path in the README layout table exists', () => {
    const readme = readFileSync('README.md', 'utf8');
    const table = readme.slice(readme.indexOf('## Layout'), readme.indexOf('\n## ', readme.indexOf('## Layout') + 3));
    const paths = [...table.matchAll(/^\| `([^`]+)`/gm)].map((m) => m[1]);
    expect(paths.length).toBeGreaterThan(8);
    for (const p of paths.flatMap((p) => p.split(/`, `/))) {
      const plain = p.replace(/\/\*.*$/, '').replace(/\/$/, '');
      expect(existsSync(plain), p).toBe(true);
    }
  });
});
