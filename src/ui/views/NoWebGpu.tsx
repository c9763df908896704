// Shown when WebGPU is missing (why, how to enable it) or its device was refused by the device check,
// with the CPU backend as a way in.
import { UNTRUSTED_GPU } from '../../model/types';

export function NoWebGpu(props: { reason: string; onUseCpu(): void; onRetry(): void }) {
  // the device check refused the GPU: WebGPU works, its numbers do not (src/model/gpu-check.ts)
  const untrusted = props.reason.includes(UNTRUSTED_GPU);
  const actions = (
    <div className="row">
      <button type="button" className="primary" onClick={props.onUseCpu}>
        Use the CPU backend
      </button>
      <button type="button" onClick={props.onRetry}>
        Check again
      </button>
    </div>
  );
  if (untrusted)
    return (
      <main className="no-webgpu" aria-labelledby="nowebgpu-title">
        <h1 id="nowebgpu-title">This GPU's WebGPU results cannot be trusted</h1>
        <p className="reason" role="alert">
          {props.reason}
        </p>
        <p>
          Before it uses a GPU, VSPO Workbench runs a small model on it and on the CPU reference and compares every output and gradient. Here they differed
          by far more than rounding, so anything trained or measured on this GPU could be wrong. The CPU backend runs the tiny shipped models correctly —
          slower, but everything works. Updating the browser or the graphics driver may fix the GPU.
        </p>
        {actions}
      </main>
    );
  return (
    <main className="no-webgpu" aria-labelledby="nowebgpu-title">
      <h1 id="nowebgpu-title">WebGPU is not available in this browser</h1>
      <p className="reason" role="alert">
        {props.reason}
      </p>
      <p>
        VSPO Workbench trains and steers a small GPT on your GPU through WebGPU. Without it the app can still run the tiny shipped models on the CPU backend
        — slower, but everything works.
      </p>
      {actions}
      <h2>How to enable WebGPU</h2>
      <ul className="howto">
        <li>
          <strong>Chrome or Edge 113+</strong> on Windows, macOS and ChromeOS have WebGPU on by default. Update the browser, and make sure hardware acceleration
          is on (Settings → System → “Use graphics acceleration when available”).
        </li>
        <li>
          <strong>Chrome on Linux</strong>: open <code>chrome://flags/#enable-unsafe-webgpu</code>, enable it, and start Chrome with{' '}
          <code>--enable-features=Vulkan</code>. Without a GPU, <code>--enable-unsafe-swiftshader</code> gives a (slow) software adapter.
        </li>
        <li>
          <strong>Check</strong> <code>chrome://gpu</code>: the line “WebGPU” should say “Hardware accelerated”. If it says “Disabled” or your GPU is on the
          blocklist, update the graphics driver or try <code>chrome://flags/#ignore-gpu-blocklist</code>.
        </li>
        <li>
          <strong>Firefox</strong> 141+ on Windows has WebGPU; elsewhere set <code>dom.webgpu.enabled</code> in <code>about:config</code> (Nightly).{' '}
          <strong>Safari</strong> 26+ has it; on older versions enable Develop → Feature Flags → WebGPU.
        </li>
        <li>
          WebGPU needs a secure context: open the app from <code>http://localhost</code> or over <code>https://</code>, not from a LAN address over plain http.
        </li>
      </ul>
    </main>
  );
}
