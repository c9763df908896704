import { requestNodeDevice } from '../src/engine/node-device';
import { shaderCode } from '../src/engine/shaders';
const dev = await requestNodeDevice();
const base = { M: 132, N: 260, K: 68, TRANS_A: 0, TRANS_B: 0, VEC_A: 1, VEC_B: 1, VEC_OUT: 1, ACCUMULATE: 0, HAS_BIAS: 1, WIDE_M: 1, WIDE_N: 1 };
for (const [name, over] of [['plain', {}], ['transA', { TRANS_A: 1 }], ['scalar', { VEC_A: 0, VEC_B: 0, VEC_OUT: 0 }], ['narrow', { WIDE_M: 0, WIDE_N: 0 }], ['noTail', { K: 64 }]] as const) {
  const code = shaderCode('matmul_vec4' as any, { ...base, ...over });
  const t0 = performance.now();
  const m = dev.createShaderModule({ code });
  const p = dev.createComputePipeline({ layout: 'auto', compute: { module: m, entryPoint: 'main' } });
  await dev.queue.onSubmittedWorkDone();
  console.log(name, (performance.now() - t0).toFixed(0), 'ms');
}
const t0 = performance.now();
dev.createComputePipeline({ layout: 'auto', compute: { module: dev.createShaderModule({ code: shaderCode('matmul', {}) }), entryPoint: 'main' } });
console.log('old tiled', (performance.now() - t0).toFixed(0), 'ms');
process.exit(0);
