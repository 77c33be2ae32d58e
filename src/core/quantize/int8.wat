;; int8/uint8 weight quantization as ONNX Runtime's Python quantizer does it (see quantizeWeight in int8.ts): the
;; range of a weight, then round(x / scale) half to even plus the zero point, clamped. WebAssembly rather than JS:
;; Liftoff compiles it at once and it never deopts, so a first quantization costs about what the later ones do.
;;
;; Per tensor and per column alike, over the values in memory order, four at a time: the scales, zero points and
;; ranges are arrays of $period floats ($period a multiple of 4 and of the column count: lcm(columns, 4)), value i
;; going with entry i mod $period. The caller folds the $period ranges into one per column.
(module
  (memory (export "memory") 1)

  ;; Widens lo/hi (each $period float32 at $lo, $hi) by the $n float32 at $data, value i into entry i mod $period,
  ;; as `if (v < lo) lo = v` does (f32x4.pmin): a NaN never enters a range. The spare values up to a multiple of 4
  ;; are set to NaN here; the caller leaves room for them and passes whole periods but in the last call.
  (func (export "widen") (param $data i32) (param $n i32) (param $lo i32) (param $hi i32) (param $period i32)
    (local $end i32) (local $q i32) (local $periodBytes i32) (local $x v128)
    (if (i32.eqz (local.get $n)) (then (return)))
    (local.set $end (i32.add (local.get $data) (i32.shl (local.get $n) (i32.const 2))))
    ;; 0xffffffff is a NaN
    (memory.fill (local.get $end) (i32.const 0xff) (i32.shl (i32.and (i32.sub (i32.const 0) (local.get $n)) (i32.const 3)) (i32.const 2)))
    (local.set $periodBytes (i32.shl (local.get $period) (i32.const 2)))
    (loop $fours
      (local.set $x (v128.load (local.get $data)))
      (v128.store (i32.add (local.get $lo) (local.get $q))
        (f32x4.pmin (v128.load (i32.add (local.get $lo) (local.get $q))) (local.get $x)))
      (v128.store (i32.add (local.get $hi) (local.get $q))
        (f32x4.pmax (v128.load (i32.add (local.get $hi) (local.get $q))) (local.get $x)))
      (local.set $q (i32.add (local.get $q) (i32.const 16)))
      (local.set $q (select (i32.const 0) (local.get $q) (i32.eq (local.get $q) (local.get $periodBytes))))
      (local.set $data (i32.add (local.get $data) (i32.const 16)))
      (br_if $fours (i32.lt_u (local.get $data) (local.get $end)))))

  ;; Quantizes the $n float32 at $data into the bytes at $out with the scales and zero points (each $period
  ;; float32 at $scales, $zeroPoints; value i takes entry i mod $period): clamp(nearest(x / scale) + zp, $qmin, $qmax)
  ;; as an int8 or, when $unsigned, a uint8; NaN gives 0. The float32 division is what Math.fround(x / scale) gives
  ;; in float64 (double rounding is exact for a division); the sums are exact or far outside the clamp. Four at a
  ;; time: the caller leaves room to round $n up to a multiple of 4 at $data and $out (the spare outputs are
  ;; garbage) and passes whole periods but in the last call.
  (func (export "quantize")
    (param $data i32) (param $n i32) (param $scales i32) (param $zeroPoints i32) (param $period i32)
    (param $qmin f32) (param $qmax f32) (param $unsigned i32) (param $out i32)
    (local $end i32) (local $at i32) (local $periodBytes i32) (local $mins v128) (local $maxs v128) (local $q v128)
    (if (i32.eqz (local.get $n)) (then (return)))
    (local.set $end (i32.add (local.get $data) (i32.shl (local.get $n) (i32.const 2))))
    (local.set $periodBytes (i32.shl (local.get $period) (i32.const 2)))
    (local.set $mins (f32x4.splat (local.get $qmin)))
    (local.set $maxs (f32x4.splat (local.get $qmax)))
    (loop $fours
      (local.set $q
        (i32x4.trunc_sat_f32x4_s
          (f32x4.pmin
            (f32x4.pmax
              (f32x4.add
                (f32x4.nearest (f32x4.div (v128.load (local.get $data)) (v128.load (i32.add (local.get $scales) (local.get $at)))))
                (v128.load (i32.add (local.get $zeroPoints) (local.get $at))))
              (local.get $mins))
            (local.get $maxs))))
      ;; values lie in [-128, 255]: the signed narrowing to int16 is exact, the last one saturates nothing
      (local.set $q (i16x8.narrow_i32x4_s (local.get $q) (local.get $q)))
      (v128.store32_lane 0 (local.get $out)
        (if (result v128) (local.get $unsigned)
          (then (i8x16.narrow_i16x8_u (local.get $q) (local.get $q)))
          (else (i8x16.narrow_i16x8_s (local.get $q) (local.get $q)))))
      (local.set $at (i32.add (local.get $at) (i32.const 16)))
      (local.set $at (select (i32.const 0) (local.get $at) (i32.eq (local.get $at) (local.get $periodBytes))))
      (local.set $data (i32.add (local.get $data) (i32.const 16)))
      (local.set $out (i32.add (local.get $out) (i32.const 4)))
      (br_if $fours (i32.lt_u (local.get $data) (local.get $end))))))
