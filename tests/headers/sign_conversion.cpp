// Compiled, never run, with -Wsign-conversion -Werror (tests/CMakeLists.txt): the public
// entries instantiated as a consumer's code would instantiate them, so the warnings a
// consumer sees from bitla's templates (and from the kernels the unit's ISA flags select)
// fail the build here first.
#include <bitla/bitla.hpp>
#include <bitla/expr/expr.hpp>
#include <bitla/gemm/add.hpp>
#include <bitla/gemm/hamming.hpp>
#include <bitla/gemm/xnor.hpp>

#include <cstdint>

namespace bitla_sign_conversion {

using namespace bitla;

void instantiate() {
    const Matrix<float> w(8, 64), xf(2, 64);
    const Matrix<std::int8_t> x8(2, 64);
    Matrix<std::int32_t> yi(2, 8);
    Matrix<float> yf(2, 8);
    Matrix<std::uint32_t> d(2, 8);
    Matrix<std::size_t> labels(2, 1);
    const auto sign = quantize_sign(w);
    const auto ternary = quantize_absmean(w);
    const auto hqq = quantize_hqq(w, {.nbits = 2, .group_size = 64});
    const auto act = quantize_absmax(xf);
    const auto bits = pack_sign(xf);
    for (const AddWeights& aw : {pack_add(ternary), pack_add(hqq), pack_add(sign),
                                 pack_add(convert<enc::code2>(ternary.values)),
                                 pack_add(convert<enc::base3>(ternary.values)),
                                 pack_add(BitPlanes::from_codes(8, 64, 4, [](std::size_t, std::size_t) { return 1; }))}) {
        gemm(act, aw, yf.view());
        gemm(xf.view(), aw, yf.view());
        gemv(Int8Vector{act.values.row(0), 1.0f}, aw, yf.row(0));
        gemm_block(prepare(act, aw), aw, yf.view(), OutputBlock::columns(0, 8));
    }
    gemm(x8.view(), pack_add(ternary.values), yi.view());
    xnor_gemm(bits, sign.values, yi.view());
    xnor_gemm(SignRows{bits}, sign, yf.view());
    xnor_gemm_block(bits, sign.values, yi.view(), OutputBlock{});
    hamming_distances(bits, sign.values, d.view());
    hamming_topk(bits, sign.values, 1, MatrixView<std::uint32_t>(d.data(), 2, 1), labels.view());
    reference::gemm(x8, ternary.values, yi.view());
    reference::gemm(xf, hqq.values, yf.view());
    reference::xnor_gemm(bits, sign.values, yi.view());
    reference::hamming_distances(bits.view(), sign.values.view(), d.view());
    const auto e = expr::packed(hqq.values) * expr::group_scale(hqq.scale, 64) +
                   expr::group_zero_point(hqq.zero, hqq.scale, 64);
    expr::evaluate(expr::linear(xf, e), yf.view());
    const expr::Compiled layer = expr::compile(e);
    expr::evaluate(expr::linear(xf, layer), yf.view());
    (void)unpack_values(pack_add(sign));
    (void)hqq.dequantize();
    (void)fit_low_rank(w, 2);
}

}  // namespace bitla_sign_conversion
