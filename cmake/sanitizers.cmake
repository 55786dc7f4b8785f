# SOCKETIO_SANITIZE: "address,undefined" (CI), "thread", or empty.
set(SOCKETIO_SANITIZE "" CACHE STRING "Sanitizers for all targets, e.g. address,undefined")
if(SOCKETIO_SANITIZE)
  add_compile_options(-fsanitize=${SOCKETIO_SANITIZE} -fno-omit-frame-pointer -fno-sanitize-recover=all)
  add_link_options(-fsanitize=${SOCKETIO_SANITIZE})
endif()
