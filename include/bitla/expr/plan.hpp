// bitla/expr/plan.hpp — lowering: a weight expression becomes a flat Plan, once, before
// anything is computed.
//
// The plan lists what one fused evaluation needs:
//   packed   each packed operand with its integer coefficient and its scale: the only
//            terms that read quantized weights, each read exactly once;
//   zeros    grouped zero terms u (N x K/G): an epilogue Σ_g u[n,g]·xsum[m,g] over the
//            activation group sums, computed once per activation row;
//   factors  the low-rank part as [u_1 | … | B_1 | …] · [1ᵀ ; … ; A_1 ; …]: rank-one zero
//            terms merge with low-rank terms exactly, by concatenation (rank r + 1), with no
//            decomposition and no copy — the side product X·[1ᵀ; A]ᵀ is an M x R matrix whose
//            "1" columns are the activation row sums.
// `lower` checks every shape against every other and throws bitla::error naming both.
#pragma once

#include <cstddef>
#include <string>
#include <variant>
#include <vector>

#include "../core/checks.hpp"
#include "nodes.hpp"

BITLA_BEGIN_NAMESPACE
namespace expr {

using AnyPacked = std::variant<BitView<enc::sign>, BitView<enc::zero_one>, TernaryView<enc::planes>,
                               TernaryView<enc::code2>, BitPlanesView>;

struct PlanPacked {
    AnyPacked w;
    int coef = 1;
    Scale scale;  ///< Kind::tensor with value 1 when unscaled
};

/// One column block of the merged low-rank factors: either a rank-one zero u (a "ones" row
/// of A) or a low-rank pair (B, A).
struct PlanFactor {
    MatrixView<const float> b;  ///< N x r (N x 1 for a rank-one zero)
    MatrixView<const float> a;  ///< r x K; empty (data null) for a rank-one zero: the row of ones
    [[nodiscard]] std::size_t rank() const { return b.cols; }
    [[nodiscard]] bool ones() const { return a.data == nullptr; }
};

struct Plan {
    std::size_t n = 0, k = 0;
    std::vector<PlanPacked> packed;
    std::vector<Zero> zeros;           ///< grouped zero terms
    std::vector<PlanFactor> factors;   ///< merged rank-one zeros and low-rank terms
    [[nodiscard]] std::size_t rank() const {
        std::size_t r = 0;
        for (const auto& f : factors) r += f.rank();
        return r;
    }
};

namespace detail {

inline std::string shape(std::size_t r, std::size_t c) { return std::to_string(r) + " x " + std::to_string(c); }

struct Lowering {
    Plan plan;
    bool have_n = false, have_k = false;
    std::string n_from, k_from;

    void fix_n(std::size_t n, const std::string& what) {
        if (!have_n) {
            plan.n = n, have_n = true, n_from = what;
            return;
        }
        bitla::detail::require(n == plan.n, "w", what, " has N = ", n, " but ", n_from, " has N = ", plan.n);
    }
    void fix_k(std::size_t k, const std::string& what) {
        if (!have_k) {
            plan.k = k, have_k = true, k_from = what;
            return;
        }
        bitla::detail::require(k == plan.k, "w", what, " has K = ", k, " but ", k_from, " has K = ", plan.k);
    }
    std::string term_name() const { return "term " + std::to_string(count + 1); }

    std::size_t count = 0;

    template <class V>
    void add(const Packed<V>& p, const Scale& s) {
        fix_n(p.w.rows, term_name() + " (packed, " + shape(p.w.rows, p.w.cols) + ")");
        fix_k(p.w.cols, term_name() + " (packed, " + shape(p.w.rows, p.w.cols) + ")");
        plan.packed.push_back({AnyPacked(p.w), p.coef, s});
    }
    template <class V>
    void visit(const Packed<V>& p) {
        add(p, tensor_scale(1.0f));
        ++count;
    }
    template <class I>
    void visit(const Scaled<I>& s) {
        if constexpr (packed_term<I>) add(s.inner, s.scale);
        else std::apply([&](const auto&... t) { (add(t, s.scale), ...); }, s.inner.terms);
        ++count;
    }
    void visit(const Zero& z) {
        const std::string what = term_name() + " (zero, u " + shape(z.u.rows, z.u.cols) + ")";
        bitla::detail::check_view(z.u, "u");
        fix_n(z.u.rows, what);
        if (z.group_size == 0) {
            bitla::detail::require(z.u.cols == 1, "u", what, ": a rank-one zero needs one value per row");
            bitla::detail::require(z.times.data == nullptr, "u", what, ": zero points need groups");
            plan.factors.push_back({z.u, {}});
        } else {
            plan.zeros.push_back(z);
        }
        ++count;
    }
    void visit(const LowRank& l) {
        const std::string what = term_name() + " (low rank, B " + shape(l.b.rows, l.b.cols) + ", A " +
                                 shape(l.a.rows, l.a.cols) + ")";
        bitla::detail::check_view(l.b, "B");
        bitla::detail::check_view(l.a, "A");
        bitla::detail::require(l.b.cols == l.a.rows, "A", what, ": B has ", l.b.cols, " columns but A has ", l.a.rows,
                               " rows");
        bitla::detail::require(l.b.cols >= 1 && l.a.data != nullptr, "B", what, ": rank must be at least 1");
        fix_n(l.b.rows, what);
        fix_k(l.a.cols, what);
        plan.factors.push_back({l.b, l.a});
        ++count;
    }

    // After every term is seen: check scales and grouped zeros against N and K.
    void check_groups(const MatrixView<const float>& v, std::size_t g, const char* arg, const std::string& what) {
        bitla::detail::require(g > 0 && g % 8 == 0, "group_size", what, ": group size ", g,
                               " must be a positive multiple of 8");
        bitla::detail::require(plan.k % g == 0, "group_size", what, ": group size ", g, " does not divide K = ", plan.k);
        bitla::detail::require(v.rows == plan.n && v.cols == plan.k / g, arg, what, ": ", arg, " is ",
                               shape(v.rows, v.cols), " but N x K/G is ", shape(plan.n, plan.k / g));
    }
    void finish() {
        bitla::detail::require(have_k, "w", "the expression has no term that fixes K (add a packed or low-rank term)");
        for (std::size_t i = 0; i < plan.packed.size(); ++i) {
            const Scale& s = plan.packed[i].scale;
            const std::string what = "packed operand " + std::to_string(i + 1);
            if (s.kind == Scale::Kind::row) {
                bitla::detail::check_view(s.values, "scale");
                bitla::detail::require(s.values.rows == plan.n && s.values.cols == 1, "scale", what,
                                       ": row scale has ", s.values.rows * s.values.cols, " values but N = ", plan.n);
            } else if (s.kind == Scale::Kind::group) {
                bitla::detail::check_view(s.values, "scale");
                check_groups(s.values, s.group_size, "scale", what);
            }
        }
        for (const Zero& z : plan.zeros) {
            check_groups(z.u, z.group_size, "u", "grouped zero");
            if (z.times.data != nullptr) {
                bitla::detail::check_view(z.times, "scale");
                check_groups(z.times, z.group_size, "scale", "zero point scale");
            }
        }
    }
};

}  // namespace detail

/// Flattens and checks a weight expression. Throws bitla::error on inconsistent shapes,
/// group sizes that are not positive multiples of 8 dividing K, or missing K.
template <weight_expr W>
[[nodiscard]] Plan lower(const W& w) {
    detail::Lowering l;
    if constexpr (detail::is_sum<W>::value) std::apply([&](const auto&... t) { (l.visit(t), ...); }, w.terms);
    else l.visit(w);
    l.finish();
    return std::move(l.plan);
}

}  // namespace expr
BITLA_END_NAMESPACE
