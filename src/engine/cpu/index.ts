// The CPU twins of the GPU kernels (DESIGN §1): plain TypeScript, one op family per file, each a
// forward/backward pair with the shapes documented at the top of its file. The test oracle for the WGSL
// kernels and the no-GPU backend (CpuModel).
export * from './encoder';
export * from './layernorm';
export * from './matmul';
export * from './attention';
export * from './gelu';
export * from './residual';
export * from './steering';
export * from './logprob';
export * from './adamw';
export * from './sample';
