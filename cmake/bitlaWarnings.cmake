# Warnings are errors in bitla's own targets (tests, benchmarks, examples), never in the
# INTERFACE target consumers link.
add_library(bitla_warnings INTERFACE)
target_compile_options(bitla_warnings INTERFACE -Wall -Wextra -Wpedantic -Werror)
