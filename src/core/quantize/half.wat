;; float32 → float16 bits (IEEE 754 binary16, round to nearest even), bit-exact with the JavaScript conversion it
;; replaced, with an optional clamp into a range (fp16.ts). WebAssembly rather than JS: Liftoff compiles it at once
;; and it never deopts, so a first conversion costs about what the later ones do.
;;
;; Four values at a time, on the bits (Fabian Giesen's float_to_half_fast3_rtne): normal halves re-bias the
;; exponent and round the dropped 13 mantissa bits to even by adding 0xfff plus the kept last bit; subnormal halves
;; come from the float addition |x| + 0.5 (the float32 whose last mantissa bit is worth 2^-24, float16's smallest
;; step), which rounds to nearest even by itself. f32x4.add keeps subnormal inputs (WebAssembly never flushes them).
(module
  (memory (export "memory") 1)

  ;; The float16 bits of the $n float32 at $src into the uint16 at $dst; returns how many were clamped: |x| above
  ;; $max (and finite) becomes 0x7bff (65504), a non-zero |x| below $tiny 0x0001 (2^-24), both bit patterns of |x|
  ;; ($max = 0x7f800000, $tiny = 0 clamp nothing). Four at a time, in one loop body (Liftoff does not inline calls):
  ;; the caller leaves room to round $n up to a multiple of 4 at both addresses, and the spare inputs are zeroed here
  ;; (zero is never clamped).
  (func (export "toHalf")
    (param $src i32) (param $dst i32) (param $n i32) (param $max i32) (param $tiny i32) (result i32)
    (local $end i32) (local $maxs v128) (local $tinys v128) (local $count v128)
    (local $x v128) (local $a v128) (local $bits v128) (local $big v128) (local $small v128)
    (if (i32.eqz (local.get $n)) (then (return (i32.const 0))))
    (local.set $end (i32.add (local.get $src) (i32.shl (local.get $n) (i32.const 2))))
    (memory.fill (local.get $end) (i32.const 0) (i32.shl (i32.and (i32.sub (i32.const 0) (local.get $n)) (i32.const 3)) (i32.const 2)))
    (local.set $maxs (i32x4.splat (local.get $max)))
    (local.set $tinys (i32x4.splat (local.get $tiny)))
    (loop $fours
      (local.set $x (v128.load (local.get $src)))
      (local.set $a (v128.and (local.get $x) (i32x4.splat (i32.const 0x7fffffff))))
      ;; normal halves; a carry out of the mantissa bumps the exponent, up to 0x7c00 (Infinity)
      (local.set $bits
        (i32x4.shr_u
          (i32x4.add
            (i32x4.add (local.get $a) (i32x4.splat (i32.const 0xc8000fff))) ;; -(112 << 23) + 0xfff
            (v128.and (i32x4.shr_u (local.get $a) (i32.const 13)) (i32x4.splat (i32.const 1))))
          (i32.const 13)))
      ;; subnormal halves and zero: below 2^-14 (0x38800000)
      (local.set $bits
        (v128.bitselect
          (i32x4.sub
            (f32x4.add (local.get $a) (f32x4.splat (f32.const 0.5)))
            (f32x4.splat (f32.const 0.5)))
          (local.get $bits)
          (i32x4.lt_s (local.get $a) (i32x4.splat (i32.const 0x38800000)))))
      ;; 65536 and above (0x47800000) overflow to Infinity; NaN stays a quiet NaN
      (local.set $bits
        (v128.bitselect
          (v128.bitselect
            (i32x4.splat (i32.const 0x7e00))
            (i32x4.splat (i32.const 0x7c00))
            (i32x4.gt_s (local.get $a) (i32x4.splat (i32.const 0x7f800000))))
          (local.get $bits)
          (i32x4.ge_s (local.get $a) (i32x4.splat (i32.const 0x47800000)))))
      (local.set $big
        (v128.and
          (i32x4.gt_s (local.get $a) (local.get $maxs))
          (i32x4.lt_s (local.get $a) (i32x4.splat (i32.const 0x7f800000)))))
      (local.set $small
        (v128.andnot
          (i32x4.lt_s (local.get $a) (local.get $tinys))
          (i32x4.eq (local.get $a) (v128.const i32x4 0 0 0 0))))
      (local.set $bits (v128.bitselect (i32x4.splat (i32.const 0x7bff)) (local.get $bits) (local.get $big)))
      (local.set $bits (v128.bitselect (i32x4.splat (i32.const 0x0001)) (local.get $bits) (local.get $small)))
      ;; the masks are -1 where clamped: subtracting them counts
      (local.set $count (i32x4.sub (i32x4.sub (local.get $count) (local.get $big)) (local.get $small)))
      (local.set $bits
        (v128.or (local.get $bits) (i32x4.shr_u (v128.xor (local.get $x) (local.get $a)) (i32.const 16))))
      ;; the bits are at most 0xfe00: the narrowing saturates nothing
      (v128.store64_lane 0 (local.get $dst) (i16x8.narrow_i32x4_u (local.get $bits) (local.get $bits)))
      (local.set $src (i32.add (local.get $src) (i32.const 16)))
      (local.set $dst (i32.add (local.get $dst) (i32.const 8)))
      (br_if $fours (i32.lt_u (local.get $src) (local.get $end))))
    (i32.add
      (i32.add (i32x4.extract_lane 0 (local.get $count)) (i32x4.extract_lane 1 (local.get $count)))
      (i32.add (i32x4.extract_lane 2 (local.get $count)) (i32x4.extract_lane 3 (local.get $count))))))
