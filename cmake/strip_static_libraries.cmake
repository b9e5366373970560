# CPack's pre-build script: strips the debug information from the static libraries staged for the .deb (CPack's own
# CPACK_STRIP_FILES strips the executables and shared modules only), as Debian's -dev packages ship them.
file(GLOB_RECURSE archives "${CPACK_TEMPORARY_DIRECTORY}/*.a")
foreach(archive ${archives})
  execute_process(COMMAND ${CPACK_UPDRAFT_STRIP} --strip-debug ${archive} COMMAND_ERROR_IS_FATAL ANY)
endforeach()
