#include <bitla/core/matrix.hpp>

#include <catch2/catch.hpp>

#include <vector>

using bitla::Matrix;
using bitla::MatrixView;

TEST_CASE("Matrix is a zeroed row-major move-only owner", "[core]") {
    Matrix<float> m(3, 4);
    REQUIRE(m.rows() == 3);
    REQUIRE(m.cols() == 4);
    for (float v : m.flat()) REQUIRE(v == 0.0f);
    m(2, 1) = 5.0f;
    REQUIRE(m.data()[2 * 4 + 1] == 5.0f);
    REQUIRE(m.row(2)[1] == 5.0f);
    MatrixView<const float> v = m;
    REQUIRE(v(2, 1) == 5.0f);
    REQUIRE(v.ld == 4);
    Matrix<float> c = m.clone();
    m(2, 1) = 1.0f;
    REQUIRE(c(2, 1) == 5.0f);
    STATIC_REQUIRE(!std::is_copy_constructible_v<Matrix<float>>);
}

TEST_CASE("MatrixView slices rows and converts to const", "[core]") {
    std::vector<int> data(20);
    for (int i = 0; i < 20; ++i) data[std::size_t(i)] = i;
    MatrixView<int> v(data.data(), 4, 3, 5);  // 4 x 3 inside a 4 x 5 buffer
    REQUIRE(v(3, 2) == 17);
    auto s = v.slice_rows(1, 3);
    REQUIRE(s.rows == 2);
    REQUIRE(s(0, 0) == 5);
    MatrixView<const int> cv = v;
    REQUIRE(cv(1, 1) == 6);
    std::span<int> sp(data.data(), 4);
    MatrixView<int> row(sp);
    REQUIRE((row.rows == 1 && row.cols == 4));
    REQUIRE(static_cast<const int*>(v.end_byte()) == data.data() + 3 * 5 + 3);
}

TEST_CASE("views with ld < cols or null data are rejected", "[core][errors]") {
    std::vector<float> data(8);
    REQUIRE_THROWS_WITH(bitla::detail::check_view(MatrixView<float>(data.data(), 2, 4, 3), "x"),
                        Catch::Contains("x.ld = 3") && Catch::Contains("x.cols = 4"));
    REQUIRE_THROWS_WITH(bitla::detail::check_view(MatrixView<float>(nullptr, 2, 4), "x"),
                        Catch::Contains("data is null"));
    REQUIRE_NOTHROW(bitla::detail::check_view(MatrixView<float>(nullptr, 0, 4), "x"));
}

TEST_CASE("Matrix rejects shapes that overflow", "[core][errors]") {
    REQUIRE_THROWS_AS(Matrix<float>(SIZE_MAX / 2, 4), bitla::error);
}
