// Test support: the weight matrices the quantizers are measured on (issue 6).
//   gaussian      N(0, σ = 0.02)
//   heavy_tailed  Student-t with 3 degrees of freedom × 0.02, plus a few outlier columns ×10
#pragma once

#include <bitla/bitla.hpp>

#include <cmath>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

namespace bitla_test {

inline bitla::Matrix<float> gaussian_weights(std::size_t rows, std::size_t cols, std::uint64_t seed = 1) {
    bitla::Matrix<float> w(rows, cols);
    std::mt19937_64 g(seed);
    std::normal_distribution<float> d(0.0f, 0.02f);
    for (auto& v : w.flat()) v = d(g);
    return w;
}

/// Student-t(3) × 0.02; every 128th column (8 of 1024) scaled ×10, like the outlier
/// input features of LLM projections.
inline bitla::Matrix<float> heavy_tailed_weights(std::size_t rows, std::size_t cols, std::uint64_t seed = 2) {
    bitla::Matrix<float> w(rows, cols);
    std::mt19937_64 g(seed);
    std::student_t_distribution<float> d(3.0f);
    for (auto& v : w.flat()) v = 0.02f * d(g);
    for (std::size_t r = 0; r < rows; ++r)
        for (std::size_t c = 37; c < cols; c += 128) w(r, c) *= 10.0f;
    return w;
}

/// ||a - b||_F / ||a||_F in double.
inline double relative_error(const bitla::Matrix<float>& a, const bitla::Matrix<float>& b) {
    double num = 0, den = 0;
    for (std::size_t i = 0; i < a.flat().size(); ++i) {
        const double d = double(a.flat()[i]) - double(b.flat()[i]);
        num += d * d;
        den += double(a.flat()[i]) * double(a.flat()[i]);
    }
    return std::sqrt(num / den);
}

}  // namespace bitla_test
