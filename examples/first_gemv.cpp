// The fast path in one page: quantize a float layer to ternary weights, pack it for the
// add-only kernels, quantize one activation row to int8, and run the GEMV on the best
// kernels this CPU has (runtime dispatch: see examples/CMakeLists.txt). The result is
// checked against bitla's reference product on the same codes.
//
//     y[n] = sx · γ · Σ_k q[k] · t[n, k]     q: int8 activations, t: ternary weights
//
// Usage: first_gemv   (no arguments; exits 1 if the check fails)
#include <bitla/bitla.hpp>
#include <bitla/gemm/add.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <random>
#include <string>

int main() {
    const std::size_t n = 512, k = 1024;  // W is N x K (outputs x inputs), x is 1 x K

    // A float layer and one activation row, as a model would hand them over.
    std::mt19937 rng(7);
    std::normal_distribution<float> g(0.0f, 1.0f);
    bitla::Matrix<float> w(n, k), x(1, k);
    for (float& v : w.flat()) v = 0.02f * g(rng);
    for (float& v : x.flat()) v = g(rng);

    // 1. Quantize: ternary weights with one scale γ (BitNet b1.58's absmean), and int8
    //    activations with one scale sx (absmax), x ≈ q · sx.
    const auto t = bitla::quantize_absmean(w);
    const auto q = bitla::quantize_absmax(x);
    const float sx = q.scale(0, 0);

    // 2. Pack once, offline: the kernels' layout, with γ folded into the epilogue.
    const bitla::AddWeights packed = bitla::pack_add(t);

    // 3. The GEMV: int8 times ternary summed exactly in int32, then scaled by sx · γ.
    bitla::Matrix<float> y(1, n);
    bitla::gemv(bitla::Int8Vector{q.values.row(0), sx}, packed, y.row(0));

    // Check: the reference product of the same codes (plain C++, exact int32), scaled the same.
    bitla::Matrix<std::int32_t> dots(1, n);
    bitla::reference::gemm(q.values, t.values, dots);
    double worst = 0;
    for (std::size_t j = 0; j < n; ++j) {
        const double want = double(dots(0, j)) * double(t.scale) * double(sx);
        worst = std::max(worst, std::abs(double(y(0, j)) - want) / (std::abs(want) + 1e-6));
    }

    std::printf("kernels: %s\n", std::string(bitla::name(bitla::active_isa())).c_str());
    std::printf("W %zu x %zu: %.0f KiB packed (%.0f KiB as float), gamma = %.5f; x scale = %.5f\n", n, k,
                double(packed.bytes()) / 1024, double(n * k * sizeof(float)) / 1024, double(t.scale), double(sx));
    std::printf("y[0..3] = %.4f %.4f %.4f %.4f\n", double(y(0, 0)), double(y(0, 1)), double(y(0, 2)), double(y(0, 3)));
    std::printf("largest relative difference from the reference: %.2g (%s)\n", worst, worst < 1e-5 ? "ok" : "MISMATCH");
    return worst < 1e-5 ? 0 : 1;
}
