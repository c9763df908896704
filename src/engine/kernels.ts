// Typed launchers for the WGSL kernels, one per CPU twin in src/engine/cpu with the same argument order
// (a Program first, then the CPU signature with GPU buffers in place of arrays). Backward launchers
// ACCUMULATE (+=) exactly like their twins. Each call records dispatches into the Program; nothing runs
// until the Program is encoded and submitted.
import { cdiv, type Binding, type Program, type Tuning } from './launch';
import { attentionKind } from './attention-state';
import { LAYERNORM_EPS } from './cpu/layernorm'; // one eps for both twins (the WGSL takes it as a param)
import type { ShaderVariant } from './shaders';

/** Workgroups for a grid-stride elementwise kernel. */
const grid = (n: number, wg: number) => Math.max(1, Math.min(cdiv(n, wg), 16384));
/** One workgroup per row, as [x, y] so that more than 65535 rows fit (row = x + y * countX). */
const rows = (n: number): [number, number] => (n <= 65535 ? [Math.max(n, 1), 1] : [65535, cdiv(n, 65535)]);

/** Compile-time constants of the one-workgroup-per-row kernels (see Tuning in launch.ts). */
const rowConst = (prog: Program) => ({ WG: prog.ctx.tuning.rowWG });
const RWG = 8; // main_reg workgroup side: blocks of 32 x 32

// ------------------------------------------------------------------------------------------- encoder
// (the forward is fused with block 0's LayerNorm: encoderLayernormForward below)

/** dwte += scatter-add by token; dwpe += sum over b (one dispatch). V bounds the vocabulary buckets of the scatter. */
export function encoderBackward(prog: Program, dwte: Binding, dwpe: Binding, dout: Binding, tokens: Binding, B: number, T: number, C: number, V: number): void {
  const NB = Math.max(1, Math.min(V, Math.ceil(8192 / C)));
  // one dispatch: the wte scatter's workgroups first, then the wpe sum's (encoder.wgsl `backward`)
  prog.dispatch(
    'encoder',
    'backward',
    { tokens, dout, dwte, dwpe },
    { B, T, C, NB },
    cdiv(C * NB, 64) + grid(T * C, 64),
  );
}

// ----------------------------------------------------------------------------------------- layernorm

/**
 * Constants and source variant of the row-reduction kernels (layernorm, logprob, the attention softmax):
 * their workgroup reductions come from reduce_subgroups.wgsl where the tuning picks subgroups (see
 * Tuning.subgroups).
 */
function rowReduce(prog: Program): [Record<string, number>, ShaderVariant] {
  if (!prog.ctx.tuning.subgroups) return [rowConst(prog), {}];
  return [{ ...rowConst(prog), SG_MIN: prog.ctx.subgroupMinSize }, { subgroups: true }];
}

export function layernormForward(prog: Program, out: Binding, mean: Binding, rstd: Binding, inp: Binding, weight: Binding, bias: Binding, N: number, C: number): void {
  prog.dispatch(
    'layernorm',
    'forward',
    { inp, weight, bias, out, mean, rstd, dout: null, dinp: null, dweight: null, dbias: null },
    { N, C, eps: LAYERNORM_EPS },
    rows(N),
    ...rowReduce(prog),
  );
}

/**
 * The embedding and the first block's LayerNorm in one dispatch (encoder_layernorm.wgsl):
 * x [B,T,C] = wte[tokens] + wpe[t], out = layernorm(x) with mean, rstd [B,T]; out, mean, rstd have the
 * bits of layernormForward on that x (the shared layernorm_row.wgsl).
 */
export function encoderLayernormForward(prog: Program, x: Binding, out: Binding, mean: Binding, rstd: Binding, tokens: Binding, wte: Binding, wpe: Binding, weight: Binding, bias: Binding, B: number, T: number, C: number): void {
  prog.dispatch(
    'encoder_layernorm',
    'forward',
    { tokens, wte, wpe, x, weight, bias, out, mean, rstd, state: null },
    { N: B * T, T, C, TT: T, eps: LAYERNORM_EPS },
    rows(B * T),
    ...rowReduce(prog),
  );
}

/** KV-cache step of encoderLayernormForward: rows x, out [B,C] at pos = state[0]; tokens rows are TT long. */
export function encoderLayernormForwardDecode(prog: Program, x: Binding, out: Binding, mean: Binding, rstd: Binding, tokens: Binding, wte: Binding, wpe: Binding, weight: Binding, bias: Binding, state: Binding, B: number, TT: number, C: number): void {
  prog.dispatch(
    'encoder_layernorm',
    'forward_decode',
    { tokens, wte, wpe, x, weight, bias, out, mean, rstd, state },
    { N: B, T: 1, C, TT, eps: LAYERNORM_EPS },
    rows(B),
    ...rowReduce(prog),
  );
}

/** dweight / dbias null: only dinp; the parameter gradients are left to layernormParamsBackward. */
export function layernormBackward(
  prog: Program,
  dinp: Binding,
  dweight: Binding | null,
  dbias: Binding | null,
  dout: Binding,
  inp: Binding,
  weight: Binding,
  mean: Binding,
  rstd: Binding,
  N: number,
  C: number,
): void {
  prog.dispatch(
    'layernorm',
    'backward',
    { inp, weight, bias: null, out: null, mean, rstd, dout, dinp, dweight: null, dbias: null },
    { N, C, eps: LAYERNORM_EPS },
    rows(N),
    ...rowReduce(prog),
  );
  if (!dweight || !dbias) return;
  prog.dispatch(
    'layernorm',
    'backward_params',
    { inp, weight: null, bias: null, out: null, mean, rstd, dout, dinp: null, dweight, dbias },
    { N, C, eps: LAYERNORM_EPS },
    cdiv(C, prog.ctx.tuning.rowWG),
    ...rowReduce(prog), // no reduction here, but the same module as forward/backward: one compile, not two
  );
}

// ------------------------------------------------------------------------------ layernorm parameters

/** Where layernormParamsBackward finds the nLN layernorms' inputs, statistics and output gradients. */
export interface LayernormStack {
  /** residual-stream slots: layernorm j reads even [j / 2] for even j, odd [(j - 1) / 2] for odd j */
  even: Binding;
  odd: Binding;
  /** mean_j [N] at j * statSlot, rstd_j [N] at (nLN + j) * statSlot */
  stats: Binding;
  /** dout_j [N, C] at j * slot: each layernorm's output gradient */
  dout: Binding;
  /** u32 [nLN][2]: element offsets of dweight_j and dbias_j in grads */
  offs: Binding;
  nLN: number;
  /** elements between slots of even / odd / dout, and of stats */
  slot: number;
  statSlot: number;
}

/**
 * dweight_j += sum_n xhat_j dout_j and dbias_j += sum_n dout_j for all nLN layernorms in ONE dispatch
 * (shaders/layernorm_params.wgsl; layernormBackward's second pass for every layernorm at once).
 */
export function layernormParamsBackward(prog: Program, grads: Binding, s: LayernormStack, N: number, C: number): void {
  prog.dispatch(
    'layernorm_params',
    'backward_params',
    { even: s.even, odd: s.odd, stats: s.stats, dout: s.dout, offs: s.offs, grads },
    { N, C, nLN: s.nLN, slot: s.slot, statSlot: s.statSlot },
    [cdiv(C, prog.ctx.tuning.rowWG), s.nLN],
    rowConst(prog),
  );
}

// -------------------------------------------------------------------------------------------- matmul

export interface Gemm {
  /** out [M, N] row-major */
  out: Binding;
  a: Binding;
  b: Binding;
  bias?: Binding | null;
  M: number;
  N: number;
  K: number;
  /** A(m, k) = a[m * sAm + k * sAk] */
  sAm: number;
  sAk: number;
  /** B(k, n) = b[k * sBk + n * sBn] */
  sBk: number;
  sBn: number;
  accumulate: boolean;
  /** out += residual [M, N] as well; only the vec4 kernel takes it (see matmulForwardResidual) */
  residual?: Binding | null;
  /** gelu [M, N] = gelu(out) as well (out keeps the pre-activation); vec4 kernel only (matmulForwardGelu) */
  gelu?: Binding | null;
  /** the product is multiplied by gelu'(geluGrad [M, N]) before the accumulate; vec4 only (matmulBackwardGelu) */
  geluGrad?: Binding | null;
  /** dbias [N] += column sums of B (B [K, N] row-major); vec4 only (matmulBackward falls back to biasBackward) */
  dbias?: Binding | null;
}

/** The auxiliary binding of a fused vec4 epilogue (at most one of residual, gelu, geluGrad, dbias). */
function gemmAux(g: Gemm): Binding | null {
  const aux = [g.residual, g.gelu, g.geluGrad, g.dbias].filter((b) => b);
  if (aux.length > 1) throw new Error('gemm: at most one of residual, gelu, geluGrad, dbias');
  return aux[0] ?? null;
}

/** A binding of packed f16 values, two to a u32 (cast_f16.wgsl's layout): only a vec4 or skinny product's B takes one. */
export type F16Binding = { buffer: GPUBuffer; offset?: number; size?: number; f16: true };
const isF16 = (b: Binding | null | undefined): boolean => !!b && 'f16' in b && b.f16 === true;

/** out (+)= A . B (+ bias); any transposition expressed by strides. Variant per adapter (Tuning.matmul, Tuning.skinnyMatmul). */
export function gemm(prog: Program, g: Gemm): void {
  const skinny = skinnyLayout(prog, g);
  if (skinny) return gemmSkinny(prog, g, skinny);
  const layout = fusedGemmLayout(prog, g);
  if (layout) return gemmVec4(prog, g, layout);
  if (isF16(g.b)) throw new Error('gemm: an f16 B operand needs the vec4 kernel and dense operands (Tuning.f16Weights)');
  if (gemmAux(g)) throw new Error('gemm: residual, gelu, geluGrad and dbias need the vec4 kernel (use the matmul* launchers)');
  const variant = prog.ctx.tuning.matmul;
  const reg = variant === 'register';
  const block = reg ? 4 * RWG : 64;
  prog.dispatch(
    'matmul',
    reg ? 'main_reg' : 'main',
    { a: g.a, b: g.b, bias: g.bias ?? null, out: g.out, dout: null, dbias: null },
    {
      M: g.M,
      N: g.N,
      K: g.K,
      sAm: g.sAm,
      sAk: g.sAk,
      sBk: g.sBk,
      sBn: g.sBn,
      accumulate: g.accumulate ? 1 : 0,
      hasBias: g.bias ? 1 : 0,
    },
    [cdiv(g.N, block), cdiv(g.M, block)],
    { RWG },
  );
}

/** The most rows matmul_skinny.wgsl takes (a decode step of 64 sequences, the RL rollouts' batch). */
export const SKINNY_ROWS = 64;

/** K slices of matmul_skinny for M rows: a power of two up to 16 with the partial sums (slices x M x 16 floats) within 16 KB. */
export const skinnySlices = (M: number) => Math.min(16, 2 ** Math.floor(Math.log2(256 / M)));

/** The layout for matmul_skinny when Tuning.skinnyMatmul takes the product (few rows, A [M, K] dense, B either way, no accumulate), else null. */
function skinnyLayout(prog: Program, g: Gemm): { transA: boolean; transB: boolean } | null {
  if (!prog.ctx.tuning.skinnyMatmul || g.M > SKINNY_ROWS || g.accumulate || g.geluGrad || g.dbias) return null;
  const layout = denseLayout(g);
  return layout && !layout.transA ? layout : null;
}

/** shaders/matmul_skinny.wgsl: one workgroup per 16 columns, every row, K in skinnySlices; the vec4 kernel's epilogues. */
function gemmSkinny(prog: Program, g: Gemm, { transB }: { transB: boolean }): void {
  prog.dispatch(
    'matmul_skinny',
    'main',
    { a: g.a, b: g.b, b4: null, bias: g.bias ?? null, out: g.out, aux: gemmAux(g) },
    {},
    rows(cdiv(g.N, 16)),
    { M: g.M, N: g.N, K: g.K, SLICES: skinnySlices(g.M), TRANS_B: bit(transB), HAS_BIAS: bit(g.bias), RESIDUAL: bit(g.residual), GELU_OUT: bit(g.gelu) },
    isF16(g.b) ? { f16B: true } : {},
  );
}

/** Whether the tuning's dense products carry the fused epilogues (residual, GELU, GELU's backward, dbias). */
export const fusesEpilogues = (tuning: Pick<Tuning, 'matmul'>) => tuning.matmul === 'vec4';

/** The layout for matmul_vec4 when the tuning picks it and the strides are dense, else null. */
function fusedGemmLayout(prog: Program, g: Gemm): { transA: boolean; transB: boolean } | null {
  return fusesEpilogues(prog.ctx.tuning) ? denseLayout(g) : null;
}

/** A [M,K] or [K,M] and B [K,N] or [N,K], densely packed; null for any other strides (they take 'tiled'). */
function denseLayout(g: Gemm): { transA: boolean; transB: boolean } | null {
  const transA = g.sAm === 1 && g.sAk === g.M;
  const transB = g.sBk === 1 && g.sBn === g.K;
  const plainA = g.sAk === 1 && g.sAm === g.K;
  const plainB = g.sBn === 1 && g.sBk === g.N;
  if (!(transA || plainA) || !(transB || plainB)) return null;
  return { transA: transA && !plainA, transB: transB && !plainB };
}

/** A binding can be read as vec4 when its byte offset is a multiple of 16. */
const vec4Aligned = (b: Binding) => !('offset' in b) || (b.offset ?? 0) % 16 === 0;

/** How matmul_vec4 runs one product: its layout, which operands load as vec4, and its tile grid. */
interface Vec4Plan {
  g: Gemm;
  transA: boolean;
  transB: boolean;
  vecA: boolean;
  vecB: boolean;
  vecOut: boolean;
  wideM: boolean;
  wideN: boolean;
}

function vec4Plan(g: Gemm, { transA, transB }: { transA: boolean; transB: boolean }, fill: number): Vec4Plan {
  if (g.dbias && transB) throw new Error('gemm: dbias needs a row-major B [K, N]');
  const aux = gemmAux(g);
  const [wideM, wideN] = tileWidths(g, fill);
  return {
    g,
    transA,
    transB,
    vecA: (transA ? g.M : g.K) % 4 === 0 && vec4Aligned(g.a),
    vecB: (transB ? g.K : g.N) % 4 === 0 && vec4Aligned(g.b),
    vecOut: g.N % 4 === 0 && [g.out, g.bias, aux].every((b) => !b || vec4Aligned(b)),
    wideM,
    wideN,
  };
}

/** Workgroups along n and m of a product on tiles of 64 or 128 (wide). */
const tilesOf = (g: Gemm, wideM: boolean, wideN: boolean): [number, number] => [cdiv(g.N, wideN ? 128 : 64), cdiv(g.M, wideM ? 128 : 64)];
const workgroups = (g: Gemm, wideM: boolean, wideN: boolean) => tilesOf(g, wideM, wideN).reduce((a, b) => a * b);

/** [wideM, wideN]: 128-wide where the output is wider than 64, narrowed (columns first) while the grid is under `fill` (Tuning.matmulFill). */
function tileWidths(g: Gemm, fill: number): [boolean, boolean] {
  let wideM = g.M > 64, wideN = g.N > 64;
  if (wideN && workgroups(g, wideM, wideN) < fill) wideN = false;
  if (wideM && workgroups(g, wideM, wideN) < fill) wideM = false;
  return [wideM, wideN];
}

/** A flag as the u32 the WGSL constants take. */
const bit = (flag: unknown) => (flag ? 1 : 0);

/** The compile-time constants of product 0 (the single product) of matmul_vec4. */
function product0Constants(p: Vec4Plan): Record<string, number> {
  const { g } = p;
  return {
    M: g.M,
    N: g.N,
    K: g.K,
    TRANS_A: bit(p.transA),
    TRANS_B: bit(p.transB),
    VEC_A: bit(p.vecA),
    VEC_B: bit(p.vecB),
    VEC_OUT: bit(p.vecOut),
    ACCUMULATE: bit(g.accumulate),
    HAS_BIAS: bit(g.bias),
    RESIDUAL: bit(g.residual),
    GELU_OUT: bit(g.gelu),
    GELU_GRAD: bit(g.geluGrad),
    HAS_DBIAS: bit(g.dbias),
  };
}

/** shaders/matmul_vec4.wgsl: shapes and layout compiled in; vec4 loads where the contiguous dim allows. */
function gemmVec4(prog: Program, g: Gemm, layout: { transA: boolean; transB: boolean }): void {
  const p = vec4Plan(g, layout, prog.ctx.tuning.matmulFill);
  const aux = gemmAux(g);
  const bias = g.bias ?? null;
  prog.dispatch(
    'matmul_vec4',
    'main',
    {
      a: p.vecA ? null : g.a,
      a4: p.vecA ? g.a : null,
      b: p.vecB ? null : g.b,
      b4: p.vecB ? g.b : null,
      bias: p.vecOut ? null : bias,
      bias4: p.vecOut ? bias : null,
      out: p.vecOut ? null : g.out,
      out4: p.vecOut ? g.out : null,
      aux: p.vecOut ? null : aux,
      aux4: p.vecOut ? aux : null,
    },
    {},
    tilesOf(g, p.wideM, p.wideN),
    { ...product0Constants(p), WIDE_M: bit(p.wideM), WIDE_N: bit(p.wideN) },
    isF16(g.b) ? { f16B: true } : {},
  );
}

/**
 * Two independent products in ONE dispatch (matmul_vec4's PAIR: a layer's dX and dW): `first` on the
 * vec4 bindings, `second` on the scalar ones. Returns false, recording nothing, where the pair does not
 * apply (not the vec4 tuning, strided operands, `first` not vec4 throughout, an epilogue the pair does
 * not carry, or more tiles than one grid row); the caller then records the two products one by one.
 */
function gemmPair(prog: Program, first: Gemm, second: Gemm): boolean {
  const l0 = fusedGemmLayout(prog, first), l1 = fusedGemmLayout(prog, second);
  if (!l0 || !l1 || isF16(first.b) || isF16(second.b)) return false;
  const fill = prog.ctx.tuning.matmulFill;
  const p0 = vec4Plan(first, l0, fill), p1 = vec4Plan(second, l1, fill);
  if (!p0.vecA || !p0.vecB || !p0.vecOut || first.dbias) return false;
  if (second.bias || second.residual || second.gelu || second.geluGrad) return false;
  const wideM = p0.wideM || p1.wideM, wideN = p0.wideN || p1.wideN;
  const [n0, m0] = tilesOf(first, wideM, wideN), [n1, m1] = tilesOf(second, wideM, wideN);
  const tiles0 = n0 * m0;
  if (tiles0 + n1 * m1 > 65535) return false;
  prog.dispatch(
    'matmul_vec4',
    'main',
    {
      a4: first.a, b4: first.b, bias4: first.bias ?? null, out4: first.out, aux4: gemmAux(first),
      a: second.a, b: second.b, bias: null, out: second.out, aux: second.dbias ?? null,
    },
    {},
    tiles0 + n1 * m1,
    {
      ...product0Constants(p0),
      PAIR: 1,
      M1: second.M,
      N1: second.N,
      K1: second.K,
      TRANS_A1: bit(p1.transA),
      TRANS_B1: bit(p1.transB),
      ACCUMULATE1: bit(second.accumulate),
      HAS_DBIAS1: bit(second.dbias),
      TILES0: tiles0,
      WIDE_M: bit(wideM),
      WIDE_N: bit(wideN),
    },
  );
  return true;
}

/** dbias [OC] += sum over rows of dout [N, OC] */
export function biasBackward(prog: Program, dbias: Binding, dout: Binding, N: number, OC: number): void {
  prog.dispatch(
    'matmul',
    'bias_backward',
    { a: null, b: null, bias: null, out: null, dout, dbias },
    { M: N, N: OC, K: 0, sAm: 0, sAk: 0, sBk: 0, sBn: 0, accumulate: 1, hasBias: 0 },
    cdiv(OC, 64),
    { RWG },
  );
}

/** out [N,OC] = inp [N,C] . weight [C,OC] + bias */
export function matmulForward(prog: Program, out: Binding, inp: Binding, weight: Binding, bias: Binding | null, N: number, C: number, OC: number): void {
  gemm(prog, { out, a: inp, b: weight, bias, M: N, N: OC, K: C, sAm: C, sAk: 1, sBk: OC, sBn: 1, accumulate: false });
}

/**
 * out [N,OC] = residual + inp . weight + bias (a transformer block's projection and residual add): one
 * dispatch where the vec4 matmul runs (residual fused into its epilogue), else the product into
 * `scratch` [N,OC] and residualForward. out, residual and scratch are distinct buffers.
 */
export function matmulForwardResidual(prog: Program, out: Binding, scratch: Binding, inp: Binding, weight: Binding, bias: Binding | null, residual: Binding, N: number, C: number, OC: number): void {
  const g: Gemm = { out, a: inp, b: weight, bias, M: N, N: OC, K: C, sAm: C, sAk: 1, sBk: OC, sBn: 1, accumulate: false, residual };
  if (fusedGemmLayout(prog, g)) return gemm(prog, g);
  matmulForward(prog, scratch, inp, weight, bias, N, C, OC);
  residualForward(prog, out, residual, scratch, N * OC);
}

/**
 * out [N,OC] = inp . weight + bias (the pre-activation, kept for backward) and outGelu = gelu(out): one
 * dispatch where the vec4 matmul runs (GELU fused into its epilogue), else matmulForward + geluForward.
 */
export function matmulForwardGelu(prog: Program, out: Binding, outGelu: Binding, inp: Binding, weight: Binding, bias: Binding | null, N: number, C: number, OC: number): void {
  const g: Gemm = { out, a: inp, b: weight, bias, M: N, N: OC, K: C, sAm: C, sAk: 1, sBk: OC, sBn: 1, accumulate: false, gelu: outGelu };
  if (fusedGemmLayout(prog, g)) return gemm(prog, g);
  matmulForward(prog, out, inp, weight, bias, N, C, OC);
  geluForward(prog, outGelu, out, N * OC);
}

/**
 * dinp [N,C] += dout . weight^T;  dweight [C,OC] += inp^T . dout;  dbias += column sums of dout.
 * With `dinpOverwrite` dinp is overwritten instead (the same as clearing it first). Where the vec4
 * matmul runs, both products are one dispatch (gemmPair) and dbias is summed by the dweight product
 * itself (HAS_DBIAS); else 3 dispatches.
 */
export function matmulBackward(
  prog: Program,
  dinp: Binding,
  dweight: Binding,
  dbias: Binding | null,
  dout: Binding,
  inp: Binding,
  weight: Binding,
  N: number,
  C: number,
  OC: number,
  dinpOverwrite = false,
): void {
  const dX: Gemm = { out: dinp, a: dout, b: weight, M: N, N: C, K: OC, sAm: OC, sAk: 1, sBk: 1, sBn: OC, accumulate: !dinpOverwrite };
  const dW = weightGradient(dweight, dbias, dout, inp, N, C, OC);
  if (gemmPair(prog, dX, dW)) return;
  gemm(prog, dX);
  matmulBackwardWeight(prog, dW, dout);
}

/** The product dweight [C,OC] += inp^T . dout, with dbias += column sums of dout (dout = its B). */
const weightGradient = (dweight: Binding, dbias: Binding | null, dout: Binding, inp: Binding, N: number, C: number, OC: number): Gemm =>
  ({ out: dweight, a: inp, b: dout, M: C, N: OC, K: N, sAm: 1, sAk: C, sBk: OC, sBn: 1, accumulate: true, dbias });

/** Records a weightGradient product: one dispatch on the vec4 matmul, else the product and biasBackward. */
function matmulBackwardWeight(prog: Program, g: Gemm, dout: Binding): void {
  if (!g.dbias || fusedGemmLayout(prog, g)) return gemm(prog, g);
  gemm(prog, { ...g, dbias: null });
  biasBackward(prog, g.dbias, dout, g.K, g.N);
}

/**
 * The backward of out = gelu(pre) . weight + bias: dpre [N,C] = (dout . weight^T) * gelu'(pre) (overwritten),
 * dweight [C,OC] += inp^T . dout with inp = gelu(pre), dbias += column sums of dout. Where the vec4 matmul
 * runs GELU's backward is fused into the dpre product, which shares one dispatch with the dweight product;
 * else the product goes to `scratch` [N,C] (may be null where fusesEpilogues), dpre is cleared and
 * geluBackward accumulates into it (4 dispatches and a clear).
 */
export function matmulBackwardGelu(
  prog: Program,
  dpre: GPUBuffer,
  scratch: Binding | null,
  dweight: Binding,
  dbias: Binding | null,
  dout: Binding,
  inp: Binding,
  pre: Binding,
  weight: Binding,
  N: number,
  C: number,
  OC: number,
): void {
  const g: Gemm = { out: dpre, a: dout, b: weight, M: N, N: C, K: OC, sAm: OC, sAk: 1, sBk: 1, sBn: OC, accumulate: false, geluGrad: pre };
  const dW = weightGradient(dweight, dbias, dout, inp, N, C, OC);
  if (gemmPair(prog, g, dW)) return;
  if (fusedGemmLayout(prog, g)) {
    gemm(prog, g);
  } else {
    if (!scratch) throw new Error('matmulBackwardGelu: needs a scratch [N, C] where GELU is not fused (fusesEpilogues)');
    gemm(prog, { ...g, out: scratch, geluGrad: null });
    prog.clear(dpre);
    geluBackward(prog, dpre, pre, scratch, N * C);
  }
  matmulBackwardWeight(prog, dW, dout);
}

/** out [N,OC] = inp [N,C] . weightT^T, weightT [OC,C] (the tied LM head). */
export function matmulForwardTransposed(prog: Program, out: Binding, inp: Binding, weightT: Binding, N: number, C: number, OC: number): void {
  gemm(prog, { out, a: inp, b: weightT, M: N, N: OC, K: C, sAm: C, sAk: 1, sBk: 1, sBn: C, accumulate: false });
}

/** dinp [N,C] += dout [N,OC] . weightT;  dweightT [OC,C] += dout^T . inp */
export function matmulBackwardTransposed(
  prog: Program,
  dinp: Binding,
  dweightT: Binding,
  dout: Binding,
  inp: Binding,
  weightT: Binding,
  N: number,
  C: number,
  OC: number,
  dinpOverwrite = false,
): void {
  const dX: Gemm = { out: dinp, a: dout, b: weightT, M: N, N: C, K: OC, sAm: OC, sAk: 1, sBk: C, sBn: 1, accumulate: !dinpOverwrite };
  const dW: Gemm = { out: dweightT, a: dout, b: inp, M: OC, N: C, K: N, sAm: 1, sAk: OC, sBk: C, sBn: 1, accumulate: true };
  if (gemmPair(prog, dX, dW)) return;
  gemm(prog, dX);
  gemm(prog, dW);
}

// ----------------------------------------------------------------------------------------- attention

const attnParams = (B: number, T: number, C: number, NH: number, Tmax: number) => ({ B, T, C, NH, Tmax, scale: 1 / Math.sqrt(C / NH) });

/** The tiled and flash kernels' query rows per workgroup (QB in their WGSL). */
const ATTN_QB = 16;

/** out [B,T,C] = causal attention of qkv [B,T,3C]; att = the state attention-state.ts sizes. */
export function attentionForward(prog: Program, out: Binding, att: Binding, qkv: Binding, B: number, T: number, C: number, NH: number): void {
  const kind = attentionKind(prog.ctx.tuning, C, NH);
  if (kind === 'flash') {
    prog.dispatch('attention_flash', 'forward', { qkv, stats: att, out, dout: null, dqkv: null }, attnParams(B, T, C, NH, T), [cdiv(T, ATTN_QB), NH, B]);
    return;
  }
  const tiled = kind === 'tiled';
  prog.dispatch(
    'attention',
    tiled ? 'forward_tiled' : 'forward',
    { qkv, att, out, dout: null, dqkv: null, dpre: null, cache: null, state: null },
    attnParams(B, T, C, NH, T),
    tiled ? [cdiv(T, ATTN_QB), NH, B] : [T, NH, B],
    ...rowReduce(prog), // the softmax's reductions
  );
}

/**
 * dqkv += the attention backward, dq and dk, dv in one dispatch (query and key workgroups); out [B,T,C] is
 * the forward's output and att its state; dpre is scratch of the size attention-state.ts gives (none for flash).
 */
export function attentionBackward(prog: Program, dqkv: Binding, dout: Binding, qkv: Binding, att: Binding, out: Binding, dpre: Binding | null, B: number, T: number, C: number, NH: number): void {
  const kind = attentionKind(prog.ctx.tuning, C, NH);
  if (kind === 'flash') {
    prog.dispatch('attention_flash', 'backward', { qkv, stats: att, out, dout, dqkv }, attnParams(B, T, C, NH, T), [2 * cdiv(T, ATTN_QB), NH, B]);
    return;
  }
  if (!dpre) throw new Error('attentionBackward: the row and tiled kernels need the dpre scratch');
  const tiled = kind === 'tiled';
  prog.dispatch(
    'attention',
    tiled ? 'backward_tiled' : 'backward',
    { qkv, att, out, dout, dqkv, dpre, cache: null, state: null },
    attnParams(B, T, C, NH, T),
    [2 * (tiled ? cdiv(T, ATTN_QB) : T), NH, B],
    ...rowReduce(prog), // no reduction here, but one module with forward: one compile, not two
  );
}

/**
 * KV-cache step at pos = state[0]: store k, v of qkv [B,3C] into cache [B,Tmax,2C] and attend over 0..pos,
 * in one dispatch (each (head, row) workgroup stores the cache columns it reads).
 */
export function attentionDecode(prog: Program, out: Binding, scratch: Binding, qkv: Binding, cache: Binding, state: Binding, B: number, C: number, NH: number, Tmax: number): void {
  const params = attnParams(B, 1, C, NH, Tmax);
  prog.dispatch('attention', 'decode', { qkv, att: scratch, out, dout: null, dqkv: null, dpre: null, cache, state }, params, [NH, B], ...rowReduce(prog));
}

/**
 * Prompt prefill: cache [B,Tmax,2C] positions 0..T-1 = (k, v) of qkv [B,T,3C] (the batched pass's qkv),
 * the same values the decode step stores one position at a time.
 */
export function attentionKvStorePrefill(prog: Program, cache: Binding, qkv: Binding, B: number, T: number, C: number, Tmax: number): void {
  const wg = prog.ctx.tuning.rowWG;
  prog.dispatch('attention', 'kv_store_prefill', { qkv, att: null, out: null, dout: null, dqkv: null, dpre: null, cache, state: null }, attnParams(B, T, C, 1, Tmax), grid(B * T * 2 * C, wg), ...rowReduce(prog));
}

/** out [B,C] = inp [B,T,C] at t = T-1 (the batched prefill's last prompt position into the decode state). */
export function lastPositionRows(prog: Program, out: Binding, inp: Binding, B: number, T: number, C: number): void {
  const wg = prog.ctx.tuning.rowWG;
  prog.dispatch('attention', 'last_rows', { qkv: null, att: null, out, dout: inp, dqkv: null, dpre: null, cache: null, state: null }, attnParams(B, T, C, 1, T), grid(B * C, wg), ...rowReduce(prog));
}

// ------------------------------------------------------------------------------- elementwise families

export function geluForward(prog: Program, out: Binding, inp: Binding, N: number): void {
  prog.dispatch('gelu', 'forward', { inp, out, dout: null, dinp: null }, { N }, grid(N, 256));
}

export function geluBackward(prog: Program, dinp: Binding, inp: Binding, dout: Binding, N: number): void {
  prog.dispatch('gelu', 'backward', { inp, out: null, dout, dinp }, { N }, grid(N, 256));
}

/** out [ceil(n / 2)] u32 = inp [n] as packed f16 (cast_f16.wgsl), the copy an F16Binding views. */
export function castF16(prog: Program, out: Binding, inp: Binding, n: number): void {
  prog.dispatch('cast_f16', 'main', { inp, out }, { n }, grid(cdiv(n, 2), 256));
}

/** out = inp1 + inp2 (no backward kernel: the models pass the residual gradient on in place). */
export function residualForward(prog: Program, out: Binding, inp1: Binding, inp2: Binding, N: number): void {
  prog.dispatch('residual', 'forward', { inp1, inp2, out }, { N }, grid(N, 256));
}

/** h [B,T,C] += alpha[b] * vector on start[b] <= t < end[b] (in place); backward is the identity. */
export function steeringForward(prog: Program, h: Binding, vector: Binding, alpha: Binding, start: Binding, end: Binding, B: number, T: number, C: number): void {
  prog.dispatch('steering', 'forward', { h, vector, alpha, start, end, state: null }, { B, T, C }, grid(B * T * C, 256));
}

/** The same hook for one decoded position t = state[0]; h [B,C]. */
export function steeringForwardDecode(prog: Program, h: Binding, vector: Binding, alpha: Binding, start: Binding, end: Binding, state: Binding, B: number, C: number): void {
  prog.dispatch('steering', 'forward_decode', { h, vector, alpha, start, end, state }, { B, T: 1, C }, grid(B * C, 256));
}

// ------------------------------------------------------------------------------------------- logprob

export function logprobForward(prog: Program, logp: Binding, entropy: Binding, logits: Binding, targets: Binding, N: number, V: number): void {
  prog.dispatch(
    'logprob',
    'forward',
    { logits, targets, logp, entropy, dlogp: null, dlogits: null },
    { N, V },
    rows(N),
    ...rowReduce(prog),
  );
}

/**
 * dlogits += dlogp * (onehot(target) - softmax(logits)). With `logp`, the same dispatch also writes the
 * rows' log-probabilities, the bits logprobForward writes (a supervised step needs no forward pass for them).
 */
export function logprobBackward(prog: Program, dlogits: Binding, dlogp: Binding, logits: Binding, targets: Binding, N: number, V: number, logp?: Binding): void {
  const [constants, variant] = rowReduce(prog);
  prog.dispatch(
    'logprob',
    'backward',
    { logits, targets, logp: logp ?? null, entropy: null, dlogp, dlogits },
    { N, V },
    rows(N),
    logp ? { ...constants, WITH_LOGP: 1 } : constants,
    variant,
  );
}

// --------------------------------------------------------------------------------------------- AdamW

export const NORM_PARTIALS = 256;

const normWorkgroups = (prog: Program, start: number, end: number) => Math.max(1, Math.min(NORM_PARTIALS, cdiv(end - start, prog.ctx.tuning.rowWG)));

/** stats[0] = sqrt(sum of grad[start, end)^2); partials [NORM_PARTIALS] is scratch. */
export function globalNorm(prog: Program, stats: Binding, partials: Binding, grad: Binding, start: number, end: number): void {
  const nwg = normWorkgroups(prog, start, end);
  const b = { param: null, grad, m: null, v: null, partials, stats: null, hyper: null };
  prog.dispatch('adamw', 'norm_partial', b, { start, end, nPartials: nwg, decayEnd: 0 }, nwg, rowConst(prog));
  prog.dispatch('adamw', 'norm_final', { ...b, grad: null, stats }, { start, end, nPartials: nwg, decayEnd: 0 }, 1, rowConst(prog));
}

/**
 * One optimizer step over [start, end): stats[0] = the global norm of grad[start, end), then AdamW reading
 * it from the GPU: skipped when it is not finite; gradients zeroed. Weight
 * decay applies to [start, decayEnd) (the decayed tensors come first), none to [decayEnd, end).
 * hyper = [lr, beta1, beta2, eps, weightDecay, bc1, bc2, clipNorm]; partials [NORM_PARTIALS] is scratch.
 * Two dispatches: the norm's partial sums, then the update, whose every invocation sums the <= 256
 * partials itself in index order (as norm_final does: the same bits) — on 64-wide rows, where the
 * partials are at most 4 per invocation of the norm's workgroups; with narrower workgroups (the
 * CPU-adapter tuning, 256 partials) norm_final runs once in between instead (3 dispatches).
 */
/** Elements per invocation of the AdamW update when it sums the norm's partials itself (adamwStep). */
const UPDATE_PER_INVOCATION = 8;

export function adamwStep(prog: Program, param: Binding, grad: Binding, m: Binding, v: Binding, stats: Binding, partials: Binding, hyper: Binding, start: number, end: number, decayEnd: number): void {
  if (end <= start) return;
  const wg = prog.ctx.tuning.rowWG;
  const nwg = normWorkgroups(prog, start, end);
  const fold = nwg <= 4 * wg;
  if (fold) {
    prog.dispatch('adamw', 'norm_partial', { param: null, grad, m: null, v: null, partials, stats: null, hyper: null }, { start, end, nPartials: nwg, decayEnd: 0 }, nwg, rowConst(prog));
  } else {
    globalNorm(prog, stats, partials, grad, start, end);
  }
  prog.dispatch(
    'adamw',
    'update',
    { param, grad, m, v, partials: fold ? partials : null, stats, hyper },
    { start, end, nPartials: fold ? nwg : 0, decayEnd },
    // folded: each workgroup first sums the nwg partials (one invocation, nwg loads), so fewer, longer
    // workgroups (UPDATE_PER_INVOCATION elements each in the grid-stride loop) keep that sum a small share
    grid(end - start, fold ? wg * UPDATE_PER_INVOCATION : wg),
    rowConst(prog),
  );
}

/** The hyper-parameter block of adamwStep for a 1-based step. */
export function adamwHyper(opt: { lr: number; beta1: number; beta2: number; eps: number; weightDecay: number; clipNorm: number }, step: number): Float32Array {
  return new Float32Array([
    opt.lr,
    opt.beta1,
    opt.beta2,
    opt.eps,
    opt.weightDecay,
    1 - Math.pow(opt.beta1, step),
    1 - Math.pow(opt.beta2, step),
    opt.clipNorm,
  ]);
}

// ------------------------------------------------------------------------------------------ sampling

export interface SampleArgs {
  logits: Binding; // [B, V]
  tokens: Binding; // [B, TT] i32
  logprobs: Binding; // [B, M] log p of each sampled token under the tempered top-k distribution (0 if greedy)
  uniforms: Binding; // [M, B]
  state: Binding; // [1] u32 pos
  B: number;
  V: number;
  TT: number;
  P: number;
  M: number;
  topK: number;
  temperature: number;
}

/** Samples tokens[b, pos+1] for every b (no-op while pos + 1 < P). Returns the dispatch handle. */
export function sampleTokens(prog: Program, a: SampleArgs): number {
  return prog.dispatch(
    'sample',
    'sample',
    { logits: a.logits, tokens: a.tokens, logprobs: a.logprobs, uniforms: a.uniforms, state: a.state },
    { B: a.B, V: a.V, TT: a.TT, P: a.P, M: a.M, topK: a.topK, temperature: a.temperature },
    a.B,
    rowConst(prog),
  );
}

/** state[0] += 1 */
export function advancePosition(prog: Program, state: Binding): void {
  prog.dispatch('sample', 'advance', { logits: null, tokens: null, logprobs: null, uniforms: null, state }, { B: 0, V: 0, TT: 0, P: 0, M: 0, topK: 0, temperature: 0 }, 1, rowConst(prog));
}
