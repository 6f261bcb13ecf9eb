// bitla/core/add_layout.hpp — the kernel-ready weight layout of the add-only products
// (gemm/add.hpp): what `pack_add` writes and what every kernels/<isa>/add.hpp reads.
//
// A packed row holds K weights as unsigned codes q in {0 .. qmax}; the weight value is
// w = q_mul·q + q_add (sign bits: 2q - 1; {0,1}: q; ternary: q - 1; n-bit Wq: q), so
//
//     x · w = q_mul · (x · q) + q_add · Σx          (exact in integers for int8 x)
//
// and kernels only ever compute u8·s8 (or masked) sums of x over codes.
//
// Steps and lanes. K is padded to `kp` (a multiple of 16·lane) and cut into steps of 64
// values: one 512-bit register of int8 activations, one dword lane per 4 values. Within a
// *superblock* of 16·lane values, dword lane l covers the `lane` consecutive values
// [l·lane, (l+1)·lane) of the superblock, step t of the superblock (t < lane/4) holding
// the values l·lane + 4t .. 4t+3 in bytes 4l .. 4l+3:
//
//     k(step T, byte p) = (T / (lane/4))·16·lane + (p/4)·lane + 4·(T % (lane/4)) + p % 4
//
// So a u8·s8 dot of a step (vpdpbusd) adds into dword lane l only values of one `lane`-wide
// chunk of K, and after each superblock the 16 dword lanes are 16 consecutive chunk sums
// (lane = the group size, or a divisor of it: group sums need no shuffles). Activations
// are permuted the same way once per call (`k_of`), padding with zeros.
//
// Codes of step T, at *logical* offsets of a row (its codes start at `code_offset()`):
//   bits    1 bit  one 64-byte block per step, shared by the panel's rows (below)
//   code2   2 bit  64 bytes per 4 steps at 64(T/4); bits 2j..2j+1 of byte p, j = T % 4
//   base3   1.6    64 bytes per 5 steps at 64(T/5); trit j = T % 5 of byte p (core/ternary_base3.hpp)
//   planes  n bit  8n bytes per step at 8nT; word i holds plane i (weight 2^i), bit p byte p
// Codes at padded k are 0. Grouped scales come first in the row (one stream per row):
// `groups` fp16 scales s'[g] = q_mul·s[g] at 0, then `groups` fp16 zero terms
// u'[g] = q_add·s[g] + u[g] at 2·groups rounded up to 32 (16 values at a multiple of 16
// never straddle a 64-byte block), padded to 64 bytes (`meta_bytes`), so
// y = Σ_g s'[g]·(x·q)_g + u'[g]·Σ_{k∈g} x_k. A logical row is `row_bytes` (a multiple of 64).
//
// Row panels. Rows are stored in panels of `panel` (8) rows whose logical rows are
// interleaved 64 bytes at a time, so a GEMV tile of 8 rows reads one contiguous stream
// in the order it consumes it (one prefetch stream instead of 8 short ones):
//
//     panel P (rows 8P .. 8P+7), 8·row_bytes bytes at P·panel_bytes():
//       | row 0 blk 0 | row 1 blk 0 | .. | row 7 blk 0 | row 0 blk 1 | .. | row 7 blk B-1 |
//       blk = 64 bytes of a logical row: metadata blocks first (grouped), then code blocks
//
//     logical byte o of row n  ->  row_offset(n) + phys(o)
//       row_offset(n) = (n / 8)·panel_bytes() + (n % 8)·64,  phys(o) = (o / 64)·64·8 + o % 64
//
// Bits codes are stored transposed within a panel: the panel's code area (8·code_bytes
// bytes after its metadata blocks) holds one 64-byte block per step, step T's at 64T, whose
// byte p holds in bit r the code of the panel's row r at byte p of step T:
//
//     code(row 8P + r, step T, byte p) = bit r of byte  panel P + phys(code_offset()) + 64T + p
//
// (`bits_block`: the same address from row r's pointer). One load serves the panel's 8 rows,
// and a row's codes are one AND away: c & 2^r is 2^r·q, so the AVX-512 GEMV multiplies it
// straight into row r's accumulator (u8·s8, exact) and shifts the sum right by r at the end:
// one AND per 64 weights and row instead of a select (docs/performance.md, "Binary codes per panel").
//
// Per-row terms. Weights with a per-row (or per-tensor) scale s_n and zero term z_n keep
// them in the stream too: after a panel's rows comes one 64-byte block (`term_bytes`) with
// the 8 rows' scales as floats, then their 8 zero terms (0 where absent). The GEMV reads
// them right after the panel's codes, from the cache: in separate arrays they cost a
// latency-bound miss at every slice's epilogue (docs/performance.md, "Per-row terms in the stream").
//
//     panel P at P·panel_bytes(),  panel_bytes() = 8·row_bytes + term_bytes
//
// Rows within a panel are 64 bytes apart (kernel tiles never cross a panel); storage is
// padded to whole panels (padding rows are zero codes, zero metadata and zero terms).
#pragma once

#include <bit>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "config.hpp"

BITLA_BEGIN_NAMESPACE

enum class AddCodes : std::uint8_t {
    bits,    ///< 1 bit per weight: BitPacked (sign, zero_one), 1-bit BitPlanes
    code2,   ///< 2-bit codes: ternary (planes, code2), 2-bit BitPlanes (HQQ 2-bit)
    base3,   ///< five trits per byte: TernaryPacked<enc::base3>
    planes,  ///< n bit-planes interleaved per step: BitPlanes with 3..8 bits
};

[[nodiscard]] constexpr const char* name(AddCodes c) noexcept {
    switch (c) {
        case AddCodes::bits: return "bits";
        case AddCodes::code2: return "code2";
        case AddCodes::base3: return "base3";
        case AddCodes::planes: return "planes";
    }
    return "unknown";
}

struct AddLayout {
    AddCodes codes = AddCodes::bits;
    int bits = 1;                 ///< planes per step (planes), else 1 (bits), 2 (code2), 0 (base3)
    int q_mul = 1, q_add = 0;     ///< weight = q_mul·q + q_add
    int qmax = 1;                 ///< largest code
    std::size_t cols = 0;         ///< K
    std::size_t lane = 64;        ///< values per dword lane per superblock: 8, 16, 32 or 64
    std::size_t kp = 0;           ///< K padded to a multiple of 16·lane
    std::size_t steps = 0;        ///< kp / 64
    std::size_t code_bytes = 0;   ///< code bytes per row, a multiple of 64
    std::size_t groups = 0;       ///< scale groups per row stored in the row (0: none)
    std::size_t group_size = 0;   ///< values per group (a multiple of lane), 0 if none
    std::size_t meta_bytes = 0;   ///< group metadata at the start of a logical row (a multiple of 64)
    std::size_t row_bytes = 0;    ///< bytes of a logical row (metadata + codes, a multiple of 64)
    std::size_t panel = 8;        ///< rows per interleaved panel
    std::size_t term_bytes = 0;   ///< per-row terms after each panel's rows: 64 (8 float scales, 8 float zero terms) or 0

    /// Steps per superblock: after this many, the 16 dword lanes are 16 chunk sums.
    [[nodiscard]] constexpr std::size_t flush_steps() const noexcept { return lane / 4; }
    [[nodiscard]] constexpr std::size_t chunks() const noexcept { return kp / lane; }
    /// The padded column k of byte p of step T.
    [[nodiscard]] constexpr std::size_t k_of(std::size_t step, std::size_t p) const noexcept {
        const std::size_t per = lane / 4;
        return step / per * 16 * lane + p / 4 * lane + 4 * (step % per) + p % 4;
    }
    /// Logical offsets of the fp16 scales / zero terms and of the codes within a row.
    [[nodiscard]] constexpr std::size_t scale_offset() const noexcept { return 0; }
    [[nodiscard]] constexpr std::size_t zero_offset() const noexcept { return (2 * groups + 31) / 32 * 32; }
    [[nodiscard]] constexpr std::size_t code_offset() const noexcept { return meta_bytes; }
    /// Bytes between consecutive 64-byte blocks of one logical row (and between panels' rows).
    [[nodiscard]] constexpr std::size_t block_stride() const noexcept { return 64 * panel; }
    /// Bytes from a row's pointer to its logical byte o.
    [[nodiscard]] constexpr std::size_t phys(std::size_t o) const noexcept {
        return o / 64 * block_stride() + o % 64;
    }
    /// Bytes of one panel: its rows' interleaved blocks, then its row-terms block (if any).
    [[nodiscard]] constexpr std::size_t panel_bytes() const noexcept { return panel * row_bytes + term_bytes; }
    /// Bytes from the start of the storage to row n's pointer.
    [[nodiscard]] constexpr std::size_t row_offset(std::size_t n) const noexcept {
        return n / panel * panel_bytes() + n % panel * 64;
    }
    /// Bytes from the start of the storage to the row-terms block of row n's panel: row
    /// n's scale is the float at + 4·(n % panel), its zero term at + 32 + 4·(n % panel).
    [[nodiscard]] constexpr std::size_t terms_offset(std::size_t n) const noexcept {
        return n / panel * panel_bytes() + panel * row_bytes;
    }
    /// Bits codes: bytes from the pointer of a panel's row r (row_offset) to step t's code
    /// block, which the panel's rows share (bit r of its byte p: row r's code at byte p).
    [[nodiscard]] constexpr std::ptrdiff_t bits_block(std::size_t r, std::size_t t) const noexcept {
        return static_cast<std::ptrdiff_t>(phys(code_offset()) + 64 * t) - static_cast<std::ptrdiff_t>(64 * r);
    }
    /// Storage bytes of `rows` rows (whole panels).
    [[nodiscard]] constexpr std::size_t storage_bytes(std::size_t rows) const noexcept {
        return (rows + panel - 1) / panel * panel_bytes();
    }
};

/// Builds the layout for `codes` with `bits` planes, K = cols, `group_size` (0: none), and
/// a row-terms block per panel if the weights carry per-row (or per-tensor) terms.
[[nodiscard]] constexpr AddLayout make_add_layout(AddCodes codes, int bits, std::size_t cols,
                                                  std::size_t group_size, bool row_terms = false) noexcept {
    AddLayout l;
    l.codes = codes;
    l.bits = codes == AddCodes::bits ? 1 : codes == AddCodes::code2 ? 2 : codes == AddCodes::base3 ? 0 : bits;
    l.qmax = codes == AddCodes::bits ? 1 : codes == AddCodes::code2 ? 3 : codes == AddCodes::base3 ? 2 : (1 << bits) - 1;
    l.cols = cols;
    l.lane = 64;
    if (group_size != 0)
        while (group_size % l.lane != 0) l.lane /= 2;  // group sizes are multiples of 8
    const std::size_t super = 16 * l.lane;
    l.kp = (cols + super - 1) / super * super;
    if (l.kp == 0) l.kp = super;
    l.steps = l.kp / 64;
    std::size_t bytes = 0;
    switch (codes) {
        case AddCodes::bits: bytes = 8 * l.steps; break;
        case AddCodes::code2: bytes = 64 * ((l.steps + 3) / 4); break;
        case AddCodes::base3: bytes = 64 * ((l.steps + 4) / 5); break;
        case AddCodes::planes: bytes = 8 * static_cast<std::size_t>(bits) * l.steps; break;
    }
    l.code_bytes = (bytes + 63) / 64 * 64;
    l.group_size = group_size;
    l.groups = group_size == 0 ? 0 : cols / group_size;
    l.meta_bytes = (l.zero_offset() + 2 * l.groups + 63) / 64 * 64;
    l.row_bytes = l.meta_bytes + l.code_bytes;
    l.term_bytes = row_terms ? 64 : 0;
    return l;
}

namespace detail {

/// float -> IEEE binary16, round to nearest even. Overflow gives infinity (callers check).
[[nodiscard]] inline std::uint16_t float_to_half(float f) noexcept {
    const std::uint32_t x = std::bit_cast<std::uint32_t>(f);
    const std::uint32_t sign = (x >> 16) & 0x8000u;
    const std::uint32_t abs = x & 0x7fffffffu;
    if (abs >= 0x7f800000u) return static_cast<std::uint16_t>(sign | 0x7c00u | (abs > 0x7f800000u ? 0x200u : 0u));
    if (abs >= 0x477ff000u) return static_cast<std::uint16_t>(sign | 0x7c00u);  // rounds past 65504
    if (abs < 0x38800000u) {  // subnormal or zero in half: scale so the float adder rounds
        const float r = std::bit_cast<float>(abs) + 0.5f;  // 0.5 = 2^-1: ulp becomes 2^-24
        return static_cast<std::uint16_t>(sign | (std::bit_cast<std::uint32_t>(r) - 0x3f000000u));
    }
    const std::uint32_t odd = (abs >> 13) & 1u;
    const std::uint32_t r = abs + 0xc8000fffu + odd;  // rebias exponent (-112 << 23) and round
    return static_cast<std::uint16_t>(sign | (r >> 13));
}

/// IEEE binary16 -> float, exact (finite values only: packed metadata is checked finite).
[[nodiscard]] constexpr float half_to_float(std::uint16_t h) noexcept {
    const std::uint32_t mag = std::uint32_t{h & 0x7fffu} << 13;
    const float f = std::bit_cast<float>(mag) * 0x1p112f;  // normals and subnormals alike
    return (h & 0x8000u) ? -f : f;
}

}  // namespace detail
BITLA_END_NAMESPACE
