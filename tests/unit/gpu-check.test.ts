// The device check's verdict (src/model/gpu-check.ts): which results refuse a device, and what it says.
// The comparison itself runs on a real device in tests/gpu/model.test.ts.
import { expect, test } from 'vitest';
import { DEVICE_CHECK_TOLERANCE, deviceCheckError, maxRelErr, worstError } from '../../src/model/gpu-check';

const good = { logits: 3e-7, logprobs: 1e-7, grads: 8e-7, worstGrad: 'h.0.ln_1.bias' };

test('results within the tolerance pass; the first output over it (or NaN) is named', () => {
  expect(deviceCheckError(good)).toBeNull();
  expect(deviceCheckError({ ...good, grads: DEVICE_CHECK_TOLERANCE })).toBeNull();
  expect(deviceCheckError({ ...good, grads: 0.31, worstGrad: 'h.1.attn.c_attn.weight' })?.message).toBe(
    "this GPU's results differ from the CPU reference model's (relative error 0.31 in the gradient of h.1.attn.c_attn.weight, over 0.001): a driver or kernel fault, so its numbers cannot be trusted; the CPU backend computes correctly",
  );
  expect(deviceCheckError({ ...good, logits: NaN })?.message).toMatch(/relative error NaN in the logits/);
  expect(deviceCheckError({ ...good, logprobs: 2e-3, grads: 5 })?.message).toMatch(/relative error 0.0020 in the log-probs/);
});

test('maxRelErr: largest difference over the largest reference value; NaN propagates', () => {
  expect(maxRelErr([1, 2, 4.5], [1, 2, 4])).toBeCloseTo(0.125);
  expect(maxRelErr([0.5, 0], [0, 0])).toBe(0.5);
  expect(maxRelErr([NaN, 1], [1, 1])).toBeNaN();
  expect(worstError({ ...good, logprobs: NaN })).toBeNaN();
  expect(worstError(good)).toBe(8e-7);
});
