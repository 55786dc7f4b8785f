# SOCKETIO_SANITIZE: "address,undefined" (CI), "thread" (CI's threading scenarios), or empty.
set(SOCKETIO_SANITIZE "" CACHE STRING "Sanitizers for all targets, e.g. address,undefined")
if(SOCKETIO_SANITIZE)
  add_compile_options(-fsanitize=${SOCKETIO_SANITIZE} -fno-omit-frame-pointer -fno-sanitize-recover=all)
  add_link_options(-fsanitize=${SOCKETIO_SANITIZE})
  if(SOCKETIO_SANITIZE MATCHES "thread" AND CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    # GCC warns (-Wtsan) that TSan does not model std::atomic_thread_fence, which Asio uses;
    # the warning is about Asio's headers, not about this project's code.
    add_compile_options(-Wno-tsan)
  endif()
endif()
