// The XNOR GEMV kernel (one activation row against four weight rows, no packing): one step
// is two 64-bit words of each row.
// mca: name="bitla xnor gemv, 4 rows (neon)" function=mca_xnor_rows march=armv8-a marker=cnt weights=128
// mca: name="bitla xnor gemv, 4 rows (neon_dotprod, udot)" function=mca_xnor_rows_dotprod march=armv8.2-a+dotprod marker=cnt weights=128
#include <bitla/kernels/xnor.hpp>

extern "C" [[gnu::flatten]] void mca_xnor_rows(const std::uint64_t* a, const std::uint64_t* w, std::size_t stride,
                                               std::size_t rows, std::size_t kw, std::uint32_t* out) {
    bitla::kernels::xor_popcount_rows<bitla::arch::neon>(a, w, stride, rows, kw, out);
}

#if BITLA_FLAGS_NEON_DOTPROD
extern "C" [[gnu::flatten]] void mca_xnor_rows_dotprod(const std::uint64_t* a, const std::uint64_t* w,
                                                       std::size_t stride, std::size_t rows, std::size_t kw,
                                                       std::uint32_t* out) {
    bitla::kernels::xor_popcount_rows<bitla::arch::neon_dotprod>(a, w, stride, rows, kw, out);
}
#endif
