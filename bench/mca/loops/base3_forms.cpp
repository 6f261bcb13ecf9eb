// Two ways to sum base-3 codes times int8 activations on NEON, each as the GEMV's inner
// loop over two weight rows sharing one activation row, to choose by estimated cycles.
// Standalone: the library holds the chosen form (kernels/neon/add_ops.hpp, trits2).
//   decode   umull by 9, uzp2, two tbl, uzp1: two trits per 2 multiplies (the library's)
//   usdot    no decoding (i8mm): sum b·x and (3b mod 256)·x with usdot, b = 3b each step;
//            the trit sum is (3·Σ b·x − Σ b'·x) / 256, exact per lane (wide flush omitted)
// mca: name="base3 form decode (sdot)" function=form_decode march=armv8.6-a+dotprod+i8mm marker=sdot weights=16
// mca: name="base3 form usdot" function=form_usdot march=armv8.6-a+dotprod+i8mm marker=usdot weights=8
#include <arm_neon.h>

#include <cstddef>
#include <cstdint>

#if defined(__ARM_FEATURE_MATMUL_INT8)
namespace {
const uint8x16_t div3 = vcombine_u8(vcreate_u8(0x0202010101000000ull), vcreate_u8(0x02ull));
const uint8x16_t mod3 = vcombine_u8(vcreate_u8(0x0100020100020100ull), vcreate_u8(0x02ull));
}  // namespace

// One code block (5 steps) of 2 rows per iteration.
extern "C" void form_decode(const std::uint8_t* w, const std::int8_t* x, std::size_t blocks, int32x4_t* out) {
    int32x4_t acc[2][4] = {};
    const uint8x16_t nine = vdupq_n_u8(9), three = vdupq_n_u8(3);
    for (std::size_t b = 0; b < blocks; ++b, w += 128, x += 320) {
        for (int r = 0; r < 4; ++r) {
            uint8x16_t c[2] = {vld1q_u8(w + 16 * r), vld1q_u8(w + 64 + 16 * r)};
            for (int h = 0; h < 3; ++h) {
                const int8x16_t x0 = vld1q_s8(x + 128 * h + 16 * r), x1 = vld1q_s8(x + 128 * h + 64 + 16 * r);
                for (int j = 0; j < 2; ++j) {
                    const uint8x16_t m = h < 2 ? nine : three;
                    const uint8x16_t lo = vreinterpretq_u8_u16(vmull_u8(vget_low_u8(c[j]), vget_low_u8(m)));
                    const uint8x16_t hi = vreinterpretq_u8_u16(vmull_high_u8(c[j], m));
                    const uint8x16_t t = vuzp2q_u8(lo, hi);
                    c[j] = vuzp1q_u8(lo, hi);
                    if (h < 2) {
                        acc[j][r] = vdotq_s32(acc[j][r], vreinterpretq_s8_u8(vqtbl1q_u8(div3, t)), x0);
                        acc[j][r] = vdotq_s32(acc[j][r], vreinterpretq_s8_u8(vqtbl1q_u8(mod3, t)), x1);
                    } else {
                        acc[j][r] = vdotq_s32(acc[j][r], vreinterpretq_s8_u8(t), x0);
                    }
                }
            }
        }
    }
    for (int j = 0; j < 2; ++j)
        for (int r = 0; r < 4; ++r) out[4 * j + r] = acc[j][r];
}

extern "C" void form_usdot(const std::uint8_t* w, const std::int8_t* x, std::size_t blocks, int32x4_t* out) {
    int32x4_t lo[2][4] = {}, hi[2][4] = {};
    const uint8x16_t three = vdupq_n_u8(3);
    for (std::size_t b = 0; b < blocks; ++b, w += 128, x += 320) {
        for (int r = 0; r < 4; ++r) {
            uint8x16_t c[2] = {vld1q_u8(w + 16 * r), vld1q_u8(w + 64 + 16 * r)};
            for (int s = 0; s < 5; ++s) {
                const int8x16_t xs = vld1q_s8(x + 64 * s + 16 * r);
                for (int j = 0; j < 2; ++j) {
                    lo[j][r] = vusdotq_s32(lo[j][r], c[j], xs);
                    c[j] = vmulq_u8(c[j], three);
                    hi[j][r] = vusdotq_s32(hi[j][r], c[j], xs);
                }
            }
        }
    }
    for (int j = 0; j < 2; ++j)
        for (int r = 0; r < 4; ++r) out[4 * j + r] = vsubq_s32(vmulq_n_s32(lo[j][r], 3), hi[j][r]);
}
#endif
