# Runtime dispatch: one generated translation unit per ISA, each compiled with that ISA's
# flags and instantiating every kernel family for it (include/bitla/kernels/instantiate.hpp),
# plus the definitions BITLA_RUNTIME_DISPATCH and BITLA_DISPATCH_ISAS (the units' names). The
# rest of the target keeps its own (baseline) flags; at run time bitla picks the best ISA
# the CPU and OS support, once per kernel family. By default every ISA of the platform the
# build targets (x86_64 or aarch64) is built; elsewhere only generic.
#
#   bitla_enable_runtime_dispatch(<target> [ISAS isa...])   units compiled into <target>
#   bitla_add_dispatch_library(<name> [ISAS isa...])        units in a static library that
#                                                           several targets link
#
# The ISA table is include/bitla/arch/isa_table.hpp, read here: each row's name, parent,
# platform and flags (a level's flags are its parent's plus its own). Every x86 level also
# aligns loop heads to 64 bytes: the streaming GEMV kernels' rate depends on where their
# loops land (docs/performance.md). What the functions below read is kept in global
# properties, so they work whatever directory or function scope calls them
# (add_subdirectory, FetchContent, find_package inside a function).
if(NOT BITLA_ISA_TABLE_FILE)
  set(BITLA_ISA_TABLE_FILE ${CMAKE_CURRENT_LIST_DIR}/../include/bitla/arch/isa_table.hpp)
endif()
if(CMAKE_SYSTEM_PROCESSOR MATCHES "^(x86_64|AMD64|amd64|x64)$")
  set(_bitla_platform x86_64)
elseif(CMAKE_SYSTEM_PROCESSOR MATCHES "^(aarch64|arm64|ARM64)$")
  set(_bitla_platform aarch64)
else()
  set(_bitla_platform other)
endif()
file(READ ${BITLA_ISA_TABLE_FILE} _bitla_rows)
string(REPLACE "\\" "" _bitla_rows "${_bitla_rows}")  # the macro's line continuations
string(REGEX MATCHALL "\n *X\\([^\n]*" _bitla_rows "${_bitla_rows}")
set(_bitla_isas)
set(_bitla_all_isas)
foreach(_bitla_row IN LISTS _bitla_rows)
  if(NOT _bitla_row MATCHES "^\n *X\\(([a-z0-9_]+), *([a-z0-9_]+), *([a-z0-9_]+), *[^,]+, *\"([^\"]*)\"")
    message(FATAL_ERROR "bitla: cannot read this row of ${BITLA_ISA_TABLE_FILE}: ${_bitla_row}")
  endif()
  if(CMAKE_MATCH_1 STREQUAL "generic")
    continue()
  endif()
  separate_arguments(_bitla_own UNIX_COMMAND "${CMAKE_MATCH_4}")
  get_property(_bitla_inherited GLOBAL PROPERTY BITLA_ISA_FLAGS_${CMAKE_MATCH_2})
  set_property(GLOBAL PROPERTY BITLA_ISA_FLAGS_${CMAKE_MATCH_1} ${_bitla_inherited} ${_bitla_own})
  set_property(GLOBAL PROPERTY BITLA_ISA_PLATFORM_${CMAKE_MATCH_1} ${CMAKE_MATCH_3})
  list(APPEND _bitla_all_isas ${CMAKE_MATCH_1})
  if(CMAKE_MATCH_3 STREQUAL _bitla_platform)
    list(APPEND _bitla_isas ${CMAKE_MATCH_1})
  endif()
endforeach()
# The ISAs of every platform, and those of the platform this build targets.
set_property(GLOBAL PROPERTY BITLA_ALL_SIMD_ISAS ${_bitla_all_isas})
set_property(GLOBAL PROPERTY BITLA_SIMD_ISAS ${_bitla_isas})
set_property(GLOBAL PROPERTY BITLA_PLATFORM ${_bitla_platform})

# _bitla_note_modes(): the one line a consumer's configure prints about the two modes (a
# plain target built without ISA flags runs the generic kernels, which nothing else says).
function(_bitla_note_modes)
  message(STATUS "bitla: header-only targets run the kernels their compiler flags enable (generic "
                 "without -mavx2 / -march=native); bitla_enable_runtime_dispatch(<target>) picks the "
                 "best the CPU has at run time; bitla::active_isa() tells which runs")
endfunction()

# bitla_isa_flags(<out-var> <isa>): the compiler flags that build <isa>'s kernels (for a
# source file of the caller's own that needs them).
function(bitla_isa_flags out isa)
  get_property(known GLOBAL PROPERTY BITLA_ALL_SIMD_ISAS)
  get_property(here GLOBAL PROPERTY BITLA_PLATFORM)
  if(NOT isa IN_LIST known)
    message(FATAL_ERROR "bitla: unknown ISA '${isa}' (known: ${known})")
  endif()
  get_property(platform GLOBAL PROPERTY BITLA_ISA_PLATFORM_${isa})
  if(NOT platform STREQUAL here)
    message(FATAL_ERROR "bitla: ISA '${isa}' is for ${platform}; this build targets ${here}")
  endif()
  get_property(flags GLOBAL PROPERTY BITLA_ISA_FLAGS_${isa})
  set(${out} ${flags} PARENT_SCOPE)
endfunction()

# Adds the per-ISA units to <target> with the given scope (PRIVATE for an executable,
# PUBLIC for a library whose users call bitla).
# BITLA_EMULATE_ISAS (cache, for tests on hosts without them): AVX-512 levels whose units
# are compiled with AVX2 flags against SIMDe's portable AVX-512 (libsimde-dev), so their
# kernels run, slowly, on any AVX2 CPU (kernels/avx512bw/intrinsics.hpp).
set(BITLA_EMULATE_ISAS "" CACHE STRING "AVX-512 levels to emulate with SIMDe (tests on hosts without AVX-512)")
set(_bitla_emulable avx512bw avx512_vpopcnt avx512_vnni)

function(_bitla_add_isa_units target scope)
  set(dir ${CMAKE_CURRENT_BINARY_DIR}/bitla_dispatch/${target})
  set(emulated)
  foreach(isa IN LISTS ARGN)
    bitla_isa_flags(flags ${isa})
    if(isa IN_LIST BITLA_EMULATE_ISAS)
      if(NOT isa IN_LIST _bitla_emulable)
        message(FATAL_ERROR "bitla: BITLA_EMULATE_ISAS: only ${_bitla_emulable} can be emulated, not '${isa}'")
      endif()
      # AVX2 flags, and the unit counts this level and the AVX-512 levels below it as enabled.
      bitla_isa_flags(flags avx2)
      list(APPEND flags -Wno-psabi)
      foreach(level IN LISTS _bitla_emulable)
        string(TOUPPER ${level} upper)
        list(APPEND flags -DBITLA_EMULATE_${upper}=1)
        if(level STREQUAL isa)
          break()
        endif()
      endforeach()
      list(APPEND emulated ${isa})
    endif()
    set(src ${dir}/${isa}.cpp)
    file(CONFIGURE OUTPUT ${src} CONTENT
"// Generated by bitla's runtime dispatch: the ${isa} kernels, built with its flags.
#include <bitla/kernels/instantiate.hpp>
BITLA_INSTANTIATE_ISA(${isa})
")
    set_source_files_properties(${src} TARGET_DIRECTORY ${target} PROPERTIES
      COMPILE_OPTIONS "${flags}")
    target_sources(${target} PRIVATE ${src})
  endforeach()
  # Which units the program has (arch/dispatch.hpp reads the comma-separated names).
  string(REPLACE ";" "," names "${ARGN}")
  string(REPLACE ";" "," emulated "${emulated}")
  target_compile_definitions(${target} ${scope} BITLA_RUNTIME_DISPATCH=1 "BITLA_DISPATCH_ISAS=\"${names}\""
                             "BITLA_DISPATCH_EMULATED=\"${emulated}\"")
endfunction()

# bitla_enable_runtime_dispatch(<target> [ISAS isa...]): the units go into <target> itself.
function(bitla_enable_runtime_dispatch target)
  cmake_parse_arguments(PARSE_ARGV 1 arg "" "" "ISAS")
  if(NOT arg_ISAS)
    get_property(arg_ISAS GLOBAL PROPERTY BITLA_SIMD_ISAS)
  endif()
  _bitla_add_isa_units(${target} PRIVATE ${arg_ISAS})
endfunction()

# bitla_add_dispatch_library(<name> [ISAS isa...]): a static library holding the units,
# for several targets to link (each ISA's kernels are then compiled once, not per target).
# Linking it also gives the target bitla::bitla and the runtime-dispatch definitions.
function(bitla_add_dispatch_library name)
  cmake_parse_arguments(PARSE_ARGV 1 arg "" "" "ISAS")
  if(NOT arg_ISAS)
    get_property(arg_ISAS GLOBAL PROPERTY BITLA_SIMD_ISAS)
  endif()
  add_library(${name} STATIC)
  target_link_libraries(${name} PUBLIC bitla::bitla)
  _bitla_add_isa_units(${name} PUBLIC ${arg_ISAS})
  if(NOT arg_ISAS)
    # nothing but generic: give the archive one object so every toolchain accepts it
    file(CONFIGURE OUTPUT ${CMAKE_CURRENT_BINARY_DIR}/bitla_dispatch/${name}/empty.cpp CONTENT "\n")
    target_sources(${name} PRIVATE ${CMAKE_CURRENT_BINARY_DIR}/bitla_dispatch/${name}/empty.cpp)
  endif()
endfunction()
