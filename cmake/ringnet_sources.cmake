# Source lists for the CMake builds (fuzz targets, the sanitizer build of the
# addon), read from native/sources.gypi: the one list binding.gyp builds the
# addon from, so no CMake build can drift from the shipped one.
get_filename_component(RINGNET_ROOT "${CMAKE_CURRENT_LIST_DIR}/.." ABSOLUTE)

# ringnet_gypi_list(<out> <name>): absolute paths of the sources in the
# sources.gypi list variable <name> ('name': ['a.cc', ...]).
function(ringnet_gypi_list out name)
  file(READ "${RINGNET_ROOT}/native/sources.gypi" gypi)
  string(REGEX MATCH "'${name}'[ \t\r\n]*:[ \t\r\n]*\\[[^]]*\\]" block "${gypi}")
  if(NOT block)
    message(FATAL_ERROR "native/sources.gypi has no list '${name}'")
  endif()
  string(REGEX MATCHALL "'[^']+\\.(cc|c)'" quoted "${block}")
  set(files "")
  foreach(q IN LISTS quoted)
    string(REPLACE "'" "" f "${q}")
    list(APPEND files "${RINGNET_ROOT}/${f}")
  endforeach()
  set(${out} "${files}" PARENT_SCOPE)
endfunction()
