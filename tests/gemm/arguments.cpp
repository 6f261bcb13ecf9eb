// The argument tester: every public product entry (docs/api.md, "Table of entries") fed
// each bad value of each argument, one at a time, against an otherwise valid call. Each case
// must throw bitla::error naming the argument, and leave every output (sentinel-filled) and
// every aliased input byte for byte as it was. The table below is the list of entries; the
// test "every product entry has rows" fails when docs/api.md names a product the table lacks,
// and "the table matches docs/api.md" when the "Argument checks" section there disagrees
// with it, so a new entry joins both or the suite fails.
#include <bitla/bitla.hpp>
#include <bitla/expr/expr.hpp>
#include <bitla/gemm/add.hpp>
#include <bitla/gemm/hamming.hpp>
#include <bitla/gemm/xnor.hpp>

#include <catch2/catch.hpp>

#include <cstring>
#include <fstream>
#include <functional>
#include <limits>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "support/random.hpp"

using namespace bitla;
using namespace bitla_test;

namespace {

constexpr float nan_v = std::numeric_limits<float>::quiet_NaN();
constexpr float inf_v = std::numeric_limits<float>::infinity();
constexpr unsigned char sentinel = 0xa5;

/// Memory a case must leave unchanged: outputs (filled with the sentinel first) and inputs
/// that a bad output aliases.
struct Region {
    const void* data;
    std::size_t bytes;
};
template <class T>
Region region(const Matrix<T>& m) { return {m.data(), m.rows() * m.cols() * sizeof(T)}; }
template <class T>
Region region(const std::vector<T>& v) { return {v.data(), v.size() * sizeof(T)}; }

template <class T>
Matrix<T> sentinel_matrix(std::size_t r, std::size_t c) {
    Matrix<T> m(r, c);
    std::memset(static_cast<void*>(m.data()), sentinel, r * c * sizeof(T));
    return m;
}

/// One bad value of one argument: `call` runs the entry with it; `guarded` must not change.
struct Case {
    std::string argument;  ///< what bitla::error::argument() must say
    std::string what;      ///< the bad value, for the report
    std::function<void()> call;
    std::vector<Region> guarded;
};

/// A public product entry: the docs' names it covers and its cases.
struct Entry {
    std::string name;                 ///< the row of the table (docs/api.md, "Argument checks")
    std::vector<std::string> covers;  ///< entry names from the docs' table of entries
    std::function<std::vector<Case>()> cases;
};

// ---- the operands ------------------------------------------------------------------------

AddOptions with_bias(std::span<const float> b) {
    AddOptions o;
    o.bias = b;
    return o;
}
AddOptions with_terms(std::span<const RowTerm> t) {
    AddOptions o;
    o.row_terms = t;
    return o;
}

constexpr std::size_t M = 3, N = 5, K = 64;

struct AddState {
    Matrix<std::int8_t> x8 = random_ints<std::int8_t>(M, K, -128, 127);
    Matrix<float> xf = random_floats(M, K);
    std::vector<float> scale = std::vector<float>(M, 0.5f);
    BitPacked<enc::sign> bits = BitPacked<enc::sign>::from_values(random_signs<int>(N, K));
    std::vector<float> row_scale = std::vector<float>(N, 2.0f);
    AddWeights w = pack_add(bits);
    AddWeights w_scaled = pack_add(bits, WeightScales::per_row(row_scale));
    std::vector<float> bias = std::vector<float>(N, 1.0f);
    Matrix<float> rt_b = random_floats(N, 2);
    std::vector<float> rt_t = std::vector<float>(2, 1.0f);
    Matrix<std::int32_t> yi = sentinel_matrix<std::int32_t>(M, N);
    Matrix<float> yf = sentinel_matrix<float>(M, N);
    Matrix<float> y1 = sentinel_matrix<float>(1, N);
    Matrix<std::int32_t> yi1 = sentinel_matrix<std::int32_t>(1, N);
};

/// A view of `rows x cols` T inside another object's storage (an aliasing output).
template <class T>
MatrixView<T> alias(const void* p, std::size_t rows, std::size_t cols) {
    return MatrixView<T>(static_cast<T*>(const_cast<void*>(p)), rows, cols);
}

/// 8-bit weights whose K is one past the int8 products' int32 bound (65793 for codes <= 255).
struct PastBound {
    static constexpr std::size_t k = 65794;
    Matrix<std::int8_t> x = Matrix<std::int8_t>(1, k);
    AddWeights w = pack_add(BitPlanes::from_codes(1, k, 8, [](std::size_t, std::size_t) { return 255; }));
    BitPlanes planes = BitPlanes::from_codes(1, k, 8, [](std::size_t, std::size_t) { return 255; });
    Matrix<std::int32_t> y = sentinel_matrix<std::int32_t>(1, 1);
};

std::vector<Case> add_int8_int32() {
    auto s = std::make_shared<AddState>();
    auto past = std::make_shared<PastBound>();
    const MatrixView<const std::int8_t> x = s->x8.view();
    const std::vector<Region> y{region(s->yi)};
    std::vector<Case> c;
    c.push_back({"w", "K mismatch", [s] {
                     Matrix<std::int8_t> xw(M, K + 1);
                     gemm(xw.view(), s->w, s->yi.view());
                 }, y});
    c.push_back({"y", "M x (N + 1)", [s] { Matrix<std::int32_t> y2(M, N + 1); gemm(s->x8.view(), s->w, y2.view()); }, {}});
    c.push_back({"y", "(M - 1) x N", [s, x] { gemm(x, s->w, MatrixView<std::int32_t>(s->yi.data(), M - 1, N)); }, y});
    c.push_back({"y", "ld < cols", [s, x] { gemm(x, s->w, MatrixView<std::int32_t>(s->yi.data(), M, N, N - 1)); }, y});
    c.push_back({"y", "overlaps x", [s, x] { gemm(x, s->w, alias<std::int32_t>(s->x8.data(), M, N)); }, {region(s->x8)}});
    c.push_back({"y", "overlaps w", [s, x] { gemm(x, s->w, alias<std::int32_t>(s->w.data(), M, N)); }, {}});
    c.push_back({"x", "null data", [s] { gemm(MatrixView<const std::int8_t>(nullptr, M, K), s->w, s->yi.view()); }, y});
    c.push_back({"w", "weights with scales", [s, x] { gemm(x, s->w_scaled, s->yi.view()); }, y});
    c.push_back({"bias", "a bias", [s, x] { gemm(x, s->w, s->yi.view(), with_bias(s->bias)); }, y});
    c.push_back({"x", "K = 65794 past the int32 bound (8-bit codes)",
                 [past] { gemm(past->x.view(), past->w, past->y.view()); }, {region(past->y)}});
    return c;
}

/// The float-output cases shared by gemm(Int8Rows) and gemm(float x): options and output.
template <class Call>
void add_float_options(std::vector<Case>& c, const std::shared_ptr<AddState>& s, const AddWeights& w, Call call) {
    const std::vector<Region> y{region(s->yf)};
    c.push_back({"y", "M x (N + 1)", [=] { Matrix<float> y2(M, N + 1); call(y2.view(), AddOptions{}); }, {}});
    c.push_back({"y", "overlaps w", [=, &w] { call(alias<float>(w.data(), M, N), AddOptions{}); }, {}});
    c.push_back({"bias", "N + 1 entries", [=] {
                     std::vector<float> b(N + 1, 1.0f);
                     call(s->yf.view(), with_bias(b));
                 }, y});
    for (float bad : {nan_v, inf_v, -inf_v})
        c.push_back({"bias", "bias[2] = " + std::to_string(bad), [=] {
                         std::vector<float> b(N, 1.0f);
                         b[2] = bad;
                         call(s->yf.view(), with_bias(b));
                     }, y});
    c.push_back({"y", "overlaps bias", [=] {
                     std::vector<float> b(M * N, 1.0f);
                     call(MatrixView<float>(b.data(), M, N), with_bias(std::span<const float>(b.data(), N)));
                 }, {}});
    const RowTerm term{s->rt_b.view(), s->rt_t};
    c.push_back({"row_terms", "M = 3 rows", [=] {
                     const RowTerm t[] = {term};
                     call(s->yf.view(), with_terms(t));
                 }, y});
}

/// Row-term cases (one activation row): shapes, NaN/Inf in b and t, y overlapping them.
template <class Call1>
void add_row_term_cases(std::vector<Case>& c, const std::shared_ptr<AddState>& s, Call1 call1) {
    const std::vector<Region> y{region(s->y1)};
    c.push_back({"row_terms", "b with N + 1 rows", [=] {
                     Matrix<float> b(N + 1, 2);
                     const RowTerm t[] = {{b.view(), s->rt_t}};
                     call1(s->y1.view(), with_terms(t));
                 }, y});
    for (float bad : {nan_v, inf_v}) {
        c.push_back({"row_terms", "t[1] = " + std::to_string(bad), [=] {
                         std::vector<float> tv = s->rt_t;
                         tv[1] = bad;
                         const RowTerm t[] = {{s->rt_b.view(), tv}};
                         call1(s->y1.view(), with_terms(t));
                     }, y});
        c.push_back({"row_terms", "b(4, 1) = " + std::to_string(bad), [=] {
                         Matrix<float> b = s->rt_b.clone();
                         b(4, 1) = bad;
                         const RowTerm t[] = {{b.view(), s->rt_t}};
                         call1(s->y1.view(), with_terms(t));
                     }, y});
    }
    c.push_back({"y", "overlaps a row term's b", [=] {
                     Matrix<float> b = s->rt_b.clone();
                     const RowTerm t[] = {{b.view(), s->rt_t}};
                     call1(MatrixView<float>(b.data(), 1, N), with_terms(t));
                 }, {}});
}

std::vector<Case> add_int8_rows() {
    auto s = std::make_shared<AddState>();
    std::vector<Case> c;
    const std::vector<Region> y{region(s->yf)};
    auto call = [s](MatrixView<float> y, AddOptions o) { gemm(Int8Rows{s->x8.view(), s->scale}, s->w_scaled, y, o); };
    auto call1 = [s](MatrixView<float> y, AddOptions o) {
        gemm(Int8Rows{MatrixView<const std::int8_t>(s->x8.data(), 1, K), std::span<const float>(s->scale.data(), 1)},
             s->w_scaled, y, o);
    };
    c.push_back({"w", "K mismatch", [s] {
                     Matrix<std::int8_t> x(M, K + 1);
                     gemm(Int8Rows{x.view(), s->scale}, s->w, s->yf.view());
                 }, y});
    c.push_back({"x", "x.scale with M + 1 entries", [s] {
                     std::vector<float> sc(M + 1, 1.0f);
                     gemm(Int8Rows{s->x8.view(), sc}, s->w, s->yf.view());
                 }, y});
    for (float bad : {nan_v, inf_v, -inf_v})
        c.push_back({"x", "x.scale[1] = " + std::to_string(bad), [s, bad] {
                         std::vector<float> sc(M, 1.0f);
                         sc[1] = bad;
                         gemm(Int8Rows{s->x8.view(), sc}, s->w, s->yf.view());
                     }, y});
    c.push_back({"y", "overlaps x", [s] { gemm(Int8Rows{s->x8.view(), s->scale}, s->w, alias<float>(s->x8.data(), M, N)); },
                 {region(s->x8)}});
    auto past = std::make_shared<PastBound>();
    c.push_back({"x", "K = 65794 past the int32 bound (8-bit codes)", [past] {
                     Matrix<float> y = sentinel_matrix<float>(1, 1);
                     gemm(Int8Rows{past->x.view()}, past->w, y.view());
                 }, {}});
    add_float_options(c, s, s->w_scaled, call);
    add_row_term_cases(c, s, call1);
    return c;
}

std::vector<Case> add_float() {
    auto s = std::make_shared<AddState>();
    std::vector<Case> c;
    const std::vector<Region> y{region(s->yf)};
    auto call = [s](MatrixView<float> y, AddOptions o) { gemm(s->xf.view(), s->w, y, o); };
    auto call1 = [s](MatrixView<float> y, AddOptions o) { gemm(MatrixView<const float>(s->xf.data(), 1, K), s->w, y, o); };
    c.push_back({"w", "K mismatch", [s] {
                     Matrix<float> x(M, K + 1);
                     gemm(x.view(), s->w, s->yf.view());
                 }, y});
    for (float bad : {nan_v, inf_v, -inf_v})
        c.push_back({"x", "x(2, 7) = " + std::to_string(bad), [s, bad] {
                         Matrix<float> x = s->xf.clone();
                         x(2, 7) = bad;
                         gemm(x.view(), s->w, s->yf.view());
                     }, y});
    c.push_back({"x", "ld < cols", [s] { gemm(MatrixView<const float>(s->xf.data(), M, K, K - 1), s->w, s->yf.view()); }, y});
    c.push_back({"x", "row 1 with sum |x| near FLT_MAX", [s] {
                     Matrix<float> x = s->xf.clone();
                     x(1, 0) = 3e38f, x(1, 1) = -3e38f;
                     gemm(x.view(), s->w, s->yf.view());
                 }, y});
    c.push_back({"y", "overlaps x", [s] { gemm(s->xf.view(), s->w, alias<float>(s->xf.data(), M, N)); }, {region(s->xf)}});
    add_float_options(c, s, s->w, call);
    add_row_term_cases(c, s, call1);
    return c;
}

std::vector<Case> add_gemv() {
    auto s = std::make_shared<AddState>();
    std::vector<Case> c;
    const std::vector<Region> y{region(s->y1)}, yi{region(s->yi1)};
    const std::span<const std::int8_t> x8(s->x8.data(), K);
    const std::span<const float> xf(s->xf.data(), K);
    c.push_back({"w", "K mismatch (int8)", [s, x8] { gemv(x8.first(K - 1), s->w, s->yi1.row(0)); }, yi});
    c.push_back({"y", "N + 1 entries (int8)", [s, x8] { std::vector<std::int32_t> v(N + 1); gemv(x8, s->w, std::span(v)); }, {}});
    c.push_back({"w", "weights with scales (int8)", [s, x8] { gemv(x8, s->w_scaled, s->yi1.row(0)); }, yi});
    for (float bad : {nan_v, inf_v}) {
        c.push_back({"x", "Int8Vector scale = " + std::to_string(bad),
                     [s, x8, bad] { gemv(Int8Vector{x8, bad}, s->w, s->y1.row(0)); }, y});
        c.push_back({"x", "x[9] = " + std::to_string(bad), [s, bad] {
                         std::vector<float> v(s->xf.data(), s->xf.data() + K);
                         v[9] = bad;
                         gemv(std::span<const float>(v), s->w, s->y1.row(0));
                     }, y});
        c.push_back({"bias", "bias[0] = " + std::to_string(bad), [s, xf, bad] {
                         std::vector<float> b(N, 0.0f);
                         b[0] = bad;
                         gemv(xf, s->w, s->y1.row(0), with_bias(b));
                     }, y});
    }
    c.push_back({"y", "overlaps x (float)", [s, xf] { gemv(xf, s->w, std::span<float>(s->xf.data(), N)); }, {region(s->xf)}});
    return c;
}

std::vector<Case> add_block() {
    auto s = std::make_shared<AddState>();
    auto a = std::make_shared<AddActivations>(prepare(Int8Rows{s->x8.view(), s->scale}, s->w_scaled));
    auto other = std::make_shared<AddWeights>(pack_add(BitPacked<enc::sign>::from_values(random_signs<int>(N, 2 * K))));
    auto grouped_w = std::make_shared<Matrix<float>>(N, 2);
    for (auto& v : grouped_w->flat()) v = 1.0f;
    auto grouped = std::make_shared<AddWeights>(pack_add(s->bits, WeightScales::per_group(grouped_w->view(), 32)));
    std::vector<Case> c;
    const std::vector<Region> y{region(s->yf)};
    const OutputBlock all = OutputBlock::columns(0, N);
    c.push_back({"a", "prepared for another K", [=] { gemm_block(*a, *other, s->yf.view(), all); }, y});
    c.push_back({"a", "prepared for ungrouped weights, used on grouped", [=] { gemm_block(*a, *grouped, s->yf.view(), all); }, y});
    c.push_back({"block", "columns past N", [=] { gemm_block(*a, s->w_scaled, s->yf.view(), OutputBlock::columns(2, N + 1)); }, y});
    c.push_back({"block", "not whole columns", [=] { gemm_block(*a, s->w_scaled, s->yf.view(), OutputBlock{0, 1, 0, N}); }, y});
    c.push_back({"block", "begin after end", [=] { gemm_block(*a, s->w_scaled, s->yf.view(), OutputBlock::columns(3, 2)); }, y});
    c.push_back({"y", "M x (N - 1)", [=] { gemm_block(*a, s->w_scaled, MatrixView<float>(s->yf.data(), M, N - 1), all); }, y});
    c.push_back({"y", "overlaps w", [=] { gemm_block(*a, s->w_scaled, alias<float>(s->w_scaled.data(), M, N), all); }, {}});
    c.push_back({"y", "int32 output from weights with scales",
                 [=] { gemm_block(*a, s->w_scaled, s->yi.view(), all); }, {region(s->yi)}});
    for (float bad : {nan_v, inf_v})
        c.push_back({"bias", "bias[4] = " + std::to_string(bad), [=] {
                         std::vector<float> b(N, 0.0f);
                         b[4] = bad;
                         gemm_block(*a, s->w_scaled, s->yf.view(), all, with_bias(b));
                     }, y});
    return c;
}

std::vector<Case> add_prepare() {
    auto s = std::make_shared<AddState>();
    // `out` holds activations prepared before: an argument error leaves it unchanged.
    auto out = std::make_shared<AddActivations>(prepare(s->xf.view(), s->w));
    auto check = [out] { REQUIRE((out->rows() == M && out->cols() == K)); };
    std::vector<Case> c;
    c.push_back({"w", "K mismatch", [=] {
                     Matrix<float> x(M, K + 1);
                     prepare(x.view(), s->w, *out);
                 }, {}});
    for (float bad : {nan_v, inf_v}) {
        c.push_back({"x", "x(0, 0) = " + std::to_string(bad), [=] {
                         Matrix<float> x = s->xf.clone();
                         x(0, 0) = bad;
                         prepare(x.view(), s->w, *out);
                     }, {}});
        c.push_back({"x", "x.scale[2] = " + std::to_string(bad), [=] {
                         std::vector<float> sc(M, 1.0f);
                         sc[2] = bad;
                         prepare(Int8Rows{s->x8.view(), sc}, s->w, *out);
                     }, {}});
    }
    c.push_back({"x", "x.scale with M - 1 entries", [=] {
                     std::vector<float> sc(M - 1, 1.0f);
                     prepare(Int8Rows{s->x8.view(), sc}, s->w, *out);
                 }, {}});
    for (auto& k : c) {  // the check runs after a throw too
        auto f = k.call;
        k.call = [f, check] {
            try {
                f();
            } catch (...) {
                check();
                throw;
            }
        };
    }
    return c;
}

// ---- XNOR and Hamming --------------------------------------------------------------------

struct BitState {
    BitPacked<enc::sign> a = BitPacked<enc::sign>::from_values(random_signs<int>(M, K));
    BitPacked<enc::sign> w = BitPacked<enc::sign>::from_values(random_signs<int>(N, K));
    BitPacked<enc::sign> w_long = BitPacked<enc::sign>::from_values(random_signs<int>(N, K + 1));
    std::vector<float> as = std::vector<float>(M, 0.5f), ws = std::vector<float>(N, 2.0f);
    Matrix<std::int32_t> yi = sentinel_matrix<std::int32_t>(M, N);
    Matrix<float> yf = sentinel_matrix<float>(M, N);
    Matrix<std::uint32_t> d = sentinel_matrix<std::uint32_t>(M, N);
    Matrix<std::uint32_t> dist = sentinel_matrix<std::uint32_t>(M, 2);
    Matrix<std::size_t> labels = sentinel_matrix<std::size_t>(M, 2);
    // A K = 0 operand and views that break what views promise, over real storage.
    BitPacked<enc::sign> empty = BitPacked<enc::sign>::from_values(Matrix<int>(M, 0));
    BitView<enc::sign> unpadded() const {
        BitView<enc::sign> v = a.view();
        v.row_words = 1;
        v.stride = 1;
        return v;
    }
    BitView<enc::sign> short_stride() const {
        BitView<enc::sign> v = a.view();
        v.stride = v.row_words - 1;
        return v;
    }
    BitView<enc::sign> null_data() const {
        BitView<enc::sign> v = a.view();
        v.data = nullptr;
        return v;
    }
    /// A view claiming K = cols bits over 64 words of storage that no check may read.
    std::vector<std::uint64_t> small = std::vector<std::uint64_t>(64);
    BitView<enc::sign> huge(std::size_t cols) const {
        return {small.data(), 1, cols, padded_words(cols), padded_words(cols)};
    }
};

/// The view cases every bit product shares: an unpadded row, a short stride, null data.
template <class Call>
void view_cases(std::vector<Case>& c, const std::shared_ptr<BitState>& s, const std::string& first, Call call,
                std::vector<Region> guarded) {
    c.push_back({first, "row_words = 1 for 64 bits (unpadded)", [=] { call(s->unpadded()); }, guarded});
    c.push_back({first, "stride < row_words", [=] { call(s->short_stride()); }, guarded});
    c.push_back({first, "null data", [=] { call(s->null_data()); }, guarded});
}

std::vector<Case> xnor_int(bool block, bool gemv_form) {
    auto s = std::make_shared<BitState>();
    std::vector<Case> c;
    const std::vector<Region> y{region(s->yi)};
    auto run = [=](BitView<enc::sign> a, BitView<enc::sign> w, MatrixView<std::int32_t> yv) {
        if (gemv_form) xnor_gemv(a.slice_rows(0, std::min<std::size_t>(a.rows, 1)), w, yv.row(0));
        else if (block) xnor_gemm_block(a, w, yv, OutputBlock{});
        else xnor_gemm(a, w, yv);
    };
    c.push_back({"w", "K mismatch", [=] { run(s->a.view(), s->w_long.view(), s->yi.view()); }, y});
    c.push_back({"a", "K = 0", [=] { run(s->empty.view(), s->empty.view().slice_rows(0, 0), s->yi.view()); }, y});
    c.push_back({"y", "wrong shape", [=] { run(s->a.view(), s->w.view(), MatrixView<std::int32_t>(s->yi.data(), M, N - 1)); }, y});
    c.push_back({"y", "overlaps a", [=] { run(s->a.view(), s->w.view(), alias<std::int32_t>(s->a.view().data, M, N)); }, {}});
    c.push_back({"y", "overlaps w", [=] { run(s->a.view(), s->w.view(), alias<std::int32_t>(s->w.view().data, M, N)); }, {}});
    c.push_back({"a", "K = 2^31 past the int32 bound", [=] {
                     const auto h = s->huge(std::size_t{1} << 31);
                     run(h, h, s->yi.view());
                 }, y});
    view_cases(c, s, "a", [=](BitView<enc::sign> v) { run(v, s->w.view(), s->yi.view()); }, y);
    if (gemv_form)  // one row: no stride to check
        std::erase_if(c, [](const Case& k) { return k.argument == "a" && k.what == "stride < row_words"; });
    view_cases(c, s, "w", [=](BitView<enc::sign> v) { run(s->a.view(), v.slice_rows(0, M), MatrixView<std::int32_t>(s->yi.data(), M, M)); }, y);
    if (block) {
        c.push_back({"block", "rows past M", [=] { xnor_gemm_block(s->a, s->w, s->yi.view(), OutputBlock{0, M + 1, 0, N}); }, y});
        c.push_back({"block", "columns past N", [=] { xnor_gemm_block(s->a, s->w, s->yi.view(), OutputBlock{0, M, 1, N + 2}); }, y});
    }
    if (gemv_form) {
        c.push_back({"a", "two rows", [=] { xnor_gemv(s->a.view().slice_rows(0, 2), s->w, s->yi.row(0)); }, y});
        c.push_back({"y", "N - 1 entries", [=] { xnor_gemv(s->a.view().slice_rows(0, 1), s->w, s->yi.row(0).first(N - 1)); }, y});
    }
    if (gemv_form)  // the GEMV's y is one row: its shape cases are the span's length
        std::erase_if(c, [](const Case& k) { return k.what == "wrong shape" || k.what == "overlaps a" || k.what == "overlaps w"; });
    return c;
}

std::vector<Case> xnor_scaled(bool block) {
    auto s = std::make_shared<BitState>();
    std::vector<Case> c;
    const std::vector<Region> y{region(s->yf)};
    auto run = [=](SignRows a, SignRows w, MatrixView<float> yv) {
        if (block) xnor_gemm_block(a, w, yv, OutputBlock{});
        else xnor_gemm(a, w, yv);
    };
    c.push_back({"w", "K mismatch", [=] { run({s->a, s->as}, {s->w_long, s->ws}, s->yf.view()); }, y});
    c.push_back({"a", "a.scale with M + 1 entries", [=] {
                     std::vector<float> sc(M + 1, 1.0f);
                     run({s->a, sc}, {s->w, s->ws}, s->yf.view());
                 }, y});
    c.push_back({"w", "w.scale with N - 1 entries", [=] {
                     std::vector<float> sc(N - 1, 1.0f);
                     run({s->a, s->as}, {s->w, sc}, s->yf.view());
                 }, y});
    for (float bad : {nan_v, inf_v, -inf_v}) {
        c.push_back({"a", "a.scale[0] = " + std::to_string(bad), [=] {
                         std::vector<float> sc = s->as;
                         sc[0] = bad;
                         run({s->a, sc}, {s->w, s->ws}, s->yf.view());
                     }, y});
        c.push_back({"w", "w.scale[4] = " + std::to_string(bad), [=] {
                         std::vector<float> sc = s->ws;
                         sc[4] = bad;
                         run({s->a, s->as}, {s->w, sc}, s->yf.view());
                     }, y});
    }
    c.push_back({"y", "overlaps a.scale", [=] {
                     std::vector<float> sc(M * N, 1.0f);
                     run({s->a, std::span<const float>(sc.data(), M)}, {s->w, s->ws}, MatrixView<float>(sc.data(), M, N));
                 }, {}});
    c.push_back({"y", "wrong shape", [=] { run({s->a, s->as}, {s->w, s->ws}, MatrixView<float>(s->yf.data(), M - 1, N)); }, y});
    view_cases(c, s, "a", [=](BitView<enc::sign> v) { run(SignRows{v, s->as}, {s->w, s->ws}, s->yf.view()); }, y);
    if (block)
        c.push_back({"block", "rows past M", [=] { xnor_gemm_block(SignRows{s->a, s->as}, SignRows{s->w, s->ws}, s->yf.view(), OutputBlock{2, M + 1, 0, N}); }, y});
    return c;
}

std::vector<Case> xnor_gemv_scaled() {
    auto s = std::make_shared<BitState>();
    std::vector<Case> c;
    const std::vector<Region> y{region(s->yf)};
    const auto a1 = [s] { return SignRows{s->a.view().slice_rows(0, 1), std::span<const float>(s->as.data(), 1)}; };
    c.push_back({"a", "two rows", [=] { xnor_gemv(SignRows{s->a.view().slice_rows(0, 2), std::span<const float>(s->as.data(), 2)}, {s->w, s->ws}, s->yf.row(0)); }, y});
    c.push_back({"y", "N - 1 entries", [=] { xnor_gemv(a1(), {s->w, s->ws}, s->yf.row(0).first(N - 1)); }, y});
    for (float bad : {nan_v, inf_v}) {
        c.push_back({"a", "a.scale[0] = " + std::to_string(bad), [=] {
                         const float sc[] = {bad};
                         xnor_gemv(SignRows{s->a.view().slice_rows(0, 1), sc}, {s->w, s->ws}, s->yf.row(0));
                     }, y});
        c.push_back({"w", "w.scale[1] = " + std::to_string(bad), [=] {
                         std::vector<float> sc = s->ws;
                         sc[1] = bad;
                         xnor_gemv(a1(), {s->w, sc}, s->yf.row(0));
                     }, y});
    }
    return c;
}

std::vector<Case> hamming_dist(bool block, bool reference_form) {
    auto s = std::make_shared<BitState>();
    std::vector<Case> c;
    const std::vector<Region> d{region(s->d)};
    auto run = [=](BitView<enc::sign> q, BitView<enc::sign> codes, MatrixView<std::uint32_t> dv) {
        if (reference_form) reference::hamming_distances(q, codes, dv);
        else if (block) hamming_distances_block(q, codes, dv, OutputBlock{});
        else hamming_distances(q, codes, dv);
    };
    c.push_back({"codes", "K mismatch", [=] { run(s->a.view(), s->w_long.view(), s->d.view()); }, d});
    c.push_back({"queries", "K = 0", [=] { run(s->empty.view(), s->empty.view(), MatrixView<std::uint32_t>(s->d.data(), M, M)); }, d});
    c.push_back({"d", "wrong shape", [=] { run(s->a.view(), s->w.view(), MatrixView<std::uint32_t>(s->d.data(), M, N - 1)); }, d});
    c.push_back({"d", "overlaps queries", [=] { run(s->a.view(), s->w.view(), alias<std::uint32_t>(s->a.view().data, M, N)); }, {}});
    c.push_back({"d", "overlaps codes", [=] { run(s->a.view(), s->w.view(), alias<std::uint32_t>(s->w.view().data, M, N)); }, {}});
    c.push_back({"queries", "K = 2^32 past the uint32 bound", [=] {
                     const auto h = s->huge(std::size_t{1} << 32);
                     run(h, h, s->d.view());
                 }, d});
    view_cases(c, s, "queries", [=](BitView<enc::sign> v) { run(v, s->w.view(), s->d.view()); }, d);
    view_cases(c, s, "codes", [=](BitView<enc::sign> v) { run(s->a.view(), v, MatrixView<std::uint32_t>(s->d.data(), M, M)); }, d);
    if (block)
        c.push_back({"block", "columns past N", [=] { hamming_distances_block(s->a, s->w, s->d.view(), OutputBlock{0, M, 0, N + 1}); }, d});
    return c;
}

std::vector<Case> hamming_top(bool block, bool reference_form) {
    auto s = std::make_shared<BitState>();
    std::vector<Case> c;
    const std::vector<Region> out{region(s->dist), region(s->labels)};
    auto run = [=](BitView<enc::sign> q, BitView<enc::sign> codes, std::size_t k, MatrixView<std::uint32_t> dv,
                   MatrixView<std::size_t> lv) {
        if (reference_form) reference::hamming_topk(q, codes, k, dv, lv);
        else if (block) hamming_topk_block(q, codes, k, dv, lv, OutputBlock::rows(0, q.rows));
        else hamming_topk(q, codes, k, dv, lv);
    };
    auto ok = [=](auto&& f) { return [=] { f(); }; };
    c.push_back({"codes", "K mismatch", ok([=] { run(s->a.view(), s->w_long.view(), 2, s->dist.view(), s->labels.view()); }), out});
    c.push_back({"queries", "K = 0", ok([=] { run(s->empty.view(), s->empty.view(), 2, s->dist.view(), s->labels.view()); }), out});
    c.push_back({"k", "k = 0", ok([=] { run(s->a.view(), s->w.view(), 0, MatrixView<std::uint32_t>(s->dist.data(), M, 0), MatrixView<std::size_t>(s->labels.data(), M, 0)); }), out});
    c.push_back({"k", "k > number of codes", ok([=] {
                     Matrix<std::uint32_t> dd = sentinel_matrix<std::uint32_t>(M, N + 1);
                     Matrix<std::size_t> ll = sentinel_matrix<std::size_t>(M, N + 1);
                     run(s->a.view(), s->w.view(), N + 1, dd.view(), ll.view());
                 }), out});
    c.push_back({"distances", "M x 1", ok([=] { run(s->a.view(), s->w.view(), 2, MatrixView<std::uint32_t>(s->dist.data(), M, 1), s->labels.view()); }), out});
    c.push_back({"labels", "(M - 1) x 2", ok([=] { run(s->a.view(), s->w.view(), 2, s->dist.view(), MatrixView<std::size_t>(s->labels.data(), M - 1, 2)); }), out});
    c.push_back({"queries", "K = 2^32 - 1 past the top-k bound", ok([=] {
                     const auto h = s->huge((std::size_t{1} << 32) - 1);
                     run(h, h.slice_rows(0, 1), 1, MatrixView<std::uint32_t>(s->dist.data(), 1, 1), MatrixView<std::size_t>(s->labels.data(), 1, 1));
                 }), out});
    if (!reference_form) {
        c.push_back({"distances", "overlaps labels", ok([=] {
                         run(s->a.view(), s->w.view(), 2, alias<std::uint32_t>(s->labels.data(), M, 2), s->labels.view());
                     }), {region(s->labels)}});
        c.push_back({"labels", "overlaps queries", ok([=] {
                         run(s->a.view(), s->w.view(), 2, s->dist.view(), alias<std::size_t>(s->a.view().data, M, 2));
                     }), {}});
        view_cases(c, s, "queries", [=](BitView<enc::sign> v) { run(v, s->w.view(), 2, s->dist.view(), s->labels.view()); }, out);
        view_cases(c, s, "codes", [=](BitView<enc::sign> v) { run(s->a.view(), v, 2, s->dist.view(), s->labels.view()); }, out);
    }
    if (block)
        c.push_back({"block", "not whole rows", ok([=] { hamming_topk_block(s->a, s->w, 2, s->dist.view(), s->labels.view(), OutputBlock{0, M, 0, 1}); }), out});
    return c;
}

// ---- expressions and references ----------------------------------------------------------

struct ExprState {
    BitPlanes wq = BitPlanes::from_values(random_ints<int>(N, K, 0, 3), 2);
    std::vector<float> s = std::vector<float>(N, 0.25f);
    Matrix<float> B = random_floats(N, 2, 0.1f), A = random_floats(2, K, 0.1f);
    Matrix<float> x = random_floats(M, K);
    Matrix<std::int8_t> x8 = random_ints<std::int8_t>(M, K, -127, 127);
    std::vector<float> xs = std::vector<float>(M, 0.1f);
    std::vector<float> b = std::vector<float>(N, 1.0f);
    Matrix<float> y = sentinel_matrix<float>(M, N);
    Matrix<float> y1 = sentinel_matrix<float>(1, N);
    decltype(expr::packed(wq) * expr::row_scale(s) + expr::low_rank(B, A)) w =
        expr::packed(wq) * expr::row_scale(s) + expr::low_rank(B, A);
    expr::Compiled layer = expr::compile(w);
};

std::vector<Case> evaluate_cases(bool compiled) {
    auto s = std::make_shared<ExprState>();
    std::vector<Case> c;
    const std::vector<Region> y{region(s->y)};
    auto run = [=](MatrixView<const float> x, std::span<const float> b, MatrixView<float> yv) {
        if (compiled) expr::evaluate(expr::linear(x, s->layer) + expr::bias(b), yv);
        else expr::evaluate(expr::linear(x, s->w) + expr::bias(b), yv);
    };
    auto run8 = [=](std::span<const float> xs, MatrixView<float> yv) {
        const Int8Rows x{s->x8.view(), xs};
        if (compiled) expr::evaluate(expr::linear(x, s->layer), yv);
        else expr::evaluate(expr::linear(x, s->w), yv);
    };
    const std::string bias_name = compiled ? "bias" : "b";
    c.push_back({"x", "K mismatch", [=] {
                     Matrix<float> x(M, K + 1);
                     run(x.view(), s->b, s->y.view());
                 }, y});
    c.push_back({"y", "wrong shape", [=] { run(s->x.view(), s->b, MatrixView<float>(s->y.data(), M, N - 1)); }, y});
    for (float bad : {nan_v, inf_v, -inf_v}) {
        c.push_back({"x", "x(1, 1) = " + std::to_string(bad), [=] {
                         Matrix<float> x = s->x.clone();
                         x(1, 1) = bad;
                         run(x.view(), s->b, s->y.view());
                     }, y});
        c.push_back({"x", "x(0, 5) = " + std::to_string(bad) + " (one row)", [=] {
                         Matrix<float> x = s->x.clone();
                         x(0, 5) = bad;
                         run(MatrixView<const float>(x.data(), 1, K), s->b, s->y1.view());
                     }, {region(s->y1)}});
        c.push_back({bias_name, "bias[3] = " + std::to_string(bad), [=] {
                         std::vector<float> b = s->b;
                         b[3] = bad;
                         run(s->x.view(), b, s->y.view());
                     }, y});
        c.push_back({"x", "x.scale[2] = " + std::to_string(bad), [=] {
                         std::vector<float> xs = s->xs;
                         xs[2] = bad;
                         run8(xs, s->y.view());
                     }, y});
    }
    c.push_back({bias_name, "N + 1 entries", [=] {
                     std::vector<float> b(N + 1, 0.0f);
                     run(s->x.view(), b, s->y.view());
                 }, y});
    c.push_back({"y", "overlaps x", [=] { run(s->x.view(), s->b, alias<float>(s->x.data(), M, N)); }, {region(s->x)}});
    c.push_back({"y", "overlaps the low-rank A (one row)", [=] {
                     run(MatrixView<const float>(s->x.data(), 1, K), s->b, MatrixView<float>(s->A.data(), 1, N));
                 }, {region(s->A)}});
    c.push_back({"y", "overlaps the low-rank A", [=] { run(s->x.view(), s->b, MatrixView<float>(s->A.data(), M, N)); }, {region(s->A)}});
    c.push_back({"y", "overlaps the low-rank B (one row)", [=] {
                     run(MatrixView<const float>(s->x.data(), 1, K), s->b, MatrixView<float>(s->B.data(), 1, N));
                 }, {region(s->B)}});
    return c;
}

std::vector<Case> reference_gemm() {
    auto s = std::make_shared<BitState>();
    auto xs = std::make_shared<AddState>();
    auto past = std::make_shared<PastBound>();
    std::vector<Case> c;
    const std::vector<Region> yi{region(xs->yi)}, yf{region(xs->yf)};
    c.push_back({"w", "K mismatch", [=] { reference::gemm(xs->x8, s->w_long, xs->yi.view()); }, yi});
    c.push_back({"y", "wrong shape", [=] { reference::gemm(xs->x8, s->w, MatrixView<std::int32_t>(xs->yi.data(), M, N - 1)); }, yi});
    c.push_back({"y", "overlaps x", [=] { reference::gemm(xs->xf, s->w, alias<float>(xs->xf.data(), M, N)); }, {region(xs->xf)}});
    for (float bad : {nan_v, inf_v})
        c.push_back({"x", "x(2, 2) = " + std::to_string(bad), [=] {
                         Matrix<float> x = xs->xf.clone();
                         x(2, 2) = bad;
                         reference::gemm(x, s->w, xs->yf.view());
                     }, yf});
    c.push_back({"x", "K = 65794 past the int32 bound (8-bit codes)", [=] { reference::gemm(past->x, past->planes, past->y.view()); }, {region(past->y)}});
    view_cases(c, s, "w", [=](BitView<enc::sign> v) {
        reference::gemm(MatrixView<const std::int8_t>(xs->x8.data(), M, K), v, MatrixView<std::int32_t>(xs->yi.data(), M, M));
    }, yi);
    c.push_back({"w", "K mismatch (gemv)", [=] { reference::gemv(std::span<const float>(xs->xf.data(), K - 1), s->w, xs->yf.row(0)); }, yf});
    return c;
}

std::vector<Case> reference_xnor() {
    auto s = std::make_shared<BitState>();
    std::vector<Case> c;
    const std::vector<Region> yi{region(s->yi)}, yf{region(s->yf)};
    c.push_back({"w", "K mismatch", [=] { reference::xnor_gemm(s->a, s->w_long, s->yi.view()); }, yi});
    c.push_back({"a", "K = 0", [=] { reference::xnor_gemm(s->empty, s->empty.view().slice_rows(0, 0), MatrixView<std::int32_t>(s->yi.data(), M, 0)); }, yi});
    c.push_back({"y", "wrong shape", [=] { reference::xnor_gemm(s->a, s->w, MatrixView<std::int32_t>(s->yi.data(), 1, N)); }, yi});
    c.push_back({"a", "K = 2^31 past the int32 bound", [=] {
                     const auto h = s->huge(std::size_t{1} << 31);
                     reference::xnor_gemm(h, h, MatrixView<std::int32_t>(s->yi.data(), 1, 1));
                 }, yi});
    for (float bad : {nan_v, inf_v}) {
        c.push_back({"a", "a.scale[1] = " + std::to_string(bad), [=] {
                         std::vector<float> sc = s->as;
                         sc[1] = bad;
                         reference::xnor_gemm(SignRows{s->a, sc}, SignRows{s->w, s->ws}, s->yf.view());
                     }, yf});
        c.push_back({"w", "w.scale[3] = " + std::to_string(bad), [=] {
                         std::vector<float> sc = s->ws;
                         sc[3] = bad;
                         reference::xnor_gemm(SignRows{s->a, s->as}, SignRows{s->w, sc}, s->yf.view());
                     }, yf});
    }
    view_cases(c, s, "a", [=](BitView<enc::sign> v) { reference::xnor_gemm(v, s->w, s->yi.view()); }, yi);
    c.push_back({"a", "two rows (gemv)", [=] { reference::xnor_gemv(s->a.view().slice_rows(0, 2), s->w, s->yi.row(0)); }, yi});
    return c;
}

/// The table: every public product entry. A new entry joins here and in docs/api.md.
const std::vector<Entry>& entries() {
    static const std::vector<Entry> table = {
        {"gemm int8 -> int32", {"gemm"}, add_int8_int32},
        {"gemm Int8Rows -> float", {"gemm"}, add_int8_rows},
        {"gemm float -> float", {"gemm"}, add_float},
        {"gemv (int8, Int8Vector, float)", {"gemv"}, add_gemv},
        {"gemm_block", {"gemm_block"}, add_block},
        {"prepare", {"prepare"}, add_prepare},
        {"xnor_gemm int32", {"xnor_gemm"}, [] { return xnor_int(false, false); }},
        {"xnor_gemm SignRows -> float", {"xnor_gemm"}, [] { return xnor_scaled(false); }},
        {"xnor_gemm_block int32", {"xnor_gemm_block"}, [] { return xnor_int(true, false); }},
        {"xnor_gemm_block SignRows -> float", {"xnor_gemm_block"}, [] { return xnor_scaled(true); }},
        {"xnor_gemv int32", {"xnor_gemv"}, [] { return xnor_int(false, true); }},
        {"xnor_gemv SignRows -> float", {"xnor_gemv"}, xnor_gemv_scaled},
        {"hamming_distances", {"hamming_distances"}, [] { return hamming_dist(false, false); }},
        {"hamming_distances_block", {"hamming_distances_block"}, [] { return hamming_dist(true, false); }},
        {"hamming_topk", {"hamming_topk"}, [] { return hamming_top(false, false); }},
        {"hamming_topk_block", {"hamming_topk_block"}, [] { return hamming_top(true, false); }},
        {"expr::evaluate (generic)", {"evaluate"}, [] { return evaluate_cases(false); }},
        {"expr::evaluate (compiled)", {"evaluate"}, [] { return evaluate_cases(true); }},
        {"reference::gemm, gemv", {"reference::gemm", "reference::gemv"}, reference_gemm},
        {"reference::xnor_gemm, xnor_gemv", {"reference::xnor_gemm", "reference::xnor_gemv"}, reference_xnor},
        {"reference::hamming_distances", {"reference::hamming_distances"}, [] { return hamming_dist(false, true); }},
        {"reference::hamming_topk", {"reference::hamming_topk"}, [] { return hamming_top(false, true); }},
    };
    return table;
}

std::string read_api_doc() {
    std::ifstream in(BITLA_API_DOC);
    REQUIRE(in.good());
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

/// The rows of a markdown table that starts after `heading`.
std::vector<std::vector<std::string>> table_after(const std::string& doc, const std::string& heading) {
    std::vector<std::vector<std::string>> rows;
    const auto at = doc.find(heading);
    if (at == std::string::npos) return rows;
    std::istringstream in(doc.substr(at));
    std::string line;
    bool started = false;
    while (std::getline(in, line)) {
        if (line.rfind("|", 0) != 0) {
            if (started) break;
            continue;
        }
        started = true;
        if (line.find("|---") == 0) continue;
        std::vector<std::string> cells;
        std::size_t p = 1;
        while (true) {
            const auto q = line.find(" |", p);
            if (q == std::string::npos) break;
            std::string cell = line.substr(p, q - p);
            while (!cell.empty() && cell.front() == ' ') cell.erase(0, 1);
            cells.push_back(cell);
            p = q + 2;
        }
        rows.push_back(cells);
    }
    if (!rows.empty()) rows.erase(rows.begin());  // the header
    return rows;
}

}  // namespace

TEST_CASE("every bad argument of every product entry throws bitla::error naming it, outputs untouched",
          "[arguments]") {
    for (const Entry& e : entries()) {
        const std::vector<Case> cases = e.cases();
        REQUIRE(!cases.empty());
        for (const Case& c : cases) {
            INFO(e.name << ": " << c.what << " (expected argument " << c.argument << ")");
            std::vector<std::vector<unsigned char>> before;
            for (const Region& r : c.guarded) {
                const auto* p = static_cast<const unsigned char*>(r.data);
                before.emplace_back(p, p + r.bytes);
            }
            std::string got = "(no exception)", message;
            try {
                c.call();
            } catch (const bitla::error& err) {
                got = err.argument();
                message = err.what();
            }
            INFO("message: " << message);
            CHECK(got == c.argument);
            for (std::size_t i = 0; i < c.guarded.size(); ++i)
                CHECK(std::memcmp(c.guarded[i].data, before[i].data(), c.guarded[i].bytes) == 0);
        }
    }
}

TEST_CASE("outputs are sentinel-filled, so an untouched output proves no write", "[arguments]") {
    // Valid calls on the same operands do write: the guarded comparison is not vacuous.
    AddState s;
    gemm(s.x8.view(), s.w, s.yi.view());
    REQUIRE(std::memcmp(s.yi.data(), sentinel_matrix<std::int32_t>(M, N).data(), M * N * 4) != 0);
    BitState b;
    xnor_gemm(b.a, b.w, b.yi.view());
    REQUIRE(std::memcmp(b.yi.data(), sentinel_matrix<std::int32_t>(M, N).data(), M * N * 4) != 0);
}

TEST_CASE("every product entry of docs/api.md has rows in the argument table", "[arguments]") {
    const std::string doc = read_api_doc();
    // Headers whose entries are products (the others construct, quantize or configure).
    const std::map<std::string, std::string> product_headers = {
        {"`gemm/add.hpp`", ""},       {"`gemm/add_activations.hpp`", ""}, {"`gemm/xnor.hpp`", ""},
        {"`gemm/hamming.hpp`", ""},   {"`expr/evaluate.hpp`", ""},        {"`expr/compiled.hpp`", ""},
        {"`kernels/generic/reference.hpp`", "reference::"},
    };
    // Named in those rows but not products: they take no output.
    const std::set<std::string> not_products = {"dequantize", "compile"};
    std::set<std::string> covered;
    for (const Entry& e : entries()) covered.insert(e.covers.begin(), e.covers.end());
    std::size_t found = 0;
    // Each backticked name that starts a cell's code span: `gemm(x, w, y)`, `reference::gemm`, `gemv`.
    // (Scanned by hand: std::regex trips GCC 12's -Wmaybe-uninitialized in the sanitizer build.)
    const auto names_in = [](const std::string& cell) {
        std::vector<std::string> out;
        const auto ident = [](char c) { return (c >= 'a' && c <= 'z') || c == '_'; };
        for (std::size_t i = cell.find('`'); i != std::string::npos; i = cell.find('`', i + 1)) {
            std::size_t j = i + 1;
            if (j >= cell.size() || cell[j] < 'a' || cell[j] > 'z') continue;
            while (j < cell.size() && ident(cell[j])) ++j;
            if (cell.compare(j, 2, "::") == 0 && j + 2 < cell.size() && ident(cell[j + 2])) {
                j += 2;
                while (j < cell.size() && ident(cell[j])) ++j;
            }
            out.push_back(cell.substr(i + 1, j - i - 1));
            i = j - 1;
        }
        return out;
    };
    for (const auto& row : table_after(doc, "## Table of entries")) {
        if (row.size() < 2) continue;
        const auto h = product_headers.find(row[0]);
        if (h == product_headers.end()) continue;
        for (std::string name : names_in(row[1])) {
            if (not_products.count(name) != 0) continue;
            if (name.rfind(h->second, 0) != 0) name = h->second + name;
            INFO("docs/api.md names the product " << name);
            CHECK(covered.count(name) == 1);
            ++found;
        }
    }
    REQUIRE(found >= 15);
}

TEST_CASE("the argument table matches docs/api.md's \"Argument checks\"", "[arguments]") {
    const std::string doc = read_api_doc();
    std::map<std::string, std::set<std::string>> docs;
    for (const auto& row : table_after(doc, "## Argument checks")) {
        if (row.size() < 2) continue;
        std::string entry = row[0];
        std::erase(entry, '`');
        std::set<std::string> args;
        std::istringstream in(row[1]);
        std::string a;
        while (std::getline(in, a, ',')) {
            std::erase(a, ' ');
            std::erase(a, '`');
            if (!a.empty()) args.insert(a);
        }
        docs[entry] = args;
    }
    for (const Entry& e : entries()) {
        std::set<std::string> args;
        for (const Case& c : e.cases()) args.insert(c.argument);
        INFO("entry " << e.name);
        REQUIRE(docs.count(e.name) == 1);
        CHECK(docs[e.name] == args);
    }
    CHECK(docs.size() == entries().size());
}
