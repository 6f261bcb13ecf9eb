// Binary embedding search: sign-binarise float vectors, find the 10 nearest codes by
// Hamming distance, and measure recall@10 against exact float cosine search.
//
// The codes are random-hyperplane (SimHash) codes: bit j of a vector v is sign(r_j · v)
// for Gaussian directions r_j, so the Hamming distance between two codes estimates the
// angle between the vectors (P[bit differs] = angle / pi). More bits, better estimates;
// re-ranking a short Hamming list with the float vectors recovers most of the rest.
//
// Usage: binary_search [database size, default 20000]
//
// Built with runtime dispatch: hamming_topk runs the best popcount kernel this CPU has.
#include <bitla/bitla.hpp>
#include <bitla/gemm/hamming.hpp>
#include <bitla/gemm/xnor.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <numeric>
#include <random>
#include <vector>

namespace {

constexpr std::size_t dim = 128, n_queries = 100, top = 10;

/// Clustered unit vectors: 200 random centres, each point a centre plus noise.
bitla::Matrix<float> make_vectors(std::size_t count, std::mt19937& rng) {
    static std::vector<float> centres = [] {
        std::mt19937 crng(7);
        std::normal_distribution<float> g;
        std::vector<float> c(200 * dim);
        for (auto& v : c) v = g(crng);
        return c;
    }();
    std::normal_distribution<float> g;
    std::uniform_int_distribution<std::size_t> pick(0, 199);
    bitla::Matrix<float> m(count, dim);
    for (std::size_t i = 0; i < count; ++i) {
        const float* c = &centres[pick(rng) * dim];
        double norm = 0;
        for (std::size_t d = 0; d < dim; ++d) {
            m(i, d) = c[d] + 0.9f * g(rng);
            norm += double(m(i, d)) * m(i, d);
        }
        for (std::size_t d = 0; d < dim; ++d) m(i, d) = static_cast<float>(m(i, d) / std::sqrt(norm));
    }
    return m;
}

/// Projections onto `bits` random directions; pack_sign turns them into codes.
bitla::Matrix<float> project(const bitla::Matrix<float>& v, const bitla::Matrix<float>& dirs) {
    bitla::Matrix<float> p(v.rows(), dirs.rows());
    for (std::size_t i = 0; i < v.rows(); ++i)
        for (std::size_t j = 0; j < dirs.rows(); ++j) {
            float s = 0;
            for (std::size_t d = 0; d < dim; ++d) s += v(i, d) * dirs(j, d);
            p(i, j) = s;
        }
    return p;
}

/// Indices of the `k` largest scores, ties to the lower index.
std::vector<std::size_t> top_k(const std::vector<double>& score, std::size_t k) {
    std::vector<std::size_t> idx(score.size());
    std::iota(idx.begin(), idx.end(), 0);
    std::partial_sort(idx.begin(), idx.begin() + static_cast<std::ptrdiff_t>(k), idx.end(),
                      [&](std::size_t a, std::size_t b) { return score[a] > score[b] || (score[a] == score[b] && a < b); });
    idx.resize(k);
    return idx;
}

}  // namespace

int main(int argc, char** argv) {
    const std::size_t n_base = argc > 1 ? std::strtoul(argv[1], nullptr, 10) : 20000;
    std::mt19937 rng(42);
    const auto base = make_vectors(n_base, rng);
    const auto queries = make_vectors(n_queries, rng);

    // Exact float cosine top-10 (vectors are unit length, so cosine = dot).
    std::vector<std::vector<std::size_t>> truth(n_queries);
    for (std::size_t q = 0; q < n_queries; ++q) {
        std::vector<double> s(n_base);
        for (std::size_t i = 0; i < n_base; ++i)
            for (std::size_t d = 0; d < dim; ++d) s[i] += double(queries(q, d)) * base(i, d);
        truth[q] = top_k(s, top);
    }

    std::printf("binary embedding search: %zu database vectors, %zu queries, %zu-d floats\n", n_base, n_queries, dim);
    std::printf("%6s  %10s  %12s  %18s  %12s\n", "bits", "bytes/vec", "recall@10", "rerank top-100", "search ms");
    for (std::size_t bits : {64u, 256u, 1024u}) {
        bitla::Matrix<float> dirs(bits, dim);
        std::normal_distribution<float> g;
        for (auto& v : dirs.flat()) v = g(rng);
        const auto base_codes = bitla::pack_sign(project(base, dirs));
        const auto query_codes = bitla::pack_sign(project(queries, dirs));

        // The 100 nearest codes by Hamming distance, ascending (ties to the lower index).
        const auto t0 = std::chrono::steady_clock::now();
        bitla::Matrix<std::size_t> nearest(n_queries, 100);
        bitla::Matrix<std::uint32_t> distance(n_queries, 100);
        bitla::hamming_topk(query_codes, base_codes, nearest.cols(), distance.view(), nearest.view());
        const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();

        double hit = 0, hit_rerank = 0;
        for (std::size_t q = 0; q < n_queries; ++q) {
            const std::vector<std::size_t> found(nearest.row(q).begin(), nearest.row(q).begin() + top);
            const std::vector<std::size_t> shortlist(nearest.row(q).begin(), nearest.row(q).end());
            std::vector<double> exact(shortlist.size());
            for (std::size_t i = 0; i < shortlist.size(); ++i)
                for (std::size_t d = 0; d < dim; ++d) exact[i] += double(queries(q, d)) * base(shortlist[i], d);
            std::vector<std::size_t> reranked;
            for (std::size_t i : top_k(exact, top)) reranked.push_back(shortlist[i]);
            for (std::size_t t : truth[q]) {
                hit += std::count(found.begin(), found.end(), t);
                hit_rerank += std::count(reranked.begin(), reranked.end(), t);
            }
        }
        std::printf("%6zu  %10zu  %12.3f  %18.3f  %12.2f\n", bits, bits / 8, hit / (n_queries * top),
                    hit_rerank / (n_queries * top), ms);
        if (bits == 1024 && hit_rerank / (n_queries * top) < 0.9) {
            std::printf("unexpectedly low recall\n");
            return 1;
        }
    }
    return 0;
}
