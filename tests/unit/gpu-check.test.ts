// The device check's verdict (src/model/gpu-check.ts): which results refuse a device, and what it says.
// The comparison itself runs on a real device in tests/gpu/model.test.ts.
import { expect, test } from 'vitest';
import { checkParams, DEVICE_CHECK_TOLERANCE, deviceCheckError, deviceCheckInputs, greedyRequest, maxRelErr, worstError } from '../../src/model/gpu-check';
import { createCpuModel } from '../../src/model/cpu-model';
import { roundToF16Normal } from '../../src/util/f16';

const good = { logits: 3e-7, logprobs: 1e-7, grads: 8e-7, worstGrad: 'h.0.ln_1.bias', tokensDiffering: 0 };

test('results within the tolerance pass; the first output over it (or NaN) is named', () => {
  expect(deviceCheckError(good)).toBeNull();
  expect(deviceCheckError({ ...good, grads: DEVICE_CHECK_TOLERANCE })).toBeNull();
  expect(deviceCheckError({ ...good, grads: 0.31, worstGrad: 'h.1.attn.c_attn.weight' })?.message).toBe(
    "this GPU's results differ from the CPU reference model's (relative error 0.31 in the gradient of h.1.attn.c_attn.weight, over 0.001): a driver or kernel fault, so its numbers cannot be trusted; the CPU backend computes correctly",
  );
  expect(deviceCheckError({ ...good, logits: NaN })?.message).toMatch(/relative error NaN in the logits/);
  expect(deviceCheckError({ ...good, logprobs: 2e-3, grads: 5 })?.message).toMatch(/relative error 0.0020 in the log-probs/);
  expect(deviceCheckError({ ...good, tokensDiffering: 3 })?.message).toMatch(/\(3 greedily generated tokens differ from the CPU model's\)/);
});

test("the device check's greedy tokens are decisive: every generated position's top logit leads by far more than rounding", async () => {
  const { config, params, batch } = deviceCheckInputs();
  const cpu = createCpuModel(config, params);
  const req = greedyRequest(batch);
  const { tokens } = await cpu.generate(req);
  const S = req.P + req.maxNewTokens, V = config.vocabSize;
  const logits = await cpu.logits({ tokens, B: req.B, T: S });
  let scale = 0, gap = Infinity;
  for (let b = 0; b < req.B; b++)
    for (let t = req.P - 1; t < S - 1; t++) {
      const row = Array.from(logits.subarray((b * S + t) * V, (b * S + t + 1) * V)).sort((x, y) => y - x);
      scale = Math.max(scale, Math.abs(row[0]));
      gap = Math.min(gap, row[0] - row[1]);
    }
  // GPU and CPU logits differ by ~1e-6 relative (DEVICE_CHECK_TOLERANCE is 1e-3): a gap this wide cannot flip
  expect(gap / scale).toBeGreaterThan(1e-3);
});

test('checkParams are f16 normal numbers (so an f16 copy of them is exact) and not all zero', () => {
  for (const [name, a] of checkParams(deviceCheckInputs().config)) {
    expect(a.every((x) => roundToF16Normal(x) === x), name).toBe(true);
    expect(a.some((x) => x !== 0), name).toBe(true);
  }
  expect([1 + 2 ** -11, 1 + 3 * 2 ** -11, 0.1, 70000, 2 ** -15, -3].map(roundToF16Normal)).toEqual([1, 1 + 2 ** -9, 0.0999755859375, 65504, 0, -3]);
});

test('maxRelErr: largest difference over the largest reference value; NaN propagates', () => {
  expect(maxRelErr([1, 2, 4.5], [1, 2, 4])).toBeCloseTo(0.125);
  expect(maxRelErr([0.5, 0], [0, 0])).toBe(0.5);
  expect(maxRelErr([NaN, 1], [1, 1])).toBeNaN();
  expect(worstError({ ...good, logprobs: NaN })).toBeNaN();
  expect(worstError(good)).toBe(8e-7);
});
