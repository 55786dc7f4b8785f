// Classic and sharded Redis formats beyond the captured vectors: channel rules, ids, legacy and
// emitter forms, flag decoding, and refusal of malformed messages.
#include <gtest/gtest.h>

#include <set>
#include <string>

#include "redis/detail/classic_format.hpp"
#include "redis/detail/json_text.hpp"
#include "redis/detail/msgpack.hpp"
#include "redis/detail/sharded_format.hpp"

namespace {

namespace r = socketio::detail::redis;
using socketio::json;

socketio::broadcast_options rooms(std::set<std::string> names) {
  socketio::broadcast_options o;
  o.rooms = std::move(names);
  return o;
}

TEST(RedisClassic, Channels) {
  const r::classic_channels c("socket.io", "/admin");
  EXPECT_EQ(c.broadcast, "socket.io#/admin#");
  EXPECT_EQ(c.pattern, "socket.io#/admin#*");
  EXPECT_EQ(c.request, "socket.io-request#/admin#");
  EXPECT_EQ(c.response, "socket.io-response#/admin#");
  EXPECT_EQ(c.room("r1"), "socket.io#/admin#r1#");
  EXPECT_EQ(c.specific_response("AbC-_9"), "socket.io-response#/admin#AbC-_9#");
  EXPECT_EQ(c.response_for("AbC-_9", false), c.response);
  EXPECT_EQ(c.broadcast_for(rooms({})), c.broadcast);
  EXPECT_EQ(c.broadcast_for(rooms({"a"})), "socket.io#/admin#a#");
  EXPECT_EQ(c.broadcast_for(rooms({"a", "b"})), c.broadcast);
  EXPECT_EQ(r::classic_channels("my-key", "/").request, "my-key-request#/#");

  EXPECT_EQ(c.room_of("socket.io#/admin#"), std::string_view{});
  EXPECT_EQ(c.room_of("socket.io#/admin#r1#"), "r1");
  EXPECT_EQ(c.room_of("socket.io#/admin#a#b#"), "a#b");  // room names may contain '#'
  EXPECT_FALSE(c.room_of("socket.io#/#r1#").has_value());
  EXPECT_FALSE(c.room_of("socket.io#/admin").has_value());
}

TEST(RedisIds, ShapesAndAlphabets) {
  std::set<std::string> seen;
  for (int i = 0; i < 200; ++i) {
    const auto classic = r::make_classic_uid();
    ASSERT_EQ(classic.size(), 6u);
    for (char ch : classic)
      EXPECT_TRUE(std::isalnum(static_cast<unsigned char>(ch)) || ch == '-' || ch == '_') << ch;
    const auto sharded = r::make_sharded_uid();
    ASSERT_EQ(sharded.size(), 16u);
    for (char ch : sharded)
      EXPECT_TRUE((ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f')) << ch;
    seen.insert(sharded);
  }
  EXPECT_EQ(seen.size(), 200u);
}

TEST(RedisClassic, BroadcastFlagsAndKeyOrders) {
  r::classic_broadcast b;
  b.uid = "abcdef";
  b.packet.data = json::array({"ev", 1});
  b.packet.nsp = "/";
  b.opts.opts.rooms = {"r"};
  b.opts.opts.except = {"x"};
  b.opts.opts.flags.is_volatile = true;
  b.opts.opts.flags.compress = false;
  b.opts.opts.flags.local = true;  // never published
  b.opts.opts.flags.timeout = std::chrono::milliseconds(1500);
  b.opts.expect_single_response = true;
  const auto bytes = r::encode_classic_broadcast(b);
  EXPECT_EQ(*r::msgpack_decode(bytes),
            json::parse(R"(["abcdef",{"type":2,"data":["ev",1],"nsp":"/"},
              {"rooms":["r"],"except":["x"],"flags":{"volatile":true,"compress":false,
               "expectSingleResponse":true,"timeout":1500}}])"));
  auto back = r::decode_classic_broadcast(bytes);
  ASSERT_TRUE(back.ok());
  EXPECT_TRUE(back->opts.opts.flags.is_volatile);
  EXPECT_FALSE(back->opts.opts.flags.compress);
  EXPECT_FALSE(back->opts.opts.flags.local);
  EXPECT_EQ(back->opts.opts.flags.timeout, std::chrono::milliseconds(1500));
  EXPECT_TRUE(back->opts.expect_single_response);
  EXPECT_FALSE(back->opts.emitter_key_order);

  b.opts.emitter_key_order = true;
  b.opts.opts.flags = {};
  b.opts.expect_single_response = false;
  b.uid = "emitter";
  EXPECT_EQ(r::msgpack_decode(r::encode_classic_broadcast(b))->at(2).dump(),
            R"({"rooms":["r"],"flags":{},"except":["x"]})");
}

TEST(RedisClassic, BroadcastDecodingIsLenient) {
  // Missing nsp means "/", numeric rooms match by their text, compress:true is the default,
  // and a missing except or flags is empty.
  json msg = json::array({"u1",
                          {{"type", 2}, {"data", {"ev"}}},
                          {{"rooms", {7, "b"}}, {"flags", {{"compress", true}}}}});
  auto b = r::decode_classic_broadcast(r::msgpack_encode(msg));
  ASSERT_TRUE(b.ok()) << b.error().message;
  EXPECT_EQ(b->packet.nsp, "/");
  EXPECT_EQ(b->opts.opts.rooms, (std::set<std::string>{"7", "b"}));
  EXPECT_TRUE(b->opts.opts.except.empty());
  EXPECT_TRUE(b->opts.opts.flags.compress);
  EXPECT_TRUE(b->opts.emitter_key_order);  // flags came before (an absent) except
}

TEST(RedisClassic, MalformedMessagesAreErrors) {
  const std::vector<json> bad_broadcasts = {
      json::object(),
      json::array({"u", {{"type", 2}, {"data", {"ev"}}}}),                // no opts
      json::array({1, {{"type", 2}, {"data", {"ev"}}}, json::object()}),  // uid not a string
      json::array({"u", {{"type", 2}, {"data", "ev"}}, json::object()}),  // data not an array
      json::array({"u", {{"data", {"ev"}}}, json::object()}),             // no packet type
      json::array({"u", {{"type", 2}, {"data", {"ev"}}}, {{"rooms", "r"}}}),
      json::array({"u", {{"type", 2}, {"data", {"ev"}}}, {{"rooms", {json::object()}}}}),
  };
  for (const auto& b : bad_broadcasts)
    EXPECT_FALSE(r::decode_classic_broadcast(r::msgpack_encode(b)).ok()) << b.dump();
  EXPECT_FALSE(r::decode_classic_broadcast("\xc1").ok());

  const std::vector<std::string> bad_requests = {
      "[]",
      R"({"uid":"u"})",
      R"({"uid":"u","type":99})",
      R"({"uid":"u","type":"1","requestId":"r"})",
      R"({"type":1,"requestId":"r"})",            // ALL_ROOMS without uid
      R"({"uid":"u","type":5,"requestId":"r"})",  // REMOTE_FETCH without opts
      R"({"uid":"u","type":6,"data":"x"})",
      R"({"uid":"u","type":6,"data":[]})",
      R"({"uid":"u","type":2,"opts":{"rooms":[]},"rooms":"r"})",
      R"({"uid":"u","type":2,"requestId":"r","sid":"s"})",  // legacy join without room
      R"({"uid":"u","type":4,"opts":7,"close":true})",
      "{not json",
  };
  for (const auto& b : bad_requests)
    EXPECT_FALSE(r::decode_classic_request(b).ok()) << b;

  const std::vector<std::string> bad_responses = {
      R"({"rooms":[]})",                // no requestId
      R"({"requestId":"r","type":7})",  // not a response type
      R"({"requestId":"r","type":8})",  // no clientCount
      R"({"requestId":"r","type":8,"clientCount":-1})",
      R"({"requestId":"r","sockets":{}})",
      R"({"requestId":"r","sockets":[{"handshake":{}}]})",  // socket without id
  };
  for (const auto& b : bad_responses)
    EXPECT_FALSE(r::decode_classic_response(b).ok()) << b;
}

TEST(RedisClassic, LegacyAndEmitterRequestsRoundTrip) {
  const std::vector<std::string> requests = {
      R"({"requestId":"abc123","type":0,"rooms":["r1"]})",
      R"({"uid":"u","requestId":"abc123","type":0,"rooms":[]})",
      R"({"uid":"u","requestId":"q","type":2,"sid":"s1","room":"r"})",
      R"({"uid":"u","requestId":"q","type":3,"sid":"s1","room":"r"})",
      R"({"uid":"u","requestId":"q","type":4,"sid":"s1","close":true})",
      R"({"type":4,"opts":{"rooms":["room9"],"except":["room5"]},"close":true})",
      R"({"uid":"emitter","type":6,"data":["srv",{"type":"Buffer","data":[1]}]})",
  };
  for (const auto& text : requests) {
    auto req = r::decode_classic_request(text);
    ASSERT_TRUE(req.ok()) << text << ": " << req.error().message;
    EXPECT_EQ(r::encode_classic_request(*req), text);
  }
  auto legacy = r::decode_classic_request(requests[4]);
  const auto& l = std::get<r::classic_legacy_socket_request>(*legacy);
  EXPECT_EQ(l.type, r::classic_type::remote_disconnect);
  EXPECT_EQ(l.sid, "s1");
  EXPECT_TRUE(l.close);
  auto emitter = r::decode_classic_request(requests[5]);
  EXPECT_FALSE(std::get<r::classic_remote_disconnect_request>(*emitter).uid.has_value());

  // Any request may come as msgpack (the receiver applies the payload rule).
  auto packed = r::decode_classic_request(r::msgpack_encode(json::parse(requests[1])));
  ASSERT_TRUE(packed.ok());
  EXPECT_TRUE(std::holds_alternative<r::classic_sockets_request>(*packed));
}

TEST(RedisClassic, ResponsesAreToldApartByTheirFields) {
  auto kind = [](const std::string& text) {
    auto res = r::decode_classic_response(text);
    EXPECT_TRUE(res.ok()) << text;
    return res.ok() ? res->index() : std::size_t{99};
  };
  EXPECT_EQ(kind(R"({"requestId":"r","sockets":["a","b"]})"), 0u);  // SOCKETS
  EXPECT_EQ(kind(R"({"requestId":"r","rooms":["a"]})"), 1u);        // ALL_ROOMS
  EXPECT_EQ(kind(R"({"requestId":"r","sockets":[]})"), 2u);         // REMOTE_FETCH, none
  EXPECT_EQ(kind(R"({"requestId":"r"})"), 3u);                      // legacy
  EXPECT_EQ(kind(R"({"type":6,"requestId":"r","data":null})"), 4u);
  EXPECT_EQ(kind(R"({"type":8,"requestId":"r","clientCount":0})"), 5u);

  r::classic_ack_response ack{"rid", socketio::binary("\x09")};
  const auto bytes = r::encode_classic_response(ack);
  EXPECT_FALSE(r::is_json_payload(bytes));
  auto back = r::decode_classic_response(bytes);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(std::get<r::classic_ack_response>(*back).packet, socketio::binary("\x09"));
  EXPECT_EQ(r::request_id_of(*back), "rid");

  // JSON responses cannot carry binary: a Buffer object, as Node writes.
  r::classic_fetch_response fetch{"rid",
                                  {{"sid1", json::object(), {"sid1"}, socketio::binary("\x01")}}};
  EXPECT_EQ(r::encode_classic_response(fetch),
            R"({"requestId":"rid","sockets":[{"id":"sid1","handshake":{},"rooms":["sid1"],)"
            R"("data":{"type":"Buffer","data":[1]}}]})");
}

TEST(RedisSharded, PublisherRuleForRoomChannels) {
  using r::subscription_mode;
  const std::string sid = "RbfcPMC3Fvb8fXXZAAAB";  // 20 characters
  for (auto mode : {subscription_mode::static_mode, subscription_mode::dynamic,
                    subscription_mode::dynamic_private}) {
    EXPECT_FALSE(r::uses_room_channel(mode, false, rooms({})));
    EXPECT_FALSE(r::uses_room_channel(mode, false, rooms({"a", "b"})));
    EXPECT_FALSE(r::uses_room_channel(mode, true, rooms({"a"})));  // acks: every node
  }
  EXPECT_FALSE(r::uses_room_channel(subscription_mode::static_mode, false, rooms({"a"})));
  EXPECT_TRUE(r::uses_room_channel(subscription_mode::dynamic, false, rooms({"a"})));
  EXPECT_FALSE(r::uses_room_channel(subscription_mode::dynamic, false, rooms({sid})));
  EXPECT_TRUE(r::uses_room_channel(subscription_mode::dynamic_private, false, rooms({sid})));
  // The heuristic counts UTF-16 code units, as JavaScript's String.length.
  EXPECT_TRUE(r::looks_like_socket_id(std::string(18, 'a') + "\xf0\x9f\x98\x80"));   // 18 + 2
  EXPECT_FALSE(r::looks_like_socket_id(std::string(19, 'a') + "\xc3\xa9\xc3\xa9"));  // 21
  EXPECT_TRUE(r::looks_like_socket_id(std::string(18, 'a') + "\xc3\xa9\xe2\x82\xac"));

  EXPECT_FALSE(r::subscribes_room_channel(subscription_mode::static_mode, false));
  EXPECT_TRUE(r::subscribes_room_channel(subscription_mode::dynamic, false));
  EXPECT_FALSE(r::subscribes_room_channel(subscription_mode::dynamic, true));
  EXPECT_TRUE(r::subscribes_room_channel(subscription_mode::dynamic_private, true));

  const r::sharded_channels c("socket.io", "/");
  EXPECT_EQ(c.main, "socket.io#/#");
  EXPECT_EQ(c.response("702bd47488e9a6e0"), "socket.io#/#702bd47488e9a6e0#");
  EXPECT_EQ(c.room("room1"), "socket.io#/#room1#");
  r::sharded_message m{"u", "/", r::sharded_broadcast{{}, std::nullopt, {rooms({"room1"})}}};
  EXPECT_EQ(c.publish_channel(m, subscription_mode::dynamic), "socket.io#/#room1#");
  EXPECT_EQ(c.publish_channel(m, subscription_mode::static_mode), c.main);
  m.body = r::sharded_fetch_sockets{{rooms({"room1"})}, "rid"};
  EXPECT_EQ(c.publish_channel(m, subscription_mode::dynamic), c.main);
}

TEST(RedisSharded, EnvelopeEncodingRule) {
  r::sharded_message hb{"0123456789abcdef", "/", r::sharded_no_data{r::sharded_type::heartbeat}};
  EXPECT_EQ(r::encode_sharded(hb), R"({"type":2,"uid":"0123456789abcdef","nsp":"/"})");
  auto back = r::decode_sharded(r::encode_sharded(hb));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(r::type_of(*back), r::sharded_type::heartbeat);
  EXPECT_EQ(r::request_id_of(*back), nullptr);

  // Binary switches the types that may carry it to msgpack; others stay JSON.
  r::sharded_message emit{"u", "/x", r::sharded_server_side_emit{"rid", json::array({"e"})}};
  EXPECT_TRUE(r::is_json_payload(r::encode_sharded(emit)));
  std::get<r::sharded_server_side_emit>(emit.body).packet.push_back(socketio::binary("\x01"));
  const auto packed = r::encode_sharded(emit);
  EXPECT_FALSE(r::is_json_payload(packed));
  json expected = json::parse(
      R"({"type":9,"data":{"requestId":"rid","packet":["e",null]},"uid":"u","nsp":"/x"})");
  expected["data"]["packet"][1] = socketio::binary("\x01");
  EXPECT_EQ(*r::msgpack_decode(packed), expected);
}

TEST(RedisSharded, MalformedEnvelopesAreErrors) {
  const std::vector<std::string> bad = {
      R"([])",
      R"({"type":0,"uid":"u","nsp":"/"})",
      R"({"type":14,"uid":"u","nsp":"/"})",
      R"({"type":3,"uid":"u"})",                                                   // no nsp
      R"({"type":3,"uid":"u","nsp":"/"})",                                         // no data
      R"({"type":3,"data":{"opts":{}},"uid":"u","nsp":"/"})",                      // no packet
      R"({"type":3,"data":{"packet":{"type":2,"data":[]}},"uid":"u","nsp":"/"})",  // no opts
      R"({"type":7,"data":{"opts":{}},"uid":"u","nsp":"/"})",                      // no requestId
      R"({"type":8,"data":{"requestId":"r"},"uid":"u","nsp":"/"})",
      R"({"type":9,"data":{"packet":"x"},"uid":"u","nsp":"/"})",
      R"({"type":11,"data":{"requestId":"r","clientCount":"2"},"uid":"u","nsp":"/"})",
      R"({"type":12,"data":{"packet":1},"uid":"u","nsp":"/"})",
  };
  for (const auto& b : bad)
    EXPECT_FALSE(r::decode_sharded(b).ok()) << b;
}

}  // namespace
