// End-to-end harness: builds the app with `vite build` into a temporary folder, serves it with
// `vite preview` on a free localhost port, and launches the system Chromium (WebGPU on SwiftShader when
// there is no GPU) through playwright-core. Shared by the Vitest e2e project (globalSetup) and by the
// screenshot script.
//
// Environment:
//   E2E_DIST=<dir>          build into / serve from this folder (default: <tmp>/vspo-e2e-dist)
//   E2E_SKIP_BUILD=1        reuse an existing build in E2E_DIST
//   E2E_CHECKPOINTS=<dir>   copy <dir>/*.safetensors into the build's checkpoints/ when public/checkpoints
//                           lacks them (for trying the tests before the shipped checkpoints exist)
import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { chromiumArgs, chromiumPath } from '../chromium';

export const ROOT = resolve(import.meta.dirname, '../..');
const VITE = join(ROOT, 'node_modules/vite/bin/vite.js');

export function distDir(): string {
  return process.env.E2E_DIST ?? join(tmpdir(), 'vspo-e2e-dist');
}

export function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', rej);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => res(port));
    });
  });
}

function run(cmd: string, args: string[], label: string): Promise<void> {
  return new Promise((res, rej) => {
    const p = spawn(cmd, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NODE_ENV: 'production' } });
    let out = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (out += d));
    p.on('error', rej);
    p.on('exit', (code) => (code === 0 ? res() : rej(new Error(`${label} failed (exit ${code}):\n${out.slice(-4000)}`))));
  });
}

export async function buildApp(): Promise<string> {
  const dist = distDir();
  if (process.env.E2E_SKIP_BUILD === '1' && existsSync(join(dist, 'index.html'))) return dist;
  await run(process.execPath, [VITE, 'build', '--outDir', dist, '--emptyOutDir', '--logLevel', 'warn'], 'vite build');
  const extra = process.env.E2E_CHECKPOINTS;
  if (extra && existsSync(extra)) {
    mkdirSync(join(dist, 'checkpoints'), { recursive: true });
    for (const f of readdirSync(extra))
      if (f.endsWith('.safetensors') && !existsSync(join(ROOT, 'public/checkpoints', f))) copyFileSync(join(extra, f), join(dist, 'checkpoints', f));
  }
  return dist;
}

export interface Served {
  url: string;
  close(): Promise<void>;
}

/** `vite preview` of the build on a free port; resolves once it answers. */
export async function serve(dist: string): Promise<Served> {
  const port = await freePort();
  const child: ChildProcess = spawn(process.execPath, [VITE, 'preview', '--outDir', dist, '--port', String(port), '--strictPort', '--host', '127.0.0.1'], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  child.stdout!.on('data', (d) => (log += d));
  child.stderr!.on('data', (d) => (log += d));
  const url = `http://127.0.0.1:${port}/`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`vite preview exited (${child.exitCode}):\n${log}`);
    try {
      const r = await fetch(url);
      if (r.ok) break;
    } catch {
      /* not up yet */
    }
    if (Date.now() > deadline) {
      child.kill();
      throw new Error(`vite preview did not answer on ${url} within 60 s:\n${log}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    url,
    close: () =>
      new Promise<void>((res) => {
        if (child.exitCode !== null) return res();
        child.once('exit', () => res());
        child.kill('SIGTERM');
        setTimeout(() => {
          if (child.exitCode === null) child.kill('SIGKILL');
        }, 3000);
      }),
  };
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: chromiumPath(), args: chromiumArgs, headless: true });
}
