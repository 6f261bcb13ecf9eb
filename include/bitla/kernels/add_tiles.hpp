// bitla/kernels/add_tiles.hpp — the add-only tile kernels (dot_i8, dot_f32 of kernels/add_kernels.hpp),
// written once over an ISA's primitives. An ISA supplies `Ops` (kernels/<isa>/add_ops.hpp):
//
//   using arch                       the ISA tag (fallbacks are GenericAdd<arch>)
//   using step                       64 bytes: one step of codes or of int8 activations
//   using acc                        16 int32 dword lanes of one (activation, weight) row pair
//                                    (and the ISA's narrower staging, if any)
//   using facc                       64 float lanes (dot_f32), float p of a step in lane p
//   using consts                     the decoders' constants, built once per tile
//   mr, nr                           the driver's int8 tile (<= 4 x 4): the largest the
//                                    registers hold, or the ISA's own tile's
//   shared_mr, shared_nr  (optional) the largest shared tile, where Ops::tile is larger
//   tile<C>(l, a)         (optional) the ISA's own tile for tile args a; false where it has
//                                    none for that case (then the shared tiles run)
//   settle_steps                     steps `dot` may stage before `settle` (0: never staged)
//   load(p)                          64 code bytes at p (64-byte aligned)
//   load_x(p)                        64 activations at p
//   splat(b)                         b in every byte
//   bits(k, c, bit)                  min(c & bit, 1) per byte
//   code2(k, c, s)                   (c >> 2s) & 3 per byte, s < 4
//   trit(k, c)                       the leading trit of each byte (0, 1, 2); c = 3c mod 256
//   trits2(k, c, q0, q1)  (optional) two trits at once; c = 9c mod 256
//   planes_ok(l), plane(l, w, t)     n-bit planes: whether the ISA decodes them, and step t's
//                                    codes of the row at w (else GenericAdd's kernel)
//   zero(), dot(a, q, x)             a = 0; a += u8 q · s8 x, 4 bytes per dword lane
//   settle(a)                        staged sums into the dword lanes (before reading a)
//   store(out, a), hsum(a)           the 16 lanes to out; their sum
//   fzero(), fclear(a)               a zero facc; a's lanes set to zero one by one
//   fdot(a, q, x)                    a[p] += float(q[p]) · x[p], p < 64
//   fstore(out, a), fhsum(a)         16 chunk sums (lanes 4c .. 4c+3) to out; all 64 summed
//   fpair<C>(l, a, i, j)  (optional) the ISA's own dot_f32 pair kernel; false where it has
//                                    none for that case
//   ftile(l, a)           (optional) the ISA's own dot_f32 for a whole tile; false likewise
//
// The drivers pass whole tiles of one panel (no edges: padding is theirs); a tile's sums
// are exact for int8 (the drivers bound K) and bit-identical to GenericAdd's.
#pragma once

#include <cstddef>
#include <cstdint>

#include "add_kernels.hpp"
#include "add_steps.hpp"
#include "generic/add.hpp"
#include "unrolled.hpp"

BITLA_BEGIN_NAMESPACE
namespace kernels {

template <class Ops>
struct AddTiles {
    using Arch = typename Ops::arch;

    /// MR activation rows x NR weight rows of one panel over `steps` steps. After every `per`
    /// steps (a superblock; 0: never) flush(i, j, acc) receives the 16 dword lanes of each
    /// pair, and after the last step finish(i, j, acc) those since the last flush;
    /// prefetch(t) runs before step t is computed.
    template <AddCodes C, int MR, int NR, class Flush, class Finish, class Prefetch>
    static BITLA_ALWAYS_INLINE void sweep(const AddLayout& l, const std::int8_t* x, std::size_t x_stride,
                                          const std::uint8_t* const (&w)[std::size_t{NR}], std::size_t row0, std::size_t steps,
                                          std::size_t per, Flush&& flush, Finish&& finish, Prefetch&& prefetch) {
        // Every loop over the tile is unrolled at compile time: a pair index known only at
        // run time keeps the accumulator array in memory.
        typename Ops::acc a[std::size_t{MR}][std::size_t{NR}];
        const auto each = [&](auto&& f) __attribute__((always_inline)) {
            unrolled<MR>([&](auto i) __attribute__((always_inline)) {
                unrolled<NR>([&](auto j) __attribute__((always_inline)) { f(i, j); });
            });
        };
        each([&](auto i, auto j) __attribute__((always_inline)) { a[i][j] = Ops::zero(); });
        std::size_t since = 0, in_block = 0;
        for_each_step<Ops, C, NR>(l, w, row0, steps, [&](std::size_t t, const typename Ops::step (&q)[std::size_t{NR}])
                                                         __attribute__((always_inline)) {
            prefetch(t);
            unrolled<MR>([&](auto i) __attribute__((always_inline)) {
                const typename Ops::step xv = Ops::load_x(x + static_cast<std::size_t>(i) * x_stride + 64 * t);
                unrolled<NR>([&](auto j) __attribute__((always_inline)) { Ops::dot(a[i][j], q[j], xv); });
            });
            if constexpr (Ops::settle_steps != 0) {
                if (++since == Ops::settle_steps) {
                    each([&](auto i, auto j) __attribute__((always_inline)) { Ops::settle(a[i][j]); });
                    since = 0;
                }
            }
            if (per != 0 && ++in_block == per) {
                each([&](auto i, auto j) __attribute__((always_inline)) {
                    Ops::settle(a[i][j]);
                    flush(int{i}, int{j}, a[i][j]);
                    a[i][j] = Ops::zero();
                });
                in_block = 0;
            }
        });
        each([&](auto i, auto j) __attribute__((always_inline)) {
            Ops::settle(a[i][j]);
            finish(int{i}, int{j}, a[i][j]);
        });
    }

    template <AddCodes C, int MR, int NR>
    static void dot_tile(const AddLayout& l, const AddTileArgs& a) noexcept {
        const std::uint8_t* w[std::size_t{NR}];
        for (int j = 0; j < NR; ++j) w[j] = a.w + static_cast<std::size_t>(j) * a.w_stride;
        auto* out = static_cast<std::int32_t*>(a.out);
        std::size_t block = 0;
        const auto at = [&](int i, int j) __attribute__((always_inline)) {
            return out + static_cast<std::size_t>(i) * a.out_m + static_cast<std::size_t>(j) * a.out_n;
        };
        sweep<C, MR, NR>(
            l, static_cast<const std::int8_t*>(a.x), a.x_stride, w, a.row0, a.steps, a.flush,
            [&](int i, int j, const typename Ops::acc& s) __attribute__((always_inline)) {
                Ops::store(at(i, j) + 16 * block, s);
                if (i == MR - 1 && j == NR - 1) ++block;
            },
            [&](int i, int j, const typename Ops::acc& s) __attribute__((always_inline)) {
                if (a.flush == 0) *at(i, j) = Ops::hsum(s);
            },
            [](std::size_t) {});
    }

    /// Calls Fn<M, N>() for the tile size of `a` (m <= MaxM, n <= MaxN, both <= 4).
    template <int MaxM, int MaxN, class Fn>
    static BITLA_ALWAYS_INLINE void by_size(const AddTileArgs& a, Fn&& fn) {
        static_assert(MaxM <= 4 && MaxN <= 4);
        const auto row = [&]<int M>() __attribute__((always_inline)) {
            switch (a.n) {
                case 1: return fn.template operator()<M, 1>();
                case 2: if constexpr (MaxN >= 2) return fn.template operator()<M, 2>(); else return;
                case 3: if constexpr (MaxN >= 3) return fn.template operator()<M, 3>(); else return;
                default: if constexpr (MaxN >= 4) return fn.template operator()<M, 4>(); else return;
            }
        };
        switch (a.m) {
            case 1: return row.template operator()<1>();
            case 2: if constexpr (MaxM >= 2) return row.template operator()<2>(); else return;
            case 3: if constexpr (MaxM >= 3) return row.template operator()<3>(); else return;
            default: if constexpr (MaxM >= 4) return row.template operator()<4>(); else return;
        }
    }

    /// The largest tile sweep() computes: Ops::mr x Ops::nr, or shared_mr x shared_nr where
    /// the ISA's own tile (Ops::tile) is larger than what the shared one fits in registers.
    static constexpr int smr = [] {
        if constexpr (requires { Ops::shared_mr; }) return Ops::shared_mr; else return Ops::mr;
    }();
    static constexpr int snr = [] {
        if constexpr (requires { Ops::shared_nr; }) return Ops::shared_nr; else return Ops::nr;
    }();

    template <AddCodes C>
    static void dot_sized(const AddLayout& l, const AddTileArgs& a) noexcept {
        if constexpr (requires { Ops::template tile<C>(l, a); })
            if (Ops::template tile<C>(l, a)) return;
        if (a.m <= smr && a.n <= snr)
            return by_size<smr, snr>(a, [&]<int M, int N>() { dot_tile<C, M, N>(l, a); });
        // A driver tile larger than the shared one: in shared tiles.
        for (int i0 = 0; i0 < a.m; i0 += smr)
            for (int j0 = 0; j0 < a.n; j0 += snr) {
                AddTileArgs b = a;
                b.x = static_cast<const std::int8_t*>(a.x) + static_cast<std::size_t>(i0) * a.x_stride;
                b.w = a.w + static_cast<std::size_t>(j0) * a.w_stride;
                b.row0 = a.row0 + static_cast<std::size_t>(j0);
                b.out = static_cast<std::int32_t*>(a.out) + static_cast<std::size_t>(i0) * a.out_m +
                        static_cast<std::size_t>(j0) * a.out_n;
                b.m = a.m - i0 < smr ? a.m - i0 : smr;
                b.n = a.n - j0 < snr ? a.n - j0 : snr;
                by_size<smr, snr>(b, [&]<int M, int N>() { dot_tile<C, M, N>(l, b); });
            }
    }

    static void dot_i8(const AddLayout& l, const AddTileArgs& a) noexcept {
        switch (l.codes) {
            case AddCodes::bits: return dot_sized<AddCodes::bits>(l, a);
            case AddCodes::code2: return dot_sized<AddCodes::code2>(l, a);
            case AddCodes::base3: return dot_sized<AddCodes::base3>(l, a);
            case AddCodes::planes:
                if constexpr (requires { Ops::plane(l, a.w, std::size_t{}); })
                    if (Ops::planes_ok(l)) return dot_sized<AddCodes::planes>(l, a);
                return GenericAdd<Arch>::dot_i8(l, a);
        }
    }

    // ---- dot_f32: one activation row against one weight row at a time (the decoding is
    // cheap next to the 64 float multiply-adds of a step) ----------------------------------

    template <AddCodes C>
    static void f32_pair(const AddLayout& l, const AddTileArgs& a, int i, int j) noexcept {
        if constexpr (requires { Ops::template fpair<C>(l, a, i, j); })
            if (Ops::template fpair<C>(l, a, i, j)) return;
        const float* x = static_cast<const float*>(a.x) + static_cast<std::size_t>(i) * a.x_stride;
        float* out = static_cast<float*>(a.out) + static_cast<std::size_t>(i) * a.out_m + static_cast<std::size_t>(j) * a.out_n;
        const std::uint8_t* w[1] = {a.w + static_cast<std::size_t>(j) * a.w_stride};
        typename Ops::facc acc = Ops::fzero();
        std::size_t since = 0, block = 0;
        for_each_step<Ops, C, 1, true>(l, w, a.row0 + static_cast<std::size_t>(j), a.steps,
                                 [&](std::size_t t, const typename Ops::step (&q)[1]) __attribute__((always_inline)) {
                                     Ops::fdot(acc, q[0], x + 64 * t);
                                     if (a.flush != 0 && ++since == a.flush) {
                                         Ops::fstore(out + 16 * block++, acc);
                                         Ops::fclear(acc);
                                         since = 0;
                                     }
                                 });
        if (a.flush == 0) *out = Ops::fhsum(acc);
    }

    static void dot_f32(const AddLayout& l, const AddTileArgs& a) noexcept {
        if (l.codes == AddCodes::planes) return GenericAdd<Arch>::dot_f32(l, a);
        if constexpr (requires { Ops::ftile(l, a); })
            if (Ops::ftile(l, a)) return;
        for (int i = 0; i < a.m; ++i)
            for (int j = 0; j < a.n; ++j) {
                switch (l.codes) {
                    case AddCodes::bits: f32_pair<AddCodes::bits>(l, a, i, j); break;
                    case AddCodes::code2: f32_pair<AddCodes::code2>(l, a, i, j); break;
                    case AddCodes::base3: f32_pair<AddCodes::base3>(l, a, i, j); break;
                    case AddCodes::planes: break;
                }
            }
    }
};

}  // namespace kernels
BITLA_END_NAMESPACE
