// Compositions that must not compile. Built once per BITLA_CASE by ctest (WILL_FAIL);
// BITLA_CASE = 0 is the control: the same file with only valid code must compile, so a
// failure of the other cases is the case's own doing.
#include <bitla/expr/expr.hpp>

#include <vector>

using namespace bitla;
using namespace bitla::expr;

int main() {
    BitPlanes wq(4, 64, 2);
    Matrix<float> s(4, 8), u(4, 8), x(1, 64);
    std::vector<float> b(4);
    auto w = packed(wq) * group_scale(s, 8) + group_zero(u, 8);
    auto e = linear(x, w) + bias(b);
    (void)e;
#if BITLA_CASE == 1  // an expression over a temporary owner would dangle
    auto bad = packed(BitPlanes(4, 64, 2));
#elif BITLA_CASE == 2  // a temporary scale matrix would dangle
    auto bad = packed(wq) * group_scale(Matrix<float>(4, 8), 8);
#elif BITLA_CASE == 3  // linear over temporary activations would dangle
    auto bad = linear(Matrix<float>(1, 64), packed(wq));
#elif BITLA_CASE == 4  // scaling an already scaled term
    auto bad = (packed(wq) * tensor_scale(2.0f)) * tensor_scale(3.0f);
#elif BITLA_CASE == 5  // scaling a zero term (u already carries the scale)
    auto bad = group_zero(u, 8) * tensor_scale(2.0f);
#elif BITLA_CASE == 6  // a second bias
    auto bad = linear(x, w) + bias(b) + bias(b);
#elif BITLA_CASE == 7  // adding weights to a product
    auto bad = linear(x, w) + packed(wq);
#elif BITLA_CASE == 8  // coefficients are integers (powers of two, signs), not floats
    auto bad = 2.5f * packed(wq);
#else
    int bad = 0;
#endif
    (void)bad;
    return 0;
}
