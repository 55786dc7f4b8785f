// The in-memory room index: membership, union of rooms, exclusions, cleanup.
#include "socketio/memory_adapter.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

namespace {

using socketio::broadcast_options;
using socketio::memory_adapter;

std::vector<std::string> sorted(std::vector<std::string> v) {
  std::sort(v.begin(), v.end());
  return v;
}

broadcast_options rooms(std::set<std::string> to, std::set<std::string> except = {}) {
  broadcast_options o;
  o.rooms = std::move(to);
  o.except = std::move(except);
  return o;
}

class MemoryAdapter : public ::testing::Test {
 protected:
  void SetUp() override {
    a.add_all("s1", {"s1", "red"});
    a.add_all("s2", {"s2", "red", "blue"});
    a.add_all("s3", {"s3", "blue"});
  }
  // No namespace behind it: the room index needs none.
  memory_adapter a{std::weak_ptr<socketio::adapter_host>{}};
};

TEST_F(MemoryAdapter, NoRoomsMeansEverySocket) {
  EXPECT_EQ(sorted(a.sockets({})), (std::vector<std::string>{"s1", "s2", "s3"}));
}

TEST_F(MemoryAdapter, SeveralRoomsAreAUnionWithoutDuplicates) {
  EXPECT_EQ(sorted(a.sockets(rooms({"red", "blue"}))),
            (std::vector<std::string>{"s1", "s2", "s3"}));
  EXPECT_EQ(sorted(a.sockets(rooms({"red"}))), (std::vector<std::string>{"s1", "s2"}));
}

TEST_F(MemoryAdapter, ExceptRemovesEveryMemberOfTheExcludedRooms) {
  EXPECT_EQ(sorted(a.sockets(rooms({"red"}, {"blue"}))), (std::vector<std::string>{"s1"}));
  EXPECT_EQ(sorted(a.sockets(rooms({}, {"s2"}))), (std::vector<std::string>{"s1", "s3"}));
}

TEST_F(MemoryAdapter, UnknownRoomReachesNobody) {
  EXPECT_TRUE(a.sockets(rooms({"green"})).empty());
}

TEST_F(MemoryAdapter, LeavingTheLastMemberDeletesTheRoom) {
  a.del("s1", "red");
  a.del("s2", "red");
  EXPECT_EQ(a.rooms().count("red"), 0u);
  EXPECT_EQ(a.socket_rooms("s1"), (std::set<std::string>{"s1"}));
}

TEST_F(MemoryAdapter, DelAllForgetsTheSocketEverywhere) {
  a.del_all("s2");
  EXPECT_TRUE(a.socket_rooms("s2").empty());
  EXPECT_EQ(sorted(a.sockets(rooms({"red", "blue"}))), (std::vector<std::string>{"s1", "s3"}));
  EXPECT_EQ(a.rooms(), (std::set<std::string>{"s1", "s3", "red", "blue"}));
}

TEST_F(MemoryAdapter, JoiningTwiceIsOneMembership) {
  a.add_all("s1", {"red"});
  a.del("s1", "red");
  EXPECT_EQ(sorted(a.sockets(rooms({"red"}))), (std::vector<std::string>{"s2"}));
}

TEST_F(MemoryAdapter, ASocketsOwnRoomIsARoomLikeAnyOther) {
  EXPECT_TRUE(a.has_room("s1"));
  EXPECT_EQ(a.sockets(rooms({"s1"})), (std::vector<std::string>{"s1"}));
  EXPECT_EQ(sorted(a.sockets(rooms({"s1", "red"}))), (std::vector<std::string>{"s1", "s2"}));
  EXPECT_EQ(sorted(a.sockets(rooms({"red"}, {"s1"}))), (std::vector<std::string>{"s2"}));
  // Another socket may join a room named by a socket id; leaving one's own room is allowed.
  a.add_all("s3", {"s1"});
  EXPECT_EQ(sorted(a.sockets(rooms({"s1"}))), (std::vector<std::string>{"s1", "s3"}));
  a.del("s1", "s1");
  EXPECT_EQ(a.sockets(rooms({"s1"})), (std::vector<std::string>{"s3"}));
  EXPECT_EQ(a.socket_rooms("s1"), (std::set<std::string>{"red"}));
  EXPECT_EQ(a.socket_rooms("s3"), (std::set<std::string>{"s1", "s3", "blue"}));
  a.del("s3", "s1");
  EXPECT_FALSE(a.has_room("s1"));
  EXPECT_EQ(a.rooms(), (std::set<std::string>{"s2", "s3", "red", "blue"}));
  EXPECT_EQ(sorted(a.sockets({})), (std::vector<std::string>{"s1", "s2", "s3"}));
}

// for_each_socket walks the index under its lock instead of copying ids; broadcasts and
// deliver_matching rely on it reaching exactly the sockets sockets(opts) names, each once.
std::vector<std::string> visited(const socketio::adapter& index, const broadcast_options& opts) {
  std::vector<std::string> out;
  index.for_each_socket(opts, [&](const std::string& id) { out.push_back(id); });
  return out;  // unsorted: a duplicate shows up as one
}

std::vector<std::string> visited_by_default(const memory_adapter& index,
                                            const broadcast_options& opts) {
  std::vector<std::string> out;
  // The base class's version (through sockets()), as an adapter without its own gets it.
  index.socketio::adapter::for_each_socket(opts, [&](const std::string& id) { out.push_back(id); });
  return out;
}

TEST_F(MemoryAdapter, ForEachSocketVisitsWhatSocketsNamesEachOnce) {
  a.add_all("s4", {"s4", "red", "blue", "green"});
  a.add_all("s3", {"s1"});  // a room named by another socket's id
  const std::vector<std::pair<broadcast_options, std::vector<std::string>>> cases = {
      {rooms({}), {"s1", "s2", "s3", "s4"}},
      {rooms({"red"}), {"s1", "s2", "s4"}},
      {rooms({"s1"}), {"s1", "s3"}},
      {rooms({"red", "blue"}), {"s1", "s2", "s3", "s4"}},
      {rooms({"red", "blue", "green", "s1"}), {"s1", "s2", "s3", "s4"}},
      {rooms({"red"}, {"blue"}), {"s1"}},
      {rooms({"red", "blue"}, {"green"}), {"s1", "s2", "s3"}},
      {rooms({}, {"s2", "s4"}), {"s1", "s3"}},
      {rooms({}, {"s1"}), {"s2", "s4"}},
      {rooms({"green"}, {"green"}), {}},
      {rooms({"nowhere"}), {}},
      {rooms({"nowhere", "green"}), {"s4"}},
  };
  for (const auto& [opts, expected] : cases) {
    std::string what = "rooms {";
    for (const auto& r : opts.rooms)
      what += r + " ";
    what += "} except {";
    for (const auto& r : opts.except)
      what += r + " ";
    what += "}";
    const auto seen = visited(a, opts);
    EXPECT_EQ(sorted(seen), expected) << what;
    EXPECT_EQ(sorted(a.sockets(opts)), expected) << what;
    EXPECT_EQ(sorted(visited_by_default(a, opts)), expected) << what;
  }
}

TEST_F(MemoryAdapter, ForEachSocketAfterLeavingAndDelAll) {
  a.del("s2", "red");
  EXPECT_EQ(sorted(visited(a, rooms({"red"}))), (std::vector<std::string>{"s1"}));
  a.del_all("s1");
  EXPECT_TRUE(visited(a, rooms({"red"})).empty());
  EXPECT_TRUE(visited(a, rooms({"s1"})).empty());
  EXPECT_EQ(sorted(visited(a, rooms({}))), (std::vector<std::string>{"s2", "s3"}));
}

// The hooks cluster adapters subscribe with: first member in, last member out.
class counting_adapter : public memory_adapter {
 public:
  using memory_adapter::memory_adapter;
  std::vector<std::string> created, deleted;

 protected:
  void on_room_created(const std::string& room) override { created.push_back(room); }
  void on_room_deleted(const std::string& room) override { deleted.push_back(room); }
};

TEST(MemoryAdapterHooks, CreatedAndDeletedOncePerRoomOwnRoomsIncluded) {
  counting_adapter c{std::weak_ptr<socketio::adapter_host>{}};
  c.add_all("s1", {"s1"});
  c.add_all("s2", {"s2"});
  c.add_all("s1", {"s1", "red"});
  c.add_all("s2", {"red", "s1"});
  EXPECT_EQ(c.created, (std::vector<std::string>{"s1", "s2", "red"}));
  c.del_all("s1");
  EXPECT_TRUE(c.deleted.empty());  // s2 is still in "red" and in "s1"
  c.del("s2", "s1");
  c.del_all("s2");
  EXPECT_EQ(sorted(c.deleted), (std::vector<std::string>{"red", "s1", "s2"}));
}

}  // namespace
