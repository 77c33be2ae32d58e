;; int4 block quantization of a [K, N] float32 weight, as ONNX Runtime's MLAS quantizer does it (see
;; quantizeBlocks4 in int4.ts for the layout). WebAssembly rather than JS: Liftoff compiles it at once and it
;; never deopts, so the first call costs little more than the later ones.
;;
;; A block of rows at a time, four columns at a time (f32x4): the rows of the block are read twice, once for the
;; range and once to pack; the block stays in cache between the two passes. Every f32x4 operation rounds to float32,
;; so the arithmetic is MLAS's step by step and the results are bit-exact.
(module
  (memory (export "memory") 1)

  ;; ORT's roundf (half away from zero) to an integer clamped to 0..15. Exact in float32: x - trunc(x) is exact,
  ;; where x + 0.5 would round up 0.49999997. Below zero the result clamps to 0 whatever the rounding.
  ;; Inf and NaN give 0, as Lathe's earlier JavaScript kernel gave (x - trunc(x) is NaN for both).
  (func $nibbles (param $x v128) (result v128)
    (local $t v128)
    (local $frac v128)
    (local $q v128)
    (local.set $t (f32x4.trunc (local.get $x)))
    (local.set $frac (f32x4.sub (local.get $x) (local.get $t)))
    ;; the comparison mask is -1 where the fraction rounds up: subtracting it adds 1
    (local.set $q
      (i32x4.sub
        (i32x4.trunc_sat_f32x4_s (local.get $t))
        (f32x4.ge (local.get $frac) (f32x4.splat (f32.const 0.5)))))
    (local.set $q (i32x4.min_s (i32x4.max_s (local.get $q) (v128.const i32x4 0 0 0 0)) (i32x4.splat (i32.const 15))))
    (v128.and (local.get $q) (f32x4.eq (local.get $frac) (local.get $frac))))

  ;; q = roundf(fround(fround(v * rec) + zp)) for four values
  (func $quantize (param $v v128) (param $rec v128) (param $zp v128) (result v128)
    (call $nibbles (f32x4.add (f32x4.mul (local.get $v) (local.get $rec)) (local.get $zp))))

  ;; Quantizes block $b of a weight: its $rows rows (at most the block size; fewer in a last, partial block) of $n
  ;; float32 at $data ($n a multiple of 4: the caller pads the columns). The caller copies the weight in a block at a
  ;; time, so the memory holds one block and the outputs, not the whole weight. Writes into B [$n, $blocks, $blob]
  ;; at $packed, scales [$n, $blocks] at $scales and zero points [$n, ceil($blocks/2)] at $zeroPoints (two a byte,
  ;; low nibble first; symmetric: 8). Block 0 clears the packed bytes and zero points first, so the memory can be
  ;; reused from one weight to the next: the pairs of rows past K are never written (padding is 0) and zero points
  ;; are OR-ed in nibble by nibble.
  (func (export "quantizeBlock")
    (param $data i32) (param $rows i32) (param $n i32) (param $b i32) (param $blocks i32) (param $blob i32)
    (param $symmetric i32) (param $packed i32) (param $scales i32) (param $zeroPoints i32)
    (local $columnBytes i32) (local $zpBytes i32) (local $stride i32) (local $col i32) (local $r i32)
    (local $p i32) (local $last i32) (local $at i32) (local $zpAt i32) (local $scaleAt i32) (local $second i32)
    (local $lo v128) (local $hi v128) (local $scale v128) (local $rec v128) (local $zp v128) (local $x v128)
    (local $zbits v128) (local $bytes v128)
    (local.set $columnBytes (i32.mul (local.get $blocks) (local.get $blob)))
    (local.set $zpBytes (i32.shr_u (i32.add (local.get $blocks) (i32.const 1)) (i32.const 1)))
    (local.set $stride (i32.shl (local.get $n) (i32.const 2)))
    (if (i32.eqz (local.get $b))
      (then
        (memory.fill (local.get $packed) (i32.const 0) (i32.mul (local.get $n) (local.get $columnBytes)))
        (memory.fill (local.get $zeroPoints) (i32.const 0) (i32.mul (local.get $n) (local.get $zpBytes)))))
    ;; nothing to read in an empty weight (the loops below run at least once)
    (if (i32.eqz (i32.mul (local.get $rows) (local.get $n))) (then (return)))
    (local.set $last (i32.add (local.get $data) (i32.mul (local.get $rows) (local.get $stride))))
    (local.set $col (i32.const 0))
    (loop $columns
      ;; range of the block in these four columns, starting from 0 as MLAS does (zero is always in range).
      ;; pmin/pmax are `v < lo ? v : lo`: a NaN weight never enters the range, as in MLAS.
      (local.set $lo (v128.const i32x4 0 0 0 0))
      (local.set $hi (v128.const i32x4 0 0 0 0))
      (local.set $p (i32.add (local.get $data) (i32.shl (local.get $col) (i32.const 2))))
      (loop $range
        (local.set $x (v128.load (local.get $p)))
        (local.set $lo (f32x4.pmin (local.get $lo) (local.get $x)))
        (local.set $hi (f32x4.pmax (local.get $hi) (local.get $x)))
        (local.set $p (i32.add (local.get $p) (local.get $stride)))
        (br_if $range (i32.lt_u (local.get $p) (local.get $last))))
      (if (local.get $symmetric)
        (then
          ;; the value of largest magnitude maps to -8 (MLAS range2scale)
          (local.set $scale
            (f32x4.div
              (v128.bitselect (local.get $hi) (local.get $lo)
                (f32x4.gt (f32x4.abs (local.get $hi)) (f32x4.abs (local.get $lo))))
              (f32x4.splat (f32.const -8))))
          (local.set $zp (f32x4.splat (f32.const 8))))
        (else
          (local.set $scale
            (f32x4.div (f32x4.sub (local.get $hi) (local.get $lo)) (f32x4.splat (f32.const 15))))
          ;; zp = clamp(roundf(-(lo / scale)), 0, 15), 0 where the scale is 0. f32x4.min/max keep a NaN (lo = -Inf,
          ;; scale = Inf) as Math.min/max did: its nibble is 0 and every value of the block quantizes to 0.
          (local.set $x (f32x4.neg (f32x4.div (local.get $lo) (local.get $scale))))
          (local.set $zp (f32x4.trunc (local.get $x)))
          (local.set $zp
            (f32x4.add (local.get $zp)
              (v128.and
                (f32x4.ge (f32x4.sub (local.get $x) (local.get $zp)) (f32x4.splat (f32.const 0.5)))
                (f32x4.splat (f32.const 1)))))
          (local.set $zp
            (v128.and
              (f32x4.min (f32x4.splat (f32.const 15)) (f32x4.max (f32x4.splat (f32.const 0)) (local.get $zp)))
              (f32x4.ne (local.get $scale) (f32x4.splat (f32.const 0)))))))
      ;; 1 / scale, 0 where the scale is 0 (all values of the block are 0 or NaN)
      (local.set $rec
        (v128.and
          (f32x4.div (f32x4.splat (f32.const 1)) (local.get $scale))
          (f32x4.ne (local.get $scale) (f32x4.splat (f32.const 0)))))
      ;; scales[col + i][b]: one float a column, `blocks` floats apart
      (local.set $scaleAt
        (i32.add (local.get $scales)
          (i32.shl (i32.add (i32.mul (local.get $col) (local.get $blocks)) (local.get $b)) (i32.const 2))))
      (v128.store32_lane 0 (local.get $scaleAt) (local.get $scale))
      (local.set $scaleAt (i32.add (local.get $scaleAt) (i32.shl (local.get $blocks) (i32.const 2))))
      (v128.store32_lane 1 (local.get $scaleAt) (local.get $scale))
      (local.set $scaleAt (i32.add (local.get $scaleAt) (i32.shl (local.get $blocks) (i32.const 2))))
      (v128.store32_lane 2 (local.get $scaleAt) (local.get $scale))
      (local.set $scaleAt (i32.add (local.get $scaleAt) (i32.shl (local.get $blocks) (i32.const 2))))
      (v128.store32_lane 3 (local.get $scaleAt) (local.get $scale))
      ;; the zero point's nibble: low for an even block, high for an odd one; the last block, if even, also
      ;; fills the spare high nibble with ORT's default 8
      (local.set $zbits
        (v128.or
          (i32x4.shl (i32x4.trunc_sat_f32x4_s (local.get $zp)) (i32.shl (i32.and (local.get $b) (i32.const 1)) (i32.const 2)))
          (i32x4.splat
            (select (i32.const 0x80) (i32.const 0)
              (i32.and
                (i32.eq (local.get $b) (i32.sub (local.get $blocks) (i32.const 1)))
                (i32.eqz (i32.and (local.get $b) (i32.const 1))))))))
      (local.set $zpAt
        (i32.add (local.get $zeroPoints)
          (i32.add (i32.mul (local.get $col) (local.get $zpBytes)) (i32.shr_u (local.get $b) (i32.const 1)))))
      (i32.store8 (local.get $zpAt) (i32.or (i32.load8_u (local.get $zpAt)) (i32x4.extract_lane 0 (local.get $zbits))))
      (local.set $zpAt (i32.add (local.get $zpAt) (local.get $zpBytes)))
      (i32.store8 (local.get $zpAt) (i32.or (i32.load8_u (local.get $zpAt)) (i32x4.extract_lane 1 (local.get $zbits))))
      (local.set $zpAt (i32.add (local.get $zpAt) (local.get $zpBytes)))
      (i32.store8 (local.get $zpAt) (i32.or (i32.load8_u (local.get $zpAt)) (i32x4.extract_lane 2 (local.get $zbits))))
      (local.set $zpAt (i32.add (local.get $zpAt) (local.get $zpBytes)))
      (i32.store8 (local.get $zpAt) (i32.or (i32.load8_u (local.get $zpAt)) (i32x4.extract_lane 3 (local.get $zbits))))
      ;; pack two rows a byte (the first in the low nibble); a lone last row pairs with the 0 nibble
      (local.set $p (i32.add (local.get $data) (i32.shl (local.get $col) (i32.const 2))))
      (local.set $at
        (i32.add (local.get $packed)
          (i32.add (i32.mul (local.get $col) (local.get $columnBytes)) (i32.mul (local.get $b) (local.get $blob)))))
      (local.set $r (i32.const 0))
      (loop $pairs
        (local.set $second (i32.lt_u (i32.add (local.get $r) (i32.const 1)) (local.get $rows)))
        (local.set $bytes
          (v128.or
            (call $quantize (v128.load (local.get $p)) (local.get $rec) (local.get $zp))
            (i32x4.shl
              (v128.and
                ;; without a second row, quantize the first again (a valid address) and mask it out
                (call $quantize
                  (v128.load (select (i32.add (local.get $p) (local.get $stride)) (local.get $p) (local.get $second)))
                  (local.get $rec) (local.get $zp))
                (i32x4.splat (i32.sub (i32.const 0) (local.get $second))))
              (i32.const 4))))
        ;; byte i goes to column col + i: columnBytes apart
        (v128.store8_lane 0 (local.get $at) (local.get $bytes))
        (v128.store8_lane 4 (i32.add (local.get $at) (local.get $columnBytes)) (local.get $bytes))
        (v128.store8_lane 8 (i32.add (local.get $at) (i32.shl (local.get $columnBytes) (i32.const 1))) (local.get $bytes))
        (v128.store8_lane 12 (i32.add (local.get $at) (i32.mul (local.get $columnBytes) (i32.const 3))) (local.get $bytes))
        (local.set $at (i32.add (local.get $at) (i32.const 1)))
        (local.set $p (i32.add (local.get $p) (i32.shl (local.get $stride) (i32.const 1))))
        (local.set $r (i32.add (local.get $r) (i32.const 2)))
        (br_if $pairs (i32.lt_u (local.get $r) (local.get $rows))))
      (local.set $col (i32.add (local.get $col) (i32.const 4)))
      (br_if $columns (i32.lt_u (local.get $col) (local.get $n))))))
