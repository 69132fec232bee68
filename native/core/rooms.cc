#include "rooms.h"

namespace ringnet {

bool RoomTable::join(Connection& c, const std::string& name) {
  for (const RoomMembership& m : c.rooms) {
    if (m.room->name == name) return true;
  }
  if (c.rooms.size() >= maxPerConnection_) return false;
  std::unique_ptr<Room>& slot = rooms_[name];
  if (!slot) {
    slot = std::make_unique<Room>();
    slot->name = name;
  }
  c.rooms.push_back(RoomMembership{slot.get(), static_cast<uint32_t>(slot->members.size())});
  slot->members.push_back(&c);
  return true;
}

void RoomTable::leave(Connection& c, const std::string& name) {
  for (size_t i = 0; i < c.rooms.size(); ++i) {
    if (c.rooms[i].room->name == name) {
      remove(c, i);
      return;
    }
  }
}

void RoomTable::leaveAll(Connection& c) {
  while (!c.rooms.empty()) remove(c, c.rooms.size() - 1);
  c.rooms.release();  // a closed connection keeps no memory
}

Room* RoomTable::find(const std::string& name) {
  auto it = rooms_.find(name);
  return it == rooms_.end() ? nullptr : it->second.get();
}

void RoomTable::remove(Connection& c, size_t membership) {
  Room* room = c.rooms[membership].room;
  const uint32_t index = c.rooms[membership].index;
  // Swap-remove from the room; the member moved into the hole learns its new index.
  Connection* moved = room->members.back();
  room->members[index] = moved;
  room->members.pop_back();
  if (moved != &c) {
    for (RoomMembership& m : moved->rooms) {
      if (m.room == room) {
        m.index = index;
        break;
      }
    }
  }
  c.rooms[membership] = c.rooms.back();
  c.rooms.pop_back();
  if (room->members.empty()) rooms_.erase(rooms_.find(room->name));  // destroys room
}

}  // namespace ringnet
