// Room membership of one reactor's connections (rooms are per worker; a
// broadcast goes to every worker, each fanning out to its own members).
// A room exists while it has members. Each connection keeps the list of its
// memberships with its index in the room, so leaving and closing cost
// O(rooms of that connection), never a scan of a room.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "connection.h"

namespace ringnet {

struct Room {
  std::string name;
  std::vector<Connection*> members;
};

class RoomTable {
 public:
  explicit RoomTable(uint32_t maxRoomsPerConnection) : maxPerConnection_(maxRoomsPerConnection) {}

  // False when the connection is already in maxRoomsPerConnection rooms.
  // Joining a room twice is a no-op.
  bool join(Connection& c, const std::string& name);
  void leave(Connection& c, const std::string& name);
  void leaveAll(Connection& c);

  // nullptr when nobody is in the room.
  Room* find(const std::string& name);
  size_t roomCount() const { return rooms_.size(); }

 private:
  void remove(Connection& c, size_t membership);

  uint32_t maxPerConnection_;
  std::unordered_map<std::string, std::unique_ptr<Room>> rooms_;
};

}  // namespace ringnet
