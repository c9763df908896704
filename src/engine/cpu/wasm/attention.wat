;; Causal self-attention on WASM SIMD (f32x4): the twins of attentionForward, attentionForwardDecode and
;; attentionBackward in src/engine/cpu/attention.ts, same loops, same order, f32 throughout (plain: float64
;; sums, Math.exp). Needs hs = C / NH a multiple of 4 (wasm/attention.ts falls back to plain otherwise).
;; The full pass and the decode step both go through $row, so a decoded row equals the full pass's bit for
;; bit. All pointers are bytes into this module's memory.
;;   forward, per (b, t, h):  att_j = softmax_j(scale q . k_j) (j <= t),  out = sum_j att_j v_j
;;   backward, per (b, t, h): datt_j = dout . v_j,  dv_j += att_j dout;  dot = sum_j att_j datt_j
;;                            ds_j = att_j (datt_j - dot) scale;  dq += ds_j k_j,  dk_j += ds_j q
(module
  (memory (export "memory") 1)

  (func $hsum (param $v v128) (result f32)
    (f32.add
      (f32.add (f32x4.extract_lane 0 (local.get $v)) (f32x4.extract_lane 1 (local.get $v)))
      (f32.add (f32x4.extract_lane 2 (local.get $v)) (f32x4.extract_lane 3 (local.get $v)))))

  ;; One (b, t, h): q, dq, dO, the head's base in qkv/dqkv (row 0), att row, t.
  (func $row_backward (param $qkv i32) (param $dqkv i32) (param $q i32) (param $dO i32) (param $base i32)
    (param $att i32) (param $datt i32) (param $t i32) (param $hsb i32) (param $c3b i32) (param $cb i32) (param $scale f32)
    (local $j i32) (local $i i32) (local $v i32) (local $k i32) (local $a f32) (local $s v128) (local $d v128)
    (local $dot f32) (local $ds f32) (local $dsv v128) (local $av v128) (local $sj f32)
    ;; pass 1: datt, dv, dot
    (block $done1
      (loop $next1
        (br_if $done1 (i32.gt_s (local.get $j) (local.get $t)))
        (local.set $v (i32.add (i32.add (local.get $base) (i32.mul (local.get $j) (local.get $c3b))) (i32.shl (local.get $cb) (i32.const 1))))
        (local.set $a (f32.load (i32.add (local.get $att) (i32.shl (local.get $j) (i32.const 2)))))
        (local.set $av (f32x4.splat (local.get $a)))
        (local.set $s (v128.const f32x4 0 0 0 0))
        (local.set $i (i32.const 0))
        (block $done_i
          (loop $next_i
            (br_if $done_i (i32.ge_s (local.get $i) (local.get $hsb)))
            (local.set $d (v128.load (i32.add (local.get $dO) (local.get $i))))
            (local.set $s (f32x4.add (local.get $s)
              (f32x4.mul (local.get $d) (v128.load (i32.add (local.get $qkv) (i32.add (local.get $v) (local.get $i)))))))
            (v128.store (i32.add (local.get $dqkv) (i32.add (local.get $v) (local.get $i)))
              (f32x4.add (v128.load (i32.add (local.get $dqkv) (i32.add (local.get $v) (local.get $i))))
                (f32x4.mul (local.get $av) (local.get $d))))
            (local.set $i (i32.add (local.get $i) (i32.const 16)))
            (br $next_i)))
        (local.set $sj (call $hsum (local.get $s)))
        (f32.store (i32.add (local.get $datt) (i32.shl (local.get $j) (i32.const 2))) (local.get $sj))
        (local.set $dot (f32.add (local.get $dot) (f32.mul (local.get $a) (local.get $sj))))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br $next1)))
    ;; pass 2: softmax backward into dq and dk_j
    (local.set $j (i32.const 0))
    (block $done2
      (loop $next2
        (br_if $done2 (i32.gt_s (local.get $j) (local.get $t)))
        (local.set $ds (f32.mul
          (f32.mul (f32.load (i32.add (local.get $att) (i32.shl (local.get $j) (i32.const 2))))
            (f32.sub (f32.load (i32.add (local.get $datt) (i32.shl (local.get $j) (i32.const 2)))) (local.get $dot)))
          (local.get $scale)))
        (if (f32.ne (local.get $ds) (f32.const 0))
          (then
            (local.set $dsv (f32x4.splat (local.get $ds)))
            (local.set $k (i32.add (i32.add (local.get $base) (i32.mul (local.get $j) (local.get $c3b))) (local.get $cb)))
            (local.set $i (i32.const 0))
            (block $done_k
              (loop $next_k
                (br_if $done_k (i32.ge_s (local.get $i) (local.get $hsb)))
                (v128.store (i32.add (local.get $dqkv) (i32.add (local.get $q) (local.get $i)))
                  (f32x4.add (v128.load (i32.add (local.get $dqkv) (i32.add (local.get $q) (local.get $i))))
                    (f32x4.mul (local.get $dsv) (v128.load (i32.add (local.get $qkv) (i32.add (local.get $k) (local.get $i)))))))
                (v128.store (i32.add (local.get $dqkv) (i32.add (local.get $k) (local.get $i)))
                  (f32x4.add (v128.load (i32.add (local.get $dqkv) (i32.add (local.get $k) (local.get $i))))
                    (f32x4.mul (local.get $dsv) (v128.load (i32.add (local.get $qkv) (i32.add (local.get $q) (local.get $i)))))))
                (local.set $i (i32.add (local.get $i) (i32.const 16)))
                (br $next_k)))))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br $next2))))

  ;; dqkv [B,T,3C] += the attention backward of dout [B,T,C] given qkv and att [B,NH,T,T]
  (func (export "backward")
    (param $dqkv i32) (param $dout i32) (param $qkv i32) (param $att i32) (param $datt i32)
    (param $B i32) (param $T i32) (param $C i32) (param $NH i32) (param $scale f32)
    (local $b i32) (local $t i32) (local $h i32) (local $hsb i32) (local $c3b i32) (local $cb i32)
    (local $base i32) (local $dO i32) (local $q i32)
    (local.set $cb (i32.shl (local.get $C) (i32.const 2)))
    (local.set $c3b (i32.mul (local.get $cb) (i32.const 3)))
    (local.set $hsb (i32.div_u (local.get $cb) (local.get $NH)))
    (local.set $dO (local.get $dout))
    (block $done_b
      (loop $next_b
        (br_if $done_b (i32.ge_s (local.get $b) (local.get $B)))
        (local.set $t (i32.const 0))
        (block $done_t
          (loop $next_t
            (br_if $done_t (i32.ge_s (local.get $t) (local.get $T)))
            (local.set $h (i32.const 0))
            (block $done_h
              (loop $next_h
                (br_if $done_h (i32.ge_s (local.get $h) (local.get $NH)))
                ;; base = offset of (b, row 0, head h); q = offset of (b, t, head h)
                (local.set $base (i32.add (i32.mul (i32.mul (local.get $b) (local.get $T)) (local.get $c3b))
                  (i32.mul (local.get $h) (local.get $hsb))))
                (local.set $q (i32.add (local.get $base) (i32.mul (local.get $t) (local.get $c3b))))
                (call $row_backward (local.get $qkv) (local.get $dqkv) (local.get $q)
                  (i32.add (local.get $dO) (i32.mul (local.get $h) (local.get $hsb)))
                  (local.get $base)
                  ;; att row of (b, h, t)
                  (i32.add (local.get $att) (i32.shl
                    (i32.mul (i32.add (i32.mul (i32.add (i32.mul (local.get $b) (local.get $NH)) (local.get $h)) (local.get $T)) (local.get $t))
                      (local.get $T)) (i32.const 2)))
                  (local.get $datt) (local.get $t) (local.get $hsb) (local.get $c3b) (local.get $cb) (local.get $scale))
                (local.set $h (i32.add (local.get $h) (i32.const 1)))
                (br $next_h)))
            (local.set $dO (i32.add (local.get $dO) (local.get $cb)))
            (local.set $t (i32.add (local.get $t) (i32.const 1)))
            (br $next_t)))
        (local.set $b (i32.add (local.get $b) (i32.const 1)))
        (br $next_b))))
;; exp(y) in f32: Cephes' expf, the same polynomial as gelu.wat's (one lane); y <= 0 here (scores minus
  ;; their max), clamped at -87 so 2^n stays a normal number (exp(-87) ~ 1.6e-38).
  (func $exp (param $y f32) (result f32)
    (local $n f32) (local $r f32) (local $p f32)
    (local.set $y (f32.max (local.get $y) (f32.const -87)))
    (local.set $n (f32.nearest (f32.mul (local.get $y) (f32.const 1.44269504088896341))))
    (local.set $r (f32.sub (local.get $y) (f32.mul (local.get $n) (f32.const 0.693359375))))
    (local.set $r (f32.sub (local.get $r) (f32.mul (local.get $n) (f32.const -2.12194440e-4))))
    (local.set $p (f32.const 1.9875691500e-4))
    (local.set $p (f32.add (f32.mul (local.get $p) (local.get $r)) (f32.const 1.3981999507e-3)))
    (local.set $p (f32.add (f32.mul (local.get $p) (local.get $r)) (f32.const 8.3334519073e-3)))
    (local.set $p (f32.add (f32.mul (local.get $p) (local.get $r)) (f32.const 4.1665795894e-2)))
    (local.set $p (f32.add (f32.mul (local.get $p) (local.get $r)) (f32.const 1.6666665459e-1)))
    (local.set $p (f32.add (f32.mul (local.get $p) (local.get $r)) (f32.const 5.0000001201e-1)))
    (local.set $p (f32.add (f32.add (f32.mul (local.get $p) (f32.mul (local.get $r) (local.get $r))) (local.get $r)) (f32.const 1)))
    (f32.mul (local.get $p)
      (f32.reinterpret_i32 (i32.shl (i32.add (i32.trunc_sat_f32_s (local.get $n)) (i32.const 127)) (i32.const 23)))))

  ;; One query row of one head (attentionRow): att[0..n) = softmax(scale q . k_j), out[0..hs) = sum_j att_j v_j;
  ;; k_j = k + j*kStride, v_j = v + j*vStride (bytes).
  (func $row (param $out i32) (param $att i32) (param $q i32) (param $k i32) (param $kStride i32)
    (param $v i32) (param $vStride i32) (param $n i32) (param $hsb i32) (param $scale f32)
    (local $j i32) (local $i i32) (local $p i32) (local $acc v128) (local $maxv f32) (local $e f32) (local $sum f32)
    (local $x f32) (local $inv f32)
    (local.set $maxv (f32.const -inf))
    (block $done_s
      (loop $next_s
        (br_if $done_s (i32.ge_s (local.get $j) (local.get $n)))
        (local.set $p (i32.add (local.get $k) (i32.mul (local.get $j) (local.get $kStride))))
        (local.set $acc (v128.const f32x4 0 0 0 0))
        (local.set $i (i32.const 0))
        (block $done_i
          (loop $next_i
            (br_if $done_i (i32.ge_s (local.get $i) (local.get $hsb)))
            (local.set $acc (f32x4.add (local.get $acc)
              (f32x4.mul (v128.load (i32.add (local.get $q) (local.get $i))) (v128.load (i32.add (local.get $p) (local.get $i))))))
            (local.set $i (i32.add (local.get $i) (i32.const 16)))
            (br $next_i)))
        (local.set $x (f32.mul (call $hsum (local.get $acc)) (local.get $scale)))
        (f32.store (i32.add (local.get $att) (i32.shl (local.get $j) (i32.const 2))) (local.get $x))
        (local.set $maxv (f32.max (local.get $maxv) (local.get $x)))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br $next_s)))
    (local.set $j (i32.const 0))
    (block $done_e
      (loop $next_e
        (br_if $done_e (i32.ge_s (local.get $j) (local.get $n)))
        (local.set $p (i32.add (local.get $att) (i32.shl (local.get $j) (i32.const 2))))
        (local.set $e (call $exp (f32.sub (f32.load (local.get $p)) (local.get $maxv))))
        (local.set $sum (f32.add (local.get $sum) (local.get $e)))
        (f32.store (local.get $p) (local.get $e))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br $next_e)))
    (local.set $inv (f32.div (f32.const 1) (local.get $sum)))
    ;; normalise, and out = sum_j att_j v_j, one vector of hs at a time
    (local.set $j (i32.const 0))
    (block $done_n
      (loop $next_n
        (br_if $done_n (i32.ge_s (local.get $j) (local.get $n)))
        (local.set $p (i32.add (local.get $att) (i32.shl (local.get $j) (i32.const 2))))
        (f32.store (local.get $p) (f32.mul (f32.load (local.get $p)) (local.get $inv)))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br $next_n)))
    (local.set $i (i32.const 0))
    (block $done_o
      (loop $next_o
        (br_if $done_o (i32.ge_s (local.get $i) (local.get $hsb)))
        (local.set $acc (v128.const f32x4 0 0 0 0))
        (local.set $j (i32.const 0))
        (block $done_j
          (loop $next_j
            (br_if $done_j (i32.ge_s (local.get $j) (local.get $n)))
            (local.set $acc (f32x4.add (local.get $acc)
              (f32x4.mul (v128.load32_splat (i32.add (local.get $att) (i32.shl (local.get $j) (i32.const 2))))
                (v128.load (i32.add (i32.add (local.get $v) (i32.mul (local.get $j) (local.get $vStride))) (local.get $i))))))
            (local.set $j (i32.add (local.get $j) (i32.const 1)))
            (br $next_j)))
        (v128.store (i32.add (local.get $out) (local.get $i)) (local.get $acc))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br $next_o))))

  ;; out [B,T,C], att [B,NH,T,T] (zeros above the diagonal) from qkv [B,T,3C]
  (func (export "forward") (param $out i32) (param $att i32) (param $qkv i32)
    (param $B i32) (param $T i32) (param $C i32) (param $NH i32) (param $scale f32)
    (local $b i32) (local $t i32) (local $h i32) (local $hsb i32) (local $c3b i32) (local $cb i32)
    (local $base i32) (local $rowAtt i32) (local $n i32)
    (local.set $cb (i32.shl (local.get $C) (i32.const 2)))
    (local.set $c3b (i32.mul (local.get $cb) (i32.const 3)))
    (local.set $hsb (i32.div_u (local.get $cb) (local.get $NH)))
    (block $done_b
      (loop $next_b
        (br_if $done_b (i32.ge_s (local.get $b) (local.get $B)))
        (local.set $base (i32.add (local.get $qkv) (i32.mul (i32.mul (local.get $b) (local.get $T)) (local.get $c3b))))
        (local.set $t (i32.const 0))
        (block $done_t
          (loop $next_t
            (br_if $done_t (i32.ge_s (local.get $t) (local.get $T)))
            (local.set $h (i32.const 0))
            (block $done_h
              (loop $next_h
                (br_if $done_h (i32.ge_s (local.get $h) (local.get $NH)))
                (local.set $rowAtt (i32.add (local.get $att) (i32.shl
                  (i32.mul (i32.add (i32.mul (i32.add (i32.mul (local.get $b) (local.get $NH)) (local.get $h)) (local.get $T)) (local.get $t))
                    (local.get $T)) (i32.const 2))))
                (local.set $n (i32.add (local.get $t) (i32.const 1)))
                (call $row
                  (i32.add (local.get $out) (i32.add (i32.mul (i32.add (i32.mul (local.get $b) (local.get $T)) (local.get $t)) (local.get $cb))
                    (i32.mul (local.get $h) (local.get $hsb))))
                  (local.get $rowAtt)
                  (i32.add (local.get $base) (i32.add (i32.mul (local.get $t) (local.get $c3b)) (i32.mul (local.get $h) (local.get $hsb))))
                  (i32.add (local.get $base) (i32.add (local.get $cb) (i32.mul (local.get $h) (local.get $hsb))))
                  (local.get $c3b)
                  (i32.add (local.get $base) (i32.add (i32.shl (local.get $cb) (i32.const 1)) (i32.mul (local.get $h) (local.get $hsb))))
                  (local.get $c3b)
                  (local.get $n) (local.get $hsb) (local.get $scale))
                (memory.fill (i32.add (local.get $rowAtt) (i32.shl (local.get $n) (i32.const 2))) (i32.const 0)
                  (i32.shl (i32.sub (local.get $T) (local.get $n)) (i32.const 2)))
                (local.set $h (i32.add (local.get $h) (i32.const 1)))
                (br $next_h)))
            (local.set $t (i32.add (local.get $t) (i32.const 1)))
            (br $next_t)))
        (local.set $b (i32.add (local.get $b) (i32.const 1)))
        (br $next_b))))

  ;; One decode step: out [B,C] from q in qkv [B,3C] against the caches k, v [B,cap,C] at positions 0..n-1;
  ;; att is n floats of scratch.
  (func (export "decode") (param $out i32) (param $att i32) (param $qkv i32) (param $k i32) (param $v i32)
    (param $B i32) (param $cap i32) (param $n i32) (param $C i32) (param $NH i32) (param $scale f32)
    (local $b i32) (local $h i32) (local $hsb i32) (local $cb i32) (local $cache i32) (local $off i32)
    (local.set $cb (i32.shl (local.get $C) (i32.const 2)))
    (local.set $hsb (i32.div_u (local.get $cb) (local.get $NH)))
    (block $done_b
      (loop $next_b
        (br_if $done_b (i32.ge_s (local.get $b) (local.get $B)))
        (local.set $cache (i32.mul (i32.mul (local.get $b) (local.get $cap)) (local.get $cb)))
        (local.set $h (i32.const 0))
        (block $done_h
          (loop $next_h
            (br_if $done_h (i32.ge_s (local.get $h) (local.get $NH)))
            (local.set $off (i32.mul (local.get $h) (local.get $hsb)))
            (call $row
              (i32.add (local.get $out) (i32.add (i32.mul (local.get $b) (local.get $cb)) (local.get $off)))
              (local.get $att)
              (i32.add (local.get $qkv) (i32.add (i32.mul (i32.mul (local.get $b) (local.get $cb)) (i32.const 3)) (local.get $off)))
              (i32.add (local.get $k) (i32.add (local.get $cache) (local.get $off))) (local.get $cb)
              (i32.add (local.get $v) (i32.add (local.get $cache) (local.get $off))) (local.get $cb)
              (local.get $n) (local.get $hsb) (local.get $scale))
            (local.set $h (i32.add (local.get $h) (i32.const 1)))
            (br $next_h)))
        (local.set $b (i32.add (local.get $b) (i32.const 1)))
        (br $next_b))))
)
