// The add-only int8 prefill tiles on the aarch64 levels (kernels/add_tiles.hpp over
// kernels/neon/add_ops.hpp): the shared 2 x 2 sdot tile (neon_dotprod) and the 4 x 4 smmla
// tile (neon_i8mm, kernels/neon/add_tile_mmla.hpp), ungrouped. Weights per marker count
// products: sdot 16, smmla 32 (2 x 2 outputs of 8 bytes).
// mca: name="bitla ternary 2-bit code2 GEMM tile 2x2 (neon_dotprod, sdot)" function=mca_code2_sdot march=armv8.2-a+dotprod marker=sdot weights=16
// mca: name="bitla base-3 GEMM tile 2x2 (neon_dotprod, sdot)" function=mca_base3_sdot march=armv8.2-a+dotprod marker=sdot weights=16
// mca: name="bitla binary GEMM tile 2x2 (neon_dotprod, sdot)" function=mca_bits_sdot march=armv8.2-a+dotprod marker=sdot weights=16
// mca: name="bitla ternary 2-bit code2 GEMM tile 4x4 (neon_i8mm, smmla)" function=mca_code2_mmla march=armv8.6-a+dotprod+i8mm marker=smmla weights=32
// mca: name="bitla base-3 GEMM tile 4x4 (neon_i8mm, smmla)" function=mca_base3_mmla march=armv8.6-a+dotprod+i8mm marker=smmla weights=32
// mca: name="bitla binary GEMM tile 4x4 (neon_i8mm, smmla)" function=mca_bits_mmla march=armv8.6-a+dotprod+i8mm marker=smmla weights=32
#include <bitla/kernels/add.hpp>

using bitla::AddCodes;
#if BITLA_FLAGS_NEON_I8MM
using Mmla = bitla::kernels::NeonMmlaTile<bitla::kernels::NeonAddOps<bitla::arch::neon_i8mm>>;
extern "C" [[gnu::flatten]] void mca_code2_mmla(const bitla::AddLayout& l, const bitla::AddTileArgs& a) {
    Mmla::pairs<AddCodes::code2, 2, 2>(l, a);
}
extern "C" [[gnu::flatten]] void mca_base3_mmla(const bitla::AddLayout& l, const bitla::AddTileArgs& a) {
    Mmla::pairs<AddCodes::base3, 2, 2>(l, a);
}
extern "C" [[gnu::flatten]] void mca_bits_mmla(const bitla::AddLayout& l, const bitla::AddTileArgs& a) {
    Mmla::pairs<AddCodes::bits, 2, 2>(l, a);
}
#elif BITLA_FLAGS_NEON_DOTPROD
using Dot = bitla::kernels::AddTiles<bitla::kernels::NeonAddOps<bitla::arch::neon_dotprod>>;
extern "C" [[gnu::flatten]] void mca_code2_sdot(const bitla::AddLayout& l, const bitla::AddTileArgs& a) {
    Dot::dot_tile<AddCodes::code2, 2, 2>(l, a);
}
extern "C" [[gnu::flatten]] void mca_base3_sdot(const bitla::AddLayout& l, const bitla::AddTileArgs& a) {
    Dot::dot_tile<AddCodes::base3, 2, 2>(l, a);
}
extern "C" [[gnu::flatten]] void mca_bits_sdot(const bitla::AddLayout& l, const bitla::AddTileArgs& a) {
    Dot::dot_tile<AddCodes::bits, 2, 2>(l, a);
}
#endif
