/// <reference types="vitest/config" />
// One config for the app build, the dev server and the two test projects:
//   unit — Node, fast: pure TypeScript (CPU twins, data, RL math, bandit, file formats).
//   gpu  — Vitest browser mode in the system Chromium with WebGPU (SwiftShader when there is no GPU).
//   e2e  — Playwright against the built app in the system Chromium.
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';
import { playwright } from '@vitest/browser-playwright';
import { chromiumArgs, chromiumPath } from './tests/chromium';

export default defineConfig({
  plugins: [react()],
  worker: { format: 'es' },
  // Pre-bundled up front so the browser test run does not reload midway when it first meets them.
  optimizeDeps: { include: ['idb', 'comlink', 'zustand'] },
  build: { target: 'es2022', chunkSizeWarningLimit: 2000 },
  test: {
    projects: [
      {
        extends: true,
        test: { name: 'unit', include: ['tests/unit/**/*.test.ts'], environment: 'node', testTimeout: 60_000 },
      },
      {
        extends: true,
        test: {
          name: 'gpu',
          include: ['tests/gpu/**/*.test.ts'],
          testTimeout: 300_000,
          hookTimeout: 120_000,
          fileParallelism: false,
          browser: {
            enabled: true,
            headless: true,
            screenshotFailures: false,
            provider: playwright({ launchOptions: { executablePath: chromiumPath(), args: chromiumArgs } }),
            instances: [{ browser: 'chromium' }],
          },
        },
      },
      {
        // e2e — Playwright drives the built app (vite build + vite preview) in the system Chromium.
        extends: true,
        test: {
          name: 'e2e',
          include: ['tests/e2e/**/*.test.ts'],
          environment: 'node',
          globalSetup: ['tests/e2e/global-setup.ts'],
          testTimeout: 300_000,
          hookTimeout: 300_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
