// bitla/kernels/add_steps.hpp — the step walker of the add-only tiles, written once over an
// ISA's primitives (the `AddOps` contract in kernels/add_tiles.hpp).
//
// for_each_step<Ops, C, NR> walks the steps of NR weight rows of one panel and hands each
// step's codes, decoded to 64 bytes per row (Ops::step), to step(t, q):
//   bits    the panel's step-t block (shared by its rows), the row's bit, min 1
//   code2   one 64-byte load per 4 steps, then (c >> 2s) & 3
//   base3   one 64-byte load per 5 steps, then the leading trit and c = 3c mod 256 (or,
//           where Ops has trits2, two trits and c = 9c mod 256)
//   planes  Ops::plane (only for ISAs whose Ops say `planes_ok`)
// Code blocks of a row are `block_stride()` apart (core/add_layout.hpp). The steps of a
// block are unrolled (constant shifts), unless Rolled: the fp32 tiles, bound by their float
// work, keep one copy of their step and its flush (a run-time shift per step instead).
#pragma once

#include <cstddef>
#include <cstdint>

#include "../core/add_layout.hpp"
#include "../core/config.hpp"
#include "unrolled.hpp"

BITLA_BEGIN_NAMESPACE
namespace kernels {

template <class Ops, AddCodes C, int NR, bool Rolled = false, class Step>
BITLA_ALWAYS_INLINE void for_each_step(const AddLayout& l, const std::uint8_t* const (&w)[std::size_t{NR}], std::size_t row0,
                                       std::size_t steps, Step&& step) {
    using S = typename Ops::step;
    const typename Ops::consts k;
    [[maybe_unused]] const std::size_t cp = l.phys(l.code_offset()), bs = l.block_stride();
    if constexpr (C == AddCodes::bits) {
        const std::uint8_t* panel = w[0] + l.bits_block(row0, 0);
        S bit[std::size_t{NR}];
        for (int j = 0; j < NR; ++j) bit[j] = Ops::splat(static_cast<std::uint8_t>(1u << (row0 + static_cast<std::size_t>(j))));
        for (std::size_t t = 0; t < steps; ++t) {
            const S c = Ops::load(panel + 64 * t);
            S q[std::size_t{NR}];
            unrolled<NR>([&](auto j) __attribute__((always_inline)) { q[j] = Ops::bits(k, c, bit[j]); });
            step(t, q);
        }
    } else if constexpr (C == AddCodes::planes) {
        for (std::size_t t = 0; t < steps; ++t) {
            S q[std::size_t{NR}];
            for (int j = 0; j < NR; ++j) q[j] = Ops::plane(l, w[j], t);
            step(t, q);
        }
    } else if constexpr (Rolled) {  // one step per iteration: step() is inlined once
        S c[std::size_t{NR}] = {};
        for (std::size_t t = 0; t < steps; ++t) {
            const std::size_t per = C == AddCodes::code2 ? 4 : 5, s = t % per;
            if (s == 0)
                for (int j = 0; j < NR; ++j) c[j] = Ops::load(w[j] + cp + t / per * bs);
            S q[std::size_t{NR}];
            for (int j = 0; j < NR; ++j) {
                if constexpr (C == AddCodes::code2) q[j] = Ops::code2(k, c[j], static_cast<unsigned>(s));
                else q[j] = Ops::trit(k, c[j]);
            }
            step(t, q);
        }
    } else if constexpr (C == AddCodes::code2) {
        for (std::size_t t0 = 0; t0 < steps; t0 += 4) {
            S c[std::size_t{NR}];
            for (int j = 0; j < NR; ++j) c[j] = Ops::load(w[j] + cp + t0 / 4 * bs);
            unrolled<4>([&](auto s) __attribute__((always_inline)) {
                if (t0 + std::size_t{s} >= steps) return;
                S q[std::size_t{NR}];
                unrolled<NR>([&](auto j) __attribute__((always_inline)) { q[j] = Ops::code2(k, c[j], unsigned{s}); });
                step(t0 + std::size_t{s}, q);
            });
        }
    } else {  // base3
        for (std::size_t t0 = 0, b = 0; t0 < steps; t0 += 5, ++b) {
            S c[std::size_t{NR}];
            for (int j = 0; j < NR; ++j) c[j] = Ops::load(w[j] + cp + b * bs);
            if constexpr (requires(S& v) { Ops::trits2(k, v, v, v); }) {  // two trits per decode
                unrolled<3>([&](auto h) __attribute__((always_inline)) {
                    const std::size_t t = t0 + 2 * std::size_t{h};
                    if (t >= steps) return;
                    S q[std::size_t{NR}], q1[std::size_t{NR}];
                    if constexpr (h == 2) {
                        unrolled<NR>([&](auto j) __attribute__((always_inline)) { q[j] = Ops::trit(k, c[j]); });
                    } else {
                        unrolled<NR>([&](auto j) __attribute__((always_inline)) { Ops::trits2(k, c[j], q[j], q1[j]); });
                    }
                    step(t, q);
                    if constexpr (h != 2)
                        if (t + 1 < steps) step(t + 1, q1);
                });
            } else {
                unrolled<5>([&](auto s) __attribute__((always_inline)) {
                    if (t0 + std::size_t{s} >= steps) return;
                    S q[std::size_t{NR}];
                    unrolled<NR>([&](auto j) __attribute__((always_inline)) { q[j] = Ops::trit(k, c[j]); });
                    step(t0 + std::size_t{s}, q);
                });
            }
        }
    }
}

}  // namespace kernels
BITLA_END_NAMESPACE
