// `npm run bench` — the WebGPU engine measured side by side with TensorFlow.js in headless Chromium
// (DESIGN §8, issue 2 item 7).
//
// What it does
//   1. Starts a Vite dev server (programmatic, root = the repo, a free port on 127.0.0.1) that serves
//      bench/index.html -> bench/page.ts, so the engine's WGSL is bundled exactly as in the app.
//   2. Launches the system Chromium (tests/chromium.ts: chromiumPath() + chromiumArgs, i.e. WebGPU,
//      SwiftShader where there is no GPU) headless with playwright-core and opens the bench page.
//   3. The page runs every benchmark in ONE page on ONE adapter: our engine and TF.js
//      (@tensorflow/tfjs-backend-webgpu) each get their own GPUDevice from the same navigator.gpu adapter.
//      Each result is streamed here and printed as ONE JSON object per line on stdout; progress goes to
//      stderr. Every line carries `"adapter"` (vendor / architecture / description of the adapter).
//
// Lines (field "bench"):
//   adapter      the adapter, its limits and the mode (swiftshader => reduced sizes and repetitions).
//   check        before anything is timed: our GPU model against the CPU model on this adapter, per
//                tuning (and the tiled attention, and subgroup reductions where offered): the largest
//                relative error of logits, log-probs and every parameter gradient (worstGrad names the
//                worst), pass = all <= 1e-4 (the bound of tests/gpu/model.test.ts). Odd sizes; on a GPU
//                also one GPT-2-small layer (C 768, 12 heads, T 256). --only check.
//   matmul       GFLOP/s of out = A[M,K] . B[K,N] for ours (shaders/matmul.wgsl through src/engine's
//                Program + pipeline cache, kernels.gemm) and tf.matMul; square 256/512/1024 and the
//                model's own shapes (c_attn, c_fc, mlp c_proj, tied LM head). Each timed run encodes
//                `reps` products and waits for the queue to drain (ours: queue.onSubmittedWorkDone();
//                TF.js: backend.submitQueue() + its queue's onSubmittedWorkDone()). Median of N runs
//                after warm-up. ratio = ours / tfjs (GFLOP/s, higher is better for ours). maxRelErr
//                compares the two results.
//   train_step   one supervised step (forward + cross-entropy + backward + AdamW with global-norm clip)
//                of the same GPT-2 (same initial weights from initParams, same batches): ours =
//                model.trainStep (one submit, one readback) vs bench/tfjs-gpt.ts (tf.variableGrads +
//                a hand-written AdamW in tf ops; one readback: the loss). Median ms per step, each step
//                awaited to completion. ratio = tfjs ms / ours ms (speed-up of ours). The losses of both
//                are printed as a cross-check that the two models compute the same thing.
//   generate     tokens/s of model.generate (KV cache, greedy) vs full recompute with model.logits on
//                the growing sequence + argmax on the CPU ("recompute"), and vs recompute at a fixed
//                width S (one shape, no re-allocation; "recomputeFixed"). ratio = kv / recompute.
//                greedyMatch says the KV-cache tokens equal the recompute tokens.
//   counters     queue submits, readbacks and dispatches per trainStep (from model.counters()), and
//                live GPU buffers / bytes (model.liveBufferCount(), model.memory()) after 10 and after
//                500 training steps; flat = no growth. Under SwiftShader a tiny model is used here.
//   train_profile  where one training step's time goes: the largest train_step case
//                (model.profileTrainStep), time summed per kernel and grid, the top 15 and "other".
//                timing "gpu": GPU timestamps around each dispatch, one submit; "wall" (no
//                timestamp-query): each command on its own submit, its overhead in every entry, so read
//                the shares of the large ones. --only profile.
//   attention    our three attention implementations side by side, forward + backward at each train_step
//                shape, on SwiftShader also GPT-2 small's at B = 1 (gpu tuning otherwise): ms of the row, tiled and flash kernels; tiledVsRows, flashVsTiled
//                (> 1: the second faster); bitEqual (tiled = rows, out and dqkv); flashRelErr; stateBytes
//                (what each keeps for the backward). --only attention.
//   variants     a training step of the largest train_step case under the gpu tuning and under the
//                variants check runs (the tiled attention; subgroup reductions where offered),
//                alternating: ms of each, vsGpu (> 1: the variant faster). --only variants.
//   summary      the ratios against the targets of issue 2 (training step >= 3x TF.js, matmul >= 1.5x,
//                KV cache >= 5x recompute, 1 submit and <= 1 readback per step, no buffer growth).
//   error        a benchmark that failed (the others still run; the exit code is then 1).
//
// Every comparison with TF.js (matmul, train_step, generate) is made under both of our tunings and carries
// "tuning" ("swiftshader" | "gpu"), "adapter", "ours", "tfjs", "unit" and "ratio" (> 1 = ours faster).
//
// --cpu: the CPU backend instead (bench/cpu.ts, Node only, no browser); its own flags --json, --quick.
// Flags: --node        run headless in Node through Dawn instead of Chromium (bench/node.ts; Vulkan on a
//                      GPU server, SwiftShader elsewhere); bench/gpu-server.sh wraps it
//        --json        stdout is JSON lines only (always so; accepted for scripts that say it)
//        --tuning a,b  only these of our tunings: swiftshader, gpu (default both)
//        --full        full sizes and repetitions (default on a real GPU; forces them on SwiftShader)
//        --quick       fewer repetitions (a smoke run)
//        --only a,b    run only these of: check, matmul, train, generate, counters, profile, attention, variants
//        --timeout S   give up after S seconds (default 1800)
//        --headed      show the browser window
//        --bundle-node FILE  only write bench/node.ts bundled into FILE (for bench/gpu-kit.sh) and exit
// Exit codes: 0 all benchmarks ran; 1 a benchmark failed; 2 no WebGPU adapter / browser could not start.
//
// Absolute times vary from machine to machine; quote the ratios, which are measured side by side in the
// same browser on the same adapter. SwiftShader (CPU Vulkan, ~0.3 GFLOP/s) runs reduced sizes, so its
// ratios say little about a real GPU: rerun with a GPU for the figures that matter.
import { createServer as createNetServer } from 'node:net';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { dirname, resolve } from 'node:path';
import { createServer, type ViteDevServer } from 'vite';
import { chromium, type Browser } from 'playwright-core';
import { chromiumArgs, chromiumPath } from '../tests/chromium';
import { parseArgs, type Options } from './options';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const srv = createNetServer();
    srv.unref();
    srv.on('error', rej);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => res(port));
    });
  });
}

const log = (msg: string) => process.stderr.write(`[bench] ${msg}\n`);

/**
 * bench/<name>.ts bundled with esbuild (Vite's own bundler, a dependency of vite) into `outfile`, so that
 * TF.js is loaded from its ES modules exactly as in the page: Node's resolver would take tfjs-core's
 * CommonJS build, whose gradients are registered only by its ES-module files (two copies of TF.js in one
 * process). `banner` is prepended. bench/node.ts's bundle, run directly, is also the GPU kit's benchmark
 * (bench/gpu-kit.sh).
 */
async function bundle(name: string, outfile: string, banner = ''): Promise<void> {
  const { build } = await import('esbuild');
  await build({
    entryPoints: [resolve(root, `bench/${name}.ts`)],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    mainFields: ['module', 'main'],
    external: ['webgpu'],
    banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" + banner },
    logLevel: 'error',
  });
}

/** bench/<name>.ts bundled (see bundle) into node_modules/.vite-bench/ and imported. */
async function bundled(name: string, banner = ''): Promise<unknown> {
  const outfile = resolve(root, `node_modules/.vite-bench/${name}-bench.mjs`);
  await bundle(name, outfile, banner);
  return import(pathToFileURL(outfile).href);
}

const CJS_DIRNAME = " import { fileURLToPath as __fu } from 'node:url'; const __filename = __fu(import.meta.url); const __dirname = __fu(new URL('.', import.meta.url));";

async function main(): Promise<number> {
  // bundled too: its TF.js GPT (bench/tfjs-gpt.ts) needs the gradients that only tfjs-core's ES modules register
  // (and tfjs-backend-wasm's Emscripten loader in Node reads __dirname, which an ES module lacks)
  if (process.argv.includes('--cpu')) {
    const cpu = (await bundled('cpu', CJS_DIRNAME)) as typeof import('./cpu');
    return cpu.runCpuBenchCli(process.argv.slice(2));
  }
  const bundleAt = process.argv.indexOf('--bundle-node');
  if (bundleAt >= 0) return bundle('node', resolve(process.argv[bundleAt + 1] ?? '')).then(() => 0);
  const opts = parseArgs(process.argv.slice(2));
  if (opts.node) return ((await bundled('node')) as typeof import('./node')).mainNode(opts);
  const port = await freePort();
  let server: ViteDevServer | null = null;
  let browser: Browser | null = null;
  const cleanup = async () => {
    await browser?.close().catch(() => {});
    await server?.close().catch(() => {});
  };
  process.on('SIGINT', () => {
    void cleanup().then(() => process.exit(130));
  });

  try {
    server = await createServer({
      root,
      configFile: false, // the app's config pulls in the test runners; the bench needs none of it
      logLevel: 'warn', // keep stdout for the JSON lines (Vite's warnings go to stderr)
      clearScreen: false,
      cacheDir: 'node_modules/.vite-bench', // its own pre-bundle cache, so the app's dev server keeps its own
      server: { host: '127.0.0.1', port, strictPort: true, hmr: false },
      optimizeDeps: {
        entries: ['bench/index.html'],
        include: ['@tensorflow/tfjs-core', '@tensorflow/tfjs-core/dist/register_all_gradients', '@tensorflow/tfjs-backend-webgpu'],
      },
    });
    await server.listen();
    log(`vite on http://127.0.0.1:${port}/bench/index.html`);

    try {
      browser = await chromium.launch({ executablePath: chromiumPath(), args: chromiumArgs, headless: !opts.headed });
    } catch (e) {
      log(`could not launch Chromium: ${(e as Error).message.split('\n')[0]}`);
      return 2;
    }
    const page = await browser.newPage();

    let errors = 0;
    let noWebGPU: string | null = null;
    let finished!: () => void;
    const done = new Promise<void>((r) => (finished = r));
    let fatal: string | null = null;

    await page.exposeFunction('__benchEmit', (json: string) => {
      const obj = JSON.parse(json) as { bench: string; error?: string };
      if (obj.bench === 'error') errors++;
      process.stdout.write(JSON.stringify(obj) + '\n');
    });
    await page.exposeFunction('__benchProgress', (msg: string) => log(msg));
    await page.exposeFunction('__benchNoWebGPU', (msg: string) => {
      noWebGPU = msg;
      finished();
    });
    await page.exposeFunction('__benchDone', () => finished());
    page.on('pageerror', (err) => {
      fatal = `uncaught error in the bench page: ${err.message}`;
      finished();
    });
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') log(`page ${m.type()}: ${m.text()}`);
    });
    page.on('crash', () => {
      fatal = 'the bench page crashed (out of memory?)';
      finished();
    });

    const q = new URLSearchParams();
    if (opts.full) q.set('full', '1');
    if (opts.quick) q.set('quick', '1');
    if (opts.only.length) q.set('only', opts.only.join(','));
    q.set('tuning', opts.tunings.join(','));
    const t0 = Date.now();
    await page.goto(`http://127.0.0.1:${port}/bench/index.html?${q}`, { timeout: 300_000 });

    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((r) => (timer = setTimeout(() => r('timeout'), opts.timeoutS * 1000)));
    const how = await Promise.race([done.then(() => 'done' as const), timeout]);
    clearTimeout(timer);

    if (noWebGPU) {
      log(`WebGPU is not available: ${noWebGPU}`);
      log(`Chromium: ${chromiumPath()} with ${chromiumArgs.join(' ')}`);
      return 2;
    }
    if (fatal) {
      log(fatal);
      return 1;
    }
    if (how === 'timeout') {
      log(`gave up after ${opts.timeoutS} s (use --timeout, or --quick)`);
      return 1;
    }
    log(`finished in ${((Date.now() - t0) / 1000).toFixed(1)} s${errors ? `, ${errors} benchmark(s) failed` : ''}`);
    return errors ? 1 : 0;
  } finally {
    await cleanup();
  }
}

main().then(
  (code) => process.exit(code),
  (e) => {
    log(`failed: ${(e as Error).stack ?? e}`);
    process.exit(1);
  },
);
