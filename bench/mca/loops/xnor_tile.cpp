// The XNOR GEMM microkernel as the neon unit compiles it: one step of K is one 64-bit word
// of each of the mr activation rows against each of the nr weight rows.
// mca: name="bitla xnor tile 4x8 (neon)" function=mca_xnor_tile march=armv8-a marker=cnt weights=128
// mca: name="bitla xnor tile 4x8 (neon_dotprod, udot)" function=mca_xnor_tile_dotprod march=armv8.2-a+dotprod marker=cnt weights=128
#include <bitla/kernels/xnor.hpp>

extern "C" [[gnu::flatten]] void mca_xnor_tile(const std::uint64_t* a, const std::uint64_t* b, std::size_t kw,
                                               std::uint32_t* out) {
    bitla::kernels::xor_popcount_tile<bitla::arch::neon>(a, b, kw, out);
}

#if BITLA_FLAGS_NEON_DOTPROD
extern "C" [[gnu::flatten]] void mca_xnor_tile_dotprod(const std::uint64_t* a, const std::uint64_t* b, std::size_t kw,
                                                       std::uint32_t* out) {
    bitla::kernels::xor_popcount_tile<bitla::arch::neon_dotprod>(a, b, kw, out);
}
#endif
