;; GELU, tanh approximation (GPT-2), on WASM SIMD (f32x4): the twin of src/engine/cpu/gelu.ts.
;;   gelu(x) = 0.5 x (1 + tanh(u)) = x s,   u = sqrt(2/pi) (x + 0.044715 x^3),   s = 1 / (1 + e),  e = exp(-2u)
;;   gelu'(x) = s + 2 x s (1 - s) sqrt(2/pi) (1 + 3 * 0.044715 x^2),   1 - s = e s
;; Written with s rather than tanh so that neither tail cancels in f32 (1 + tanh(u) would, for x < 0).
;; exp is Cephes' expf (range reduction by ln 2 in two parts, degree-6 polynomial, 2^n by exponent bits),
;; within ~2 ulp of f32. x is clamped to [-20, 20] inside s and gelu' (beyond, both are 0 or 1 in f32) and
;; -2u to [-80, 80], so nothing overflows: NaN stays NaN, ±Infinity give the limits (x, 0; gelu' 1, 0),
;; where the plain twin's float64 formula gives NaN for three of the four. All f32, lane-independent:
;; deterministic. Buffers are padded by the caller (gelu.ts) to whole vectors.
(module
  (memory (export "memory") 1)

  (func $exp (param $y v128) (result v128)
    (local $n v128) (local $r v128) (local $p v128)
    (local.set $n (f32x4.nearest (f32x4.mul (local.get $y) (f32x4.splat (f32.const 1.44269504088896341)))))
    (local.set $r (f32x4.sub (local.get $y) (f32x4.mul (local.get $n) (f32x4.splat (f32.const 0.693359375)))))
    (local.set $r (f32x4.sub (local.get $r) (f32x4.mul (local.get $n) (f32x4.splat (f32.const -2.12194440e-4)))))
    (local.set $p (f32x4.splat (f32.const 1.9875691500e-4)))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (f32x4.splat (f32.const 1.3981999507e-3))))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (f32x4.splat (f32.const 8.3334519073e-3))))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (f32x4.splat (f32.const 4.1665795894e-2))))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (f32x4.splat (f32.const 1.6666665459e-1))))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (f32x4.splat (f32.const 5.0000001201e-1))))
    (local.set $p (f32x4.add (f32x4.add (f32x4.mul (local.get $p) (f32x4.mul (local.get $r) (local.get $r))) (local.get $r))
      (f32x4.splat (f32.const 1))))
    ;; times 2^n: n + 127 in the exponent field
    (f32x4.mul (local.get $p)
      (i32x4.shl (i32x4.add (i32x4.trunc_sat_f32x4_s (local.get $n)) (i32x4.splat (i32.const 127))) (i32.const 23))))

  ;; e = exp(-2u) for u = sqrt(2/pi) (xc + 0.044715 xc^3), xc = x clamped to [-20, 20]
  (func $e_of (param $xc v128) (result v128)
    (local $y v128)
    (local.set $y (f32x4.mul (f32x4.splat (f32.const -1.5957691216057308))
      (f32x4.add (local.get $xc)
        (f32x4.mul (f32x4.splat (f32.const 0.044715)) (f32x4.mul (local.get $xc) (f32x4.mul (local.get $xc) (local.get $xc)))))))
    (call $exp (f32x4.max (f32x4.min (local.get $y) (f32x4.splat (f32.const 80))) (f32x4.splat (f32.const -80)))))

  (func $clamp20 (param $x v128) (result v128)
    (f32x4.max (f32x4.min (local.get $x) (f32x4.splat (f32.const 20))) (f32x4.splat (f32.const -20))))

  ;; out[i] = gelu(inp[i]), n a multiple of 4
  (func (export "forward") (param $out i32) (param $inp i32) (param $n i32)
    (local $x v128) (local $end i32)
    (local.set $end (i32.add (local.get $inp) (i32.shl (local.get $n) (i32.const 2))))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $inp) (local.get $end)))
        (local.set $x (v128.load (local.get $inp)))
        ;; x s, with x floored at -20 too (there s ~ 1e-35: the product is 0 to f32 accuracy, even for -Infinity)
        (v128.store (local.get $out)
          (f32x4.div (f32x4.max (local.get $x) (f32x4.splat (f32.const -20)))
            (f32x4.add (f32x4.splat (f32.const 1)) (call $e_of (call $clamp20 (local.get $x))))))
        (local.set $inp (i32.add (local.get $inp) (i32.const 16)))
        (local.set $out (i32.add (local.get $out) (i32.const 16)))
        (br $next))))

;; dinp[i] += gelu'(inp[i]) * dout[i], n a multiple of 4
  (func (export "backward") (param $dinp i32) (param $inp i32) (param $dout i32) (param $n i32)
    (local $x v128) (local $e v128) (local $s v128) (local $local v128) (local $end i32)
    (local.set $end (i32.add (local.get $inp) (i32.shl (local.get $n) (i32.const 2))))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $inp) (local.get $end)))
        (local.set $x (call $clamp20 (v128.load (local.get $inp))))
        (local.set $e (call $e_of (local.get $x)))
        (local.set $s (f32x4.div (f32x4.splat (f32.const 1)) (f32x4.add (f32x4.splat (f32.const 1)) (local.get $e))))
        ;; s + 2 x s (e s) sqrt(2/pi) (1 + 0.134145 x^2)
        (local.set $local
          (f32x4.add (local.get $s)
            (f32x4.mul
              (f32x4.mul (f32x4.mul (f32x4.splat (f32.const 1.5957691216057308)) (local.get $x))
                (f32x4.mul (local.get $s) (f32x4.mul (local.get $e) (local.get $s))))
              (f32x4.add (f32x4.splat (f32.const 1))
                (f32x4.mul (f32x4.splat (f32.const 0.134145)) (f32x4.mul (local.get $x) (local.get $x)))))))
        (v128.store (local.get $dinp)
          (f32x4.add (v128.load (local.get $dinp)) (f32x4.mul (local.get $local) (v128.load (local.get $dout)))))
        (local.set $inp (i32.add (local.get $inp) (i32.const 16)))
        (local.set $dout (i32.add (local.get $dout) (i32.const 16)))
        (local.set $dinp (i32.add (local.get $dinp) (i32.const 16)))
        (br $next))))
)
