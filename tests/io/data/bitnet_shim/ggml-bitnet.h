// Stand-in for bitnet.cpp's include/ggml-bitnet.h, which includes its llama.cpp fork's
// ggml.h (a submodule commit not available here). It declares only what
// src/ggml-bitnet-mad.cpp uses, so that file compiles unmodified for make_tool_files.cpp.
// Own code, not bitnet.cpp's.
#pragma once
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
// The fork's type id of I2_S.
enum ggml_type { GGML_TYPE_I2_S = 36 };
// In the fork's type traits I2_S has 1-byte elements, blocks of 1: a row of ne values is ne
// bytes before packing (quantize_i2_s returns nrow * row_size / 4 + 32).
static inline size_t ggml_row_size(enum ggml_type, int64_t ne) { return (size_t)ne; }
