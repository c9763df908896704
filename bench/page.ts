// The benchmark page (driven by bench/run.ts): the suite of bench/suite.ts in headless Chromium, ours and
// TF.js on the same navigator.gpu adapter. Results go out through window.__benchEmit as JSON strings.
import { requestGpuDevice } from '../src/engine/device';
import { TUNINGS, type TuningName } from '../src/engine/launch';
import { adapterName, runSuite, type Result } from './suite';

declare global {
  interface Window {
    __benchEmit?: (json: string) => Promise<void>;
    __benchProgress?: (msg: string) => Promise<void>;
    __benchNoWebGPU?: (msg: string) => Promise<void>;
    __benchDone?: () => Promise<void>;
  }
}

const query = new URLSearchParams(location.search);
const list = (key: string) => (query.get(key) ?? '').split(',').filter(Boolean);
let name = 'unknown';

async function emit(r: Result): Promise<void> {
  const json = JSON.stringify({ ...r, adapter: name });
  if (window.__benchEmit) await window.__benchEmit(json);
  else console.log(json);
}

async function progress(msg: string): Promise<void> {
  if (window.__benchProgress) await window.__benchProgress(msg);
  else console.log(msg);
}

async function main(): Promise<void> {
  if (!('gpu' in navigator) || !navigator.gpu) {
    await window.__benchNoWebGPU?.('navigator.gpu is undefined (WebGPU disabled in this browser)');
    return;
  }
  const adapter = await navigator.gpu.requestAdapter({ powerPreference: 'high-performance' });
  if (!adapter) {
    await window.__benchNoWebGPU?.('navigator.gpu.requestAdapter() returned null (no usable GPU or software adapter)');
    return;
  }
  const info = adapter.info;
  name = adapterName(info);
  const uncaptured: string[] = [];
  const device = await requestGpuDevice({ onError: (e) => uncaptured.push(e.message) });
  const tunings = (list('tuning').length ? list('tuning') : Object.keys(TUNINGS)) as TuningName[];
  await runSuite(
    { device, info, runtime: `chromium ${navigator.userAgent}`, full: query.has('full'), quick: query.has('quick'), only: list('only'), tunings, emit, progress },
    uncaptured,
  );
  device.destroy();
}

main()
  .catch(async (e) => {
    await emit({ bench: 'error', in: 'setup', error: (e as Error).message ?? String(e) });
  })
  .finally(() => window.__benchDone?.());
