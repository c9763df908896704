// Which implementation of the CPU backend's hot ops CpuModel calls (DESIGN §2): 'wasm' (WASM SIMD,
// src/engine/cpu/wasm/) or 'plain' (the TypeScript twins, the oracle). Default: 'wasm' where the engine
// runs WASM SIMD, unless the environment variable VSPO_CPU_KERNELS=plain (Node) says otherwise.
import * as plainMatmul from './matmul';
import * as plainGelu from './gelu';
import * as plainAttention from './attention';
import * as plainLayernorm from './layernorm';
import {
  attentionBackwardWasm,
  attentionForwardDecodeWasm,
  attentionForwardWasm,
  wasmAttentionAvailable,
} from './wasm/attention';
import { geluBackwardWasm, geluForwardWasm, wasmGeluAvailable } from './wasm/gelu';
import { layernormBackwardWasm, layernormForwardWasm, wasmLayernormAvailable } from './wasm/layernorm';
import {
  matmulBackwardTransposedWasm,
  matmulBackwardWasm,
  matmulForwardTransposedWasm,
  matmulForwardWasm,
} from './wasm/matmul';
import { wasmGemmAvailable } from './wasm/gemm';

export type CpuKernelChoice = 'wasm' | 'plain';

export const CPU_KERNEL_CHOICES: readonly CpuKernelChoice[] = ['wasm', 'plain'];

export interface CpuKernels {
  readonly name: CpuKernelChoice;
  readonly matmulForward: typeof plainMatmul.matmulForward;
  readonly matmulBackward: typeof plainMatmul.matmulBackward;
  readonly matmulForwardTransposed: typeof plainMatmul.matmulForwardTransposed;
  readonly matmulBackwardTransposed: typeof plainMatmul.matmulBackwardTransposed;
  readonly geluForward: typeof plainGelu.geluForward;
  readonly geluBackward: typeof plainGelu.geluBackward;
  readonly attentionForward: typeof plainAttention.attentionForward;
  readonly attentionForwardDecode: typeof plainAttention.attentionForwardDecode;
  readonly attentionBackward: typeof plainAttention.attentionBackward;
  readonly layernormForward: typeof plainLayernorm.layernormForward;
  readonly layernormBackward: typeof plainLayernorm.layernormBackward;
}

const PLAIN: CpuKernels = {
  name: 'plain',
  matmulForward: plainMatmul.matmulForward,
  matmulBackward: plainMatmul.matmulBackward,
  matmulForwardTransposed: plainMatmul.matmulForwardTransposed,
  matmulBackwardTransposed: plainMatmul.matmulBackwardTransposed,
  geluForward: plainGelu.geluForward,
  geluBackward: plainGelu.geluBackward,
  attentionForward: plainAttention.attentionForward,
  attentionForwardDecode: plainAttention.attentionForwardDecode,
  attentionBackward: plainAttention.attentionBackward,
  layernormForward: plainLayernorm.layernormForward,
  layernormBackward: plainLayernorm.layernormBackward,
};

const WASM: CpuKernels = {
  name: 'wasm',
  matmulForward: matmulForwardWasm,
  matmulBackward: matmulBackwardWasm,
  matmulForwardTransposed: matmulForwardTransposedWasm,
  matmulBackwardTransposed: matmulBackwardTransposedWasm,
  geluForward: geluForwardWasm,
  geluBackward: geluBackwardWasm,
  attentionForward: attentionForwardWasm,
  attentionForwardDecode: attentionForwardDecodeWasm,
  attentionBackward: attentionBackwardWasm,
  layernormForward: layernormForwardWasm,
  layernormBackward: layernormBackwardWasm,
};

const wasmAvailable = () =>
  wasmGemmAvailable() && wasmGeluAvailable() && wasmAttentionAvailable() && wasmLayernormAvailable();

function envChoice(): string | undefined {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env;
  return env?.VSPO_CPU_KERNELS;
}

/** The kernels for `choice`, or the default; 'wasm' on an engine without WASM SIMD throws. */
export function cpuKernels(choice?: CpuKernelChoice): CpuKernels {
  const pick = choice ?? defaultCpuKernelChoice();
  if (pick === 'plain') return PLAIN;
  if (!wasmAvailable()) throw new Error('CPU kernels "wasm": this JavaScript engine does not run WASM SIMD (use "plain")');
  return WASM;
}

/** The choice an environment value names: undefined or '' for the default; anything else is refused. */
export function parseCpuKernelChoice(value: string | undefined): CpuKernelChoice | undefined {
  if (value === undefined || value === '') return undefined;
  if (CPU_KERNEL_CHOICES.includes(value as CpuKernelChoice)) return value as CpuKernelChoice;
  throw new Error(`VSPO_CPU_KERNELS must be one of ${CPU_KERNEL_CHOICES.join(', ')} (got "${value}")`);
}

let defaultChoice: CpuKernelChoice | null = null;

export function defaultCpuKernelChoice(): CpuKernelChoice {
  defaultChoice ??= parseCpuKernelChoice(envChoice()) ?? (wasmAvailable() ? 'wasm' : 'plain');
  return defaultChoice;
}
