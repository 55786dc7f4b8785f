// The umbrella header.
#pragma once

#include "socketio/adapter.hpp"
#include "socketio/broadcast.hpp"
#include "socketio/engine.hpp"
#include "socketio/namespace.hpp"
#include "socketio/options.hpp"
#include "socketio/server.hpp"
#include "socketio/socket.hpp"
#include "socketio/tls.hpp"
#include "socketio/types.hpp"
