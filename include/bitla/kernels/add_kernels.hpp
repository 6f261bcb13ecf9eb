// bitla/kernels/add_kernels.hpp — `AddKernels`: the microkernels of the add-only products
// (binary, ternary and n-bit weights times int8 or float activations), one set per ISA,
// and their arguments. kernels/add.hpp gathers the ISAs' sets; kernels/add_tiles.hpp
// writes the tiles once over an ISA's primitives.
//
// Contract of a tile kernel (BLIS discipline: a full tile from packed operands, no edges
// beyond m <= mr and n <= nr, no scaling, no allocation, no checks):
//
//     for each i < m (activation row), j < n (weight row):
//         flush == 0:  out[i·out_m + j·out_n] = Σ_{T < steps} Σ_p q_j(T, p) · x_i(T, p)
//         flush  > 0:  after every `flush` steps (a superblock, see core/add_layout.hpp),
//                      the 16 dword-lane sums go to out[i·out_m + j·out_n + 16·s + l],
//                      s the superblock index: one sum per `lane`-wide chunk of K.
//
// x_i(T, p) is byte (int8) or float p of step T of activation row i, permuted into step
// order by the driver (x + i·x_stride elements); q_j(T, p) is the code of weight row j in
// the layout's format: its logical row byte o is at w + j·w_stride + l.phys(o) (rows of a
// tile lie in one panel, core/add_layout.hpp: w_stride = 64), except bits codes, which
// are stored per panel: bit row0 + j of the block at w + j·w_stride + l.bits_block(row0 + j,
// T). int8 sums are int32 and exact (the driver bounds K); float sums are float, in an order
// each ISA chooses.
//
//   dot_i8   u8·s8 dot products: vpdpbusd (VNNI) or vpmaddubsw + vpmaddwd
//   dot_f32  float activations: codes times floats, fp32 accumulation (AVX-512: 1 x 4 tiles
//            at m = 1 and 2 x 2 pieces above, x added under the code masks (bits) or codes
//            widened to floats and multiplied in; AVX2: row by row, codes widened to floats;
//            n-bit planes on AVX2 use the generic kernel)
//   mr, nr   the driver's tile for dot_i8 (and dot_f32 unless f32_nr is set)
//   f32_nr   the driver's tile width for dot_f32 (0: nr); 8 lets a tile be a whole panel
//   gemv_i8  one activation row against many weight rows (AddRowsArgs): GEMV's kernel,
//            with the grouped epilogue fused in (an exception to "no scaling inside" that
//            saves a pass over the chunk sums; everything else stays in the driver)
//   groups   y = Σ_g s[g]·c[g] + u[g]·xs[g] over `groups` groups (s, u fp16 from the row,
//            c the group sums as float, xs the activation's group sums): the grouped epilogue
//   gemv_out GEMV's per-row epilogue (GemvOutArgs): one slice of gemv_i8's sums to float y,
//            the row terms read from the panels' terms blocks the kernel just streamed
#pragma once

#include <cstddef>
#include <cstdint>

#include "select.hpp"
#include "../core/add_layout.hpp"

BITLA_BEGIN_NAMESPACE

struct AddTileArgs {
    const void* x = nullptr;        ///< permuted activations: int8_t or float
    std::size_t x_stride = 0;       ///< elements between activation rows
    const std::uint8_t* w = nullptr; ///< the tile's first weight row (AddWeights::row)
    std::size_t w_stride = 0;       ///< bytes between weight rows (64: one panel)
    std::size_t row0 = 0;           ///< w's row within its panel (bits codes: row j's code bit is row0 + j)
    std::size_t steps = 0;          ///< steps to sum (the whole padded row)
    std::size_t flush = 0;          ///< steps per superblock, or 0 for one sum per (i, j)
    void* out = nullptr;            ///< int32_t (int8 kernels) or float (dot_f32)
    std::size_t out_m = 0, out_n = 0;
    int m = 0, n = 0;               ///< tile size: 1 <= m <= mr, 1 <= n <= nr
};

/// One activation row (GEMV) against `rows` consecutive weight rows, int8, dot-product form.
/// Used only where `gemv_supported(layout)`; the kernel walks the rows in its own tiles (a
/// whole panel where it can) and prefetches the storage ahead of the tile it computes (one
/// long stream: a panel's rows are interleaved in the order a tile reads them).
///   ungrouped (out_i):   out_i[r] = Σ_{T, p} q_r(T, p) · x(T, p)         exact int32
///   grouped   (out_f):   out_f[r] = Σ_g s'[g]·c[g] + u'[g]·xs[g]          float, fused at each
///                        superblock flush, 16 groups at once (group_size == lane)
struct AddRowsArgs {
    const std::int8_t* x = nullptr;  ///< permuted activations (one row, kp bytes)
    const float* xs = nullptr;       ///< the activation's group sums (grouped), `groups` floats
    const std::uint8_t* w = nullptr; ///< the weights' storage (AddWeights::data): row n at l.row_offset(n)
    std::size_t first = 0;           ///< first weight row
    std::size_t rows = 0;            ///< rows first .. first + rows - 1 -> out[0 .. rows - 1]
    std::int32_t* out_i = nullptr;   ///< ungrouped: one exact sum per row
    float* out_f = nullptr;          ///< grouped: one float per row (before x_scale and bias)
    const std::uint8_t* xu = nullptr;     ///< base3: x + 128 as bytes (x ^ 0x80), kp bytes, else null
    const std::int32_t* qsum = nullptr;   ///< base3: Σ codes of each weight row (AddWeights::code_sums), else null
};

/// Layouts the GEMV rows kernel handles (else the driver uses the tile kernels with M = 1):
/// codes bits, code2 (lane >= 16, so a superblock is whole 64-byte code blocks) or base3;
/// no groups, or groups of exactly `lane` values (16 groups per superblock flush).
[[nodiscard]] constexpr bool gemv_supported(const AddLayout& l) noexcept {
    const bool codes = l.codes == AddCodes::bits || l.codes == AddCodes::base3 ||
                       (l.codes == AddCodes::code2 && l.lane >= 16);
    return codes && (l.groups == 0 || l.group_size == l.lane);
}

/// GEMV's per-row epilogue over one slice of the rows kernel's output (AddKernels::gemv_out):
///   ungrouped (vi):  y[j] = xscale·(rs_j·d + rz_j·fx) + bias[j],  d = q_mul·vi[j] + qa
///   grouped   (vf):  y[j] = xscale·vf[j] + bias[j]
/// d is exact in double (|d| < 2^53) and rounded to float once. rs_j, rz_j are row j's
/// terms in the storage (core/add_layout.hpp): floats at terms + 4·i and terms + 32 + 4·i
/// of its panel's block, i = (row0 + j) % 8, blocks `terms_stride` bytes apart, the first
/// at `terms`. Results are floats within rounding of that formula: each ISA may fuse
/// multiply-adds, but a row's result never depends on where its slice starts or ends.
struct GemvOutArgs {
    const std::int32_t* vi = nullptr;    ///< ungrouped: exact sums, or
    const float* vf = nullptr;           ///< grouped: the kernel's scaled sums
    const std::uint8_t* terms = nullptr; ///< y[0]'s panel's row-terms block (ungrouped with rs or rz)
    std::size_t terms_stride = 0;        ///< AddLayout::panel_bytes()
    std::size_t row0 = 0;                ///< y[0]'s row within its panel
    bool rs = false, rz = false;         ///< row scales / zero terms present
    const float* bias = nullptr;
    double q_mul = 1, qa = 0;
    float fx = 0, xscale = 1;
};

using AddTileFn = void (*)(const AddLayout&, const AddTileArgs&);
using AddRowsFn = void (*)(const AddLayout&, const AddRowsArgs&);
using AddOutFn = void (*)(std::size_t rows, const GemvOutArgs&, float* y);
using AddGroupFn = float (*)(const float* c, const std::uint16_t* s, const std::uint16_t* u, const float* xs,
                             std::size_t groups);

struct AddKernels {
    AddTileFn dot_i8 = nullptr;
    AddTileFn dot_f32 = nullptr;
    AddGroupFn groups = nullptr;
    int mr = 1, nr = 1;
    AddRowsFn gemv_i8 = nullptr;    ///< M = 1, int8, dot-product form (see AddRowsArgs)
    AddOutFn gemv_out = nullptr;    ///< GEMV's per-row epilogue (see GemvOutArgs)
    int f32_nr = 0;                 ///< dot_f32's tile width (0: nr)

    template <class Arch>
    static AddKernels make() noexcept;
};

namespace kernels {

/// Calls f.template operator()<Rs, Rz, Bias>() with the ungrouped terms `a` has: each
/// ISA's gemv_out loop is branch-free for its combination.
template <class F>
void with_out_terms(const GemvOutArgs& a, F&& f) {
    const int which = (a.rs ? 4 : 0) | (a.rz ? 2 : 0) | (a.bias != nullptr ? 1 : 0);
    switch (which) {
        case 0: return f.template operator()<false, false, false>();
        case 1: return f.template operator()<false, false, true>();
        case 2: return f.template operator()<false, true, false>();
        case 3: return f.template operator()<false, true, true>();
        case 4: return f.template operator()<true, false, false>();
        case 5: return f.template operator()<true, false, true>();
        case 6: return f.template operator()<true, true, false>();
        default: return f.template operator()<true, true, true>();
    }
}

/// Walks a gemv_out slice in blocks of 8 rows aligned to panels: block(p, out) with p a
/// GemvOutArgs whose vi / vf / bias and `out` hold 8 rows, lane i being row i of the panel
/// whose terms block is p.terms. A panel the slice covers only in part (its first or last)
/// goes through zero-padded copies, so every row runs the same lane arithmetic wherever
/// the slice starts or ends.
template <class Block>
void for_out_blocks(std::size_t rows, const GemvOutArgs& a, float* y, Block&& block) {
    GemvOutArgs p = a;
    const auto next_panel = [&] {
        if (p.terms != nullptr) p.terms += a.terms_stride;
    };
    const auto padded = [&](std::size_t j, std::size_t lo, std::size_t n) {
        alignas(32) std::int32_t vi[8] = {};
        alignas(32) float vf[8] = {}, bias[8] = {}, out[8] = {};
        for (std::size_t i = 0; i < n; ++i) {
            if (a.vi != nullptr) vi[lo + i] = a.vi[j + i];
            if (a.vf != nullptr) vf[lo + i] = a.vf[j + i];
            if (a.bias != nullptr) bias[lo + i] = a.bias[j + i];
        }
        GemvOutArgs q = p;
        q.vi = a.vi != nullptr ? vi : nullptr;
        q.vf = a.vf != nullptr ? vf : nullptr;
        q.bias = a.bias != nullptr ? bias : nullptr;
        block(q, out);
        for (std::size_t i = 0; i < n; ++i) y[j + i] = out[lo + i];
    };
    std::size_t j = 0;
    if (const std::size_t lo = a.row0 % 8; lo != 0) {
        j = rows < 8 - lo ? rows : 8 - lo;
        padded(0, lo, j);
        next_panel();
    }
    for (; j + 8 <= rows; j += 8) {
        p.vi = a.vi != nullptr ? a.vi + j : nullptr;
        p.vf = a.vf != nullptr ? a.vf + j : nullptr;
        p.bias = a.bias != nullptr ? a.bias + j : nullptr;
        block(p, y + j);
        next_panel();
    }
    if (j < rows) padded(j, 0, rows - j);
}

/// Calls piece(p) for the tile cut into pieces of at most 2 x 2 (X: the activations'
/// element type, Out: the output's), for kernels whose registers hold no larger tile.
template <class X, class Out, class Piece>
void for_2x2_pieces(const AddTileArgs& a, Piece&& piece) {
    for (int i = 0; i < a.m; i += 2)
        for (int j = 0; j < a.n; j += 2) {
            AddTileArgs p = a;
            p.m = a.m - i < 2 ? a.m - i : 2;
            p.n = a.n - j < 2 ? a.n - j : 2;
            p.x = static_cast<const X*>(a.x) + static_cast<std::size_t>(i) * a.x_stride;
            p.w = a.w + static_cast<std::size_t>(j) * a.w_stride;
            p.row0 = a.row0 + static_cast<std::size_t>(j);
            p.out = static_cast<Out*>(a.out) + static_cast<std::size_t>(i) * a.out_m + static_cast<std::size_t>(j) * a.out_n;
            piece(p);
        }
}
}  // namespace kernels

BITLA_END_NAMESPACE

