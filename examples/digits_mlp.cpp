// A tiny MLP on the 8x8 handwritten digits, trained in float, then run with its weights
// quantized in six ways through bitla expressions — an accuracy table like the HQQ+
// write-up's, at toy scale.
//
//   64 pixels -> 128 hidden (ReLU) -> 10 classes; 1437 training and 360 test images.
//
// Data: examples/data/digits.csv (scikit-learn's copy of the UCI set, BSD-3; see
// examples/data/LICENSE-digits.txt). Usage: digits_mlp [epochs, default 40]
#include <bitla/bitla.hpp>
#include <bitla/expr/expr.hpp>
#include <bitla/quant/quant.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <numeric>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#ifndef BITLA_EXAMPLES_DATA_DIR
#define BITLA_EXAMPLES_DATA_DIR "examples/data"
#endif

namespace {

using bitla::Matrix;
constexpr std::size_t n_in = 64, n_hidden = 128, n_out = 10;

struct Digits {
    Matrix<float> x;  // images x 64, pixels scaled to [0, 1]
    std::vector<int> label;
};

Digits load(const std::string& path) {
    std::ifstream in(path);
    if (!in) {
        std::fprintf(stderr, "cannot read %s\n", path.c_str());
        std::exit(1);
    }
    std::vector<std::vector<float>> rows;
    std::vector<int> labels;
    for (std::string line; std::getline(in, line);) {
        std::stringstream ss(line);
        std::vector<float> r;
        for (std::string cell; std::getline(ss, cell, ',');) r.push_back(std::stof(cell));
        labels.push_back(static_cast<int>(r.back()));
        r.pop_back();
        rows.push_back(std::move(r));
    }
    Digits d{Matrix<float>(rows.size(), n_in), labels};
    for (std::size_t i = 0; i < rows.size(); ++i)
        for (std::size_t j = 0; j < n_in; ++j) d.x(i, j) = rows[i][j] / 16.0f;
    return d;
}

Digits subset(const Digits& d, const std::vector<std::size_t>& idx) {
    Digits s{Matrix<float>(idx.size(), n_in), {}};
    for (std::size_t i = 0; i < idx.size(); ++i) {
        for (std::size_t j = 0; j < n_in; ++j) s.x(i, j) = d.x(idx[i], j);
        s.label.push_back(d.label[idx[i]]);
    }
    return s;
}

/// The float model: y = W2 · relu(W1 · x + b1) + b2, weights N x K like nn.Linear.
struct Mlp {
    Matrix<float> w1{n_hidden, n_in}, w2{n_out, n_hidden};
    std::vector<float> b1 = std::vector<float>(n_hidden), b2 = std::vector<float>(n_out);
};

/// Trains with Adam on softmax cross-entropy, mini-batches of 32.
Mlp train(const Digits& d, int epochs) {
    Mlp m;
    std::mt19937 rng(3);
    std::normal_distribution<float> g;
    for (auto& v : m.w1.flat()) v = g(rng) * std::sqrt(2.0f / n_in);
    for (auto& v : m.w2.flat()) v = g(rng) * std::sqrt(2.0f / n_hidden);
    std::vector<float*> params = {m.w1.data(), m.w2.data(), m.b1.data(), m.b2.data()};
    std::vector<std::size_t> sizes = {m.w1.flat().size(), m.w2.flat().size(), m.b1.size(), m.b2.size()};
    std::vector<std::vector<float>> grad(4), mom(4), var(4);
    for (int p = 0; p < 4; ++p) grad[p].resize(sizes[p]), mom[p].resize(sizes[p]), var[p].resize(sizes[p]);
    std::vector<std::size_t> order(d.x.rows());
    std::iota(order.begin(), order.end(), 0);
    int step = 0;
    for (int e = 0; e < epochs; ++e) {
        std::shuffle(order.begin(), order.end(), rng);
        for (std::size_t start = 0; start < order.size(); start += 32) {
            for (auto& gp : grad) std::fill(gp.begin(), gp.end(), 0.0f);
            const std::size_t end = std::min(order.size(), start + 32);
            for (std::size_t b = start; b < end; ++b) {
                const auto x = d.x.row(order[b]);
                float h[n_hidden], o[n_out], dh[n_hidden] = {};
                for (std::size_t i = 0; i < n_hidden; ++i) {
                    float s = m.b1[i];
                    for (std::size_t j = 0; j < n_in; ++j) s += m.w1(i, j) * x[j];
                    h[i] = std::max(s, 0.0f);
                }
                float mx = -1e30f, z = 0;
                for (std::size_t i = 0; i < n_out; ++i) {
                    o[i] = m.b2[i];
                    for (std::size_t j = 0; j < n_hidden; ++j) o[i] += m.w2(i, j) * h[j];
                    mx = std::max(mx, o[i]);
                }
                for (float& v : o) z += v = std::exp(v - mx);
                for (std::size_t i = 0; i < n_out; ++i) {
                    const float dout = o[i] / z - (int(i) == d.label[order[b]] ? 1.0f : 0.0f);
                    grad[3][i] += dout;
                    for (std::size_t j = 0; j < n_hidden; ++j) {
                        grad[1][i * n_hidden + j] += dout * h[j];
                        dh[j] += dout * m.w2(i, j);
                    }
                }
                for (std::size_t i = 0; i < n_hidden; ++i) {
                    if (h[i] <= 0) continue;
                    grad[2][i] += dh[i];
                    for (std::size_t j = 0; j < n_in; ++j) grad[0][i * n_in + j] += dh[i] * x[j];
                }
            }
            ++step;
            const float lr = 3e-3f, b1 = 0.9f, b2 = 0.999f, scale = 1.0f / float(end - start);
            for (int p = 0; p < 4; ++p)
                for (std::size_t i = 0; i < sizes[p]; ++i) {
                    const float gi = grad[p][i] * scale;
                    mom[p][i] = b1 * mom[p][i] + (1 - b1) * gi;
                    var[p][i] = b2 * var[p][i] + (1 - b2) * gi * gi;
                    const float mh = mom[p][i] / (1 - std::pow(b1, float(step)));
                    const float vh = var[p][i] / (1 - std::pow(b2, float(step)));
                    params[p][i] -= lr * mh / (std::sqrt(vh) + 1e-8f);
                }
        }
    }
    return m;
}

std::size_t argmax(std::span<const float> v) {
    return static_cast<std::size_t>(std::max_element(v.begin(), v.end()) - v.begin());
}

/// Accuracy of a model whose two layers are given as functions x -> y (M x K -> M x N).
template <class Layer1, class Layer2>
double accuracy(const Digits& d, Layer1 layer1, Layer2 layer2) {
    Matrix<float> h = layer1(d.x);
    for (auto& v : h.flat()) v = std::max(v, 0.0f);
    const Matrix<float> o = layer2(h);
    std::size_t right = 0;
    for (std::size_t i = 0; i < d.x.rows(); ++i) right += argmax(o.row(i)) == std::size_t(d.label[i]);
    return double(right) / double(d.x.rows());
}

Matrix<float> dense_layer(const Matrix<float>& x, const Matrix<float>& w, const std::vector<float>& b) {
    Matrix<float> y(x.rows(), w.rows());
    for (std::size_t i = 0; i < x.rows(); ++i)
        for (std::size_t n = 0; n < w.rows(); ++n) {
            float s = b[n];
            for (std::size_t k = 0; k < w.cols(); ++k) s += x(i, k) * w(n, k);
            y(i, n) = s;
        }
    return y;
}

/// Relative Frobenius error ‖W − Ŵ‖ / ‖W‖.
double rel_error(const Matrix<float>& w, const Matrix<float>& wd) {
    double e = 0, n = 0;
    for (std::size_t i = 0; i < w.flat().size(); ++i) {
        e += std::pow(double(w.flat()[i]) - wd.flat()[i], 2);
        n += std::pow(double(w.flat()[i]), 2);
    }
    return std::sqrt(e / n);
}

/// One table row: both layers' weight expressions compiled for the fused kernels and run on
/// the test set, with each layer's relative weight error.
template <class E1, class E2>
void row(const char* name, const Mlp& m, const Digits& test, const E1& w1, const E2& w2) {
    using namespace bitla::expr;
    const Compiled l1 = compile(w1), l2 = compile(w2);
    const double acc = accuracy(
        test,
        [&](const Matrix<float>& x) {
            Matrix<float> y(x.rows(), n_hidden);
            evaluate(linear(x, l1) + bias(m.b1), y.view());
            return y;
        },
        [&](const Matrix<float>& h) {
            Matrix<float> y(h.rows(), n_out);
            evaluate(linear(h, l2) + bias(m.b2), y.view());
            return y;
        });
    std::printf("%-30s %9.1f%% %12.3f %12.3f\n", name, 100 * acc, rel_error(m.w1, dequantize(w1)),
                rel_error(m.w2, dequantize(w2)));
}

}  // namespace

int main(int argc, char** argv) {
    const int epochs = argc > 1 ? std::atoi(argv[1]) : 40;
    const Digits all = load(std::string(BITLA_EXAMPLES_DATA_DIR) + "/digits.csv");
    std::vector<std::size_t> idx(all.x.rows());
    std::iota(idx.begin(), idx.end(), 0);
    std::shuffle(idx.begin(), idx.end(), std::mt19937(1));
    const Digits train_set = subset(all, {idx.begin(), idx.begin() + 1437});
    const Digits test_set = subset(all, {idx.begin() + 1437, idx.end()});

    const Mlp m = train(train_set, epochs);
    std::printf("digits MLP 64-128-10, %d epochs; test accuracy with each layer's weights quantized:\n\n", epochs);
    std::printf("%-30s %10s %12s %12s\n", "weights", "accuracy", "W1 rel.err", "W2 rel.err");
    const double float_acc = accuracy(
        test_set, [&](const Matrix<float>& x) { return dense_layer(x, m.w1, m.b1); },
        [&](const Matrix<float>& h) { return dense_layer(h, m.w2, m.b2); });
    std::printf("%-30s %9.1f%% %12s %12s\n", "float32", 100 * float_acc, "-", "-");

    using namespace bitla::expr;
    // XNOR-Net: sign bits with a per-row scale alpha = mean|w|.
    const auto s1 = bitla::quantize_sign(m.w1), s2 = bitla::quantize_sign(m.w2);
    row("sign-binary (1 bit, row alpha)", m, test_set, packed(s1.values) * row_scale(s1.scale),
        packed(s2.values) * row_scale(s2.scale));
    // BitNet b1.58: ternary {-1, 0, 1} with gamma = mean|W|.
    const auto t1 = bitla::quantize_absmean(m.w1), t2 = bitla::quantize_absmean(m.w2);
    row("absmean ternary (1.58 bit)", m, test_set, packed(t1.values) * tensor_scale(t1.scale),
        packed(t2.values) * tensor_scale(t2.scale));
    // HQQ: (Wq - z)·s per group of 16 along K, optionally plus a rank-r correction B·A.
    const auto hqq = [&](const Matrix<float>& w, float bits, bitla::HqqMode mode) {
        bitla::HqqOptions o;
        o.nbits = bits;
        o.group_size = 16;
        o.mode = mode;
        return bitla::quantize_hqq(w, o);
    };
    const auto term = [](const bitla::HqqQuantized& q) {
        return packed(q.values) * group_scale(q.scale, q.group_size) + group_zero_point(q.zero, q.scale, q.group_size);
    };
    const auto h1 = hqq(m.w1, 1, bitla::HqqMode::faithful), h2 = hqq(m.w2, 1, bitla::HqqMode::faithful);
    row("HQQ 1-bit g16", m, test_set, term(h1), term(h2));
    const auto i1 = hqq(m.w1, 1, bitla::HqqMode::improved), i2 = hqq(m.w2, 1, bitla::HqqMode::improved);
    row("HQQ 1-bit g16, improved", m, test_set, term(i1), term(i2));
    bitla::HqqOptions o1;
    o1.nbits = 1;
    o1.group_size = 16;
    o1.mode = bitla::HqqMode::improved;
    const auto lr1 = bitla::hqq_low_rank(m.w1, 8, {.hqq = o1}), lr2 = bitla::hqq_low_rank(m.w2, 8, {.hqq = o1});
    row("HQQ 1-bit g16 improved + r8", m, test_set,
        term(lr1.quantized) + low_rank(lr1.correction.b, lr1.correction.a),
        term(lr2.quantized) + low_rank(lr2.correction.b, lr2.correction.a));
    const auto q1 = hqq(m.w1, 2, bitla::HqqMode::faithful), q2 = hqq(m.w2, 2, bitla::HqqMode::faithful);
    row("HQQ 2-bit g16", m, test_set, term(q1), term(q2));
    std::printf("\n(W2 is 10 x 128: a rank-8 correction covers most of its residual, so the r8 row's gain\n"
                " comes largely from the output layer; W1's error shows the honest effect.)\n");
    return float_acc > 0.9 ? 0 : 1;
}
