// bitla/kernels/neon/add_ops.hpp — the add-only primitives for the aarch64 levels (neon,
// neon_dotprod, neon_i8mm; the contract is in kernels/add_tiles.hpp, the tiles are written
// there once).
//
// A step is four q registers, register r holding bytes 16r .. 16r+15 = dword lanes
// 4r .. 4r+3. The codes (0 .. 3) are valid signed bytes, so the products are s8·s8:
//   dotprod  acc += sdot(q, x): each int32 lane sums its 4 byte products (1 op per 16 bytes)
//   neon     smull / smull2 (8 int16 products each), addp (pairs: <= 2·3·128), sadalp into
//            the int32 lanes (the pairs of pairs: 4 bytes a lane): 4 ops per 16 bytes
//   i8mm     usdot (u8 codes · s8 x, the same cost), so 8-bit planes' codes up to 255 fit too
// n-bit planes decode in add_planes.hpp (8 planes: neon_i8mm only, else GenericAdd).
// base3: umull / umull2 by 9 and uzp2 / uzp1: the high bytes of 9b are 3·t0 + t1 (split by
// two tbl lookups), the low bytes the b two trits on: 4 ops per step and 16 bytes with the
// sdot, half of them on the multiply pipe (the compare form took 7, by 3 took 5).
// neon_i8mm: ungrouped prefill tiles of 2 .. 4 activation rows use smmla (add_tile_mmla.hpp).
// 32 q registers hold a 2 x 2 tile: 4 x 4 accumulators, 2 x 4 decoded code registers, x.
// fp32: codes widened (uxtl, uxtl, ucvtf) and multiplied in (fmla), one float32x4 per
// dword lane, so a chunk sum is one addv. GEMV's fp16 metadata: fcvtl (base ARMv8).
#pragma once

#include "../../arch/table.hpp"

#if BITLA_FLAGS_NEON

#include <arm_neon.h>

#include <cstddef>
#include <cstdint>

#include "../../core/add_layout.hpp"
#include "../add_kernels.hpp"
#include "add_planes.hpp"

BITLA_BEGIN_NAMESPACE
namespace kernels {

template <class Arch>
struct NeonAddOps {
    static constexpr bool dotprod = ::bitla::arch::extends_v<Arch, ::bitla::arch::neon_dotprod>;
    using arch = Arch;
    struct step {
        uint8x16_t v[4];
    };
    struct acc {
        int32x4_t v[4];
    };
    struct facc {
        float32x4_t v[16];  ///< floats 4c .. 4c+3 of a step: chunk c
    };
    struct consts {
        uint8x16_t one = vdupq_n_u8(1), three = vdupq_n_u8(3), nine = vdupq_n_u8(9);
        // h = 3·t0 + t1 (0 .. 8) to t0 and to t1
        uint8x16_t div3 = vcombine_u8(vcreate_u8(0x0202010101000000ull), vcreate_u8(0x02ull));
        uint8x16_t mod3 = vcombine_u8(vcreate_u8(0x0100020100020100ull), vcreate_u8(0x02ull));
    };
    static constexpr bool i8mm = BITLA_FLAGS_NEON_I8MM && ::bitla::arch::extends_v<Arch, ::bitla::arch::neon_i8mm>;
    static constexpr int mr = i8mm ? 4 : 2, nr = i8mm ? 4 : 2;  // neon_i8mm: its smmla tile's
    static constexpr int shared_mr = 2, shared_nr = 2;
    static constexpr std::size_t settle_steps = 0;

    static BITLA_ALWAYS_INLINE step load(const std::uint8_t* p) noexcept {
        return {{vld1q_u8(p), vld1q_u8(p + 16), vld1q_u8(p + 32), vld1q_u8(p + 48)}};
    }
    static BITLA_ALWAYS_INLINE step load_x(const std::int8_t* p) noexcept {
        return load(reinterpret_cast<const std::uint8_t*>(p));
    }
    static BITLA_ALWAYS_INLINE step splat(std::uint8_t b) noexcept {
        const uint8x16_t v = vdupq_n_u8(b);
        return {{v, v, v, v}};
    }
    static BITLA_ALWAYS_INLINE step bits(const consts& k, const step& c, const step& bit) noexcept {
        step q;
        for (int r = 0; r < 4; ++r) q.v[r] = vminq_u8(vandq_u8(c.v[r], bit.v[r]), k.one);
        return q;
    }
    static BITLA_ALWAYS_INLINE uint8x16_t shift2(uint8x16_t c, unsigned s) noexcept {
        switch (s) {  // immediate shifts where s is a constant (the unrolled walker)
            case 0: return c;
            case 1: return vshrq_n_u8(c, 2);
            case 2: return vshrq_n_u8(c, 4);
            default: return vshrq_n_u8(c, 6);
        }
    }
    static BITLA_ALWAYS_INLINE step code2(const consts& k, const step& c, unsigned s) noexcept {
        step q;
        for (int r = 0; r < 4; ++r) q.v[r] = s == 3 ? shift2(c.v[r], s) : vandq_u8(shift2(c.v[r], s), k.three);
        return q;  // (byte shifts: the top pair needs no mask)
    }
    /// Two steps at once: 9b as 16 bits has high byte 3·t0 + t1 (two table lookups split it)
    /// and low byte the b two trits on: per 16 bytes 2 multiplies, 2 unzips, 2 lookups.
    static BITLA_ALWAYS_INLINE void trits2(const consts& k, step& c, step& q0, step& q1) noexcept {
        for (int r = 0; r < 4; ++r) {
            const uint8x16_t lo = vreinterpretq_u8_u16(vmull_u8(vget_low_u8(c.v[r]), vget_low_u8(k.nine)));
            const uint8x16_t hi = vreinterpretq_u8_u16(vmull_high_u8(c.v[r], k.nine));
            const uint8x16_t h = vuzp2q_u8(lo, hi);
            q0.v[r] = vqtbl1q_u8(k.div3, h);
            q1.v[r] = vqtbl1q_u8(k.mod3, h);
            c.v[r] = vuzp1q_u8(lo, hi);
        }
    }
    /// 3b as 16 bits: its high byte is the leading trit, its low byte the next b.
    static BITLA_ALWAYS_INLINE step trit(const consts& k, step& c) noexcept {
        step q;
        for (int r = 0; r < 4; ++r) {
            const uint8x16_t lo = vreinterpretq_u8_u16(vmull_u8(vget_low_u8(c.v[r]), vget_low_u8(k.three)));
            const uint8x16_t hi = vreinterpretq_u8_u16(vmull_high_u8(c.v[r], k.three));
            q.v[r] = vuzp2q_u8(lo, hi);
            c.v[r] = vuzp1q_u8(lo, hi);
        }
        return q;
    }

    /// n-bit planes (add_planes.hpp); 8 planes' codes (up to 255) only where dot is usdot.
    static constexpr bool planes_ok(const AddLayout& l) noexcept { return i8mm || l.bits != 8; }
    static BITLA_ALWAYS_INLINE step plane(const AddLayout& l, const std::uint8_t* w, std::size_t t) noexcept {
        return NeonPlanes<Arch>::template plane<step>(l, w, t);
    }

    static BITLA_ALWAYS_INLINE acc zero() noexcept {
        const int32x4_t z = vdupq_n_s32(0);
        return {{z, z, z, z}};
    }
    static BITLA_ALWAYS_INLINE void dot(acc& a, const step& q, const step& x) noexcept {
        for (int r = 0; r < 4; ++r) {
            const int8x16_t qs = vreinterpretq_s8_u8(q.v[r]), xs = vreinterpretq_s8_u8(x.v[r]);
#if BITLA_FLAGS_NEON_I8MM
            if constexpr (i8mm) a.v[r] = vusdotq_s32(a.v[r], q.v[r], xs);  // u8 codes: 8 planes too
            else
#endif
#if BITLA_FLAGS_NEON_DOTPROD
            if constexpr (dotprod) a.v[r] = vdotq_s32(a.v[r], qs, xs);
            else
#endif
            {
                const int16x8_t lo = vmull_s8(vget_low_s8(qs), vget_low_s8(xs));
                const int16x8_t hi = vmull_high_s8(qs, xs);
                a.v[r] = vpadalq_s16(a.v[r], vpaddq_s16(lo, hi));
            }
        }
    }
    static BITLA_ALWAYS_INLINE void settle(acc&) noexcept {}
    static BITLA_ALWAYS_INLINE void store(std::int32_t* out, const acc& a) noexcept {
        for (int r = 0; r < 4; ++r) vst1q_s32(out + 4 * r, a.v[r]);
    }
    static BITLA_ALWAYS_INLINE std::int32_t hsum(const acc& a) noexcept {
        return vaddvq_s32(vaddq_s32(vaddq_s32(a.v[0], a.v[1]), vaddq_s32(a.v[2], a.v[3])));
    }

    static BITLA_ALWAYS_INLINE facc fzero() noexcept {
        facc a;
        for (auto& v : a.v) v = vdupq_n_f32(0);
        return a;
    }
    /// Lane by lane: assigning a whole zero facc made GCC keep the lanes on the stack.
    static BITLA_ALWAYS_INLINE void fclear(facc& a) noexcept {
        for (auto& v : a.v) v = vdupq_n_f32(0);
    }
    static BITLA_ALWAYS_INLINE void fdot(facc& a, const step& q, const float* x) noexcept {
        for (int r = 0; r < 4; ++r) {
            const uint16x8_t h[2] = {vmovl_u8(vget_low_u8(q.v[r])), vmovl_high_u8(q.v[r])};
            for (int i = 0; i < 2; ++i) {
                const float32x4_t f0 = vcvtq_f32_u32(vmovl_u16(vget_low_u16(h[i])));
                const float32x4_t f1 = vcvtq_f32_u32(vmovl_high_u16(h[i]));
                const int c = 4 * r + 2 * i;
                a.v[c] = vfmaq_f32(a.v[c], f0, vld1q_f32(x + 4 * c));
                a.v[c + 1] = vfmaq_f32(a.v[c + 1], f1, vld1q_f32(x + 4 * c + 4));
            }
        }
    }
    static BITLA_ALWAYS_INLINE void fstore(float* out, const facc& a) noexcept {
        for (int c = 0; c < 16; ++c) out[c] = vaddvq_f32(a.v[c]);
    }
    static BITLA_ALWAYS_INLINE float fhsum(const facc& a) noexcept {
        float32x4_t s[4];
        for (int i = 0; i < 4; ++i) s[i] = vaddq_f32(vaddq_f32(a.v[4 * i], a.v[4 * i + 1]), vaddq_f32(a.v[4 * i + 2], a.v[4 * i + 3]));
        return vaddvq_f32(vaddq_f32(vaddq_f32(s[0], s[1]), vaddq_f32(s[2], s[3])));
    }
};

}  // namespace kernels
BITLA_END_NAMESPACE

#endif  // BITLA_FLAGS_NEON
