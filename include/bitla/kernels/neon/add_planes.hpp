// bitla/kernels/neon/add_planes.hpp — n-bit planes (BitPlanes, HQQ n-bit: AddCodes::planes)
// decoded to code bytes on the aarch64 levels: NeonAddOps::plane (kernels/add_tiles.hpp).
//
// Step t holds plane i's 64 bits as one word, bit p the code bit of byte p
// (core/add_layout.hpp). Per plane and 16-byte register r: the word broadcast (ld1r), bytes
// 2r and 2r+1 spread over 8 bytes each (tbl), each byte's own bit tested (cmtst: 0xff where
// set), and shifted into the code from the top plane down (sli #1: q = q << 1 | bit):
// 3 vector ops per plane and 16 bytes, where a mask-and-add per plane would take 4.
// Codes of 8 planes reach 255, not a signed byte: NeonAddOps's dot takes them only where
// it is usdot (neon_i8mm).
#pragma once

#include "../../arch/table.hpp"

#if BITLA_FLAGS_NEON

#include <arm_neon.h>

#include <cstddef>
#include <cstdint>

#include "../../core/add_layout.hpp"

BITLA_BEGIN_NAMESPACE
namespace kernels {

template <class Arch>
struct NeonPlanes {
    /// Step t's codes (4 registers of 16 bytes) of the row at w.
    template <class Step>
    static BITLA_ALWAYS_INLINE Step plane(const AddLayout& l, const std::uint8_t* w, std::size_t t) noexcept {
        // idx[r]: byte 2r eight times, then byte 2r + 1; sel: bit k % 8 of byte k
        const uint8x16_t idx[4] = {vcombine_u8(vdup_n_u8(0), vdup_n_u8(1)), vcombine_u8(vdup_n_u8(2), vdup_n_u8(3)),
                                   vcombine_u8(vdup_n_u8(4), vdup_n_u8(5)), vcombine_u8(vdup_n_u8(6), vdup_n_u8(7))};
        const uint8x8_t sel8 = vcreate_u8(0x8040201008040201ull);
        const uint8x16_t sel = vcombine_u8(sel8, sel8);
        const std::size_t at = l.code_offset() + 8 * static_cast<std::size_t>(l.bits) * t;
        Step q;
        for (auto& v : q.v) v = vdupq_n_u8(0);
        for (int b = l.bits - 1; b >= 0; --b) {
            const auto* p = reinterpret_cast<const std::uint64_t*>(w + l.phys(at + 8 * static_cast<std::size_t>(b)));
            const uint8x16_t word = vreinterpretq_u8_u64(vld1q_dup_u64(p));
            for (int r = 0; r < 4; ++r) q.v[r] = vsliq_n_u8(vtstq_u8(vqtbl1q_u8(word, idx[r]), sel), q.v[r], 1);
        }
        return q;
    }
};

}  // namespace kernels
BITLA_END_NAMESPACE

#endif  // BITLA_FLAGS_NEON
