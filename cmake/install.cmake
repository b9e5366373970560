# Installing updraft (cmake --install build --prefix P) and packaging it (cpack -G DEB, two packages):
#   updraft          P/bin/updraft; the sample servers in P/libexec/updraft (hello, mixed, chat, kv: none needs a file
#                    of this tree to run) and the sample plugin in P/lib/updraft/plugins; the example systemd units in
#                    P/share/updraft/systemd, their ExecStart pointing at P/bin/updraft.
#   libupdraft-dev   the headers in P/include/updraft (core/..., native/..., wsgi/..., cli/..., and llhttp.h), the
#                    static libraries in P/lib and the CMake package in P/lib/cmake/updraft (find_package(updraft CONFIG)).
include(CMakePackageConfigHelpers)

# The package's version is the project's, which --version prints too (kVersion): they must agree.
file(STRINGS ${PROJECT_SOURCE_DIR}/cli/server_flags.hpp version_line REGEX "kVersion = ")
if(NOT version_line MATCHES "\"updraft ${PROJECT_VERSION}\"")
  message(FATAL_ERROR "cli/server_flags.hpp's kVersion (${version_line}) is not project()'s ${PROJECT_VERSION}")
endif()

set(UPDRAFT_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/updraft)

install(TARGETS updraft EXPORT updraft-targets RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT runtime)
install(TARGETS hello mixed chat kv RUNTIME DESTINATION ${CMAKE_INSTALL_LIBEXECDIR}/updraft COMPONENT runtime)
# Not straight under lib/updraft: CPack would then run ldconfig on install and removal, for a plugin ld.so never loads.
install(TARGETS hello_plugin LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}/updraft/plugins COMPONENT runtime)

install(TARGETS updraft_headers updraft_plugin updraft_core updraft_pg updraft_native updraft_wsgi updraft_python
                updraft_cli llhttp
        EXPORT updraft-targets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT development
        FILE_SET HEADERS DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/updraft COMPONENT development)
install(FILES ${LLHTTP_INCLUDE_DIR}/llhttp.h DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/updraft COMPONENT development)
install(EXPORT updraft-targets NAMESPACE updraft:: FILE updraftTargets.cmake DESTINATION ${UPDRAFT_CMAKE_DIR}
        COMPONENT development)
cmake_path(GET Python3_EXECUTABLE PARENT_PATH UPDRAFT_PYTHON_ROOT)  # /usr/bin/python3: /usr
cmake_path(GET UPDRAFT_PYTHON_ROOT PARENT_PATH UPDRAFT_PYTHON_ROOT)
configure_package_config_file(${CMAKE_CURRENT_LIST_DIR}/updraftConfig.cmake.in
                              ${PROJECT_BINARY_DIR}/cmake/updraftConfig.cmake INSTALL_DESTINATION ${UPDRAFT_CMAKE_DIR})
# 0.x: a minor version may break the API, so only the same minor version will do.
write_basic_package_version_file(${PROJECT_BINARY_DIR}/cmake/updraftConfigVersion.cmake
                                 COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/cmake/updraftConfig.cmake ${PROJECT_BINARY_DIR}/cmake/updraftConfigVersion.cmake
        DESTINATION ${UPDRAFT_CMAKE_DIR} COMPONENT development)

# The example units, with the updraft of this installation (contrib/'s say /usr/local/bin, the default prefix).
install(CODE "
  file(READ \"${PROJECT_SOURCE_DIR}/contrib/systemd/updraft.service\" unit)
  string(REPLACE \"/usr/local/bin/updraft\" \"\${CMAKE_INSTALL_PREFIX}/${CMAKE_INSTALL_BINDIR}/updraft\" unit \"\${unit}\")
  file(WRITE \"${PROJECT_BINARY_DIR}/contrib/systemd/updraft.service\" \"\${unit}\")
  file(INSTALL \"${PROJECT_BINARY_DIR}/contrib/systemd/updraft.service\" \"${PROJECT_SOURCE_DIR}/contrib/systemd/updraft.socket\"
       DESTINATION \"\${CMAKE_INSTALL_PREFIX}/${CMAKE_INSTALL_DATADIR}/updraft/systemd\")
" COMPONENT runtime)

# cpack -G DEB (run in the build tree, or with --config build/CPackConfig.cmake): updraft_VERSION_amd64.deb and
# libupdraft-dev_VERSION_amd64.deb.
set(UPDRAFT_PACKAGE_MAINTAINER "updraft maintainers <maintainers@updraft.invalid>"
    CACHE STRING "The Maintainer field of the .deb packages")
set(CPACK_PACKAGE_NAME updraft)
set(CPACK_PACKAGE_VENDOR updraft)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
set(CPACK_PRE_BUILD_SCRIPTS ${CMAKE_CURRENT_LIST_DIR}/strip_static_libraries.cmake)
set(CPACK_UPDRAFT_STRIP ${CMAKE_STRIP})  # for the script above
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_COMPONENTS_ALL runtime development)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_MAINTAINER ${UPDRAFT_PACKAGE_MAINTAINER})
set(CPACK_DEBIAN_PACKAGE_SECTION web)
set(CPACK_DEBIAN_ENABLE_COMPONENT_DEPENDS ON)  # libupdraft-dev depends on updraft (= VERSION)
set(CPACK_DEBIAN_RUNTIME_PACKAGE_NAME updraft)
set(CPACK_DEBIAN_RUNTIME_PACKAGE_SHLIBDEPS ON)  # the shared libraries' packages, found by dpkg-shlibdeps
# The standard library the embedded CPython imports (linked statically, libpython is no shared library to find).
set(CPACK_DEBIAN_RUNTIME_PACKAGE_DEPENDS "libpython${Python3_VERSION_MAJOR}.${Python3_VERSION_MINOR}-stdlib")
# Each description's first line is its package's summary.
set(CPACK_DEBIAN_RUNTIME_DESCRIPTION "asynchronous HTTP/1.1 server and framework in the spirit of Tornado
updraft serves native C++ request handlers and WSGI apps (Flask, Django) on one port, with gunicorn's flags and
signals. Includes the sample servers (in /usr/libexec/updraft) and example systemd units (in /usr/share/updraft).")
set(CPACK_DEBIAN_DEVELOPMENT_PACKAGE_NAME libupdraft-dev)
set(CPACK_DEBIAN_DEVELOPMENT_PACKAGE_SECTION libdevel)
# What the headers and the static libraries' users need to compile and link (the packages scripts/install-deps.sh
# builds with).
set(CPACK_DEBIAN_DEVELOPMENT_PACKAGE_DEPENDS
    "libboost1.81-dev, libboost-json1.81-dev, libboost-url1.81-dev, libssl-dev, zlib1g-dev, libre2-dev, \
libhiredis-dev, libsystemd-dev, libspdlog-dev, libfmt-dev, libcli11-dev, python3-dev, libbrotli-dev, libpq-dev, \
pkg-config")
set(CPACK_DEBIAN_DEVELOPMENT_DESCRIPTION "updraft's headers, static libraries and CMake package
find_package(updraft CONFIG) gives updraft::core, updraft::pg, updraft::native, updraft::wsgi, updraft::cli and
updraft::plugin, to build native apps and --native plugins against updraft.")
include(CPack)
cpack_add_component(runtime DISPLAY_NAME "updraft")
cpack_add_component(development DISPLAY_NAME "updraft development files" DEPENDS runtime)
