;; f32 GEMM on WASM SIMD (f32x4) for the CPU backend (DESIGN §2, §8): C[M,N] += A[M,K] · B[K,N].
;;
;; BLIS-style: the caller (gemm.ts) blocks over N (NC), K (KC) and M (MC), packs a KC×NC block of B and
;; an MC×KC block of A into micro-panels with `pack`, and runs `block`, which walks 6×8 tiles of C through
;; `tile`. Packed panels are zero-padded to whole tiles, so every tile runs the same code; tiles on the
;; edge of C go through a scratch tile at address 0 (`edge`).
;;
;; Numerics: no FMA (WASM SIMD has none that is deterministic); every C element is updated as
;; c = c + a*b, one k at a time in increasing order, in f32. The result of an element therefore depends
;; only on its row of A, its column of B and C's starting value, never on M, N or the blocking: a decode
;; step of one row matches the full pass bit for bit, and runs are reproducible on every WASM engine.
(module
  (memory (export "memory") 1)
  (global (export "MR") i32 (i32.const 6))
  (global (export "NR") i32 (i32.const 8))
  ;; bytes reserved at address 0 for the edge tile (MR*NR f32)
  (global (export "SCRATCH") i32 (i32.const 256))

  ;; Packs rows × depth values, value (i, p) = src[i*rs + p*cs] (strides in elements), into panels of
  ;; `w` rows: dst[(i/w)*depth*w + p*w + i%w]; rows past the end are zeros.
  (func (export "pack")
    (param $dst i32) (param $src i32) (param $rows i32) (param $depth i32)
    (param $rs i32) (param $cs i32) (param $w i32)
    (local $i0 i32) (local $p i32) (local $ii i32) (local $n i32) (local $s i32) (local $rsb i32) (local $csb i32)
    (local.set $rsb (i32.shl (local.get $rs) (i32.const 2)))
    (local.set $csb (i32.shl (local.get $cs) (i32.const 2)))
    (block $done_i0
      (loop $next_i0
        (br_if $done_i0 (i32.ge_s (local.get $i0) (local.get $rows)))
        ;; n = valid rows in this panel
        (local.set $n (i32.sub (local.get $rows) (local.get $i0)))
        (if (i32.gt_s (local.get $n) (local.get $w)) (then (local.set $n (local.get $w))))
        (local.set $p (i32.const 0))
        (block $done_p
          (loop $next_p
            (br_if $done_p (i32.ge_s (local.get $p) (local.get $depth)))
            ;; s = &src[i0*rs + p*cs]
            (local.set $s (i32.add (local.get $src)
              (i32.add (i32.mul (local.get $i0) (local.get $rsb)) (i32.mul (local.get $p) (local.get $csb)))))
            (local.set $ii (i32.const 0))
            (block $done_ii
              (loop $next_ii
                (br_if $done_ii (i32.ge_s (local.get $ii) (local.get $n)))
                (f32.store (local.get $dst) (f32.load (local.get $s)))
                (local.set $s (i32.add (local.get $s) (local.get $rsb)))
                (local.set $dst (i32.add (local.get $dst) (i32.const 4)))
                (local.set $ii (i32.add (local.get $ii) (i32.const 1)))
                (br $next_ii)))
            (block $done_pad
              (loop $next_pad
                (br_if $done_pad (i32.ge_s (local.get $ii) (local.get $w)))
                (f32.store (local.get $dst) (f32.const 0))
                (local.set $dst (i32.add (local.get $dst) (i32.const 4)))
                (local.set $ii (i32.add (local.get $ii) (i32.const 1)))
                (br $next_pad)))
            (local.set $p (i32.add (local.get $p) (i32.const 1)))
            (br $next_p)))
        (local.set $i0 (i32.add (local.get $i0) (local.get $w)))
        (br $next_i0))))

  ;; One 6×8 tile: C[6,8] (row stride ldc bytes) += Apanel[kc][6] · Bpanel[kc][8].
  (func $tile (param $a i32) (param $b i32) (param $kc i32) (param $c i32) (param $ldc i32)
    (local $c0l v128) (local $c0h v128) (local $c1l v128) (local $c1h v128)
    (local $c2l v128) (local $c2h v128) (local $c3l v128) (local $c3h v128)
    (local $c4l v128) (local $c4h v128) (local $c5l v128) (local $c5h v128)
    (local $bl v128) (local $bh v128) (local $x v128) (local $r i32)
    (local.set $r (local.get $c))
    (local.set $c0l (v128.load (local.get $r))) (local.set $c0h (v128.load offset=16 (local.get $r)))
    (local.set $r (i32.add (local.get $r) (local.get $ldc)))
    (local.set $c1l (v128.load (local.get $r))) (local.set $c1h (v128.load offset=16 (local.get $r)))
    (local.set $r (i32.add (local.get $r) (local.get $ldc)))
    (local.set $c2l (v128.load (local.get $r))) (local.set $c2h (v128.load offset=16 (local.get $r)))
    (local.set $r (i32.add (local.get $r) (local.get $ldc)))
    (local.set $c3l (v128.load (local.get $r))) (local.set $c3h (v128.load offset=16 (local.get $r)))
    (local.set $r (i32.add (local.get $r) (local.get $ldc)))
    (local.set $c4l (v128.load (local.get $r))) (local.set $c4h (v128.load offset=16 (local.get $r)))
    (local.set $r (i32.add (local.get $r) (local.get $ldc)))
    (local.set $c5l (v128.load (local.get $r))) (local.set $c5h (v128.load offset=16 (local.get $r)))
    (block $done
      (loop $k
        (br_if $done (i32.eqz (local.get $kc)))
        (local.set $bl (v128.load (local.get $b)))
        (local.set $bh (v128.load offset=16 (local.get $b)))
        (local.set $x (v128.load32_splat (local.get $a)))
        (local.set $c0l (f32x4.add (local.get $c0l) (f32x4.mul (local.get $x) (local.get $bl))))
        (local.set $c0h (f32x4.add (local.get $c0h) (f32x4.mul (local.get $x) (local.get $bh))))
        (local.set $x (v128.load32_splat offset=4 (local.get $a)))
        (local.set $c1l (f32x4.add (local.get $c1l) (f32x4.mul (local.get $x) (local.get $bl))))
        (local.set $c1h (f32x4.add (local.get $c1h) (f32x4.mul (local.get $x) (local.get $bh))))
        (local.set $x (v128.load32_splat offset=8 (local.get $a)))
        (local.set $c2l (f32x4.add (local.get $c2l) (f32x4.mul (local.get $x) (local.get $bl))))
        (local.set $c2h (f32x4.add (local.get $c2h) (f32x4.mul (local.get $x) (local.get $bh))))
        (local.set $x (v128.load32_splat offset=12 (local.get $a)))
        (local.set $c3l (f32x4.add (local.get $c3l) (f32x4.mul (local.get $x) (local.get $bl))))
        (local.set $c3h (f32x4.add (local.get $c3h) (f32x4.mul (local.get $x) (local.get $bh))))
        (local.set $x (v128.load32_splat offset=16 (local.get $a)))
        (local.set $c4l (f32x4.add (local.get $c4l) (f32x4.mul (local.get $x) (local.get $bl))))
        (local.set $c4h (f32x4.add (local.get $c4h) (f32x4.mul (local.get $x) (local.get $bh))))
        (local.set $x (v128.load32_splat offset=20 (local.get $a)))
        (local.set $c5l (f32x4.add (local.get $c5l) (f32x4.mul (local.get $x) (local.get $bl))))
        (local.set $c5h (f32x4.add (local.get $c5h) (f32x4.mul (local.get $x) (local.get $bh))))
        (local.set $a (i32.add (local.get $a) (i32.const 24)))
        (local.set $b (i32.add (local.get $b) (i32.const 32)))
        (local.set $kc (i32.sub (local.get $kc) (i32.const 1)))
        (br $k)))
    (local.set $r (local.get $c))
    (v128.store (local.get $r) (local.get $c0l)) (v128.store offset=16 (local.get $r) (local.get $c0h))
    (local.set $r (i32.add (local.get $r) (local.get $ldc)))
    (v128.store (local.get $r) (local.get $c1l)) (v128.store offset=16 (local.get $r) (local.get $c1h))
    (local.set $r (i32.add (local.get $r) (local.get $ldc)))
    (v128.store (local.get $r) (local.get $c2l)) (v128.store offset=16 (local.get $r) (local.get $c2h))
    (local.set $r (i32.add (local.get $r) (local.get $ldc)))
    (v128.store (local.get $r) (local.get $c3l)) (v128.store offset=16 (local.get $r) (local.get $c3h))
    (local.set $r (i32.add (local.get $r) (local.get $ldc)))
    (v128.store (local.get $r) (local.get $c4l)) (v128.store offset=16 (local.get $r) (local.get $c4h))
    (local.set $r (i32.add (local.get $r) (local.get $ldc)))
    (v128.store (local.get $r) (local.get $c5l)) (v128.store offset=16 (local.get $r) (local.get $c5h)))

  ;; Copies an mr×nr corner between C (row stride ldc bytes) and the scratch tile (row stride 32 bytes).
  (func $copy_tile (param $dst i32) (param $ldd i32) (param $src i32) (param $lds i32) (param $mr i32) (param $nr i32)
    (local $i i32) (local $j i32)
    (block $done_i
      (loop $next_i
        (br_if $done_i (i32.ge_s (local.get $i) (local.get $mr)))
        (local.set $j (i32.const 0))
        (block $done_j
          (loop $next_j
            (br_if $done_j (i32.ge_s (local.get $j) (local.get $nr)))
            (f32.store
              (i32.add (i32.add (local.get $dst) (i32.mul (local.get $i) (local.get $ldd))) (i32.shl (local.get $j) (i32.const 2)))
              (f32.load
                (i32.add (i32.add (local.get $src) (i32.mul (local.get $i) (local.get $lds))) (i32.shl (local.get $j) (i32.const 2)))))
            (local.set $j (i32.add (local.get $j) (i32.const 1)))
            (br $next_j)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next_i))))

  ;; A tile on the edge of C: only its mr×nr corner is C's; the rest of the scratch tile is discarded.
  (func $edge (param $a i32) (param $b i32) (param $kc i32) (param $c i32) (param $ldc i32) (param $mr i32) (param $nr i32)
    (memory.fill (i32.const 0) (i32.const 0) (i32.const 192))
    (call $copy_tile (i32.const 0) (i32.const 32) (local.get $c) (local.get $ldc) (local.get $mr) (local.get $nr))
    (call $tile (local.get $a) (local.get $b) (local.get $kc) (i32.const 0) (i32.const 32))
    (call $copy_tile (local.get $c) (local.get $ldc) (i32.const 0) (i32.const 32) (local.get $mr) (local.get $nr)))

  ;; C[mc,nc] (row stride ldc elements) += packed A block [mc,kc] · packed B block [kc,nc].
  ;; Column panels outside, row panels inside: one 8-wide B panel stays in L1 while A streams from L2.
  (func (export "block")
    (param $ap i32) (param $bp i32) (param $c i32) (param $mc i32) (param $nc i32) (param $kc i32) (param $ldc i32)
    (local $j0 i32) (local $i0 i32) (local $nr i32) (local $mr i32) (local $ldcb i32)
    (local $a i32) (local $b i32) (local $ct i32)
    (local.set $ldcb (i32.shl (local.get $ldc) (i32.const 2)))
    (block $done_j
      (loop $next_j
        (br_if $done_j (i32.ge_s (local.get $j0) (local.get $nc)))
        (local.set $nr (i32.sub (local.get $nc) (local.get $j0)))
        (if (i32.gt_s (local.get $nr) (i32.const 8)) (then (local.set $nr (i32.const 8))))
        (local.set $b (i32.add (local.get $bp) (i32.shl (i32.mul (local.get $j0) (local.get $kc)) (i32.const 2))))
        (local.set $i0 (i32.const 0))
        (block $done_i
          (loop $next_i
            (br_if $done_i (i32.ge_s (local.get $i0) (local.get $mc)))
            (local.set $mr (i32.sub (local.get $mc) (local.get $i0)))
            (if (i32.gt_s (local.get $mr) (i32.const 6)) (then (local.set $mr (i32.const 6))))
            (local.set $a (i32.add (local.get $ap) (i32.shl (i32.mul (local.get $i0) (local.get $kc)) (i32.const 2))))
            (local.set $ct (i32.add (local.get $c)
              (i32.add (i32.mul (local.get $i0) (local.get $ldcb)) (i32.shl (local.get $j0) (i32.const 2)))))
            (if (i32.and (i32.eq (local.get $mr) (i32.const 6)) (i32.eq (local.get $nr) (i32.const 8)))
              (then (call $tile (local.get $a) (local.get $b) (local.get $kc) (local.get $ct) (local.get $ldcb)))
              (else (call $edge (local.get $a) (local.get $b) (local.get $kc) (local.get $ct) (local.get $ldcb)
                (local.get $mr) (local.get $nr))))
            (local.set $i0 (i32.add (local.get $i0) (i32.const 6)))
            (br $next_i)))
        (local.set $j0 (i32.add (local.get $j0) (i32.const 8)))
        (br $next_j))))

  ;; dst[j] (f64) += sum_i src[i*cols + j] (f32), for the bias gradient: each column summed in float64 in
  ;; row order, the plain twin's arithmetic exactly (two columns per f64x2, the odd last one alone).
  (func (export "col_sums") (param $dst i32) (param $src i32) (param $rows i32) (param $cols i32)
    (local $i i32) (local $j i32) (local $d i32) (local $pairs i32)
    (local.set $pairs (i32.and (local.get $cols) (i32.const -2)))
    (block $done_i
      (loop $next_i
        (br_if $done_i (i32.ge_s (local.get $i) (local.get $rows)))
        (local.set $j (i32.const 0))
        (local.set $d (local.get $dst))
        (block $done_j
          (loop $next_j
            (br_if $done_j (i32.ge_s (local.get $j) (local.get $pairs)))
            (v128.store (local.get $d)
              (f64x2.add (v128.load (local.get $d)) (f64x2.promote_low_f32x4 (v128.load64_zero (local.get $src)))))
            (local.set $src (i32.add (local.get $src) (i32.const 8)))
            (local.set $d (i32.add (local.get $d) (i32.const 16)))
            (local.set $j (i32.add (local.get $j) (i32.const 2)))
            (br $next_j)))
        (if (i32.ne (local.get $pairs) (local.get $cols))
          (then
            (f64.store (local.get $d) (f64.add (f64.load (local.get $d)) (f64.promote_f32 (f32.load (local.get $src)))))
            (local.set $src (i32.add (local.get $src) (i32.const 4)))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next_i))))
)
