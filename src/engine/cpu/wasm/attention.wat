;; Causal self-attention backward on WASM SIMD (f32x4): the twin of attentionBackward in
;; src/engine/cpu/attention.ts, same loops, same order, f32 throughout (plain: float64 dot products).
;; Needs hs = C / NH a multiple of 4 (attention.ts falls back to the plain twin otherwise).
;;   per (b, t, h):  datt_j = dout . v_j,  dv_j += att_j dout  (j <= t);  dot = sum_j att_j datt_j
;;                   ds_j = att_j (datt_j - dot) scale;  dq += ds_j k_j,  dk_j += ds_j q
;; All pointers are bytes into this module's memory; datt is T floats of scratch.
(module
  (memory (export "memory") 1)

  (func $hsum (param $v v128) (result f32)
    (f32.add
      (f32.add (f32x4.extract_lane 0 (local.get $v)) (f32x4.extract_lane 1 (local.get $v)))
      (f32.add (f32x4.extract_lane 2 (local.get $v)) (f32x4.extract_lane 3 (local.get $v)))))

  ;; One (b, t, h): q, dq, dO, the head's base in qkv/dqkv (row 0), att row, t.
  (func $row (param $qkv i32) (param $dqkv i32) (param $q i32) (param $dO i32) (param $base i32)
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
                (call $row (local.get $qkv) (local.get $dqkv) (local.get $q)
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
)
