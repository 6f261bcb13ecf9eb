// Quantize a float linear layer with HQQ 2-bit, groups of 64 along K, add a rank-16
// low-rank correction, and run it — printing the error and the speed against float.
//
//     Ŵ = (Wq − z)·s  (+ B·A),   y = x·Ŵᵀ + b,   one fused pass over codes and metadata
//
// The y error includes int8 activation quantization (absmax per token).
//
// Usage: hqq_layer [N = K, default 2048]
#include <bitla/bitla.hpp>
#include <bitla/expr/expr.hpp>
#include <bitla/quant/quant.hpp>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <random>

namespace {

/// Heavy-tailed weights, like a trained layer's: Student-t (3 dof) × 0.02.
bitla::Matrix<float> make_weights(std::size_t n, std::size_t k) {
    std::mt19937 rng(21);
    std::student_t_distribution<float> t(3.0f);
    bitla::Matrix<float> w(n, k);
    for (auto& v : w.flat()) v = 0.02f * t(rng);
    return w;
}

template <class F>
double time_us(F&& f) {
    const auto t0 = std::chrono::steady_clock::now();
    int reps = 0;
    do f(), ++reps;
    while (std::chrono::steady_clock::now() - t0 < std::chrono::milliseconds(100));
    return std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count() / reps;
}

}  // namespace

int main(int argc, char** argv) {
    using namespace bitla::expr;
    const std::size_t n = argc > 1 ? std::strtoul(argv[1], nullptr, 10) : 2048, k = n;
    const auto w = make_weights(n, k);
    std::vector<float> b(n, 0.1f);
    bitla::Matrix<float> x(1, k);
    std::mt19937 rng(2);
    std::normal_distribution<float> g;
    for (auto& v : x.flat()) v = g(rng);

    // Float reference: y = x·Wᵀ + b.
    bitla::Matrix<float> y_float(1, n);
    const double float_us = time_us([&] {
        for (std::size_t j = 0; j < n; ++j) {
            float s = b[j];
            for (std::size_t i = 0; i < k; ++i) s += x(0, i) * w(j, i);
            y_float(0, j) = s;
        }
    });

    bitla::HqqOptions opt;
    opt.nbits = 2;
    opt.group_size = 64;
    opt.mode = bitla::HqqMode::improved;  // bitla's least-squares grid; HqqMode::faithful reproduces HQQ
    const auto fit = bitla::hqq_low_rank(w, 16, {.hqq = opt});
    const auto& q = fit.quantized;
    const auto base = packed(q.values) * group_scale(q.scale, 64) + group_zero_point(q.zero, q.scale, 64);

    std::printf("HQQ 2-bit g64 layer %zu x %zu, kernels: %s\n", n, k, std::string(bitla::name(bitla::active_isa())).c_str());
    std::printf("%-22s %12s %14s %12s %10s\n", "weights", "MiB read", "rel. W error", "rel. y error", "us / call");
    std::printf("%-22s %12.2f %14s %12s %10.1f\n", "float32", double(n * k * 4) / (1 << 20), "-", "-", float_us);
    // Activations per token as int8 with one absmax scale (what decode engines do): the
    // kernels then sum u8·s8 products exactly and apply scales once per group.
    const auto xq = bitla::quantize_absmax(x);
    const std::span<const float> sx(xq.scale.data(), 1);
    const auto run = [&](const char* name, const auto& expr) {
        const Compiled layer = compile(expr);
        bitla::Matrix<float> y(1, n);
        const double us = time_us([&] { evaluate(linear(int8_rows(xq.values, sx), layer) + bias(b), y.view()); });
        const auto wd = dequantize(expr);
        double ew = 0, nw = 0, ey = 0, ny = 0;
        for (std::size_t i = 0; i < n * k; ++i) ew += std::pow(double(w.flat()[i]) - wd.flat()[i], 2), nw += std::pow(double(w.flat()[i]), 2);
        for (std::size_t j = 0; j < n; ++j) ey += std::pow(double(y(0, j)) - y_float(0, j), 2), ny += std::pow(double(y_float(0, j)), 2);
        std::printf("%-22s %12.2f %14.3f %12.3f %10.1f\n", name, double(layer.bytes()) / (1 << 20), std::sqrt(ew / nw),
                    std::sqrt(ey / ny), us);
        return std::sqrt(ey / ny);
    };
    const double e0 = run("HQQ 2-bit g64", base);
    const double e1 = run("HQQ 2-bit g64 + r16", base + low_rank(fit.correction.b, fit.correction.a));
    std::printf("(the float loop is plain C++ for scale; bitla-bench compares with OpenBLAS)\n");
    return e1 <= e0 && e0 < 0.5 ? 0 : 1;
}
