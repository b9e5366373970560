# updraft_python: how the executables that embed CPython link it. By default as Debian's own /usr/bin/python3.11 does:
# libpython3.11.a linked into a non-PIE executable that exports its symbols to the extension modules it loads. The
# shared libpython3.11.so is position-independent code whose internal calls go through the PLT: the Django sample's
# notes page cost 12 % more CPU embedded that way (2,005-2,247 µs a request) than in python3.11 (1,779-1,783 µs),
# and 1,831-1,877 µs linked statically, the difference that gunicorn, which runs on python3.11, had over updraft.
# Sanitizer builds link the shared library (ThreadSanitizer needs a PIE executable); so does what is installed for
# other projects, which find Python3::Python themselves.
if(UPDRAFT_SANITIZE)
  set(static_default OFF)
else()
  set(static_default ON)
endif()
option(UPDRAFT_STATIC_PYTHON "Link CPython statically into non-PIE executables, as Debian's python3.11" ${static_default})

add_library(updraft_python INTERFACE)
if(UPDRAFT_STATIC_PYTHON)
  execute_process(
    COMMAND ${Python3_EXECUTABLE} -c
            "import sysconfig as s; print(s.get_config_var('LIBPL') + '/' + s.get_config_var('LIBRARY'), end='')"
    OUTPUT_VARIABLE UPDRAFT_PYTHON_ARCHIVE COMMAND_ERROR_IS_FATAL ANY)
  if(NOT EXISTS ${UPDRAFT_PYTHON_ARCHIVE})
    message(FATAL_ERROR "UPDRAFT_STATIC_PYTHON: no ${UPDRAFT_PYTHON_ARCHIVE} (Debian's libpython3.11-dev has it)")
  endif()
  # The archive's own needs (sysconfig's LIBS, SYSLIBS and MODLIBS): libdl, libm, zlib and expat.
  target_link_libraries(updraft_python INTERFACE
                        "$<BUILD_INTERFACE:${UPDRAFT_PYTHON_ARCHIVE};z;expat;m;${CMAKE_DL_LIBS}>"
                        "$<INSTALL_INTERFACE:Python3::Python>")
  target_include_directories(updraft_python INTERFACE "$<BUILD_INTERFACE:${Python3_INCLUDE_DIRS}>")
  target_link_options(updraft_python INTERFACE "$<BUILD_INTERFACE:-no-pie;LINKER:--export-dynamic>")
else()
  target_link_libraries(updraft_python INTERFACE Python3::Python)
endif()
set_target_properties(updraft_python PROPERTIES EXPORT_NAME python)
