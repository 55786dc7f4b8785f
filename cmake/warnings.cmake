# Warnings apply to the project's own targets only (never to CMAKE_CXX_FLAGS).
function(socketio_set_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow -Wconversion
                                           -Wno-sign-conversion -Wnon-virtual-dtor)
  if(SOCKETIO_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()
