# ctest driver for bitla-inspect: runs COMMAND (a ;-list) and fails unless it exits with
# EXIT and its output (stdout and stderr) matches every regular expression in MATCH.
#   cmake -DCOMMAND=<exe;args> -DEXIT=<n> [-DMATCH=<re;re>] -P inspect_check.cmake
execute_process(COMMAND ${COMMAND} RESULT_VARIABLE status OUTPUT_VARIABLE out ERROR_VARIABLE err)
message("${out}${err}")
if(NOT status STREQUAL "${EXIT}")
  message(FATAL_ERROR "exit status ${status}, expected ${EXIT}")
endif()
foreach(re IN LISTS MATCH)
  if(NOT "${out}${err}" MATCHES "${re}")
    message(FATAL_ERROR "no match for: ${re}")
  endif()
endforeach()
