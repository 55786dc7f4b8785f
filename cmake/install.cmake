# Installation: headers, the two libraries, a CMake package (find_package(socketio
# COMPONENTS core redis)) and pkg-config files (socketio.pc, socketio-redis.pc).
# Layout and choices: docs/packaging.md.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)
set(SOCKETIO_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/socketio)

# One export set per component, so that a user who asks only for core never needs hiredis:
# the config file includes socketio-redis-targets.cmake only when redis is wanted.
install(TARGETS socketio_core EXPORT socketio-core-targets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR})
install(TARGETS socketio_redis EXPORT socketio-redis-targets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR})
install(DIRECTORY include/socketio DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(EXPORT socketio-core-targets NAMESPACE socketio:: DESTINATION ${SOCKETIO_CMAKE_DIR})
install(EXPORT socketio-redis-targets NAMESPACE socketio:: DESTINATION ${SOCKETIO_CMAKE_DIR})
configure_package_config_file(cmake/socketio-config.cmake.in
  ${PROJECT_BINARY_DIR}/socketio-config.cmake INSTALL_DESTINATION ${SOCKETIO_CMAKE_DIR})
write_basic_package_version_file(${PROJECT_BINARY_DIR}/socketio-config-version.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/socketio-config.cmake
              ${PROJECT_BINARY_DIR}/socketio-config-version.cmake
        DESTINATION ${SOCKETIO_CMAKE_DIR})

# pkg-config. The prefix is derived from the .pc file's own location (${pcfiledir}), so the
# files stay right when the prefix is chosen at install time (`cmake --install --prefix`).
set(SOCKETIO_PKGCONFIG_DIR ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
if(IS_ABSOLUTE "${SOCKETIO_PKGCONFIG_DIR}")
  set(SOCKETIO_PC_PREFIX "${CMAKE_INSTALL_PREFIX}")
else()
  file(RELATIVE_PATH _socketio_up "/prefix/${SOCKETIO_PKGCONFIG_DIR}" "/prefix")
  string(REGEX REPLACE "/$" "" _socketio_up "${_socketio_up}")
  set(SOCKETIO_PC_PREFIX "\${pcfiledir}/${_socketio_up}")
endif()
foreach(_socketio_dir IN ITEMS LIBDIR INCLUDEDIR)
  if(IS_ABSOLUTE "${CMAKE_INSTALL_${_socketio_dir}}")
    set(SOCKETIO_PC_${_socketio_dir} "${CMAKE_INSTALL_${_socketio_dir}}")
  else()
    set(SOCKETIO_PC_${_socketio_dir} "\${prefix}/${CMAKE_INSTALL_${_socketio_dir}}")
  endif()
endforeach()

# Boost 1.74 ships no .pc file: name Boost.System's directories unless the compiler searches
# them anyway.
set(SOCKETIO_PC_BOOST_CFLAGS "")
set(SOCKETIO_PC_BOOST_LIBS "-lboost_system")
get_target_property(_socketio_boost_inc Boost::headers INTERFACE_INCLUDE_DIRECTORIES)
foreach(_socketio_inc IN LISTS _socketio_boost_inc)
  if(NOT _socketio_inc IN_LIST CMAKE_CXX_IMPLICIT_INCLUDE_DIRECTORIES)
    string(APPEND SOCKETIO_PC_BOOST_CFLAGS " -I${_socketio_inc}")
  endif()
endforeach()
foreach(_socketio_config IN ITEMS RELEASE RELWITHDEBINFO NONE DEBUG)
  get_target_property(_socketio_boost_lib Boost::system IMPORTED_LOCATION_${_socketio_config})
  if(_socketio_boost_lib)
    get_filename_component(_socketio_boost_libdir "${_socketio_boost_lib}" DIRECTORY)
    if(NOT _socketio_boost_libdir IN_LIST CMAKE_CXX_IMPLICIT_LINK_DIRECTORIES)
      set(SOCKETIO_PC_BOOST_LIBS "-L${_socketio_boost_libdir} -lboost_system")
    endif()
    break()
  endif()
endforeach()

# The libraries are static unless BUILD_SHARED_LIBS: then what they use privately (OpenSSL's
# libssl and libcrypto, hiredis) must be linked by the user too, so it goes in Requires/Libs, not in the
# .private fields that only `pkg-config --static` reads.
set(SOCKETIO_PC_CORE_REQUIRES "nlohmann_json >= 3.11")
set(SOCKETIO_PC_REDIS_REQUIRES "socketio = ${PROJECT_VERSION}")
if(BUILD_SHARED_LIBS)
  set(SOCKETIO_PC_CORE_REQUIRES_PRIVATE "libssl, libcrypto")
  set(SOCKETIO_PC_REDIS_REQUIRES_PRIVATE "hiredis")
else()
  string(APPEND SOCKETIO_PC_CORE_REQUIRES ", libssl, libcrypto")
  string(APPEND SOCKETIO_PC_REDIS_REQUIRES ", hiredis")
  set(SOCKETIO_PC_CORE_REQUIRES_PRIVATE "")
  set(SOCKETIO_PC_REDIS_REQUIRES_PRIVATE "")
endif()
get_target_property(_socketio_core_name socketio_core OUTPUT_NAME)
if(NOT _socketio_core_name)
  set(_socketio_core_name socketio_core)
endif()
get_target_property(_socketio_redis_name socketio_redis OUTPUT_NAME)
if(NOT _socketio_redis_name)
  set(_socketio_redis_name socketio_redis)
endif()
set(SOCKETIO_PC_CORE_LIB ${_socketio_core_name})
set(SOCKETIO_PC_REDIS_LIB ${_socketio_redis_name})
configure_file(cmake/socketio.pc.in ${PROJECT_BINARY_DIR}/socketio.pc @ONLY)
configure_file(cmake/socketio-redis.pc.in ${PROJECT_BINARY_DIR}/socketio-redis.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/socketio.pc ${PROJECT_BINARY_DIR}/socketio-redis.pc
        DESTINATION ${SOCKETIO_PKGCONFIG_DIR})
