// Test support: reproducible random matrices and the naive products that check bitla's.
#pragma once

#include <bitla/bitla.hpp>

#include <cmath>
#include <cstdint>
#include <limits>
#include <random>

namespace bitla_test {

using bitla::Matrix;

/// The test shapes every product is checked at (the edge set).
inline constexpr std::size_t edge_k[] = {1, 63, 64, 65, 511, 512, 513};
inline constexpr std::size_t edge_mn[] = {0, 1, 7};

inline std::mt19937_64& rng() {
    static std::mt19937_64 g(0xb17a);
    return g;
}

/// Integers uniform in [lo, hi] stored as T.
template <class T>
Matrix<T> random_ints(std::size_t rows, std::size_t cols, int lo, int hi) {
    Matrix<T> m(rows, cols);
    std::uniform_int_distribution<int> d(lo, hi);
    for (auto& v : m.flat()) v = static_cast<T>(d(rng()));
    return m;
}

/// Non-zero values in {-1, +1}.
template <class T>
Matrix<T> random_signs(std::size_t rows, std::size_t cols) {
    Matrix<T> m = random_ints<T>(rows, cols, 0, 1);
    for (auto& v : m.flat()) v = v ? T(1) : T(-1);
    return m;
}

inline Matrix<float> random_floats(std::size_t rows, std::size_t cols, float sigma = 1.0f) {
    Matrix<float> m(rows, cols);
    std::normal_distribution<float> d(0.0f, sigma);
    for (auto& v : m.flat()) v = d(rng());
    return m;
}

/// y = x . w^T in double, from unpacked values; also returns sum |x_k w_k| per entry.
template <class X, class W>
void naive_gemm(const Matrix<X>& x, const Matrix<W>& w, Matrix<double>& y, Matrix<double>& mag) {
    y = Matrix<double>(x.rows(), w.rows());
    mag = Matrix<double>(x.rows(), w.rows());
    for (std::size_t m = 0; m < x.rows(); ++m)
        for (std::size_t n = 0; n < w.rows(); ++n) {
            double s = 0, a = 0;
            for (std::size_t k = 0; k < x.cols(); ++k) {
                s += double(x(m, k)) * double(w(n, k));
                a += std::abs(double(x(m, k)) * double(w(n, k)));
            }
            y(m, n) = s;
            mag(m, n) = a;
        }
}

/// The bound for a float sum of K products in any order: (K + 1) * eps * sum |x_k w_k|
/// (the classic recursive-summation bound, plus one rounding of the result).
inline double float_bound(std::size_t k, double magnitude) {
    return double(k + 1) * std::numeric_limits<float>::epsilon() * magnitude;
}

}  // namespace bitla_test
