// bitla/gemm/add_driver.hpp — the ISA-free driver of the add-only products (gemm/add.hpp).
//
// How it runs (BLIS style; the microkernels are in kernels/<isa>/add.hpp): the activations
// are permuted once per call into the weights' step order and their group sums taken
// (gemm/add_activations.hpp; for M <= 16 into activations kept per thread, no allocation); then
// for blocks of `block_rows` weight rows (kept in L2), for each mr-row slice of x (kept in
// L1), the mr x nr tile kernel sums codes times activations over all of K, emitting one
// int32 per `lane` values when there are groups; the epilogue turns those into y. The
// default driver splits N over `default_pool()` (or `opts.pool`); results never depend on the
// split. GEMV (M = 1, int8, layouts `gemv_supported`) skips the tiles: the
// rows kernel (AddKernels::gemv_i8) streams the thread's contiguous row range in one call
// per 512 rows, with the grouped epilogue fused in, into thread-local scratch.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <vector>

#include "../arch/dispatch.hpp"
#include "../kernels/add.hpp"
#include "../kernels/low_rank.hpp"
#include "add_activations.hpp"
#include "add_options.hpp"
#include "thread_pool.hpp"

BITLA_BEGIN_NAMESPACE
namespace detail {

/// The driver: tiles, epilogue, threading. ISA-free; kernels come from active_kernels().
struct AddDriver {
    static constexpr std::size_t block_rows = 64;  ///< weight rows per L2 block (GEMM)

    static constexpr std::size_t prefetch_rows = 16;  ///< rows ahead of the tile (GEMV streams)

    /// Prefetches the panels that hold rows [r0, r1) (a hint: whole panels).
    static void prefetch(const AddWeights& w, std::size_t r0, std::size_t r1) noexcept {
        if (r0 >= r1) return;
        const AddLayout& l = w.layout();
        const std::size_t p0 = r0 / l.panel, p1 = (r1 + l.panel - 1) / l.panel;
        const std::uint8_t* p = w.data() + p0 * l.panel_bytes();
        const std::size_t bytes = (p1 - p0) * l.panel_bytes();
        for (std::size_t o = 0; o < bytes; o += 64) __builtin_prefetch(p + o, 0, 3);
    }

    /// y[0, n0:n1) += the row terms (float y, M = 1; checked by the callers).
    template <class Out>
    static void add_row_terms(const AddOptions& opt, MatrixView<Out> y, std::size_t n0, std::size_t n1) {
        if constexpr (std::is_same_v<Out, float>) {
            if (opt.row_terms.empty() || n0 >= n1) return;
            const LowRankKernels& lr = active_kernels<LowRankKernels>();
            for (const RowTerm& t : opt.row_terms)
                lr.expand(t.b.data + n0 * t.b.ld, t.b.ld, n1 - n0, t.t.size(), t.t.data(), &y(0, n0));
        }
    }

    /// y[:, n0:n1) for prepared activations. Out is int32_t (exact) or float.
    template <class Out>
    static void run(const AddActivations& a, const AddWeights& w, MatrixView<Out> y, std::size_t n0, std::size_t n1,
                    const AddOptions& opt, const AddKernels& k) {
        const AddLayout& l = w.layout();
        if (a.rows_ == 1 && a.int8_ && k.gemv_i8 != nullptr &&
            gemv_supported(l)) {
            run_gemv(a, w, y, n0, n1, opt, k);
            return;
        }
        const std::size_t mr = static_cast<std::size_t>(k.mr),
                          nr = static_cast<std::size_t>(!a.int8_ && k.f32_nr != 0 ? k.f32_nr : k.nr);
        const bool grouped = l.groups != 0;
        const std::size_t chunks = l.chunks(), cpg = grouped ? l.group_size / l.lane : 0;
        AlignedBuffer<std::int32_t> outi(a.int8_ ? mr * nr * (grouped ? chunks : 1) : 0);
        AlignedBuffer<float> outf(a.int8_ ? 0 : mr * nr * (grouped ? chunks : 1));
        std::vector<float> c(l.groups);
        const AddTileFn tile = a.int8_ ? k.dot_i8 : k.dot_f32;
        const std::size_t per_out = grouped ? chunks : 1;
        for (std::size_t nb = n0; nb < n1; nb += block_rows) {
            const std::size_t nb_end = std::min(n1, nb + block_rows);
            for (std::size_t m = 0; m < a.rows_; m += mr) {
                const std::size_t mm = std::min(mr, a.rows_ - m);
                for (std::size_t n = nb, nn = 0; n < nb_end; n += nn) {
                    // A tile's rows lie in one panel (64 bytes apart).
                    nn = std::min({nr, nb_end - n, l.panel - n % l.panel});
                    // Fetch the rows `prefetch_rows` ahead (M = 1 through the tiles).
                    if (m == 0 && n % l.panel == 0)
                        prefetch(w, n + prefetch_rows, std::min(n + prefetch_rows + l.panel, n1));
                    AddTileArgs t;
                    t.x = a.int8_ ? static_cast<const void*>(a.xi_.data() + m * a.stride_)
                                  : static_cast<const void*>(a.xf_.data() + m * a.stride_);
                    t.x_stride = a.stride_;
                    t.w = w.row(n);
                    t.w_stride = 64;
                    t.row0 = n % l.panel;
                    t.steps = l.steps;
                    t.flush = grouped ? l.flush_steps() : 0;
                    t.out = a.int8_ ? static_cast<void*>(outi.data()) : static_cast<void*>(outf.data());
                    t.out_m = nr * per_out;
                    t.out_n = per_out;
                    t.m = static_cast<int>(mm);
                    t.n = static_cast<int>(nn);
                    tile(l, t);
                    for (std::size_t i = 0; i < mm; ++i)
                        for (std::size_t j = 0; j < nn; ++j)
                            y(m + i, n + j) = epilogue<Out>(a, w, m + i, n + j, opt, k, c, cpg,
                                                            outi.data() + (i * nr + j) * per_out,
                                                            outf.data() + (i * nr + j) * per_out);
                }
            }
            add_row_terms(opt, y, nb, nb_end);
        }
    }


    /// GEMV (M = 1, int8, dot-product form): the rows kernel over [n0, n1) in slices of
    /// `gemv_slice` rows (its output stays in L1), then the per-row scale, zero term and bias
    /// (AddKernels::gemv_out; the row terms come from the panels the kernel just streamed).
    static constexpr std::size_t gemv_slice = 512;

    template <class Out>
    static void run_gemv(const AddActivations& a, const AddWeights& w, MatrixView<Out> y, std::size_t n0,
                         std::size_t n1, const AddOptions& opt, const AddKernels& k) {
        const AddLayout& l = w.layout();
        const bool grouped = l.groups != 0;
        std::int32_t* oi = detail::thread_scratch<detail::ScratchUse::gemv_out, std::int32_t>(gemv_slice);
        float* of = detail::thread_scratch<detail::ScratchUse::gemv_out, float>(gemv_slice);
        const long long xsum = a.sum_i_[0];
        // The epilogue's terms that do not change from slice to slice.
        GemvOutArgs e;
        e.xscale = a.scale_[0];
        if (!grouped) {
            e.rs = !w.row_scale().empty();
            e.rz = !w.row_zero_term().empty();
            e.terms_stride = l.panel_bytes();
            e.q_mul = static_cast<double>(l.q_mul);
            e.qa = static_cast<double>(l.q_add * xsum);
            e.fx = static_cast<float>(xsum);
        }
        for (std::size_t s0 = n0; s0 < n1; s0 += gemv_slice) {
            const std::size_t rows = std::min(gemv_slice, n1 - s0);
            AddRowsArgs r;
            r.x = a.xi_.data();
            r.xs = a.group_sum_.data();
            r.w = w.data();
            r.first = s0;
            r.rows = rows;
            r.out_i = grouped ? nullptr : oi;
            r.out_f = grouped ? of : nullptr;
            if (l.codes == AddCodes::base3 && a.rows_ == 1 && a.xu_.size() >= l.kp && !w.code_sums().empty()) {
                r.xu = a.xu_.data();
                r.qsum = w.code_sums().data();
            }
            k.gemv_i8(l, r);
            Out* yr = &y(0, s0);
            if constexpr (std::is_same_v<Out, std::int32_t>) {
                const long long qa = l.q_add * xsum;
                for (std::size_t j = 0; j < rows; ++j)
                    yr[j] = static_cast<std::int32_t>(l.q_mul * static_cast<long long>(oi[j]) + qa);
            } else {
                e.vi = grouped ? nullptr : oi;
                e.vf = grouped ? of : nullptr;
                e.bias = opt.bias.empty() ? nullptr : opt.bias.data() + s0;
                if (!grouped) {
                    // pack_add stores the terms block whenever the weights have row terms.
                    e.terms = l.term_bytes != 0 ? w.data() + l.terms_offset(s0) : nullptr;
                    e.row0 = s0 % l.panel;
                }
                k.gemv_out(rows, e, yr);
            }
            add_row_terms(opt, y, s0, s0 + rows);
        }
    }

    template <class Out>
    static Out epilogue(const AddActivations& a, const AddWeights& w, std::size_t m, std::size_t n,
                        const AddOptions& opt, const AddKernels& k, std::vector<float>& c, std::size_t cpg,
                        const std::int32_t* di, const float* df) {
        const AddLayout& l = w.layout();
        if constexpr (std::is_same_v<Out, std::int32_t>) {
            return static_cast<std::int32_t>(l.q_mul * static_cast<long long>(di[0]) + l.q_add * a.sum_i_[m]);
        } else {
            const float bias = opt.bias.empty() ? 0.0f : opt.bias[n];
            if (l.groups != 0) {
                for (std::size_t g = 0; g < l.groups; ++g) {
                    if (a.int8_) {
                        std::int32_t s = 0;
                        for (std::size_t i = 0; i < cpg; ++i) s += di[g * cpg + i];
                        c[g] = static_cast<float>(s);
                    } else {
                        float s = 0;
                        for (std::size_t i = 0; i < cpg; ++i) s += df[g * cpg + i];
                        c[g] = s;
                    }
                }
                // The row's metadata blocks, contiguous (they are interleaved in the panel).
                const auto* row = w.row(n);
                std::uint16_t* meta = detail::thread_scratch<detail::ScratchUse::row_meta, std::uint16_t>(l.meta_bytes / 2);
                for (std::size_t b = 0; b < l.meta_bytes; b += 64)
                    std::memcpy(reinterpret_cast<std::uint8_t*>(meta) + b, row + l.phys(b), 64);
                const float v = k.groups(c.data(), meta + l.scale_offset() / 2, meta + l.zero_offset() / 2,
                                         a.group_sum_.data() + m * l.groups, l.groups);
                return a.scale_[m] * v + bias;
            }
            const float rs = w.row_scale().empty() ? 1.0f : w.row_scale()[n];
            const float rz = w.row_zero_term().empty() ? 0.0f : w.row_zero_term()[n];
            if (a.int8_) {
                const long long d = l.q_mul * static_cast<long long>(di[0]) + l.q_add * a.sum_i_[m];
                return a.scale_[m] * (rs * static_cast<float>(d) + rz * static_cast<float>(a.sum_i_[m])) + bias;
            }
            const float d = static_cast<float>(l.q_mul) * df[0] + static_cast<float>(l.q_add) * a.sum_f_[m];
            return rs * d + rz * a.sum_f_[m] + bias;
        }
    }

    template <class Out>
    static void parallel(const AddActivations& a, const AddWeights& w, MatrixView<Out> y, const AddOptions& opt) {
        if (a.rows_ == 0 || w.rows() == 0) return;
        const AddKernels& k = active_kernels<AddKernels>();
        parallel_for(
            w.rows(), 16, [&](std::size_t n0, std::size_t n1) { run(a, w, y, n0, n1, opt, k); }, pool_of(opt.pool));
    }
};

}  // namespace detail

BITLA_END_NAMESPACE
