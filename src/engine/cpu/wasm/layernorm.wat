;; LayerNorm over the last dimension on WASM SIMD (f32x4), the twin of src/engine/cpu/layernorm.ts
;; (DESIGN §2): eps 1e-5, the mean and rstd of each row saved for the backward pass.
;;
;; Each row is walked in whole vectors of 4 columns and then a scalar tail (C need not be a multiple of
;; 4). Element-wise results use the same f32 operations in the same order in both paths, so an element's
;; bits do not depend on whether it fell in a vector or the tail. Reductions sum four lanes then the tail,
;; a fixed order: results are deterministic and do not depend on N (a decoded row matches the full pass).
;; f32 throughout (the plain twin computes in float64 and rounds once per stored value).
(module
  (memory (export "memory") 1)
  (global $EPS f32 (f32.const 1e-5))
  ;; the two row sums of the backward pass (mean(w*dout) and mean(w*dout*norm)), set by $row_dots
  (global $dsum (mut f32) (f32.const 0))
  (global $dnsum (mut f32) (f32.const 0))

  ;; (l0 + l1) + (l2 + l3)
  (func $hsum (param $v v128) (result f32)
    (f32.add
      (f32.add (f32x4.extract_lane 0 (local.get $v)) (f32x4.extract_lane 1 (local.get $v)))
      (f32.add (f32x4.extract_lane 2 (local.get $v)) (f32x4.extract_lane 3 (local.get $v)))))

  ;; sum of x[0..c)
  (func $row_sum (param $x i32) (param $c i32) (result f32)
    (local $acc v128) (local $i i32) (local $c4 i32) (local $s f32) (local $p i32)
    (local.set $c4 (i32.and (local.get $c) (i32.const -4)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $c4)))
        (local.set $p (i32.add (local.get $x) (i32.shl (local.get $i) (i32.const 2))))
        (local.set $acc (f32x4.add (local.get $acc) (v128.load (local.get $p))))
        (local.set $i (i32.add (local.get $i) (i32.const 4)))
        (br $next)))
    (local.set $s (call $hsum (local.get $acc)))
    (block $done_t
      (loop $next_t
        (br_if $done_t (i32.ge_u (local.get $i) (local.get $c)))
        (local.set $p (i32.add (local.get $x) (i32.shl (local.get $i) (i32.const 2))))
        (local.set $s (f32.add (local.get $s) (f32.load (local.get $p))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next_t)))
    (local.get $s))

  ;; sum of (x[i] - m)^2 over [0..c)
  (func $row_sqdev (param $x i32) (param $c i32) (param $m f32) (result f32)
    (local $acc v128) (local $mv v128) (local $d v128) (local $i i32) (local $c4 i32) (local $s f32)
    (local $e f32) (local $p i32)
    (local.set $c4 (i32.and (local.get $c) (i32.const -4)))
    (local.set $mv (f32x4.splat (local.get $m)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $c4)))
        (local.set $p (i32.add (local.get $x) (i32.shl (local.get $i) (i32.const 2))))
        (local.set $d (f32x4.sub (v128.load (local.get $p)) (local.get $mv)))
        (local.set $acc (f32x4.add (local.get $acc) (f32x4.mul (local.get $d) (local.get $d))))
        (local.set $i (i32.add (local.get $i) (i32.const 4)))
        (br $next)))
    (local.set $s (call $hsum (local.get $acc)))
    (block $done_t
      (loop $next_t
        (br_if $done_t (i32.ge_u (local.get $i) (local.get $c)))
        (local.set $p (i32.add (local.get $x) (i32.shl (local.get $i) (i32.const 2))))
        (local.set $e (f32.sub (f32.load (local.get $p)) (local.get $m)))
        (local.set $s (f32.add (local.get $s) (f32.mul (local.get $e) (local.get $e))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next_t)))
    (local.get $s))

  ;; y[i] = ((x[i] - m) * s) * w[i] + b[i] over [0..c)
  (func $row_norm (param $y i32) (param $x i32) (param $w i32) (param $b i32) (param $c i32) (param $m f32) (param $s f32)
    (local $mv v128) (local $sv v128) (local $i i32) (local $c4 i32) (local $o i32)
    (local.set $c4 (i32.and (local.get $c) (i32.const -4)))
    (local.set $mv (f32x4.splat (local.get $m)))
    (local.set $sv (f32x4.splat (local.get $s)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $c4)))
        (local.set $o (i32.shl (local.get $i) (i32.const 2)))
        (v128.store (i32.add (local.get $y) (local.get $o))
          (f32x4.add
            (f32x4.mul
              (f32x4.mul (f32x4.sub (v128.load (i32.add (local.get $x) (local.get $o))) (local.get $mv)) (local.get $sv))
              (v128.load (i32.add (local.get $w) (local.get $o))))
            (v128.load (i32.add (local.get $b) (local.get $o)))))
        (local.set $i (i32.add (local.get $i) (i32.const 4)))
        (br $next)))
    (block $done_t
      (loop $next_t
        (br_if $done_t (i32.ge_u (local.get $i) (local.get $c)))
        (local.set $o (i32.shl (local.get $i) (i32.const 2)))
        (f32.store (i32.add (local.get $y) (local.get $o))
          (f32.add
            (f32.mul
              (f32.mul (f32.sub (f32.load (i32.add (local.get $x) (local.get $o))) (local.get $m)) (local.get $s))
              (f32.load (i32.add (local.get $w) (local.get $o))))
            (f32.load (i32.add (local.get $b) (local.get $o)))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next_t))))

  ;; out [n,c], mean [n], rstd [n] from inp [n,c], weight [c], bias [c] (byte addresses).
  (func (export "forward")
    (param $out i32) (param $mean i32) (param $rstd i32) (param $inp i32) (param $w i32) (param $b i32)
    (param $n i32) (param $c i32)
    (local $r i32) (local $m f32) (local $s f32) (local $rowb i32) (local $cf f32)
    (local.set $rowb (i32.shl (local.get $c) (i32.const 2)))
    (local.set $cf (f32.convert_i32_u (local.get $c)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $r) (local.get $n)))
        (local.set $m (f32.div (call $row_sum (local.get $inp) (local.get $c)) (local.get $cf)))
        (local.set $s (f32.div (f32.const 1)
          (f32.sqrt (f32.add (f32.div (call $row_sqdev (local.get $inp) (local.get $c) (local.get $m)) (local.get $cf))
            (global.get $EPS)))))
        (call $row_norm (local.get $out) (local.get $inp) (local.get $w) (local.get $b) (local.get $c) (local.get $m) (local.get $s))
        (f32.store (local.get $mean) (local.get $m))
        (f32.store (local.get $rstd) (local.get $s))
        (local.set $mean (i32.add (local.get $mean) (i32.const 4)))
        (local.set $rstd (i32.add (local.get $rstd) (i32.const 4)))
        (local.set $inp (i32.add (local.get $inp) (local.get $rowb)))
        (local.set $out (i32.add (local.get $out) (local.get $rowb)))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $next))))

  ;; $dsum = sum w*d, $dnsum = sum w*d*norm over a row, norm = (x - m) * s
  (func $row_dots (param $x i32) (param $d i32) (param $w i32) (param $c i32) (param $m f32) (param $s f32)
    (local $mv v128) (local $sv v128) (local $a1 v128) (local $a2 v128) (local $nv v128) (local $dn v128)
    (local $i i32) (local $c4 i32) (local $o i32) (local $s1 f32) (local $s2 f32) (local $ne f32) (local $de f32)
    (local.set $c4 (i32.and (local.get $c) (i32.const -4)))
    (local.set $mv (f32x4.splat (local.get $m)))
    (local.set $sv (f32x4.splat (local.get $s)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $c4)))
        (local.set $o (i32.shl (local.get $i) (i32.const 2)))
        (local.set $nv (f32x4.mul (f32x4.sub (v128.load (i32.add (local.get $x) (local.get $o))) (local.get $mv)) (local.get $sv)))
        (local.set $dn (f32x4.mul (v128.load (i32.add (local.get $w) (local.get $o))) (v128.load (i32.add (local.get $d) (local.get $o)))))
        (local.set $a1 (f32x4.add (local.get $a1) (local.get $dn)))
        (local.set $a2 (f32x4.add (local.get $a2) (f32x4.mul (local.get $dn) (local.get $nv))))
        (local.set $i (i32.add (local.get $i) (i32.const 4)))
        (br $next)))
    (local.set $s1 (call $hsum (local.get $a1)))
    (local.set $s2 (call $hsum (local.get $a2)))
    (block $done_t
      (loop $next_t
        (br_if $done_t (i32.ge_u (local.get $i) (local.get $c)))
        (local.set $o (i32.shl (local.get $i) (i32.const 2)))
        (local.set $ne (f32.mul (f32.sub (f32.load (i32.add (local.get $x) (local.get $o))) (local.get $m)) (local.get $s)))
        (local.set $de (f32.mul (f32.load (i32.add (local.get $w) (local.get $o))) (f32.load (i32.add (local.get $d) (local.get $o)))))
        (local.set $s1 (f32.add (local.get $s1) (local.get $de)))
        (local.set $s2 (f32.add (local.get $s2) (f32.mul (local.get $de) (local.get $ne))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next_t)))
    (global.set $dsum (local.get $s1))
    (global.set $dnsum (local.get $s2)))

  ;; db[i] += d, dw[i] += norm*d, dx[i] += ((w*d - dm) - norm*dnm) * s over a row
  (func $row_back (param $dx i32) (param $dw i32) (param $db i32) (param $x i32) (param $d i32) (param $w i32)
    (param $c i32) (param $m f32) (param $s f32) (param $dm f32) (param $dnm f32)
    (local $mv v128) (local $sv v128) (local $dmv v128) (local $dnmv v128) (local $nv v128) (local $dv v128)
    (local $i i32) (local $c4 i32) (local $o i32) (local $p i32) (local $ne f32) (local $de f32)
    (local.set $c4 (i32.and (local.get $c) (i32.const -4)))
    (local.set $mv (f32x4.splat (local.get $m)))
    (local.set $sv (f32x4.splat (local.get $s)))
    (local.set $dmv (f32x4.splat (local.get $dm)))
    (local.set $dnmv (f32x4.splat (local.get $dnm)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $c4)))
        (local.set $o (i32.shl (local.get $i) (i32.const 2)))
        (local.set $nv (f32x4.mul (f32x4.sub (v128.load (i32.add (local.get $x) (local.get $o))) (local.get $mv)) (local.get $sv)))
        (local.set $dv (v128.load (i32.add (local.get $d) (local.get $o))))
        (local.set $p (i32.add (local.get $db) (local.get $o)))
        (v128.store (local.get $p) (f32x4.add (v128.load (local.get $p)) (local.get $dv)))
        (local.set $p (i32.add (local.get $dw) (local.get $o)))
        (v128.store (local.get $p) (f32x4.add (v128.load (local.get $p)) (f32x4.mul (local.get $nv) (local.get $dv))))
        (local.set $p (i32.add (local.get $dx) (local.get $o)))
        (v128.store (local.get $p) (f32x4.add (v128.load (local.get $p))
          (f32x4.mul
            (f32x4.sub
              (f32x4.sub (f32x4.mul (v128.load (i32.add (local.get $w) (local.get $o))) (local.get $dv)) (local.get $dmv))
              (f32x4.mul (local.get $nv) (local.get $dnmv)))
            (local.get $sv))))
        (local.set $i (i32.add (local.get $i) (i32.const 4)))
        (br $next)))
    (block $done_t
      (loop $next_t
        (br_if $done_t (i32.ge_u (local.get $i) (local.get $c)))
        (local.set $o (i32.shl (local.get $i) (i32.const 2)))
        (local.set $ne (f32.mul (f32.sub (f32.load (i32.add (local.get $x) (local.get $o))) (local.get $m)) (local.get $s)))
        (local.set $de (f32.load (i32.add (local.get $d) (local.get $o))))
        (local.set $p (i32.add (local.get $db) (local.get $o)))
        (f32.store (local.get $p) (f32.add (f32.load (local.get $p)) (local.get $de)))
        (local.set $p (i32.add (local.get $dw) (local.get $o)))
        (f32.store (local.get $p) (f32.add (f32.load (local.get $p)) (f32.mul (local.get $ne) (local.get $de))))
        (local.set $p (i32.add (local.get $dx) (local.get $o)))
        (f32.store (local.get $p) (f32.add (f32.load (local.get $p))
          (f32.mul
            (f32.sub
              (f32.sub (f32.mul (f32.load (i32.add (local.get $w) (local.get $o))) (local.get $de)) (local.get $dm))
              (f32.mul (local.get $ne) (local.get $dnm)))
            (local.get $s))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next_t))))

  ;; dinp [n,c] +=, dweight [c] +=, dbias [c] += from dout [n,c], inp [n,c], weight [c] and the saved
  ;; mean [n], rstd [n] (byte addresses).
  (func (export "backward")
    (param $dinp i32) (param $dw i32) (param $db i32) (param $dout i32) (param $inp i32) (param $w i32)
    (param $mean i32) (param $rstd i32) (param $n i32) (param $c i32)
    (local $r i32) (local $m f32) (local $s f32) (local $rowb i32) (local $cf f32)
    (local.set $rowb (i32.shl (local.get $c) (i32.const 2)))
    (local.set $cf (f32.convert_i32_u (local.get $c)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $r) (local.get $n)))
        (local.set $m (f32.load (local.get $mean)))
        (local.set $s (f32.load (local.get $rstd)))
        (call $row_dots (local.get $inp) (local.get $dout) (local.get $w) (local.get $c) (local.get $m) (local.get $s))
        (call $row_back (local.get $dinp) (local.get $dw) (local.get $db) (local.get $inp) (local.get $dout) (local.get $w)
          (local.get $c) (local.get $m) (local.get $s)
          (f32.div (global.get $dsum) (local.get $cf)) (f32.div (global.get $dnsum) (local.get $cf)))
        (local.set $mean (i32.add (local.get $mean) (i32.const 4)))
        (local.set $rstd (i32.add (local.get $rstd) (i32.const 4)))
        (local.set $inp (i32.add (local.get $inp) (local.get $rowb)))
        (local.set $dout (i32.add (local.get $dout) (local.get $rowb)))
        (local.set $dinp (i32.add (local.get $dinp) (local.get $rowb)))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $next))))
)
