// bitla/gemm/xnor.hpp — binary (W1A1) products on packed ±1 bits: XNOR-popcount.
//
//   xnor_gemm(a, w, y)                      y (M x N, int32) = a . wᵀ = K - 2 popcount(a ^ w)
//   xnor_gemm(SignRows{a, β}, SignRows{w, α}, y)   y (float) = β[m] · α[n] · (a_m . w_n)
//                                           (XNOR-Net; an empty scale means all ones;
//                                           quantize_sign results convert to SignRows)
//   xnor_gemv(a, w, y)                      the same for one row a (1 x K), y a span
//   xnor_gemm_block(a, w, y, OutputBlock)   one block of y on the calling thread
//
// Operands are BitPacked<enc::sign> owners or BitView<enc::sign> views (any bit length K;
// the padding is zero). Outputs are MatrixView (spans for GEMV) of exactly the output's
// shape that overlap no input. The trailing RunOptions carries the pool (default_pool()
// unless given); each call splits the output into blocks of whole tiles, one task each.
// Any split gives bit-identical results (every output element is computed by exactly one
// call, integer sums are exact, the float epilogue is one expression per element).
//
// Errors (bitla::error naming the argument, thrown before any output is written): K
// mismatch, K = 0, K > 2^31 - 1, a bit view that is not padded or strided as the kernels
// read it, an output of the wrong shape or overlapping an input, scales of the wrong length
// or not finite, a block outside the output. The driver: gemm/xnor_driver.hpp.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "../core/scaled_rows.hpp"
#include "xnor_driver.hpp"

BITLA_BEGIN_NAMESPACE

namespace detail {

template <class V, class Y>
void check_xnor(const BitView<enc::sign>& a, const V& w, const MatrixView<Y>& y) {
    check_bits(a.cols, "a");
    check_int32_accumulator(a.cols, 1, 1, "a");
    check_product(a, w, y, {"a", "w", "y"});
}

/// The scaled form: the bits as check_xnor, each scale empty or one per row of its operand,
/// y overlapping neither scale.
inline void check_xnor_scaled(const SignRows& a, const SignRows& w, const MatrixView<float>& y) {
    check_xnor(a.values, w.values, y);
    const auto check_scale = [&](const SignRows& s, std::string_view name) {
        require(s.scale.empty() || s.scale.size() == s.values.rows, name, name, ".scale has ", s.scale.size(),
                " entries but ", name, " has ", s.values.rows, " rows");
        check_finite(s.scale, name, name == "a" ? "a.scale" : "w.scale");
        const void* b = s.scale.data();
        const void* e = s.scale.data() + s.scale.size();
        require(!overlaps(y.first_byte(), y.end_byte(), b, e), "y", "y overlaps ", name, ".scale");
    };
    check_scale(a, "a");
    check_scale(w, "w");
}

// The unchecked bodies of the public entries.

inline void xnor_gemm_int(const XnorKernels& kern, const BitView<enc::sign>& a, const BitView<enc::sign>& w,
                          const MatrixView<std::int32_t>& y, const OutputBlock& b) {
    const auto k = static_cast<std::int32_t>(a.cols);
    if (b.row_end - b.row_begin == 1) {  // GEMV: one row against w's rows, no packing
        alignas(64) std::uint32_t pc[XnorKernels::max_tile];
        for (std::size_t j = b.col_begin; j < b.col_end; j += XnorKernels::max_tile) {
            const std::size_t cols = std::min(XnorKernels::max_tile, b.col_end - j);
            kern.rows(a.words(b.row_begin).data(), w.data + j * w.stride, w.stride, cols, a.row_words, pc);
            kern.finish_dot(pc, cols, 1, cols, k, &y(b.row_begin, j), y.ld);
        }
        return;
    }
    xnor_tiles(
        kern, a.data, a.stride, b.row_begin, b.row_end, w.data, w.stride, b.col_begin, b.col_end, a.row_words,
        [&](const std::uint32_t* pc, std::size_t ldp, std::size_t i0, std::size_t rows, std::size_t j0,
            std::size_t cols) { kern.finish_dot(pc, ldp, rows, cols, k, &y(i0, j0), y.ld); },
        [&](const std::uint64_t* ap, const std::uint64_t* bp, std::size_t i0, std::size_t j0) {
            kern.tile_dot(ap, bp, a.row_words, k, &y(i0, j0), y.ld);
        });
}

inline void xnor_gemm_float(const XnorKernels& kern, const SignRows& as, const SignRows& ws,
                            const MatrixView<float>& y, const OutputBlock& b) {
    const BitView<enc::sign>&a = as.values, &w = ws.values;
    const std::span<const float> a_scale = as.scale, w_scale = ws.scale;
    const auto k = static_cast<std::int32_t>(a.cols);
    const auto sa = [&](std::size_t i) { return a_scale.empty() ? nullptr : a_scale.data() + i; };
    const auto sw = [&](std::size_t j) { return w_scale.empty() ? nullptr : w_scale.data() + j; };
    if (b.row_end - b.row_begin == 1) {
        alignas(64) std::uint32_t pc[XnorKernels::max_tile];
        for (std::size_t j = b.col_begin; j < b.col_end; j += XnorKernels::max_tile) {
            const std::size_t cols = std::min(XnorKernels::max_tile, b.col_end - j);
            kern.rows(a.words(b.row_begin).data(), w.data + j * w.stride, w.stride, cols, a.row_words, pc);
            kern.finish_scaled(pc, cols, 1, cols, k, sa(b.row_begin), sw(j), &y(b.row_begin, j), y.ld);
        }
        return;
    }
    xnor_tiles(kern, a.data, a.stride, b.row_begin, b.row_end, w.data, w.stride, b.col_begin, b.col_end, a.row_words,
               [&](const std::uint32_t* pc, std::size_t ldp, std::size_t i0, std::size_t rows, std::size_t j0,
                   std::size_t cols) { kern.finish_scaled(pc, ldp, rows, cols, k, sa(i0), sw(j0), &y(i0, j0), y.ld); });
}

}  // namespace detail

/// y (M x N, int32) = a (M x K, +-1 bits) . w (N x K, +-1 bits)^T, exact.
template <sign_bits A, sign_bits W>
void xnor_gemm(const A& a_in, const W& w_in, MatrixView<std::int32_t> y, const RunOptions& opt = {}) {
    const auto a = a_in.view();
    const auto w = w_in.view();
    detail::check_xnor(a, w, y);
    const XnorKernels& kern = active_kernels<XnorKernels>();
    detail::parallel_blocks(a.rows, w.rows, kern.mr, kern.nr, detail::pool_of(opt.pool),
                            [&](const OutputBlock& b) { detail::xnor_gemm_int(kern, a, w, y, b); });
}

/// y[m, n] = a.scale[m] * w.scale[n] * (a_m . w_n) as float; empty scales mean all ones.
inline void xnor_gemm(const SignRows& a, const SignRows& w, MatrixView<float> y, const RunOptions& opt = {}) {
    detail::check_xnor_scaled(a, w, y);
    const XnorKernels& kern = active_kernels<XnorKernels>();
    detail::parallel_blocks(a.values.rows, w.values.rows, kern.mr, kern.nr, detail::pool_of(opt.pool),
                            [&](const OutputBlock& b) { detail::xnor_gemm_float(kern, a, w, y, b); });
}

/// One block of xnor_gemm's output, on the calling thread (y is the whole M x N output).
template <sign_bits A, sign_bits W>
void xnor_gemm_block(const A& a_in, const W& w_in, MatrixView<std::int32_t> y, const OutputBlock& block) {
    const auto a = a_in.view();
    const auto w = w_in.view();
    detail::check_xnor(a, w, y);
    detail::xnor_gemm_int(active_kernels<XnorKernels>(), a, w, y, detail::checked_block(block, a.rows, w.rows));
}

/// One block of the float xnor_gemm's output, on the calling thread.
inline void xnor_gemm_block(const SignRows& a, const SignRows& w, MatrixView<float> y, const OutputBlock& block) {
    detail::check_xnor_scaled(a, w, y);
    detail::xnor_gemm_float(active_kernels<XnorKernels>(), a, w, y,
                            detail::checked_block(block, a.values.rows, w.values.rows));
}

/// y (N, int32) = w . a for one row of +-1 bits a (1 x K).
template <sign_bits A, sign_bits W>
void xnor_gemv(const A& a, const W& w, std::span<std::int32_t> y, const RunOptions& opt = {}) {
    detail::require(a.view().rows == 1, "a", "xnor_gemv takes one row of bits, a has ", a.view().rows);
    xnor_gemm(a, w, MatrixView<std::int32_t>(y), opt);
}

/// y (N, float) = a.scale[0] * w.scale[n] * (w_n . a) for one scaled row a.
inline void xnor_gemv(const SignRows& a, const SignRows& w, std::span<float> y, const RunOptions& opt = {}) {
    detail::require(a.values.rows == 1, "a", "xnor_gemv takes one row of bits, a has ", a.values.rows);
    xnor_gemm(a, w, MatrixView<float>(y), opt);
}

BITLA_END_NAMESPACE
