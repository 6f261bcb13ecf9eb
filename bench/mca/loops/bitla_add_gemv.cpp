// The add-only GEMV on the aarch64 levels (kernels/add_gemv.hpp over kernels/neon/add_ops.hpp):
// one int8 activation row against the rows of a panel, two at a time.
// mca: name="bitla ternary 2-bit code2 GEMV (neon_dotprod)" function=mca_code2_dotprod march=armv8.2-a+dotprod marker=sdot weights=16
// mca: name="bitla base-3 GEMV (neon_dotprod)" function=mca_base3_dotprod march=armv8.2-a+dotprod marker=sdot weights=16
// mca: name="bitla binary GEMV (neon_dotprod)" function=mca_bits_dotprod march=armv8.2-a+dotprod marker=sdot weights=16
// mca: name="bitla 3-bit planes M = 1, 2 rows (neon_dotprod)" function=mca_planes3_dotprod march=armv8.2-a+dotprod marker=sdot weights=16
// mca: name="bitla 4-bit planes M = 1, 2 rows (neon_dotprod)" function=mca_planes4_dotprod march=armv8.2-a+dotprod marker=sdot weights=16
// mca: name="bitla ternary 2-bit code2 GEMV (neon)" function=mca_code2_neon march=armv8-a marker=smull weights=8
#include <bitla/kernels/add.hpp>

#if BITLA_FLAGS_NEON_DOTPROD
using Dot = bitla::kernels::AddGemv<bitla::kernels::NeonAddOps<bitla::arch::neon_dotprod>>;
extern "C" [[gnu::flatten]] void mca_code2_dotprod(const bitla::AddLayout& l, const bitla::AddRowsArgs& r) {
    Dot::rows<bitla::AddCodes::code2>(l, r);
}
extern "C" [[gnu::flatten]] void mca_base3_dotprod(const bitla::AddLayout& l, const bitla::AddRowsArgs& r) {
    Dot::rows<bitla::AddCodes::base3>(l, r);
}
extern "C" [[gnu::flatten]] void mca_bits_dotprod(const bitla::AddLayout& l, const bitla::AddRowsArgs& r) {
    Dot::rows<bitla::AddCodes::bits>(l, r);
}
// n-bit planes run through the tiles at M = 1 (not gemv_supported); the plane count fixed.
using DotTiles = bitla::kernels::AddTiles<bitla::kernels::NeonAddOps<bitla::arch::neon_dotprod>>;
extern "C" [[gnu::flatten]] void mca_planes3_dotprod(const bitla::AddLayout& l, const bitla::AddTileArgs& a) {
    bitla::AddLayout l3 = l;
    l3.bits = 3;
    DotTiles::dot_tile<bitla::AddCodes::planes, 1, 2>(l3, a);
}
extern "C" [[gnu::flatten]] void mca_planes4_dotprod(const bitla::AddLayout& l, const bitla::AddTileArgs& a) {
    bitla::AddLayout l4 = l;
    l4.bits = 4;
    DotTiles::dot_tile<bitla::AddCodes::planes, 1, 2>(l4, a);
}
#else
using Plain = bitla::kernels::AddGemv<bitla::kernels::NeonAddOps<bitla::arch::neon>>;
extern "C" [[gnu::flatten]] void mca_code2_neon(const bitla::AddLayout& l, const bitla::AddRowsArgs& r) {
    Plain::rows<bitla::AddCodes::code2>(l, r);
}
#endif
