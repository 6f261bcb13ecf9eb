// Add-only products (gemm/add.hpp): packing round trips, int8 results bit-exact against
// bitla::reference on every ISA the host runs, both variants and several thread counts;
// float results within a K-derived bound; every invalid input rejected before y is written.
#include <bitla/gemm/add.hpp>
#include <bitla/kernels/generic/reference.hpp>

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <initializer_list>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "support/random.hpp"

using namespace bitla;
using bitla_test::random_ints;

namespace {

std::mt19937_64& gen() {
    static std::mt19937_64 g(0xadd);
    return g;
}

enum class Fmt { sign, zero_one, tern_planes, tern_code2, tern_base3, planes2, planes3, planes8 };
constexpr Fmt all_formats[] = {Fmt::sign,       Fmt::zero_one, Fmt::tern_planes, Fmt::tern_code2,
                               Fmt::tern_base3, Fmt::planes2,  Fmt::planes3,     Fmt::planes8};

const char* fmt_name(Fmt f) {
    switch (f) {
        case Fmt::sign: return "sign";
        case Fmt::zero_one: return "zero_one";
        case Fmt::tern_planes: return "ternary_planes";
        case Fmt::tern_code2: return "ternary_code2";
        case Fmt::tern_base3: return "ternary_base3";
        case Fmt::planes2: return "bitplanes2";
        case Fmt::planes3: return "bitplanes3";
        case Fmt::planes8: return "bitplanes8";
    }
    return "?";
}

/// Random values of a format, the reference's int32 product with x, and the packed form.
struct Case {
    Matrix<int> values;
    AddWeights packed;
    Matrix<std::int32_t> ref;  // x . values^T
};

template <class W>
Matrix<std::int32_t> ref_product(const Matrix<std::int8_t>& x, const W& w) {
    Matrix<std::int32_t> y(x.rows(), w.rows());
    reference::gemm(x, w, y);
    return y;
}

Case make_case(Fmt f, std::size_t n, std::size_t k, const Matrix<std::int8_t>& x, const WeightScales& s = {}) {
    Case c;
    switch (f) {
        case Fmt::sign: {
            auto w = BitPacked<enc::sign>::from_values(bitla_test::random_signs<int>(n, k));
            c.values = w.unpack<int>(); c.packed = pack_add(w, s); c.ref = ref_product(x, w);
            break;
        }
        case Fmt::zero_one: {
            auto w = BitPacked<enc::zero_one>::from_values(random_ints<int>(n, k, 0, 1));
            c.values = w.unpack<int>(); c.packed = pack_add(w, s); c.ref = ref_product(x, w);
            break;
        }
        case Fmt::tern_planes: {
            auto w = TernaryPacked<enc::planes>::from_values(random_ints<int>(n, k, -1, 1));
            c.values = w.unpack<int>(); c.packed = pack_add(w, s); c.ref = ref_product(x, w);
            break;
        }
        case Fmt::tern_code2: {
            auto w = TernaryPacked<enc::code2>::from_values(random_ints<int>(n, k, -1, 1));
            c.values = w.unpack<int>(); c.packed = pack_add(w, s); c.ref = ref_product(x, w);
            break;
        }
        case Fmt::tern_base3: {
            auto w = TernaryPacked<enc::base3>::from_values(random_ints<int>(n, k, -1, 1));
            c.values = w.unpack<int>(); c.packed = pack_add(w, s); c.ref = ref_product(x, w);
            break;
        }
        case Fmt::planes2: case Fmt::planes3: case Fmt::planes8: {
            const int bits = f == Fmt::planes2 ? 2 : f == Fmt::planes3 ? 3 : 8;
            auto w = BitPlanes::from_values(random_ints<int>(n, k, 0, (1 << bits) - 1), bits);
            c.values = w.unpack<int>(); c.packed = pack_add(w, s); c.ref = ref_product(x, w);
            break;
        }
    }
    return c;
}

bool equal(const Matrix<std::int32_t>& a, const Matrix<std::int32_t>& b) {
    if (a.rows() != b.rows() || a.cols() != b.cols()) return false;
    for (std::size_t i = 0; i < a.rows(); ++i)
        for (std::size_t j = 0; j < a.cols(); ++j)
            if (a(i, j) != b(i, j)) return false;
    return true;
}

/// The argument() of the bitla::error f throws, or "none".
template <class F>
std::string arg(F&& f) {
    try {
        f();
    } catch (const error& e) {
        return e.argument();
    }
    return "none";
}

}  // namespace

TEST_CASE("per-row terms are stored after each panel's rows", "[add][pack]") {
    // core/add_layout.hpp: one 64-byte block per panel, 8 float scales then 8 zero terms.
    const std::size_t n = 21, k = 100;
    std::vector<float> rs(n), rz(n);
    for (std::size_t r = 0; r < n; ++r) rs[r] = 0.5f + float(r), rz[r] = -0.25f * float(r + 1);
    Matrix<std::int8_t> x(1, k);
    for (Fmt f : all_formats) {
        INFO(fmt_name(f));
        const Case plain = make_case(f, n, k, x);
        const Case c = make_case(f, n, k, x, WeightScales::per_row(rs, rz));
        const AddLayout& l = c.packed.layout();
        REQUIRE(plain.packed.layout().term_bytes == 0);
        REQUIRE(l.term_bytes == 64);
        // 21 rows: 3 panels; base-3 weights also keep each row's code sum (4 bytes).
        const bool base3 = l.codes == AddCodes::base3;
        REQUIRE(c.packed.bytes() == 3 * (8 * l.row_bytes + 64) + (base3 ? 4 * n : 0));
        REQUIRE(c.packed.code_sums().size() == (base3 ? n : 0));
        for (std::size_t r = 0; r < c.packed.code_sums().size(); ++r) {
            int sum = 0;
            for (std::size_t q = 0; q < k; ++q) sum += c.packed.code(r, q);
            REQUIRE(c.packed.code_sums()[r] == sum);
        }
        for (std::size_t r = 0; r < 24; ++r) {
            float s = 0, z = 0;
            std::memcpy(&s, c.packed.data() + l.terms_offset(r) + 4 * (r % 8), 4);
            std::memcpy(&z, c.packed.data() + l.terms_offset(r) + 32 + 4 * (r % 8), 4);
            REQUIRE(s == (r < n ? rs[r] : 0.0f));
            REQUIRE(z == (r < n ? rz[r] : 0.0f));
        }
        const auto back = unpack_values(c.packed);  // the codes are where they were
        bool same = true;
        for (std::size_t r = 0; r < n; ++r)
            for (std::size_t j = 0; j < k; ++j) same = same && back(r, j) == c.values(r, j);
        REQUIRE(same);
    }
}

TEST_CASE("base3 bytes decode every one of the 243 codes", "[add][base3]") {
    for (int v = 0; v < 243; ++v) {
        std::array<int, 5> t{};
        int r = v;
        for (int j = 4; j >= 0; --j) t[static_cast<std::size_t>(j)] = r % 3, r /= 3;
        const std::uint8_t b = base3::encode(t);
        for (int j = 0; j < 5; ++j) REQUIRE(base3::trit(b, j) == t[static_cast<std::size_t>(j)]);
    }
}

TEST_CASE("TernaryPacked base3 round-trips and converts", "[add][base3]") {
    for (std::size_t k : {1, 5, 63, 64, 319, 320, 321, 1000}) {
        const auto v = random_ints<int>(3, k, -1, 1);
        const auto t = TernaryPacked<enc::base3>::from_values(v);
        const auto u = t.unpack<int>();
        for (std::size_t r = 0; r < 3; ++r)
            for (std::size_t c = 0; c < k; ++c) REQUIRE(u(r, c) == v(r, c));
        REQUIRE(convert<enc::base3>(convert<enc::planes>(t)) == t);
        REQUIRE(convert<enc::code2>(t) == TernaryPacked<enc::code2>::from_values(v));
    }
    REQUIRE_THROWS_AS(TernaryPacked<enc::base3>::from_values(random_ints<int>(1, 4, 2, 2)), error);
}

TEST_CASE("pack_add round-trips every format", "[add][pack]") {
    const std::size_t ks[] = {1, 63, 64, 65, 511, 512, 513, 1100};
    for (Fmt f : all_formats)
        for (std::size_t k : ks) {
            INFO(fmt_name(f) << " K = " << k);
            Matrix<std::int8_t> x(1, k);
            const Case c = make_case(f, 5, k, x);
            const auto back = unpack_values(c.packed);
            for (std::size_t r = 0; r < 5; ++r)
                for (std::size_t j = 0; j < k; ++j) REQUIRE(back(r, j) == c.values(r, j));
        }
}

TEST_CASE("int8 products are bit-exact on every ISA and thread count", "[add][exact]") {
    const std::size_t ks[] = {1, 63, 64, 65, 511, 513, 2100};
    const std::size_t ms[] = {1, 3, 8, 17};
    ThreadPool pools[] = {ThreadPool(1), ThreadPool(2), ThreadPool(3)};
    for (Fmt f : all_formats)
        for (std::size_t k : ks)
            for (std::size_t m : ms) {
                const std::size_t n = 1 + (k + m) % 13;
                const auto x = random_ints<std::int8_t>(m, k, -128, 127);
                const Case c = make_case(f, n, k, x);
                for (isa i : available_isas()) {
                    ScopedIsaLimit limit(i);
                    for (auto& pool : pools) {
                        INFO(fmt_name(f) << " M = " << m << " N = " << n << " K = " << k << " isa " << name(i)
                                         << " threads " << pool.size());
                        Matrix<std::int32_t> y(m, n);
                        AddOptions opt;
                        opt.pool = &pool;
                        gemm(x, c.packed, y, opt);
                        REQUIRE(equal(y, c.ref));
                    }
                }
            }
}

TEST_CASE("GEMV rows kernel: M = 1 is bit-exact for every row tile and K edge", "[add][exact][gemv]") {
    // N = 1..19 covers the rows kernel's tiles (8, 4, 2, 1 and their sums); K the edges of
    // code blocks (64 values), base3 blocks (320) and superblocks (1024).
    const std::size_t ks[] = {1, 63, 64, 65, 511, 513, 4097};
    ThreadPool pools[] = {ThreadPool(1), ThreadPool(2)};
    for (Fmt f : {Fmt::sign, Fmt::zero_one, Fmt::tern_code2, Fmt::tern_base3, Fmt::planes2, Fmt::planes3})
        for (std::size_t k : ks) {
            const auto x = random_ints<std::int8_t>(1, k, -128, 127);
            const Case c = make_case(f, 19, k, x);
            for (isa i : available_isas()) {
                ScopedIsaLimit limit(i);
                for (std::size_t n : {1, 2, 3, 7, 8, 9, 15, 19})
                    for (auto& pool : pools) {
                        INFO(fmt_name(f) << " N = " << n << " K = " << k << " isa " << name(i) << " threads "
                                         << pool.size());
                        Matrix<std::int32_t> y(1, 19);
                        for (auto& v : y.flat()) v = -7;
                        AddOptions opt;
                        opt.pool = &pool;
                        const auto a = prepare(Int8Rows{x, {}}, c.packed);
                        parallel_for(n, 1, [&](std::size_t b, std::size_t e) { gemm_block(a, c.packed, y.view(), OutputBlock::columns(b, e), opt); }, pool);
                        bool ok = true;
                        for (std::size_t j = 0; j < 19; ++j) ok = ok && y(0, j) == (j < n ? c.ref(0, j) : -7);
                        REQUIRE(ok);
                    }
            }
        }
}

TEST_CASE("grouped scales with the HQQ zero fold match the dequantized product", "[add][groups]") {
    const std::size_t groups_of[] = {8, 24, 32, 64, 128};
    // M = 1 runs the GEMV rows kernel (fused epilogue where G is the lane width: 8..64),
    // M = 3 the tile kernels; 17 groups cross a 16-group flush, N = 11 is tiles of 8, 2, 1.
    struct Shape {
        std::size_t m, groups, n;
    };
    for (Fmt f : {Fmt::planes2, Fmt::planes3, Fmt::tern_code2, Fmt::tern_base3, Fmt::sign, Fmt::planes8})
        for (std::size_t g : groups_of)
            for (Shape sh : {Shape{3, 5, 6}, Shape{1, 5, 6}, Shape{1, 17, 11}}) {
            const std::size_t k = g * sh.groups, m = sh.m, n = sh.n;
            const auto x = random_ints<std::int8_t>(m, k, -128, 127);
            Matrix<float> scale(n, k / g), zero(n, k / g);
            std::uniform_real_distribution<float> ds(0.001f, 0.1f), dz(0.0f, 3.0f);
            for (auto& v : scale.flat()) v = ds(gen());
            for (auto& v : zero.flat()) v = dz(gen());
            std::vector<float> xscale = {0.5f, 2.0f, 0.01f}, bias(n);
            xscale.resize(m);
            for (auto& b : bias) b = ds(gen());
            const Case c = make_case(f, n, k, x, WeightScales::hqq(scale, zero, g));
            // Reference in double from the stored (fp16) metadata: s' = q_mul s, u' = q_add s - z s.
            const AddLayout& l = c.packed.layout();
            Matrix<double> want(m, n), mag(m, n);
            for (std::size_t i = 0; i < m; ++i)
                for (std::size_t j = 0; j < n; ++j) {
                    double y = 0, a = 0;
                    for (std::size_t q = 0; q < k / g; ++q) {
                        const double sp = detail::half_to_float(detail::float_to_half(l.q_mul * scale(j, q)));
                        const double up = detail::half_to_float(
                            detail::float_to_half(static_cast<float>(l.q_add) * scale(j, q) - zero(j, q) * scale(j, q)));
                        double dq = 0, xs = 0;
                        for (std::size_t kk = q * g; kk < (q + 1) * g; ++kk) {
                            dq += double(x(i, kk)) * ((c.values(j, kk) - l.q_add) / l.q_mul);
                            xs += x(i, kk);
                        }
                        y += sp * dq + up * xs;
                        a += std::fabs(sp * dq) + std::fabs(up * xs);
                    }
                    want(i, j) = xscale[i] * y + bias[j];
                    mag(i, j) = std::fabs(xscale[i]) * a + std::fabs(bias[j]);
                }
            for (isa i : available_isas()) {
                ScopedIsaLimit limit(i);
                INFO(fmt_name(f) << " G = " << g << " M = " << m << " K = " << k << " isa " << name(i));
                Matrix<float> y(m, n);
                AddOptions opt;
                opt.bias = bias;
                gemm(Int8Rows{x, xscale}, c.packed, y, opt);
                for (std::size_t a = 0; a < m; ++a)
                    for (std::size_t b = 0; b < n; ++b)
                        REQUIRE(std::fabs(y(a, b) - want(a, b)) <= 1e-6 * (k / g + 8) * mag(a, b) + 1e-30);
            }
            }
}

TEST_CASE("per-row and per-tensor scales and float activations", "[add][float]") {
    const std::size_t k = 777, m = 5, n = 9;
    const auto xi = random_ints<std::int8_t>(m, k, -128, 127);
    Matrix<float> xf(m, k);
    std::normal_distribution<float> nd(0, 1);
    for (auto& v : xf.flat()) v = nd(gen());
    std::vector<float> rs(n), rz(n);
    for (std::size_t j = 0; j < n; ++j) rs[j] = 0.1f * float(j + 1), rz[j] = 0.01f * float(j);
    for (Fmt f : all_formats) {
        for (int kind = 0; kind < 2; ++kind) {
            const WeightScales s = kind == 0 ? WeightScales::per_row(rs, rz) : WeightScales::per_tensor(0.25f, -0.5f);
            const Case c = make_case(f, n, k, xi, s);
            for (isa i : available_isas()) {
                ScopedIsaLimit limit(i);
                INFO(fmt_name(f) << " kind " << kind << " isa " << name(i));
                Matrix<float> yi(m, n), yf(m, n);
                gemm(Int8Rows{xi, {}}, c.packed, yi);
                gemm(MatrixView<const float>(xf), c.packed, yf);
                for (std::size_t a = 0; a < m; ++a)
                    for (std::size_t b = 0; b < n; ++b) {
                        const double sc = kind == 0 ? rs[b] : 0.25, zt = kind == 0 ? rz[b] : -0.5;
                        double xs = 0, xsf = 0, df = 0, mf = 0;
                        for (std::size_t q = 0; q < k; ++q) xs += xi(a, q), xsf += xf(a, q),
                                                            df += double(xf(a, q)) * c.values(b, q),
                                                            mf += std::fabs(xf(a, q) * c.values(b, q));
                        const double wi = sc * c.ref(a, b) + zt * xs;
                        REQUIRE(std::fabs(yi(a, b) - wi) <= 1e-6 * (std::fabs(sc * c.ref(a, b)) + std::fabs(zt * xs)) + 1e-6);
                        const double wf = sc * df + zt * xsf;
                        REQUIRE(std::fabs(yf(a, b) - wf) <= 1e-6 * (k + 8) * (std::fabs(sc) * mf * 3 + std::fabs(zt * xsf) + 1));
                    }
            }
        }
    }
}

TEST_CASE("bits GEMV at the extremes and on both sides of the scaled sums' int32 limit", "[add][exact][gemv]") {
    // The AVX-512 bits GEMV multiplies c & 2^r (2^r·q, r the row within its panel) into row
    // r's sums and shifts them right by r: all x = -128 against all-ones / all-(+1) rows give
    // the largest sums (2^16 per step and lane at r = 7); the AVX2 one multiplies c & 2^(r mod 4)
    // into int16 sums widened every 8 steps, which all x = -128 fill to exactly -2^15 at
    // r = 3 and 7; mixed rows alongside, rows 8..10 in
    // a second panel's 2- and 1-row tiles. Rows of up to 32767 steps of 64 are summed scaled
    // (K = 2096128 is the longest: steps come in superblocks of 16); K = 2098176, 32784 full
    // steps, would overflow them at r = 7 and takes min(c & 2^r, 1).
    for (std::size_t k : {1023, 1024, 4097, 2096128, 2098176}) {
        Matrix<std::int8_t> x(1, k);
        for (auto& v : x.flat()) v = -128;
        Matrix<int> ones(11, k), signs(11, k);
        for (auto& v : ones.flat()) v = 1;
        for (auto& v : signs.flat()) v = 1;
        const auto mixed = random_ints<int>(11, k, 0, 1);
        for (std::size_t c = 0; c < k; ++c) ones(5, c) = mixed(5, c), signs(6, c) = 2 * mixed(6, c) - 1, ones(9, c) = 0;
        const auto w01 = BitPacked<enc::zero_one>::from_values(ones);
        const auto wsg = BitPacked<enc::sign>::from_values(signs);
        const auto p01 = pack_add(w01), psg = pack_add(wsg);
        const auto r01 = ref_product(x, w01), rsg = ref_product(x, wsg);
        for (isa i : available_isas()) {
            ScopedIsaLimit limit(i);
            INFO("K = " << k << " isa " << name(i));
            Matrix<std::int32_t> y(1, 11);
            gemm(x, p01, y);
            REQUIRE(equal(y, r01));
            gemm(x, psg, y);
            REQUIRE(equal(y, rsg));
        }
    }
}

/// 2-bit codes all 3 (the largest u8 codes) in `n` rows but `mixed` ones, against x, on every
/// ISA: the products at the extremes of the kernels' int16 sums.
static void check_code2_extremes(const Matrix<std::int8_t>& x, std::size_t n, std::initializer_list<std::size_t> mixed) {
    const std::size_t k = x.cols();
    Matrix<int> codes(n, k);
    for (auto& v : codes.flat()) v = 3;
    const auto random = random_ints<int>(n, k, 0, 3);
    for (std::size_t r : mixed)
        for (std::size_t c = 0; c < k; ++c) codes(r, c) = random(r, c);
    const auto w = BitPlanes::from_values(codes, 2);
    const auto packed = pack_add(w);
    const auto ref = ref_product(x, w);
    for (isa i : available_isas()) {
        ScopedIsaLimit limit(i);
        INFO("x(0, 0) = " << int(x(0, 0)) << " M = " << x.rows() << " K = " << k << " isa " << name(i));
        Matrix<std::int32_t> y(x.rows(), n);
        gemm(x, packed, y);
        REQUIRE(equal(y, ref));
    }
}

TEST_CASE("code2 GEMV at the extremes of its int16 accumulators", "[add][exact][gemv]") {
    // The AVX2 panel GEMV adds both halves of a step into one int16 lane (up to 1536 a
    // step) for 16 steps before widening: 2-bit codes all 3 against x all -128 or all 127
    // are the largest sums, in whole panels (rows 0..15) and in the tiles after them.
    for (std::int8_t xv : {std::int8_t(-128), std::int8_t(127)})
        for (std::size_t k : {1024, 4096, 4097}) {
            Matrix<std::int8_t> x(1, k);
            for (auto& v : x.flat()) v = xv;
            check_code2_extremes(x, 19, {4, 17});
        }
}

TEST_CASE("code2 prefill tiles at the extremes of their int16 accumulators", "[add][exact][gemm]") {
    // The AVX2 4 x 2 code2 tile adds both halves of a step into one int16 lane (up to 1536 a
    // step) for 16 steps before widening; M = 9 gives two whole tiles and a 1-row edge, N = 11
    // whole 2-row tiles and a 1-row edge; codes all 3 against x all -128 or 127.
    for (std::int8_t xv : {std::int8_t(-128), std::int8_t(127)})
        for (std::size_t k : {1024, 4097}) {
            Matrix<std::int8_t> x(9, k);
            for (auto& v : x.flat()) v = xv;
            for (std::size_t c = 0; c < k; c += 3) x(4, c) = static_cast<std::int8_t>(c % 255 - 127);
            check_code2_extremes(x, 11, {3});
        }
}

TEST_CASE("base3 GEMV at the extremes and on both sides of the wide sums' int32 limit", "[add][exact][gemv][base3]") {
    // With VNNI the base3 GEMV sums b·x and (3b mod 256)·x over whole rows and takes
    // (3·lo - hi) / 256: K up to 5472 steps of 64 uses it, one superblock more falls back
    // to decoding trits. All-(+1) rows give the largest bytes (255 at step 0); x = -128 and
    // 127 the largest magnitudes; mixed rows alongside.
    for (std::size_t k : {1024, 4097, 350208, 351232}) {
        for (int xv : {-128, 127}) {
            Matrix<std::int8_t> x(1, k);
            for (auto& v : x.flat()) v = static_cast<std::int8_t>(xv);
            Matrix<int> vals(9, k);
            for (auto& v : vals.flat()) v = 1;
            const auto mixed = random_ints<int>(9, k, -1, 1);
            for (std::size_t c = 0; c < k; ++c) vals(3, c) = mixed(3, c), vals(8, c) = -1;
            const auto w = TernaryPacked<enc::base3>::from_values(vals);
            const auto packed = pack_add(w);
            const auto ref = ref_product(x, w);
            for (isa i : available_isas()) {
                ScopedIsaLimit limit(i);
                INFO("K = " << k << " x = " << xv << " isa " << name(i));
                Matrix<std::int32_t> y(1, 9);
                gemm(x, packed, y);
                REQUIRE(equal(y, ref));
            }
        }
    }
}

TEST_CASE("float GEMV (M = 1) within the K-derived bound for every row tile and K edge", "[add][float][gemv]") {
    const std::size_t ks[] = {1, 63, 64, 65, 511, 513, 4097};
    std::normal_distribution<float> nd(0, 1);
    for (Fmt f : all_formats)
        for (std::size_t k : ks) {
            const std::size_t n = 1 + (k + static_cast<std::size_t>(f)) % 19;
            Matrix<float> xf(1, k);
            for (auto& v : xf.flat()) v = nd(gen());
            std::vector<float> rs(n), rz(n), bias(n);
            for (std::size_t j = 0; j < n; ++j) rs[j] = 0.1f * float(j + 1), rz[j] = 0.01f * float(j), bias[j] = 0.5f;
            Matrix<std::int8_t> xi(1, k);
            const Case c = make_case(f, n, k, xi, WeightScales::per_row(rs, rz));
            double xsf = 0;
            for (std::size_t q = 0; q < k; ++q) xsf += xf(0, q);
            for (isa i : available_isas()) {
                ScopedIsaLimit limit(i);
                INFO(fmt_name(f) << " N = " << n << " K = " << k << " isa " << name(i));
                std::vector<float> y(n, -7.0f);
                AddOptions opt;
                opt.bias = bias;
                gemv(std::span<const float>(xf.data(), k), c.packed, std::span<float>(y), opt);
                bool ok = true;
                for (std::size_t b = 0; b < n; ++b) {
                    double df = 0, mf = 0;
                    for (std::size_t q = 0; q < k; ++q)
                        df += double(xf(0, q)) * c.values(b, q), mf += std::fabs(xf(0, q) * c.values(b, q));
                    const double want = rs[b] * df + rz[b] * xsf + bias[b];
                    ok = ok && std::fabs(y[b] - want) <= 1e-6 * (k + 8) * (rs[b] * mf * 3 + std::fabs(rz[b] * xsf) + 1);
                }
                REQUIRE(ok);
            }
        }
}

TEST_CASE("int8 GEMV (M = 1) applies row scales, zero terms and bias in every combination", "[add][gemv][epilogue]") {
    // Each ISA's GEMV epilogue (AddKernels::gemv_out) has one loop per combination of present
    // terms; N = 1030 crosses two 512-row slices and ends in a partial vector. A row's float
    // result must not depend on the thread count (which moves the slices' ends).
    const std::size_t n = 1030, k = 300;
    std::vector<float> rs(n), rz(n), bias(n);
    for (std::size_t j = 0; j < n; ++j) rs[j] = 0.01f * float(j % 97 + 1), rz[j] = 0.003f * float(j % 13), bias[j] = 0.25f * float(j % 7) - 0.5f;
    const float xscale = 0.02f;
    for (Fmt f : {Fmt::sign, Fmt::tern_code2, Fmt::tern_base3})
        for (int which = 0; which < 8; ++which) {
            const bool has_rs = which & 4, has_rz = which & 2, has_bias = which & 1;
            const auto x = random_ints<std::int8_t>(1, k, -128, 127);
            const Case c = make_case(f, n, k, x,
                                     has_rs || has_rz ? WeightScales::per_row(has_rs ? rs : std::vector<float>(n, 1.0f),
                                                                              has_rz ? rz : std::vector<float>{})
                                                      : WeightScales::none());
            double xs = 0;
            for (std::size_t q = 0; q < k; ++q) xs += x(0, q);
            for (isa i : available_isas()) {
                ScopedIsaLimit limit(i);
                INFO(fmt_name(f) << " rs " << has_rs << " rz " << has_rz << " bias " << has_bias << " isa " << name(i));
                std::vector<float> y(n, -7.0f);
                AddOptions opt;
                if (has_bias) opt.bias = bias;
                gemv(bitla::Int8Vector{x.row(0), xscale}, c.packed, std::span<float>(y), opt);
                bool ok = true;
                for (std::size_t b = 0; b < n; ++b) {
                    const double v = (has_rs ? rs[b] : 1.0) * c.ref(0, b) + (has_rz ? rz[b] : 0.0) * xs;
                    const double want = xscale * v + (has_bias ? bias[b] : 0.0);
                    ok = ok && std::fabs(y[b] - want) <= 1e-6 * (std::fabs(xscale * v) + std::fabs(want) + 1);
                }
                REQUIRE(ok);
                for (unsigned threads : {1u, 3u}) {
                    ThreadPool pool(threads);
                    opt.pool = &pool;
                    std::vector<float> yt(n, -7.0f);
                    gemv(bitla::Int8Vector{x.row(0), xscale}, c.packed, std::span<float>(yt), opt);
                    INFO("threads " << threads);
                    REQUIRE(yt == y);
                }
                // Two ranges split at an odd row: rows change places within the vectors.
                std::vector<float> yr(n, -7.0f);
                const MatrixView<float> yv(yr.data(), 1, n, n);
                const std::vector<float> xsv{xscale};
                const AddActivations as = prepare(Int8Rows{MatrixView<const std::int8_t>(x.row(0)), xsv}, c.packed);
                gemm_block(as, c.packed, yv, OutputBlock::columns(0, 517), opt);
                gemm_block(as, c.packed, yv, OutputBlock::columns(517, n), opt);
                REQUIRE(yr == y);
            }
        }
}

TEST_CASE("float products with grouped scales and the HQQ zero fold", "[add][float][groups]") {
    // G = 8 .. 128 (lane 8 .. 64: superblock flushes every 2 .. 16 steps), 17 groups; M = 1
    // (1 x 4 tiles) and M = 3 (2 x 2 pieces and their edges).
    std::normal_distribution<float> nd(0, 1);
    for (Fmt f : {Fmt::planes2, Fmt::planes3, Fmt::tern_code2, Fmt::tern_base3, Fmt::sign, Fmt::planes8})
        for (std::size_t g : {8, 24, 64, 128})
            for (std::size_t m : {1, 3}) {
            const std::size_t k = g * 17, n = 11;
            Matrix<float> xf(m, k);
            for (auto& v : xf.flat()) v = nd(gen());
            Matrix<float> scale(n, 17), zero(n, 17);
            std::uniform_real_distribution<float> ds(0.001f, 0.1f), dz(0.0f, 3.0f);
            for (auto& v : scale.flat()) v = ds(gen());
            for (auto& v : zero.flat()) v = dz(gen());
            Matrix<std::int8_t> xi(1, k);
            const Case c = make_case(f, n, k, xi, WeightScales::hqq(scale, zero, g));
            const AddLayout& l = c.packed.layout();
            for (isa i : available_isas()) {
                ScopedIsaLimit limit(i);
                INFO(fmt_name(f) << " G = " << g << " M = " << m << " isa " << name(i));
                Matrix<float> y(m, n);
                gemm(MatrixView<const float>(xf), c.packed, y);
                bool ok = true;
                for (std::size_t r = 0; r < m; ++r)
                    for (std::size_t j = 0; j < n; ++j) {
                        double want = 0, mag = 0;
                        for (std::size_t q = 0; q < 17; ++q) {
                            const double sp = detail::half_to_float(detail::float_to_half(l.q_mul * scale(j, q)));
                            const double up = detail::half_to_float(
                                detail::float_to_half(static_cast<float>(l.q_add) * scale(j, q) - zero(j, q) * scale(j, q)));
                            double dq = 0, xs = 0, aq = 0;
                            for (std::size_t kk = q * g; kk < (q + 1) * g; ++kk) {
                                const double code = (c.values(j, kk) - l.q_add) / l.q_mul;
                                dq += double(xf(r, kk)) * code, aq += std::fabs(xf(r, kk) * code), xs += xf(r, kk);
                            }
                            want += sp * dq + up * xs;
                            mag += std::fabs(sp) * aq + std::fabs(up * xs);
                        }
                        ok = ok && std::fabs(y(r, j) - want) <= 1e-6 * (k + 8) * (mag + 1);
                    }
                REQUIRE(ok);
            }
            }
}

TEST_CASE("gemm_block computes whole columns in the caller's thread", "[add][rows]") {
    const std::size_t k = 300, m = 2, n = 11;
    const auto x = random_ints<std::int8_t>(m, k, -128, 127);
    const Case c = make_case(Fmt::tern_code2, n, k, x);
    const auto a = prepare(Int8Rows{x, {}}, c.packed);
    Matrix<std::int32_t> y(m, n);
    gemm_block(a, c.packed, y.view(), OutputBlock::columns(0, 5));
    gemm_block(a, c.packed, y.view(), OutputBlock::columns(5, 11));
    REQUIRE(equal(y, c.ref));
    REQUIRE(arg([&] { gemm_block(a, c.packed, y.view(), OutputBlock::columns(5, 12)); }) == "block");
    REQUIRE(arg([&] { gemm_block(a, c.packed, y.view(), OutputBlock{0, 1, 0, 5}); }) == "block");  // not all rows
}

TEST_CASE("gemm_block rejects activations prepared for other weights, and y aliasing its inputs", "[add][rows][errors]") {
    // Prepared for an ungrouped layout then run on HQQ g16 weights of the same K (null group
    // sums), for a larger K (reads past the activations), for a smaller K (wrong sums): each
    // is an error naming `a`, with y untouched. y over the weights' storage, the bias or a
    // row term is an error naming `y`, with the weights untouched.
    const std::size_t k = 256, n = 16;
    const auto wv = random_ints<int>(n, k, -1, 1);
    const auto w = TernaryPacked<enc::code2>::from_values(wv);
    Matrix<float> scale(n, k / 16), zero(n, k / 16);
    for (auto& v : scale.flat()) v = 0.5f;
    for (auto& v : zero.flat()) v = 1.0f;
    const auto plain = pack_add(w), g16 = pack_add(w, WeightScales::hqq(scale, zero, 16));
    const auto larger = pack_add(TernaryPacked<enc::code2>::from_values(random_ints<int>(n, 2 * k, -1, 1)));
    const auto smaller = pack_add(TernaryPacked<enc::code2>::from_values(random_ints<int>(n, k - 64, -1, 1)));
    const auto x = random_ints<std::int8_t>(1, k, -128, 127);
    const auto a = prepare(Int8Rows{x, {}}, plain);
    const auto ag = prepare(Int8Rows{x, {}}, g16);
    Matrix<float> yf(1, n);
    Matrix<std::int32_t> yi(1, n);
    for (auto& v : yf.flat()) v = 7;
    for (auto& v : yi.flat()) v = 7;
    REQUIRE(arg([&] { gemm_block(a, g16, yf.view(), OutputBlock::columns(0, n)); }) == "a");
    REQUIRE(arg([&] { gemm_block(ag, plain, yf.view(), OutputBlock::columns(0, n)); }) == "a");
    REQUIRE(arg([&] { gemm_block(a, larger, yi.view(), OutputBlock::columns(0, n)); }) == "a");
    REQUIRE(arg([&] { gemm_block(a, smaller, yi.view(), OutputBlock::columns(0, n)); }) == "a");
    REQUIRE(arg([&] { gemm_block(AddActivations{}, plain, yi.view(), OutputBlock::columns(0, n)); }) == "a");
    for (auto v : yf.flat()) REQUIRE(v == 7);
    for (auto v : yi.flat()) REQUIRE(v == 7);
    REQUIRE_NOTHROW(gemm_block(ag, g16, yf.view(), OutputBlock::columns(0, n)));  // the matching pair still runs

    // y over the packed weights (an int32 view of their first bytes): rejected, w unchanged.
    std::vector<std::uint8_t> before(plain.data(), plain.data() + 64);
    auto* wbytes = const_cast<std::uint8_t*>(plain.data());
    REQUIRE(arg([&] { gemm_block(a, plain, MatrixView<std::int32_t>(reinterpret_cast<std::int32_t*>(wbytes), 1, n), OutputBlock::columns(0, n)); }) ==
            "y");
    REQUIRE(std::equal(before.begin(), before.end(), plain.data()));
    std::vector<float> bias(n, 1.0f);
    AddOptions with_bias;
    with_bias.bias = bias;
    REQUIRE(arg([&] { gemm_block(ag, g16, MatrixView<float>(bias.data(), 1, n), OutputBlock::columns(0, n), with_bias); }) == "y");
    Matrix<float> b(n, 2);
    std::vector<float> t(2, 1.0f);
    const RowTerm term{b, t};
    AddOptions with_term;
    with_term.row_terms = {&term, 1};
    REQUIRE(arg([&] { gemm_block(ag, g16, MatrixView<float>(b.data(), 1, n), OutputBlock::columns(0, n), with_term); }) == "y");
    for (auto v : bias) REQUIRE(v == 1.0f);
}

TEST_CASE("gemm called from inside pool tasks runs inline and matches", "[add][threads][nested]") {
    // A gemm per task of parallel_for on the default pool (which the gemm also uses) and of
    // a pool of its own: each runs inline in its task, never waiting for the busy pool.
    const std::size_t k = 200, n = 40;
    const auto x = random_ints<std::int8_t>(1, k, -128, 127);
    const Case c = make_case(Fmt::tern_code2, n, k, x);
    ThreadPool own(2);
    for (ThreadPool* pool : {&default_pool(), &own}) {
        std::vector<Matrix<std::int32_t>> ys;
        for (int i = 0; i < 6; ++i) ys.emplace_back(1, n);
        AddOptions opt;
        opt.pool = pool;
        parallel_for(ys.size(), 1, [&](std::size_t b, std::size_t e) {
            for (std::size_t i = b; i < e; ++i) gemm(x, c.packed, ys[i], opt);
        }, *pool);
        for (const auto& y : ys) REQUIRE(equal(y, c.ref));
    }
}

TEST_CASE("activations prepared for code2 weights run base-3 weights of the same layout exactly", "[add][rows][reuse][base3]") {
    // gemm_block accepts activations prepared for any weights of the same K, lane and groups;
    // the base-3 GEMV reads x + 128, which must be the current x on every ISA, not one left
    // by an earlier base-3 prepare of the same kept activations.
    const std::size_t k = 700, n = 19;
    const auto x1 = random_ints<std::int8_t>(1, k, -128, 127), x2 = random_ints<std::int8_t>(1, k, -128, 127);
    const Case b3 = make_case(Fmt::tern_base3, n, k, x2);
    const Case c2 = make_case(Fmt::tern_code2, n, k, x2);
    AddActivations kept;
    prepare(Int8Rows{x1, {}}, b3.packed, kept);
    prepare(Int8Rows{x2, {}}, c2.packed, kept);
    REQUIRE(kept.prepared_for(b3.packed));
    for (isa i : available_isas()) {
        ScopedIsaLimit limit(i);
        INFO("isa " << name(i));
        Matrix<std::int32_t> y(1, n);
        gemm_block(kept, b3.packed, y.view(), OutputBlock::columns(0, n));
        REQUIRE(equal(y, b3.ref));
    }
}

TEST_CASE("prepare into kept activations matches a fresh prepare across shapes and kinds", "[add][rows][reuse]") {
    // One AddActivations reused, its buffers larger than the next call needs (K, M and the
    // group count shrink, int8 and float alternate): stale sums, scales or values would show.
    struct Step {
        Fmt f;
        std::size_t m, k, groups;  // groups = 0: per-row scales
        bool float_x;
    };
    const Step steps[] = {{Fmt::planes2, 3, 64 * 20, 20, false}, {Fmt::sign, 2, 1100, 0, false},
                          {Fmt::tern_base3, 1, 640, 10, true},  {Fmt::tern_code2, 1, 200, 0, false},
                          {Fmt::planes3, 2, 64 * 3, 3, false},  {Fmt::sign, 1, 72, 0, true}};
    AddActivations kept;
    const std::size_t n = 13;
    for (const Step& st : steps) {
        INFO(fmt_name(st.f) << " M = " << st.m << " K = " << st.k << (st.float_x ? " float" : " int8"));
        const auto x = random_ints<std::int8_t>(st.m, st.k, -128, 127);
        Matrix<float> xf(st.m, st.k);
        for (std::size_t i = 0; i < xf.flat().size(); ++i) xf.flat()[i] = 0.25f * x.flat()[i];
        std::vector<float> xs(st.m == 1 ? 0 : st.m);  // M = 1: no x_scale (= 1)
        for (std::size_t r = 0; r < xs.size(); ++r) xs[r] = 0.5f + 0.25f * float(r);
        Matrix<float> scale(n, std::max<std::size_t>(st.groups, 1)), zero(n, std::max<std::size_t>(st.groups, 1));
        for (std::size_t i = 0; i < scale.flat().size(); ++i) scale.flat()[i] = 0.01f * float(1 + i % 7), zero.flat()[i] = 0.5f;
        std::vector<float> rs(n, 0.03f);
        const WeightScales ws = st.groups ? WeightScales::hqq(scale, zero, st.k / st.groups) : WeightScales::per_row(rs);
        const Case c = make_case(st.f, n, st.k, x, ws);
        Matrix<float> want(st.m, n), got(st.m, n);
        if (st.float_x) {
            prepare(MatrixView<const float>(xf), c.packed, kept);
            gemm_block(prepare(MatrixView<const float>(xf), c.packed), c.packed, want.view(), OutputBlock::columns(0, n));
        } else {
            prepare(Int8Rows{x, xs}, c.packed, kept);
            gemm_block(prepare(Int8Rows{x, xs}, c.packed), c.packed, want.view(), OutputBlock::columns(0, n));
        }
        REQUIRE(kept.rows() == st.m);
        REQUIRE(kept.is_int8() == !st.float_x);
        gemm_block(kept, c.packed, got.view(), OutputBlock::columns(0, n));
        bool same = true;
        for (std::size_t i = 0; i < want.flat().size(); ++i) same = same && got.flat()[i] == want.flat()[i];
        REQUIRE(same);
        // An argument error leaves the kept activations as they were.
        const auto bad = random_ints<std::int8_t>(1, st.k + 8, -128, 127);
        REQUIRE_THROWS_AS(prepare(Int8Rows{bad, {}}, c.packed, kept), error);
        gemm_block(kept, c.packed, got.view(), OutputBlock::columns(0, n));
        for (std::size_t i = 0; i < want.flat().size(); ++i) same = same && got.flat()[i] == want.flat()[i];
        REQUIRE(same);
    }
}

TEST_CASE("row ranges that start and end inside an 8-row panel", "[add][rows][panel]") {
    // Rows are interleaved in panels of 8 (core/add_layout.hpp): ranges cut inside panels
    // give the GEMV kernel leading single rows and trailing 4/2/1 tiles, and the tile
    // driver tiles that stop at a panel boundary. Grouped (G = 64, fused GEMV epilogue and
    // the driver's metadata gather) and ungrouped.
    const std::size_t k = 1100, n = 21;
    const std::size_t cuts[] = {0, 3, 11, 12, 13, 21};
    for (Fmt f : {Fmt::sign, Fmt::tern_code2, Fmt::tern_base3, Fmt::planes2, Fmt::planes3})
        for (std::size_t m : {1, 3}) {
            const auto x = random_ints<std::int8_t>(m, k, -128, 127);
            const Case c = make_case(f, n, k, x);
            Matrix<float> scale(n, 17), zero(n, 17);
            for (auto& v : scale.flat()) v = 0.01f;
            for (auto& v : zero.flat()) v = 1.0f;
            const std::size_t kg = 64 * 17;
            const auto xg = random_ints<std::int8_t>(m, kg, -128, 127);
            const Case g = make_case(f, n, kg, xg, WeightScales::hqq(scale, zero, 64));
            for (isa i : available_isas()) {
                ScopedIsaLimit limit(i);
                INFO(fmt_name(f) << " M = " << m << " isa " << name(i));
                Matrix<float> want(m, n);
                gemm(Int8Rows{xg, {}}, g.packed, want);  // the whole range in one call
                const auto a = prepare(Int8Rows{x, {}}, c.packed);
                const auto ag = prepare(Int8Rows{xg, {}}, g.packed);
                Matrix<std::int32_t> y(m, n);
                Matrix<float> yg(m, n);
                for (std::size_t r = 0; r + 1 < std::size(cuts); ++r) {
                    gemm_block(a, c.packed, y.view(), OutputBlock::columns(cuts[r], cuts[r + 1]));
                    gemm_block(ag, g.packed, yg.view(), OutputBlock::columns(cuts[r], cuts[r + 1]));
                }
                REQUIRE(equal(y, c.ref));
                bool same = true;
                for (std::size_t q = 0; q < m; ++q)
                    for (std::size_t j = 0; j < n; ++j) same = same && yg(q, j) == want(q, j);
                REQUIRE(same);
            }
        }
}

TEST_CASE("invalid inputs are rejected before y is written", "[add][errors]") {
    const std::size_t k = 64, n = 4;
    auto w = TernaryPacked<enc::planes>::from_values(random_ints<int>(n, k, -1, 1));
    Matrix<float> s(n, k / 16), z(n, k / 16);
    REQUIRE(arg([&] { (void)pack_add(w, WeightScales::per_group(s, 12)); }) == "group_size");
    REQUIRE(arg([&] { (void)pack_add(w, WeightScales::per_group(s, 0)); }) == "group_size");
    REQUIRE(arg([&] { (void)pack_add(w, WeightScales::per_group(s, 48)); }) == "group_size");
    REQUIRE(arg([&] { (void)pack_add(w, WeightScales::per_group(s, 32)); }) == "scale");
    Matrix<float> s16(n, 4);
    s16(1, 2) = std::nanf("");
    REQUIRE(arg([&] { (void)pack_add(w, WeightScales::per_group(s16, 16)); }) == "scale");
    s16(1, 2) = 1e6f;
    REQUIRE(arg([&] { (void)pack_add(w, WeightScales::per_group(s16, 16)); }) == "scale");
    s16(1, 2) = 1.0f;
    z(1, 2) = 1e5f;
    REQUIRE(arg([&] { (void)pack_add(w, WeightScales::hqq(s16, z, 16)); }) == "zero");
    std::vector<float> rs(n + 1);
    REQUIRE(arg([&] { (void)pack_add(w, WeightScales::per_row(rs)); }) == "scale");

    const auto plain = pack_add(w);
    std::vector<float> good(n, 1.0f);
    const auto scaled = pack_add(w, WeightScales::per_row(good));
    const auto x = random_ints<std::int8_t>(2, k, -5, 5);
    const auto x65 = random_ints<std::int8_t>(2, k + 1, -5, 5);
    Matrix<std::int32_t> y(2, n);
    Matrix<float> yf(2, n);
    for (auto& v : y.flat()) v = 7;
    REQUIRE(arg([&] { gemm(x65, plain, y); }) == "w");
    Matrix<std::int32_t> ybad(2, n + 1);
    REQUIRE(arg([&] { gemm(x, plain, ybad); }) == "y");
    REQUIRE(arg([&] { gemm(x, scaled, y); }) == "w");
    std::vector<float> bias(n + 1), xs(3);
    AddOptions with_bias;
    with_bias.bias = bias;
    REQUIRE(arg([&] { gemm(Int8Rows{x, {}}, plain, yf, with_bias); }) == "bias");
    REQUIRE(arg([&] { gemm(Int8Rows{x, xs}, plain, yf); }) == "x");
    Matrix<float> xf(2, k);
    xf(1, 3) = INFINITY;
    REQUIRE(arg([&] { gemm(MatrixView<const float>(xf), plain, yf); }) == "x");
    // y aliasing the activations
    Matrix<float> both(2, k);
    REQUIRE(arg([&] { gemm(MatrixView<const float>(both.data(), 2, k), plain, MatrixView<float>(both.data(), 2, n)); }) ==
            "y");
    // row terms: one activation row, float y, b of N x r with r = t.size(), b apart from y
    Matrix<float> b4(n, 3), b5(n + 1, 3), y1(1, n);
    std::vector<float> t3(3, 1.0f), t2(2, 1.0f);
    const RowTerm good_term{b4, t3}, bad_rows{b5, t3}, bad_rank{b4, t2};
    const auto with_terms = [](std::span<const RowTerm> t) {
        AddOptions o;
        o.row_terms = t;
        return o;
    };
    REQUIRE(arg([&] { gemm(Int8Rows{x, {}}, plain, yf, with_terms({&good_term, 1})); }) == "row_terms");
    REQUIRE(arg([&] { gemm(Int8Rows{MatrixView<const std::int8_t>(x.data(), 1, k), {}}, plain, y1, with_terms({&bad_rows, 1})); }) == "row_terms");
    REQUIRE(arg([&] { gemm(Int8Rows{MatrixView<const std::int8_t>(x.data(), 1, k), {}}, plain, y1, with_terms({&bad_rank, 1})); }) == "row_terms");
    REQUIRE(arg([&] { gemm(MatrixView<const std::int8_t>(x.data(), 1, k), plain, MatrixView<std::int32_t>(y.data(), 1, n), with_terms({&good_term, 1})); }) ==
            "row_terms");
    Matrix<float> yb(n, 3);
    const RowTerm aliased{yb, t3};
    REQUIRE(arg([&] { gemm(Int8Rows{MatrixView<const std::int8_t>(x.data(), 1, k), {}}, plain, MatrixView<float>(yb.data(), 1, n), with_terms({&aliased, 1})); }) ==
            "y");
    for (auto v : y.flat()) REQUIRE(v == 7);
    for (auto v : yb.flat()) REQUIRE(v == 0);
}

TEST_CASE("group metadata fp16 would hold to less than 2^-11 is rejected, naming row, group and value",
          "[add][errors][groups]") {
    // fp16 subnormals (below 2^-14) keep an absolute 2^-25: a scale of 1e-6 would be stored
    // 1.3% off, 1e-7 19% off, 2e-8 as 0. A zero term is measured against its group's scale.
    const std::size_t n = 4, k = 64, g = 16;
    const auto w = BitPlanes::from_values(random_ints<int>(n, k, 0, 3), 2);
    Matrix<float> s(n, k / g), z(n, k / g);
    for (auto& v : s.flat()) v = 0.01f;
    for (auto& v : z.flat()) v = 1.5f;
    const auto message = [&](const WeightScales& ws) -> std::string {
        try {
            (void)pack_add(w, ws);
        } catch (const error& e) {
            return e.argument() + " | " + e.what();
        }
        return "none";
    };
    for (const float bad : {1e-6f, -1e-6f, 1e-7f, 2e-8f, 0x7ddp-25f}) {  // the last: a tie, 2^-25 off
        s(2, 3) = bad;
        const std::string m = message(WeightScales::hqq(s, z, g));
        CHECK(m.rfind("scale | ", 0) == 0);
        CHECK(m.find("row 2, group 3") != std::string::npos);
        std::ostringstream v;
        v << bad;
        CHECK(m.find(" is " + v.str() + ":") != std::string::npos);
    }
    // Kept: fp16 normals, exact subnormals, HQQ's capped scale 1/2e4 (stored 0.017% off), zero.
    for (const float good : {0x1p-14f, 0x1p-20f, 1.0f / 2e4f, 0.0f, 1000.0f}) {
        s(2, 3) = good;
        CHECK(message(WeightScales::hqq(s, z, g)) == "none");
    }
    s(2, 3) = 0.01f;
    // A zero term in the subnormal range is fine against a scale of 0.01 (error <= 2^-25)...
    z(1, 2) = 1e-5f;  // u = -z·s = -1e-7
    CHECK(message(WeightScales::hqq(s, z, g)) == "none");
    Matrix<float> u(n, k / g);
    u(1, 2) = 1e-7f;
    CHECK(message(WeightScales::per_group(s, g, u)) == "none");
    // ...but not against a zero scale.
    s(1, 2) = 0.0f;
    const std::string m = message(WeightScales::per_group(s, g, u));
    CHECK(m.rfind("zero_term | ", 0) == 0);
    CHECK(m.find("row 1, group 2") != std::string::npos);
}

TEST_CASE("row terms add b times t to each row inside the GEMV pass", "[add][rows]") {
    // y = x·wᵀ + b·t for one activation row, every ISA, 1 and 2 threads, N over two slices,
    // both the rows kernel (ternary code2) and the tiles (3-bit planes, not gemv_supported).
    const std::size_t n = 700, k = 192, r = 5;
    const AddWeights ws[] = {pack_add(TernaryPacked<enc::code2>::from_values(random_ints<int>(n, k, -1, 1))),
                             pack_add(BitPlanes::from_values(random_ints<int>(n, k, 0, 7), 3))};
    const auto x = random_ints<std::int8_t>(1, k, -128, 127);
    const auto b = bitla_test::random_floats(n, r), t = bitla_test::random_floats(1, r);
    const RowTerm term{b, std::span<const float>(t.data(), r)};
    ThreadPool pools[] = {ThreadPool(1), ThreadPool(2)};
    for (const AddWeights& w : ws) {
        Matrix<std::int32_t> exact(1, n);
        gemm(x, w, exact);
        for (isa i : available_isas())
            for (auto& pool : pools) {
                ScopedIsaLimit limit(i);
                INFO("isa " << name(i) << " threads " << pool.size() << " rows kernel " << gemv_supported(w.layout()));
                AddOptions opt;
                opt.pool = &pool;
                opt.row_terms = std::span<const RowTerm>(&term, 1);
                Matrix<float> y(1, n);
                gemm(Int8Rows{x, {}}, w, y, opt);
                bool ok = true;
                for (std::size_t j = 0; j < n; ++j) {
                    double want = exact(0, j), mag = std::abs(double(exact(0, j)));
                    for (std::size_t q = 0; q < r; ++q) want += double(b(j, q)) * t(0, q), mag += std::abs(double(b(j, q)) * t(0, q));
                    ok = ok && std::abs(double(y(0, j)) - want) <= bitla_test::float_bound(r + 2, mag) + 1e-6;
                }
                REQUIRE(ok);
            }
    }
}

TEST_CASE("K = 0 gives empty sums (zeros, plus the bias) on every ISA", "[add][edge]") {
    // x of M x 0 has no data (a null pointer): preparing it copied 0 bytes from null, which
    // UBSan reports as undefined.
    const auto w = pack_add(TernaryPacked<enc::code2>::from_values(Matrix<int>(3, 0)));
    std::vector<float> rs = {1.0f, 2.0f, 3.0f}, bias = {0.5f, -1.0f, 2.0f};
    const auto ws = pack_add(TernaryPacked<enc::code2>::from_values(Matrix<int>(3, 0)), WeightScales::per_row(rs));
    AddOptions with_bias;
    with_bias.bias = bias;
    for (isa i : available_isas()) {
        ScopedIsaLimit limit(i);
        INFO("isa " << name(i));
        for (std::size_t m : {1, 2}) {
            Matrix<std::int8_t> x(m, 0);
            Matrix<std::int32_t> y(m, 3);
            for (auto& v : y.flat()) v = 7;
            gemm(x, w, y);
            for (auto v : y.flat()) REQUIRE(v == 0);
            Matrix<float> xf(m, 0), yf(m, 3);
            gemm(MatrixView<const float>(xf), ws, yf, with_bias);
            for (std::size_t r = 0; r < m; ++r)
                for (std::size_t j = 0; j < 3; ++j) REQUIRE(yf(r, j) == bias[j]);
            gemm(Int8Rows{x, {}}, ws, yf, with_bias);
            for (std::size_t r = 0; r < m; ++r)
                for (std::size_t j = 0; j < 3; ++j) REQUIRE(yf(r, j) == bias[j]);
        }
    }
}

TEST_CASE("float activations whose partial sums would overflow float are rejected; smaller ones stay finite",
          "[add][errors]") {
    // x·q - Σx doubles magnitudes for ternary codes 0..2: x = {2e38, -1.5e38} against w = {1, 1}
    // gave inf (exact 5e37). The products check Σ|x|·(q_mul·qmax + |q_add|) against FLT_MAX.
    Matrix<int> wv(1, 2);
    wv(0, 0) = 1, wv(0, 1) = 1;
    const AddWeights w = pack_add(TernaryPacked<enc::code2>::from_values(wv));
    Matrix<float> huge(1, 2), big(1, 2), y(1, 1);
    huge(0, 0) = 2e38f, huge(0, 1) = -1.5e38f;
    big(0, 0) = 2e37f, big(0, 1) = -1.5e37f;  // Σ|x|·3 = 1.05e38: every partial sum is finite
    y(0, 0) = 7.0f;
    REQUIRE(arg([&] { gemm(huge.view(), w, y.view()); }) == "x");
    REQUIRE(arg([&] { (void)prepare(huge.view(), w); }) == "x");
    REQUIRE(y(0, 0) == 7.0f);
    for (const isa i : available_isas()) {
        ScopedIsaLimit limit(i);
        gemm(big.view(), w, y.view());
        REQUIRE(std::isfinite(y(0, 0)));
        REQUIRE(std::abs(double(y(0, 0)) - 5e36) <= 5e36 * 1e-6);
    }
}
