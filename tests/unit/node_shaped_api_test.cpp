// The Node-shaped registration forms: io.on("connection"), nsp.on("connection"),
// socket.on("disconnect"/"disconnecting"), and the names each form refuses. (The api e2e
// suites run a server registered entirely through these forms.)
#include <boost/asio/io_context.hpp>

#include <gtest/gtest.h>

#include <stdexcept>

#include "socketio/socketio.hpp"

namespace {

TEST(NodeShapedApi, ConnectionHandlersRegisterUnderTheirNodeNames) {
  boost::asio::io_context ioc;
  socketio::server io(ioc);
  EXPECT_NO_THROW(io.on("connection", [](socketio::socket) {}));
  EXPECT_NO_THROW(io.on("connect", [](socketio::socket) {}));
  EXPECT_NO_THROW(io.of("/chat").on("connection", [](socketio::socket) {}));
  EXPECT_THROW(io.on("message", [](socketio::socket) {}), std::invalid_argument);
  EXPECT_THROW(io.of("/chat").on("disconnect", [](socketio::socket) {}), std::invalid_argument);
}

TEST(NodeShapedApi, OtherServerEventsAreServerSideHandlers) {
  boost::asio::io_context ioc;
  socketio::server io(ioc);
  EXPECT_NO_THROW(io.on("hello", [](const socketio::args&, socketio::ack) {}));
  EXPECT_NO_THROW(io.of("/chat").on("hello", [](const socketio::args&, socketio::ack) {}));
}

TEST(NodeShapedApi, ReasonHandlersAreForDisconnectEventsOnly) {
  const socketio::socket gone;  // a handle to no socket: registering is a no-op
  EXPECT_NO_THROW(gone.on("disconnect", [](const std::string&) {}));
  EXPECT_NO_THROW(gone.on("disconnecting", [](const std::string&) {}));
  EXPECT_THROW(gone.on("chat", [](const std::string&) {}), std::invalid_argument);
  EXPECT_NO_THROW(gone.on("chat", [](const socketio::args&, socketio::ack) {}));
}

}  // namespace
