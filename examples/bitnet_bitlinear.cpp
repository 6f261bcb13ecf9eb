// A BitNet b1.58 BitLinear forward: absmean ternary weights, absmax int8 activations,
// an exact integer product, and one float rescale per output.
//
//     W̃ = clamp(round(W / γ), -1, 1),   γ = mean|W|          (quantize_absmean)
//     x̃ = round(x · 127 / max|x|),      sx = max|x| / 127     (quantize_absmax, per token)
//     y  = (x̃ · W̃ᵀ) · γ · sx                                  (int32 dot, exact on every ISA)
//
// Usage: bitnet_bitlinear [N = K, default 2048] [tokens, default 4]
#include <bitla/bitla.hpp>
#include <bitla/gemm/add.hpp>
#include <bitla/quant/quant.hpp>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <random>

int main(int argc, char** argv) {
    const std::size_t n = argc > 1 ? std::strtoul(argv[1], nullptr, 10) : 2048, k = n;
    const std::size_t tokens = argc > 2 ? std::strtoul(argv[2], nullptr, 10) : 4;

    // A float layer and a few tokens of activations (as a trained model would hand them over).
    std::mt19937 rng(11);
    std::normal_distribution<float> g(0.0f, 0.02f);
    bitla::Matrix<float> w(n, k), x(tokens, k);
    for (auto& v : w.flat()) v = g(rng);
    for (auto& v : x.flat()) v = 50.0f * g(rng);

    // Offline: ternary weights with one scale, packed for the add-only kernels.
    const auto t = bitla::quantize_absmean(w);
    const auto packed = bitla::pack_add(t);  // the codes, with γ folded into the epilogue
    // Per token: int8 activations with one scale each.
    const auto q = bitla::quantize_absmax(x);
    const std::span<const float> sx(q.scale.data(), tokens);

    // The forward: int8 · ternary, summed exactly in int32, scaled by γ·sx in the epilogue.
    bitla::Matrix<float> y(tokens, n);
    bitla::ThreadPool one(1);
    bitla::AddOptions opt;
    opt.pool = &one;
    const auto t0 = std::chrono::steady_clock::now();
    int reps = 0;
    do bitla::gemm(q, packed, y.view(), opt), ++reps;  // q converts to Int8Rows{values, scale}
    while (std::chrono::steady_clock::now() - t0 < std::chrono::milliseconds(100));
    const double us = std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count() / reps;

    // Check 1: the integer part is exact — against the generic reference on the same codes.
    bitla::Matrix<std::int32_t> dots(tokens, n);
    bitla::reference::gemm(q.values, t.values, dots);
    double worst = 0;
    for (std::size_t m = 0; m < tokens; ++m)
        for (std::size_t j = 0; j < n; ++j) {
            const double want = double(dots(m, j)) * t.scale * sx[m];
            worst = std::max(worst, std::abs(y(m, j) - want) / (std::abs(want) + 1e-6));
        }
    // Check 2: how far the quantized layer is from the float layer it replaces.
    double err = 0, ref = 0;
    const auto f0 = std::chrono::steady_clock::now();
    for (std::size_t m = 0; m < tokens; ++m)
        for (std::size_t j = 0; j < n; ++j) {
            float s = 0;
            for (std::size_t i = 0; i < k; ++i) s += x(m, i) * w(j, i);
            err += std::pow(double(y(m, j)) - s, 2);
            ref += double(s) * s;
        }
    const double float_us = std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - f0).count();

    std::printf("BitLinear %zu x %zu, %zu tokens, kernels: %s\n", n, k, tokens, std::string(bitla::name(bitla::active_isa())).c_str());
    std::printf("  weights: %.2f MiB ternary (vs %.1f MiB float), gamma = %.5f\n", double(packed.bytes()) / (1 << 20),
                double(n * k * 4) / (1 << 20), double(t.scale));
    std::printf("  bitla forward: %.1f us  (a plain float loop: %.1f us)\n", us, float_us);
    std::printf("  integer path vs reference: max relative difference %.2g (int32 is exact; float rescale only)\n", worst);
    std::printf("  output vs the float layer: relative error %.3f (ternary + int8 quantization of random\n"
                "  Gaussian weights; BitNet models are trained for ternary weights and lose far less)\n", std::sqrt(err / ref));
    return worst < 1e-5 ? 0 : 1;
}
