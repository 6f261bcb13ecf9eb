// bitla/bitla.hpp — the umbrella header: everything public, nothing else.
//
// bitla is a header-only C++20 library for binary (1-bit) and ternary (1.58-bit) linear
// algebra on CPUs. Conventions: weights W are N x K (output x input features, row-major,
// like nn.Linear.weight), activations X are M x K, products are Y = X . W^T (M x N).
#pragma once

#include "arch/dispatch.hpp"
#include "core/aligned_buffer.hpp"
#include "core/bit_packed.hpp"
#include "core/bit_planes.hpp"
#include "core/concepts.hpp"
#include "core/config.hpp"
#include "core/encodings.hpp"
#include "core/error.hpp"
#include "core/matrix.hpp"
#include "core/scaled_rows.hpp"
#include "core/ternary_packed.hpp"
#include "expr/expr.hpp"
#include "gemm/add.hpp"
#include "gemm/hamming.hpp"
#include "gemm/thread_pool.hpp"
#include "gemm/xnor.hpp"
#include "io/gguf.hpp"
#include "kernels/generic/reference.hpp"
#include "quant/quant.hpp"
