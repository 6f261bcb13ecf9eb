// bitla/kernels/generic/add.hpp — the add-only tile kernels in plain C++20: the oracle the
// SIMD kernels are checked against bit for bit (int8), and the fallback every ISA may use
// for what it does not accelerate. Templated on the ISA tag so each translation unit's
// copy is its own symbol (kernels/instantiate.hpp).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "../../core/add_layout.hpp"
#include "../add_kernels.hpp"
#include "../../core/ternary_base3.hpp"

BITLA_BEGIN_NAMESPACE
namespace kernels {

template <class Arch>
struct GenericAdd {
    /// The code of byte p of step T of one packed row (w: the row's pointer, r: its row
    /// within its panel, which bits codes need: they are stored per panel).
    static int code(const AddLayout& l, const std::uint8_t* w, std::size_t r, std::size_t t, std::size_t p) noexcept {
        const auto at = [&](std::size_t o) { return w[l.phys(l.code_offset() + o)]; };
        switch (l.codes) {
            case AddCodes::bits: return (w[l.bits_block(r, t) + static_cast<std::ptrdiff_t>(p)] >> r) & 1;
            case AddCodes::code2: return (at(64 * (t / 4) + p) >> (2 * (t % 4))) & 3;
            case AddCodes::base3: return base3::trit(at(64 * (t / 5) + p), static_cast<int>(t % 5));
            case AddCodes::planes: {
                const std::size_t nb = static_cast<std::size_t>(l.bits);
                int q = 0;
                for (std::size_t i = 0; i < nb; ++i) q |= ((at(8 * nb * t + 8 * i + p / 8) >> (p % 8)) & 1) << i;
                return q;
            }
        }
        return 0;
    }

    template <class T, class Acc>
    static void tile(const AddLayout& l, const AddTileArgs& a) noexcept {
        const T* x = static_cast<const T*>(a.x);
        Acc* out = static_cast<Acc*>(a.out);
        for (int i = 0; i < a.m; ++i)
            for (int j = 0; j < a.n; ++j) {
                const T* xi = x + static_cast<std::size_t>(i) * a.x_stride;
                const std::uint8_t* wj = a.w + static_cast<std::size_t>(j) * a.w_stride;
                const std::size_t rj = a.row0 + static_cast<std::size_t>(j);
                Acc* o = out + static_cast<std::size_t>(i) * a.out_m + static_cast<std::size_t>(j) * a.out_n;
                Acc lanes[16] = {};
                std::size_t since = 0, block = 0;
                for (std::size_t t = 0; t < a.steps; ++t) {
                    for (std::size_t p = 0; p < 64; ++p) {
                        const int q = code(l, wj, rj, t, p);
                        if (q != 0) lanes[p / 4] += static_cast<Acc>(q) * static_cast<Acc>(xi[64 * t + p]);
                    }
                    if (a.flush != 0 && ++since == a.flush) {
                        for (int s = 0; s < 16; ++s) o[16 * block + static_cast<std::size_t>(s)] = lanes[s];
                        std::memset(lanes, 0, sizeof lanes);
                        since = 0;
                        ++block;
                    }
                }
                if (a.flush == 0) {
                    Acc s = 0;
                    for (Acc v : lanes) s += v;
                    *o = s;
                }
            }
    }

    static void dot_i8(const AddLayout& l, const AddTileArgs& a) noexcept { tile<std::int8_t, std::int32_t>(l, a); }
    static void dot_f32(const AddLayout& l, const AddTileArgs& a) noexcept { tile<float, float>(l, a); }

    static std::uint16_t meta(const AddLayout& l, const std::uint8_t* row, std::size_t offset, std::size_t g) noexcept {
        std::uint16_t h;
        std::memcpy(&h, row + l.phys(offset + 2 * g), 2);
        return h;
    }

    /// GEMV rows (kernels/add_kernels.hpp, AddRowsArgs): per row, the 16 lane sums of each
    /// superblock, then (grouped) s'·c + u'·xs for its 16 groups.
    static void gemv_i8(const AddLayout& l, const AddRowsArgs& r) noexcept {
        const bool grouped = r.out_f != nullptr;
        const std::size_t per = grouped ? l.flush_steps() : l.steps;
        for (std::size_t n = 0; n < r.rows; ++n) {
            const std::uint8_t* w = r.w + l.row_offset(r.first + n);
            float y = 0;
            std::int32_t total = 0;
            for (std::size_t s0 = 0, b = 0; s0 < l.steps; s0 += per, ++b) {
                std::int32_t lanes[16] = {};
                for (std::size_t t = s0; t < s0 + per; ++t)
                    for (std::size_t p = 0; p < 64; ++p) {
                        const int q = code(l, w, (r.first + n) % l.panel, t, p);
                        if (q != 0) lanes[p / 4] += q * r.x[64 * t + p];
                    }
                if (!grouped) {
                    for (std::int32_t v : lanes) total += v;
                    continue;
                }
                for (std::size_t i = 0; i < 16 && 16 * b + i < l.groups; ++i) {
                    const std::size_t g = 16 * b + i;
                    y += static_cast<float>(lanes[i]) * detail::half_to_float(meta(l, w, l.scale_offset(), g)) +
                         detail::half_to_float(meta(l, w, l.zero_offset(), g)) * r.xs[g];
                }
            }
            if (grouped) r.out_f[n] = y;
            else r.out_i[n] = total;
        }
    }

    /// GEMV's per-row epilogue (kernels/add_kernels.hpp, GemvOutArgs): 8 rows of a panel at a time,
    /// one loop per combination of terms, so each is branch-free (a single loop with
    /// `bias ? bias[j] : 0` selects cost 4 cycles a row at baseline flags and 16 with
    /// AVX-512: GCC made the selects masked loads from the null pointer, a microcode assist
    /// per vector).
    static void gemv_out(std::size_t rows, const GemvOutArgs& a, float* y) noexcept {
        if (a.vf != nullptr) {
            for_out_blocks(rows, a, y, [&](const GemvOutArgs& b, float* out) {
                for (std::size_t i = 0; i < 8; ++i) out[i] = a.xscale * b.vf[i];
                if (b.bias != nullptr)
                    for (std::size_t i = 0; i < 8; ++i) out[i] += b.bias[i];
            });
            return;
        }
        with_out_terms(a, [&]<bool Rs, bool Rz, bool Bias>() {
            for_out_blocks(rows, a, y, [&](const GemvOutArgs& b, float* out) {
                float rs[8], rz[8];
                if (Rs) std::memcpy(rs, b.terms, 32);
                if (Rz) std::memcpy(rz, b.terms + 32, 32);
                for (std::size_t i = 0; i < 8; ++i) {
                    // d = q_mul·v + q_add·Σx is exact in double: one rounding to float.
                    const float d = static_cast<float>(a.q_mul * static_cast<double>(b.vi[i]) + a.qa);
                    float t = d;
                    if constexpr (Rs) t = rs[i] * d;
                    if constexpr (Rz) t = t + rz[i] * a.fx;
                    t = a.xscale * t;
                    if constexpr (Bias) t = t + b.bias[i];
                    out[i] = t;
                }
            });
        });
    }

    static float groups(const float* c, const std::uint16_t* s, const std::uint16_t* u, const float* xs,
                        std::size_t groups) noexcept {
        float y = 0;
        for (std::size_t g = 0; g < groups; ++g)
            y += detail::half_to_float(s[g]) * c[g] + detail::half_to_float(u[g]) * xs[g];
        return y;
    }
};

template <class Arch>
AddKernels add_family(arch::generic, pick) noexcept {
    using G = GenericAdd<Arch>;
    return {&G::dot_i8, &G::dot_f32, &G::groups, 4, 4, &G::gemv_i8, &G::gemv_out};
}

}  // namespace kernels
BITLA_END_NAMESPACE
