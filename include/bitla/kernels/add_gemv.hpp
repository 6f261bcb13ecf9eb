// bitla/kernels/add_gemv.hpp — the GEMV rows kernel (gemv_i8 of kernels/add_kernels.hpp)
// composed once from the tiles of kernels/add_tiles.hpp. Besides the tile primitives, Ops
// supplies the grouped epilogue:
//
//   using gacc                       float accumulator of one row's scaled group sums
//   gzero(), ghsum(y)                y = 0; the sum of y's lanes
//   group(y, a, s, u, xs)            y += Σ_{i<16} a[i]·half(s[i]) + half(u[i])·xs[i]
//   prefetch_bytes                   how far ahead of a panel tile its storage is prefetched
//   panel<C>(l, r, n)  (optional)    rows n .. n+7, a whole panel, by the ISA's own kernel;
//                                    false where it has none for that case
//
// Rows go two at a time within a panel (one at its odd end), the first tile of a panel
// prefetching the panel's code blocks ahead of the tile.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "add_tiles.hpp"

BITLA_BEGIN_NAMESPACE
namespace kernels {

template <class Ops>
struct AddGemv {
    using T = AddTiles<Ops>;

    /// Rows n .. n + NR - 1 (inside one panel). `stream`: prefetch the panel's storage ahead.
    template <AddCodes C, int NR>
    static BITLA_ALWAYS_INLINE void tile(const AddLayout& l, const AddRowsArgs& r, std::size_t n, bool stream) noexcept {
        const std::uint8_t* p0 = r.w + l.row_offset(n);
        const std::uint8_t* w[std::size_t{NR}];
        for (int j = 0; j < NR; ++j) w[j] = p0 + 64 * static_cast<std::size_t>(j);
        const bool grouped = r.out_f != nullptr;
        const std::size_t groups = l.groups;
        // Steps per 64-byte code block of a row: the prefetch walks one panel block per block
        // (bits: 8 steps' blocks of the panel, the same 512 bytes).
        constexpr std::size_t block_steps = C == AddCodes::bits ? 8 : C == AddCodes::code2 ? 4 : 5;
        const std::uint8_t* panel_code = r.w + l.row_offset(n - n % l.panel) + l.phys(l.code_offset());
        std::size_t next = stream ? 0 : l.steps;  // the next step that starts a code block
        const std::uint8_t* ahead = panel_code + Ops::prefetch_bytes;
        const auto prefetch = [&](std::size_t t) __attribute__((always_inline)) {
            if (t == next) {  // a compare, where t % 5 took a multiply-high and a branch per step
                for (int q = 0; q < 8; ++q) __builtin_prefetch(ahead + 64 * q, 0, 3);
                next += block_steps;
                ahead += l.block_stride();
            }
        };
        typename Ops::gacc y[std::size_t{NR}];
        for (auto& v : y) v = Ops::gzero();
        std::int32_t total[std::size_t{NR}] = {};
        std::size_t block[std::size_t{NR}] = {};
        T::template sweep<C, 1, NR>(
            l, r.x, 0, w, n % l.panel, l.steps, grouped ? l.flush_steps() : 0,
            [&](int, int j, const typename Ops::acc& a) __attribute__((always_inline)) {
                const std::size_t g0 = 16 * block[j]++;
                const std::uint8_t* row = w[j];
                // 16 fp16 values at a multiple of 32 bytes lie in one 64-byte block.
                const auto* s = reinterpret_cast<const std::uint16_t*>(row + l.phys(l.scale_offset() + 2 * g0));
                const auto* u = reinterpret_cast<const std::uint16_t*>(row + l.phys(l.zero_offset() + 2 * g0));
                const float* xs = r.xs + g0;
                if (g0 + 16 <= groups) return Ops::group(y[j], a, s, u, xs);
                // The last superblock of a row with fewer groups: zeros past the end.
                alignas(64) std::uint16_t s_tail[16] = {}, u_tail[16] = {};
                alignas(64) float xs_tail[16] = {};
                const std::size_t cnt = g0 < groups ? groups - g0 : 0;
                std::memcpy(s_tail, s, 2 * cnt);
                std::memcpy(u_tail, u, 2 * cnt);
                std::memcpy(xs_tail, xs, 4 * cnt);
                Ops::group(y[j], a, s_tail, u_tail, xs_tail);
            },
            [&](int, int j, const typename Ops::acc& a) __attribute__((always_inline)) {
                if (!grouped) total[j] = Ops::hsum(a);
            },
            prefetch);
        for (int j = 0; j < NR; ++j) {
            const std::size_t o = n - r.first + static_cast<std::size_t>(j);
            if (grouped) r.out_f[o] = Ops::ghsum(y[j]);
            else r.out_i[o] = total[j];
        }
    }

    template <AddCodes C>
    static void rows(const AddLayout& l, const AddRowsArgs& r) noexcept {
        const std::size_t end = r.first + r.rows;
        for (std::size_t n = r.first; n < end;) {
            const bool first_of_panel = n % l.panel == 0;
            if constexpr (requires { Ops::template panel<C>(l, r, n); }) {
                if (first_of_panel && n + 8 <= end && Ops::template panel<C>(l, r, n)) {
                    n += 8;
                    continue;
                }
            }
            if (n + 2 <= end && (n + 1) % l.panel != 0) {
                tile<C, 2>(l, r, n, first_of_panel);
                n += 2;
            } else {
                tile<C, 1>(l, r, n, first_of_panel);
                n += 1;
            }
        }
    }

    static void gemv_i8(const AddLayout& l, const AddRowsArgs& r) noexcept {
        switch (l.codes) {
            case AddCodes::bits: return rows<AddCodes::bits>(l, r);
            case AddCodes::code2: return rows<AddCodes::code2>(l, r);
            case AddCodes::base3: return rows<AddCodes::base3>(l, r);
            case AddCodes::planes: return GenericAdd<typename Ops::arch>::gemv_i8(l, r);  // not gemv_supported
        }
    }
};

}  // namespace kernels
BITLA_END_NAMESPACE
