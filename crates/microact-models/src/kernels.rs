//! CPU kernels for small convolutional networks on NHWC `f32` tensors with batch 1, written for
//! the page's CPU path where Burn's generic ops run 5× slower than XNNPACK (docs/benchmarks.md,
//! issue 10): weights packed once at load, bias and activation fused into each convolution, the
//! residual add fused into the 1×1 convolution before it, and wasm SIMD128 where the build
//! enables it (`.cargo/config.toml`); natively the same loops are plain arrays the compiler
//! vectorises. Every kernel is checked against Burn's own op in this file's tests.

/// Four `f32` lanes.
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
mod lanes {
    use core::arch::wasm32::*;

    #[derive(Clone, Copy)]
    pub struct V4(v128);

    impl V4 {
        #[inline(always)]
        pub fn splat(x: f32) -> Self {
            Self(f32x4_splat(x))
        }

        /// # Safety
        /// `p` points at four readable `f32`.
        #[inline(always)]
        pub unsafe fn load(p: *const f32) -> Self {
            Self(unsafe { v128_load(p as *const v128) })
        }

        /// # Safety
        /// `p` points at one readable `f32`.
        #[inline(always)]
        pub unsafe fn load_splat(p: *const f32) -> Self {
            Self(unsafe { v128_load32_splat(p as *const u32) })
        }

        /// # Safety
        /// `p` points at four writable `f32`.
        #[inline(always)]
        pub unsafe fn store(self, p: *mut f32) {
            unsafe { v128_store(p as *mut v128, self.0) }
        }

        /// `self + a · b`
        #[inline(always)]
        pub fn mul_add(self, a: Self, b: Self) -> Self {
            Self(f32x4_add(self.0, f32x4_mul(a.0, b.0)))
        }

        #[inline(always)]
        pub fn add(self, other: Self) -> Self {
            Self(f32x4_add(self.0, other.0))
        }

        #[inline(always)]
        pub fn clamp(self, lo: Self, hi: Self) -> Self {
            Self(f32x4_pmin(f32x4_pmax(self.0, lo.0), hi.0))
        }
    }
}

/// Four `f32` lanes.
#[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
mod lanes {
    #[derive(Clone, Copy)]
    pub struct V4([f32; 4]);

    impl V4 {
        #[inline(always)]
        pub fn splat(x: f32) -> Self {
            Self([x; 4])
        }

        /// # Safety
        /// `p` points at four readable `f32`.
        #[inline(always)]
        pub unsafe fn load(p: *const f32) -> Self {
            Self(unsafe { p.cast::<[f32; 4]>().read_unaligned() })
        }

        /// # Safety
        /// `p` points at one readable `f32`.
        #[inline(always)]
        pub unsafe fn load_splat(p: *const f32) -> Self {
            Self([unsafe { *p }; 4])
        }

        /// # Safety
        /// `p` points at four writable `f32`.
        #[inline(always)]
        pub unsafe fn store(self, p: *mut f32) {
            unsafe { p.cast::<[f32; 4]>().write_unaligned(self.0) }
        }

        /// `self + a · b`
        #[inline(always)]
        pub fn mul_add(self, a: Self, b: Self) -> Self {
            Self(std::array::from_fn(|i| self.0[i] + a.0[i] * b.0[i]))
        }

        #[inline(always)]
        pub fn add(self, other: Self) -> Self {
            Self(std::array::from_fn(|i| self.0[i] + other.0[i]))
        }

        #[inline(always)]
        pub fn clamp(self, lo: Self, hi: Self) -> Self {
            Self(std::array::from_fn(|i| self.0[i].max(lo.0[i]).min(hi.0[i])))
        }
    }
}

use lanes::V4;

/// What follows a convolution, as the range its outputs are clamped to.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Clamp {
    pub lo: f32,
    pub hi: f32,
}

impl Clamp {
    pub const NONE: Clamp = Clamp {
        lo: f32::NEG_INFINITY,
        hi: f32::INFINITY,
    };
    pub const RELU: Clamp = Clamp {
        lo: 0.0,
        hi: f32::INFINITY,
    };
    pub const RELU6: Clamp = Clamp { lo: 0.0, hi: 6.0 };
}

/// Output channels per packed block of a 1×1 convolution (two SIMD vectors).
const NR: usize = 8;
/// Pixels per tile of a 1×1 convolution.
const MR: usize = 4;

/// A 1×1 convolution (a GEMM over pixels) with its weights packed in blocks of [`NR`] output
/// channels: `[in][NR]` per block, the last block padded with zeros.
#[derive(Clone, Debug)]
pub struct Pointwise {
    pub inputs: usize,
    pub outputs: usize,
    packed: Vec<f32>,
    bias: Vec<f32>,
    clamp: Clamp,
}

impl Pointwise {
    /// `weights` as Burn stores a 1×1 conv's, `[out][in]`; `bias` `[out]` or none.
    pub fn new(
        inputs: usize,
        outputs: usize,
        weights: &[f32],
        bias: Option<&[f32]>,
        clamp: Clamp,
    ) -> Self {
        assert_eq!(weights.len(), inputs * outputs, "1×1 conv weights");
        let blocks = outputs.div_ceil(NR);
        let mut packed = vec![0.0; blocks * inputs * NR];
        for o in 0..outputs {
            let (block, lane) = (o / NR, o % NR);
            for i in 0..inputs {
                packed[(block * inputs + i) * NR + lane] = weights[o * inputs + i];
            }
        }
        let mut padded = vec![0.0; blocks * NR];
        if let Some(bias) = bias {
            assert_eq!(bias.len(), outputs, "1×1 conv bias");
            padded[..outputs].copy_from_slice(bias);
        }
        Self {
            inputs,
            outputs,
            packed,
            bias: padded,
            clamp,
        }
    }

    /// `out[p][o] = clamp(Σ_i input[p][i] · w[o][i] + bias[o]) + add[p][o]` for every pixel.
    pub fn run(&self, input: &[f32], add: Option<&[f32]>, out: &mut Vec<f32>) {
        let k = self.inputs;
        let pixels = input.len() / k;
        assert_eq!(input.len(), pixels * k, "1×1 conv input");
        let len = pixels * self.outputs;
        if let Some(add) = add {
            assert_eq!(add.len(), len, "1×1 conv residual");
        }
        // Every value is written below: no need to clear what a reused buffer held.
        out.truncate(len);
        out.resize(len, 0.0);
        // A chunk of pixels whose inputs stay in the first-level cache while each block of
        // weights passes over them.
        let chunk = (CHUNK_FLOATS / k / MR * MR).max(MR);
        for c0 in (0..pixels).step_by(chunk) {
            let c1 = (c0 + chunk).min(pixels);
            for block in 0..self.bias.len() / NR {
                let w = self.packed[block * k * NR..(block + 1) * k * NR].as_ptr();
                let bias = self.bias[block * NR..(block + 1) * NR].as_ptr();
                let o0 = block * NR;
                for p0 in (c0..c1).step_by(MR) {
                    let rows = MR.min(c1 - p0);
                    // Rows past the end repeat the last one; only real rows are stored.
                    let row = |r: usize| input[(p0 + r.min(rows - 1)) * k..].as_ptr();
                    let a = [row(0), row(1), row(2), row(3)];
                    // SAFETY: each `a[r]` has `k` values, `w` has `k · NR` and `bias` NR, as
                    // asserted above and built in `new`; the tile's rows are pixels of `out`.
                    unsafe {
                        let acc = tile(a, w, k, bias);
                        self.store(&acc, (p0, rows), o0, add, out);
                    }
                }
            }
        }
    }

    /// Clamps a tile, adds the residual, writes its `rows` pixels from `p0`, channels from `o0`.
    ///
    /// # Safety
    /// `p0 + rows` pixels fit `out` (and `add`), `o0` is a block's first channel.
    #[inline(always)]
    unsafe fn store(
        &self,
        acc: &[[V4; 2]; MR],
        (p0, rows): (usize, usize),
        o0: usize,
        add: Option<&[f32]>,
        out: &mut [f32],
    ) {
        let (lo, hi) = (V4::splat(self.clamp.lo), V4::splat(self.clamp.hi));
        let width = NR.min(self.outputs - o0);
        for (r, row) in acc.iter().enumerate().take(rows) {
            let at = (p0 + r) * self.outputs + o0;
            let mut v = [row[0].clamp(lo, hi), row[1].clamp(lo, hi)];
            if width == NR {
                unsafe {
                    if let Some(add) = add {
                        let extra = add.as_ptr().add(at);
                        v = [v[0].add(V4::load(extra)), v[1].add(V4::load(extra.add(4)))];
                    }
                    v[0].store(out.as_mut_ptr().add(at));
                    v[1].store(out.as_mut_ptr().add(at + 4));
                }
                continue;
            }
            let mut values = [0.0f32; NR];
            unsafe {
                v[0].store(values.as_mut_ptr());
                v[1].store(values.as_mut_ptr().add(4));
            }
            let dest = &mut out[at..at + width];
            match add {
                Some(add) => {
                    for ((d, v), a) in dest.iter_mut().zip(values).zip(&add[at..at + width]) {
                        *d = v + a;
                    }
                }
                None => dest.copy_from_slice(&values[..width]),
            }
        }
    }
}

/// Inputs per chunk of a 1×1 convolution's pixels (16 KiB).
const CHUNK_FLOATS: usize = 4096;

/// One `MR × NR` tile: the bias plus `k` rank-1 updates. Unrolled by hand, with its eight
/// accumulators as separate values, so that it stays in registers whatever the optimiser does.
///
/// # Safety
/// Each `a[r]` points at `k` readable values, `w` at `k · NR`, `bias` at `NR`.
#[inline(always)]
unsafe fn tile(a: [*const f32; MR], w: *const f32, k: usize, bias: *const f32) -> [[V4; 2]; MR] {
    let [a0, a1, a2, a3] = a;
    unsafe {
        let (b0, b1) = (V4::load(bias), V4::load(bias.add(4)));
        let (mut c00, mut c01, mut c10, mut c11) = (b0, b1, b0, b1);
        let (mut c20, mut c21, mut c30, mut c31) = (b0, b1, b0, b1);
        for i in 0..k {
            let w0 = V4::load(w.add(i * NR));
            let w1 = V4::load(w.add(i * NR + 4));
            let x = V4::load_splat(a0.add(i));
            c00 = c00.mul_add(x, w0);
            c01 = c01.mul_add(x, w1);
            let x = V4::load_splat(a1.add(i));
            c10 = c10.mul_add(x, w0);
            c11 = c11.mul_add(x, w1);
            let x = V4::load_splat(a2.add(i));
            c20 = c20.mul_add(x, w0);
            c21 = c21.mul_add(x, w1);
            let x = V4::load_splat(a3.add(i));
            c30 = c30.mul_add(x, w0);
            c31 = c31.mul_add(x, w1);
        }
        [[c00, c01], [c10, c11], [c20, c21], [c30, c31]]
    }
}

/// TF's `SAME` padding along one axis: the output length and the padding before (the rest goes
/// after, so stride 2 on an even length pads only after).
pub fn same_padding(length: usize, kernel: usize, stride: usize) -> (usize, usize) {
    let out = length.div_ceil(stride);
    let total = ((out - 1) * stride + kernel).saturating_sub(length);
    (out, total / 2)
}

/// The output's height and width of a 3×3 convolution with `SAME` padding at `stride`.
fn same_3x3_size(height: usize, width: usize, stride: usize) -> (usize, usize) {
    (
        same_padding(height, 3, stride).0,
        same_padding(width, 3, stride).0,
    )
}

/// A tap that falls in the padding.
const OUTSIDE: usize = usize::MAX;

/// Where a 3×3 window's three taps along one axis fall for output `o`: the input index times
/// `step`, or [`OUTSIDE`] where a tap is padding.
fn tap_offsets(o: usize, stride: usize, pad: usize, length: usize, step: usize) -> [usize; 3] {
    std::array::from_fn(|k| {
        let at = (o * stride + k) as isize - pad as isize;
        if at < 0 || at >= length as isize {
            OUTSIDE
        } else {
            at as usize * step
        }
    })
}

/// Floats per group of four channels in a packed depthwise convolution: bias, then 9 taps.
const DW_GROUP: usize = 4 * 10;

/// A 3×3 depthwise convolution with `SAME` padding, packed per group of four channels as
/// `[bias, tap 0, …, tap 8]` (one stream of weights per pixel).
#[derive(Clone, Debug)]
pub struct Depthwise {
    pub channels: usize,
    pub stride: usize,
    packed: Vec<f32>,
    clamp: Clamp,
}

impl Depthwise {
    /// `weights` as Burn stores them, `[channels][1][3][3]`.
    pub fn new(
        channels: usize,
        stride: usize,
        weights: &[f32],
        bias: Option<&[f32]>,
        clamp: Clamp,
    ) -> Self {
        assert_eq!(weights.len(), channels * 9, "depthwise weights");
        assert_eq!(channels % 4, 0, "depthwise channels in fours");
        if let Some(b) = bias {
            assert_eq!(b.len(), channels, "depthwise bias");
        }
        let mut packed = vec![0.0; channels / 4 * DW_GROUP];
        for c in 0..channels {
            let (group, lane) = (c / 4, c % 4);
            let at = group * DW_GROUP + lane;
            packed[at] = bias.map_or(0.0, |b| b[c]);
            for t in 0..9 {
                packed[at + 4 * (t + 1)] = weights[c * 9 + t];
            }
        }
        Self {
            channels,
            stride,
            packed,
            clamp,
        }
    }

    /// The output's height and width for an input of `height × width`.
    pub fn output_size(&self, height: usize, width: usize) -> (usize, usize) {
        same_3x3_size(height, width, self.stride)
    }

    /// `input` `[height][width][channels]` → `out` `[oh][ow][channels]`.
    pub fn run(&self, input: &[f32], height: usize, width: usize, out: &mut Vec<f32>) {
        let c = self.channels;
        assert_eq!(input.len(), height * width * c, "depthwise input");
        let (oh, top) = same_padding(height, 3, self.stride);
        let (ow, left) = same_padding(width, 3, self.stride);
        out.truncate(oh * ow * c);
        out.resize(oh * ow * c, 0.0);
        let (lo, hi) = (V4::splat(self.clamp.lo), V4::splat(self.clamp.hi));
        let columns: Vec<[usize; 3]> = (0..ow)
            .map(|ox| tap_offsets(ox, self.stride, left, width, c))
            .collect();
        let (src, dst, w) = (input.as_ptr(), out.as_mut_ptr(), self.packed.as_ptr());
        let row_step = width * c;
        for oy in 0..oh {
            let rows = tap_offsets(oy, self.stride, top, height, row_step);
            let full_rows = !rows.contains(&OUTSIDE);
            for (ox, cols) in columns.iter().enumerate() {
                let dest = (oy * ow + ox) * c;
                if full_rows && !cols.contains(&OUTSIDE) {
                    // Inside the input: the nine taps are fixed steps from the top-left one.
                    let at = rows[0] + cols[0];
                    for group in 0..c / 4 {
                        // SAFETY: the 3 × 3 window from `at` lies inside `input`; `group` is
                        // one of `packed`'s groups and `dest + 4 · group` a pixel of `out`.
                        unsafe {
                            let p = src.add(at + 4 * group);
                            let g = w.add(group * DW_GROUP);
                            let tap = |acc: V4, ky: usize, kx: usize| {
                                acc.mul_add(
                                    V4::load(p.add(ky * row_step + kx * c)),
                                    V4::load(g.add(4 * (1 + 3 * ky + kx))),
                                )
                            };
                            // Two chains of sums, so that one need not wait on the other.
                            let a = tap(
                                tap(tap(tap(tap(V4::load(g), 0, 0), 0, 1), 0, 2), 1, 0),
                                1,
                                1,
                            );
                            let b = tap(tap(tap(tap(V4::splat(0.0), 1, 2), 2, 0), 2, 1), 2, 2);
                            let acc = a.add(b);
                            acc.clamp(lo, hi).store(dst.add(dest + 4 * group));
                        }
                    }
                    continue;
                }
                for group in 0..c / 4 {
                    // SAFETY: as above, for the taps inside the input only.
                    unsafe {
                        let g = w.add(group * DW_GROUP);
                        let mut acc = V4::load(g);
                        for (ky, &row) in rows.iter().enumerate() {
                            for (kx, &col) in cols.iter().enumerate() {
                                if row != OUTSIDE && col != OUTSIDE {
                                    let x = V4::load(src.add(row + col + 4 * group));
                                    acc = acc.mul_add(x, V4::load(g.add(4 * (1 + 3 * ky + kx))));
                                }
                            }
                        }
                        acc.clamp(lo, hi).store(dst.add(dest + 4 * group));
                    }
                }
            }
        }
    }
}

/// A full 3×3 convolution with `SAME` padding (a network's stem): the patches gathered once,
/// then one [`Pointwise`] GEMM over them.
#[derive(Clone, Debug)]
pub struct Conv3x3 {
    pub inputs: usize,
    pub stride: usize,
    gemm: Pointwise,
}

impl Conv3x3 {
    /// `weights` as Burn stores them, `[out][in][3][3]`.
    pub fn new(
        inputs: usize,
        outputs: usize,
        stride: usize,
        weights: &[f32],
        bias: Option<&[f32]>,
        clamp: Clamp,
    ) -> Self {
        assert_eq!(weights.len(), outputs * inputs * 9, "3×3 conv weights");
        // Patch order is (ky, kx, in): reorder each output's weights to match.
        let mut reordered = vec![0.0; weights.len()];
        for o in 0..outputs {
            for i in 0..inputs {
                for t in 0..9 {
                    reordered[(o * 9 + t) * inputs + i] = weights[(o * inputs + i) * 9 + t];
                }
            }
        }
        Self {
            inputs,
            stride,
            gemm: Pointwise::new(9 * inputs, outputs, &reordered, bias, clamp),
        }
    }

    /// The output's height and width for an input of `height × width`.
    pub fn output_size(&self, height: usize, width: usize) -> (usize, usize) {
        same_3x3_size(height, width, self.stride)
    }

    /// `input` `[height][width][in]` → `out` `[oh][ow][out]`; `patches` is scratch.
    pub fn run(
        &self,
        input: &[f32],
        height: usize,
        width: usize,
        patches: &mut Vec<f32>,
        out: &mut Vec<f32>,
    ) {
        let c = self.inputs;
        assert_eq!(input.len(), height * width * c, "3×3 conv input");
        let (oh, top) = same_padding(height, 3, self.stride);
        let (ow, left) = same_padding(width, 3, self.stride);
        patches.clear();
        patches.resize(oh * ow * 9 * c, 0.0);
        for oy in 0..oh {
            for ox in 0..ow {
                let patch = &mut patches[(oy * ow + ox) * 9 * c..][..9 * c];
                let rows = tap_offsets(oy, self.stride, top, height, width * c);
                let cols = tap_offsets(ox, self.stride, left, width, c);
                for (ky, &row) in rows.iter().enumerate() {
                    for (kx, &col) in cols.iter().enumerate() {
                        if row != OUTSIDE && col != OUTSIDE {
                            let from = row + col;
                            patch[(ky * 3 + kx) * c..][..c].copy_from_slice(&input[from..from + c]);
                        }
                    }
                }
            }
        }
        self.gemm.run(patches, None, out);
    }
}

/// Bilinear resize with half-pixel centres (TF's `ResizeBilinear(half_pixel_centers=True)`,
/// ONNX's `half_pixel`), `[height][width][channels]` → `[oh][ow][channels]`.
pub fn resize_bilinear(
    input: &[f32],
    (height, width, channels): (usize, usize, usize),
    (oh, ow): (usize, usize),
    out: &mut Vec<f32>,
) {
    assert_eq!(input.len(), height * width * channels, "resize input");
    out.clear();
    out.resize(oh * ow * channels, 0.0);
    // Source index pair and weight of the second, per output row or column.
    let axis = |length: usize, out_length: usize| -> Vec<(usize, usize, f32)> {
        let scale = length as f32 / out_length as f32;
        (0..out_length)
            .map(|o| {
                let at = ((o as f32 + 0.5) * scale - 0.5).max(0.0);
                let first = (at.floor() as usize).min(length - 1);
                let second = (first + 1).min(length - 1);
                (first, second, at - first as f32)
            })
            .collect()
    };
    let rows = axis(height, oh);
    let cols = axis(width, ow);
    for (oy, &(y0, y1, fy)) in rows.iter().enumerate() {
        for (ox, &(x0, x1, fx)) in cols.iter().enumerate() {
            let at = |y: usize, x: usize| &input[(y * width + x) * channels..][..channels];
            let (a, b, c, d) = (at(y0, x0), at(y0, x1), at(y1, x0), at(y1, x1));
            let dest = &mut out[(oy * ow + ox) * channels..][..channels];
            for ch in 0..channels {
                let top = a[ch] + (b[ch] - a[ch]) * fx;
                let bottom = c[ch] + (d[ch] - c[ch]) * fx;
                dest[ch] = top + (bottom - top) * fy;
            }
        }
    }
}

/// `[pixels][channels]` → `[channels][pixels]`.
pub fn to_planar(input: &[f32], channels: usize) -> Vec<f32> {
    let pixels = input.len() / channels;
    let mut out = vec![0.0; input.len()];
    for (p, pixel) in input.chunks_exact(channels).enumerate() {
        for (c, &v) in pixel.iter().enumerate() {
            out[c * pixels + p] = v;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use burn::nn::PaddingConfig2d;
    use burn::nn::conv::Conv2dConfig;
    use burn::tensor::module::interpolate;
    use burn::tensor::ops::{InterpolateMode, InterpolateOptions};
    use burn::tensor::{Device, Distribution, Tensor};

    fn values(t: Tensor<4>) -> Vec<f32> {
        t.into_data().try_to_vec::<f32>().unwrap()
    }

    fn nhwc(t: &Tensor<4>) -> Vec<f32> {
        values(t.clone().permute([0, 2, 3, 1]))
    }

    fn close(ours: &[f32], theirs: &[f32], what: &str) {
        assert_eq!(ours.len(), theirs.len(), "{what}: lengths");
        for (i, (a, b)) in ours.iter().zip(theirs).enumerate() {
            assert!(
                (a - b).abs() <= 1e-4 * (1.0 + b.abs()),
                "{what}: value {i}: {a} vs Burn's {b}"
            );
        }
    }

    /// Our kernel and Burn's conv on the same random input and weights.
    fn compare_conv(
        inputs: usize,
        outputs: usize,
        kernel: usize,
        stride: usize,
        groups: usize,
        [h, w]: [usize; 2],
    ) {
        let device = Device::flex();
        let conv = Conv2dConfig::new([inputs, outputs], [kernel, kernel])
            .with_stride([stride, stride])
            .with_groups(groups)
            .with_padding(PaddingConfig2d::Same)
            .init(&device);
        let x = Tensor::<4>::random([1, inputs, h, w], Distribution::Uniform(-1.0, 1.0), &device);
        let burn = nhwc(&conv.forward(x.clone()).clamp(0.0, 6.0));
        let weights = values(conv.weight.val());
        let bias = conv
            .bias
            .as_ref()
            .map(|b| b.val().into_data().try_to_vec::<f32>().unwrap());
        let mut out = Vec::new();
        let what = format!("{inputs}→{outputs} k{kernel} s{stride} g{groups} {h}×{w}");
        match (kernel, groups) {
            (1, 1) => Pointwise::new(inputs, outputs, &weights, bias.as_deref(), Clamp::RELU6).run(
                &nhwc(&x),
                None,
                &mut out,
            ),
            (3, 1) => Conv3x3::new(
                inputs,
                outputs,
                stride,
                &weights,
                bias.as_deref(),
                Clamp::RELU6,
            )
            .run(&nhwc(&x), h, w, &mut Vec::new(), &mut out),
            (3, g) if g == inputs => {
                Depthwise::new(inputs, stride, &weights, bias.as_deref(), Clamp::RELU6).run(
                    &nhwc(&x),
                    h,
                    w,
                    &mut out,
                )
            }
            _ => unreachable!("{what}"),
        }
        close(&out, &burn, &what);
    }

    #[test]
    fn pointwise_matches_burn_with_ragged_pixels_and_channels() {
        compare_conv(24, 144, 1, 1, 1, [7, 9]);
        compare_conv(96, 34, 1, 1, 1, [5, 5]);
        // Several chunks of pixels, the last one short.
        compare_conv(96, 24, 1, 1, 1, [10, 10]);
        compare_conv(96, 1, 1, 1, 1, [3, 2]);
        compare_conv(3, 17, 1, 1, 1, [1, 1]);
    }

    #[test]
    fn pointwise_adds_the_residual_after_the_clamp() {
        let weights: Vec<f32> = (0..6).map(|i| i as f32).collect();
        let conv = Pointwise::new(2, 3, &weights, Some(&[0.5, 0.0, -100.0]), Clamp::RELU6);
        let mut out = Vec::new();
        conv.run(&[1.0, 1.0], Some(&[1.0, 2.0, 3.0]), &mut out);
        // Rows: 0+1+0.5 = 1.5, 2+3 = 5, 4+5-100 → 0; plus the residual.
        assert_eq!(out, vec![2.5, 7.0, 3.0]);
    }

    #[test]
    fn pointwise_residual_matches_burn_over_whole_blocks_and_chunks() {
        let device = Device::flex();
        let (inputs, outputs, [h, w]) = (160, 20, [9, 7]);
        let conv = Conv2dConfig::new([inputs, outputs], [1, 1]).init(&device);
        let x = Tensor::<4>::random([1, inputs, h, w], Distribution::Uniform(-1.0, 1.0), &device);
        let r = Tensor::<4>::random(
            [1, outputs, h, w],
            Distribution::Uniform(-1.0, 1.0),
            &device,
        );
        let burn = nhwc(&(conv.forward(x.clone()) + r.clone()));
        let bias = values(
            conv.bias
                .as_ref()
                .unwrap()
                .val()
                .reshape([1, 1, 1, outputs]),
        );
        let ours = Pointwise::new(
            inputs,
            outputs,
            &values(conv.weight.val()),
            Some(&bias),
            Clamp::NONE,
        );
        let mut out = Vec::new();
        ours.run(&nhwc(&x), Some(&nhwc(&r)), &mut out);
        close(&out, &burn, "residual");
    }

    #[test]
    fn depthwise_matches_burn_at_both_strides_and_odd_sizes() {
        for stride in [1, 2] {
            for size in [[8, 8], [7, 5], [1, 3]] {
                compare_conv(16, 16, 3, stride, 16, size);
            }
        }
    }

    #[test]
    fn full_conv_matches_burn_as_the_stem_uses_it() {
        compare_conv(3, 32, 3, 2, 1, [16, 16]);
        compare_conv(3, 48, 3, 2, 1, [9, 11]);
        compare_conv(4, 8, 3, 1, 1, [5, 6]);
    }

    #[test]
    fn resize_matches_burn_bilinear_with_half_pixel_centres() {
        let device = Device::flex();
        for ([h, w], [oh, ow]) in [([6, 6], [12, 12]), ([3, 5], [6, 10]), ([4, 4], [7, 9])] {
            let x = Tensor::<4>::random([1, 8, h, w], Distribution::Uniform(-1.0, 1.0), &device);
            let burn = interpolate(
                x.clone(),
                InterpolateOptions::new(InterpolateMode::Bilinear)
                    .with_align_corners(false)
                    .with_output_size([oh, ow]),
            );
            let mut out = Vec::new();
            resize_bilinear(&nhwc(&x), (h, w, 8), (oh, ow), &mut out);
            close(&out, &nhwc(&burn), &format!("{h}×{w} → {oh}×{ow}"));
        }
    }

    #[test]
    fn same_padding_is_tf_s() {
        assert_eq!(same_padding(192, 3, 2), (96, 0));
        assert_eq!(same_padding(7, 3, 2), (4, 1));
        assert_eq!(same_padding(5, 3, 1), (5, 1));
    }

    #[test]
    fn planar_transposes() {
        let x = [1.0f32, 2.0, 3.0, 4.0, 5.0, 6.0];
        assert_eq!(to_planar(&x, 2), vec![1.0, 3.0, 5.0, 2.0, 4.0, 6.0]);
    }
}
