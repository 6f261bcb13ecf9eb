// The binary GEMM / GEMV and Hamming drivers on every ISA this host runs, against
// bitla::reference bit for bit, at the edge shapes; thread-count independence; bad input.
#include <bitla/gemm/hamming.hpp>
#include <bitla/gemm/xnor.hpp>
#include <bitla/kernels/generic/reference.hpp>

#include <catch2/catch.hpp>

#include <cstring>
#include <vector>

#include "support/random.hpp"

using namespace bitla;
using namespace bitla_test;

namespace {

constexpr std::size_t xnor_k[] = {1, 63, 64, 65, 511, 512, 513, 4097};

BitPacked<enc::sign> random_bits(std::size_t rows, std::size_t cols) {
    return BitPacked<enc::sign>::from_values(random_signs<int>(rows, cols));
}

std::vector<std::size_t> edges(std::size_t r) {
    return r > 1 ? std::vector<std::size_t>{1, r - 1, r, r + 1} : std::vector<std::size_t>{1, 2};
}

template <class T>
bool same(const Matrix<T>& x, const Matrix<T>& y) {
    return x.rows() == y.rows() && x.cols() == y.cols() &&
           (x.flat().empty() || std::memcmp(x.data(), y.data(), x.flat().size_bytes()) == 0);
}

}  // namespace

TEST_CASE("xnor_gemm matches the reference on every ISA at the edge shapes", "[gemm][xnor]") {
    ThreadPool one(1);
    for (isa i : available_isas()) {
        ScopedIsaLimit limit(i);
        const XnorKernels& kern = active_kernels<XnorKernels>();
        for (std::size_t m : edges(kern.mr))
            for (std::size_t n : edges(kern.nr))
                for (std::size_t k : xnor_k) {
                    INFO("isa " << name(i) << " M " << m << " N " << n << " K " << k);
                    const auto a = random_bits(m, k), w = random_bits(n, k);
                    Matrix<std::int32_t> want(m, n), got(m, n);
                    reference::xnor_gemm(a, w, want);
                    xnor_gemm(a, w, got, {&one});
                    REQUIRE(same(want, got));

                    const auto sa = random_floats(1, m), sw = random_floats(1, n);
                    Matrix<float> fwant(m, n), fgot(m, n);
                    reference::xnor_gemm(SignRows{a, sa.flat()}, SignRows{w, sw.flat()}, fwant);
                    xnor_gemm(SignRows{a, sa.flat()}, SignRows{w, sw.flat()}, fgot, {&one});
                    REQUIRE(same(fwant, fgot));
                    reference::xnor_gemm(SignRows{a}, SignRows{w, sw.flat()}, fwant);
                    xnor_gemm(SignRows{a}, SignRows{w, sw.flat()}, fgot, {&one});
                    REQUIRE(same(fwant, fgot));
                    reference::xnor_gemm(SignRows{a, sa.flat()}, SignRows{w}, fwant);
                    xnor_gemm(SignRows{a, sa.flat()}, SignRows{w}, fgot, {&one});
                    REQUIRE(same(fwant, fgot));
                }
    }
}

TEST_CASE("xnor_gemv matches the reference on every ISA", "[gemm][xnor]") {
    for (isa i : available_isas()) {
        ScopedIsaLimit limit(i);
        for (std::size_t n : {1, 3, 4, 5, 300})
            for (std::size_t k : xnor_k) {
                INFO("isa " << name(i) << " N " << n << " K " << k);
                const auto a = random_bits(1, k), w = random_bits(n, k);
                Matrix<std::int32_t> want(1, n), got(1, n);
                reference::xnor_gemv(a, w, want.row(0));
                xnor_gemv(a, w, got.row(0));
                REQUIRE(same(want, got));
                const auto sw = random_floats(1, n);
                Matrix<float> fwant(1, n), fgot(1, n);
                const float sa[1] = {0.375f};
                reference::xnor_gemm(SignRows{a, std::span<const float>(sa)}, SignRows{w, sw.flat()}, fwant.view());
                xnor_gemv(SignRows{a, std::span<const float>(&sa[0], 1)}, SignRows{w, sw.flat()}, fgot.row(0));
                REQUIRE(same(fwant, fgot));
            }
    }
}

TEST_CASE("Hamming distances and top-k match the reference on every ISA", "[gemm][hamming]") {
    for (isa i : available_isas()) {
        ScopedIsaLimit limit(i);
        const XnorKernels& kern = active_kernels<XnorKernels>();
        for (std::size_t nq : edges(kern.mr))
            for (std::size_t nb : {std::size_t{1}, kern.nr - 1, kern.nr + 1, 3 * kern.nr + 5})
                for (std::size_t bits : {1, 7, 63, 100, 513}) {
                    if (nb == 0) continue;
                    INFO("isa " << name(i) << " nq " << nq << " nb " << nb << " bits " << bits);
                    const auto q = BitPacked<enc::zero_one>::from_values(random_ints<int>(nq, bits, 0, 1));
                    // Few distinct codes, so many distances tie and the index order matters.
                    auto cv = random_ints<int>(nb, bits, 0, 1);
                    for (std::size_t r = 1; r < nb; r += 2)
                        for (std::size_t c = 0; c < bits; ++c) cv(r, c) = cv(r - 1, c);
                    const auto codes = BitPacked<enc::zero_one>::from_values(cv);
                    Matrix<std::uint32_t> dwant(nq, nb), dgot(nq, nb);
                    reference::hamming_distances(q.view(), codes.view(), dwant);
                    hamming_distances(q, codes, dgot);
                    REQUIRE(same(dwant, dgot));
                    for (std::size_t k : {std::size_t{1}, std::min<std::size_t>(nb, 10), nb}) {
                        Matrix<std::size_t> iwant(nq, k), igot(nq, k);
                        Matrix<std::uint32_t> kwant(nq, k), kgot(nq, k);
                        reference::hamming_topk(q.view(), codes.view(), iwant.cols(), kwant, iwant);
                        hamming_topk(q, codes, igot.cols(), kgot, igot);
                        REQUIRE(same(iwant, igot));
                        REQUIRE(same(kwant, kgot));
                    }
                }
    }
}

TEST_CASE("results do not depend on the thread count or the block split", "[gemm][xnor][threads]") {
    const auto a = random_bits(77, 1000), w = random_bits(133, 1000);
    const auto sa = random_floats(1, 77), sw = random_floats(1, 133);
    Matrix<std::int32_t> want(77, 133);
    Matrix<float> fwant(77, 133);
    reference::xnor_gemm(a, w, want);
    reference::xnor_gemm(SignRows{a, sa.flat()}, SignRows{w, sw.flat()}, fwant);
    for (unsigned threads : {1u, 2u, 3u, 5u}) {
        INFO("threads " << threads);
        ThreadPool pool(threads);
        Matrix<std::int32_t> got(77, 133);
        Matrix<float> fgot(77, 133);
        xnor_gemm(a, w, got, {&pool});
        xnor_gemm(SignRows{a, sa.flat()}, SignRows{w, sw.flat()}, fgot, {&pool});
        REQUIRE(same(want, got));
        REQUIRE(same(fwant, fgot));
        Matrix<std::size_t> idx(77, 10), idx1(77, 10);
        Matrix<std::uint32_t> dist(77, 10), dist1(77, 10);
        hamming_topk(a, w, idx.cols(), dist, idx, {&pool});
        ThreadPool one(1);
        hamming_topk(a, w, idx1.cols(), dist1, idx1, {&one});
        REQUIRE(same(idx, idx1));
        REQUIRE(same(dist, dist1));
    }
    // A caller's own split into odd blocks, through the range entry points.
    Matrix<std::int32_t> got(77, 133);
    Matrix<float> fgot(77, 133);
    for (std::size_t r : {0, 5, 40, 77})
        for (std::size_t c : {0, 3, 100, 133}) {
            const std::size_t r1 = r == 77 ? 77 : (r == 0 ? 5 : (r == 5 ? 40 : 77));
            const std::size_t c1 = c == 133 ? 133 : (c == 0 ? 3 : (c == 3 ? 100 : 133));
            xnor_gemm_block(a, w, got.view(), OutputBlock{r, r1, c, c1});
            xnor_gemm_block(SignRows{a, sa.flat()}, SignRows{w, sw.flat()}, fgot.view(), OutputBlock{r, r1, c, c1});
        }
    REQUIRE(same(want, got));
    REQUIRE(same(fwant, fgot));
    Matrix<std::uint32_t> d(77, 133), dref(77, 133);
    reference::hamming_distances(a.view(), w.view(), dref);
    hamming_distances_block(a, w, d.view(), OutputBlock{0, 30, 0, 133});
    hamming_distances_block(a, w, d.view(), OutputBlock{30, 77, 0, 133});
    REQUIRE(same(d, dref));
    Matrix<std::size_t> idx(77, 4), iref(77, 4);
    Matrix<std::uint32_t> dist(77, 4), kref(77, 4);
    reference::hamming_topk(a.view(), w.view(), iref.cols(), kref, iref);
    hamming_topk_block(a, w, idx.cols(), dist, idx, bitla::OutputBlock::rows(0, 33));
    hamming_topk_block(a, w, idx.cols(), dist, idx, bitla::OutputBlock::rows(33, 77));
    REQUIRE(same(idx, iref));
    REQUIRE(same(dist, kref));
}

TEST_CASE("bad input to the xnor and Hamming entries names the argument", "[gemm][xnor][errors]") {
    const auto a = random_bits(4, 100), w = random_bits(5, 100), w99 = random_bits(5, 99);
    const auto none = random_bits(4, 0);
    const auto arg = [](auto&& f) -> std::string {
        try {
            f();
        } catch (const bitla::error& e) {
            return e.argument();
        }
        return "<no error>";
    };
    Matrix<std::int32_t> y(4, 5), small(4, 4);
    Matrix<float> fy(4, 5);
    const auto sa = random_floats(1, 4), sw = random_floats(1, 5), bad = random_floats(1, 3);
    y(0, 0) = 12345;
    REQUIRE(arg([&] { xnor_gemm(a, w99, y); }) == "w");
    REQUIRE(y(0, 0) == 12345);  // nothing written
    REQUIRE_THROWS_WITH(xnor_gemm(a, w99, y), Catch::Contains("does not match a.cols = 100"));
    // K past the int32 bound names a, the operand whose K it is (a view over 2^31 bits,
    // rejected before a word is read).
    // y lies just before the view's first word, so the view's 256 MiB extent cannot cover it.
    std::vector<std::uint64_t> buf(2);
    BitView<enc::sign> huge{buf.data() + 1, 1, std::size_t{1} << 31, (std::size_t{1} << 31) / 64,
                            (std::size_t{1} << 31) / 64};
    REQUIRE(arg([&] { xnor_gemm(huge, huge, MatrixView<std::int32_t>(reinterpret_cast<std::int32_t*>(buf.data()), 1, 1)); }) ==
            "a");
    // A wrong-shape Hamming output is d.
    Matrix<std::uint32_t> d_bad(4, 4);
    REQUIRE(arg([&] { hamming_distances(a, w, d_bad.view()); }) == "d");
    REQUIRE(arg([&] { xnor_gemm(none, random_bits(5, 0), y); }) == "a");
    REQUIRE(arg([&] { xnor_gemm(a, w, small); }) == "y");
    REQUIRE(arg([&] { xnor_gemm(SignRows{a, bad.flat()}, SignRows{w, sw.flat()}, fy); }) == "a");
    REQUIRE(arg([&] { xnor_gemm(SignRows{a, sa.flat()}, SignRows{w, bad.flat()}, fy); }) == "w");
    REQUIRE(arg([&] { xnor_gemm_block(a, w, y.view(), OutputBlock{0, 5, 0, 5}); }) == "block");
    REQUIRE(arg([&] { xnor_gemm_block(a, w, y.view(), OutputBlock{2, 1, 0, 5}); }) == "block");
    REQUIRE(arg([&] { xnor_gemv(a, w, y.row(0)); }) == "a");
    // An output aliasing an input: y over a's words.
    MatrixView<std::int32_t> alias(reinterpret_cast<std::int32_t*>(const_cast<std::uint64_t*>(a.words(0).data())), 4, 5);
    REQUIRE(arg([&] { xnor_gemm(a, w, alias); }) == "y");
    // A float output aliasing a scale.
    Matrix<float> big(1, 20);
    MatrixView<float> over_scale(big.data(), 4, 5);
    REQUIRE(arg([&] { xnor_gemm(SignRows{a, std::span<const float>(big.data() + 3, 4)}, SignRows{w, sw.flat()}, over_scale); }) ==
            "y");

    Matrix<std::size_t> idx(4, 3);
    Matrix<std::uint32_t> dist(4, 3), d(4, 5);
    REQUIRE(arg([&] { hamming_distances(a, w99, d); }) == "codes");
    REQUIRE(arg([&] { hamming_distances(none, none, d); }) == "queries");
    REQUIRE(arg([&] { hamming_topk(a, w99, idx.cols(), dist, idx); }) == "codes");
    Matrix<std::size_t> idx6(4, 6), idx0(4, 0), idx3(3, 3);
    Matrix<std::uint32_t> dist6(4, 6), dist0(4, 0);
    REQUIRE(arg([&] { hamming_topk(a, w, 6, dist6, idx6); }) == "k");  // k > nb
    REQUIRE(arg([&] { hamming_topk(a, w, 0, dist0, idx0); }) == "k");  // k = 0
    REQUIRE(arg([&] { hamming_topk(a, w, 3, dist, idx3); }) == "labels");  // 3 rows for 4 queries
    REQUIRE(arg([&] { hamming_topk(a, w, 3, dist, idx6); }) == "labels");  // 6 columns for k = 3
    REQUIRE(arg([&] { hamming_topk(a, w, 3, d, idx); }) == "distances");
    MatrixView<std::uint32_t> dist_over_idx(reinterpret_cast<std::uint32_t*>(idx.data()), 4, 3);
    REQUIRE(arg([&] { hamming_topk(a, w, 3, dist_over_idx, idx); }) == "distances");
    REQUIRE(arg([&] { hamming_topk_block(a, w, 3, dist, idx, OutputBlock::rows(3, 5)); }) == "block");
    REQUIRE(arg([&] { hamming_topk_block(a, w, 3, dist, idx, OutputBlock{0, 4, 0, 2}); }) == "block");
    // Empty outputs are fine: nothing to compute.
    Matrix<std::int32_t> empty(0, 5);
    xnor_gemm(random_bits(0, 100), w, empty);
}
