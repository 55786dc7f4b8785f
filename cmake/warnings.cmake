# Warnings apply to the project's own targets only (never to CMAKE_CXX_FLAGS).
function(socketio_set_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow -Wconversion
                                           -Wno-sign-conversion -Wnon-virtual-dtor)
  # The project's own code uses no deprecated Asio API. PRIVATE: users of the library keep
  # their own Asio configuration (see docs/packaging.md on why this is safe across the API).
  target_compile_definitions(${target} PRIVATE BOOST_ASIO_NO_DEPRECATED)
  if(SOCKETIO_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()
