// bitla/io/gguf.hpp — GGUF model files: read (validated, mapped), write, decode, and move
// tensors into and out of bitla's types. docs/formats.md has the format table and rules.
//
//   gguf_types.hpp     type ids, dialects (mainline ggml, bitnet.cpp), tensor sizes
//   gguf_metadata.hpp  typed key/value metadata
//   gguf_tensor.hpp    GgufTensor: a directory entry and its bytes
//   gguf_reader.hpp    GgufFile::open / parse: every count, size and offset checked
//   gguf_writer.hpp    gguf_bytes, write_gguf, GgufTensorData
//   block_codecs.hpp   TQ1_0, TQ2_0, Q1_0, Q2_0, I2_S blocks
//   gguf_decode.hpp    dequantize(tensor): the file's own dequantization
//   gguf_import.hpp    import_ternary, import_i2_s, import_q1_0, import_q2_0; GroupScaled
//   gguf_export.hpp    to_gguf(name, type, quantized or float matrix)
#pragma once

#include "gguf_decode.hpp"
#include "gguf_export.hpp"
#include "gguf_import.hpp"
#include "gguf_metadata.hpp"
#include "gguf_reader.hpp"
#include "gguf_tensor.hpp"
#include "gguf_types.hpp"
#include "gguf_writer.hpp"
