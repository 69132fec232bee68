// Unit tests for room membership (native/core/rooms.*) and shared output
// chunks (OutputQueue::appendShared): joins, leaves, swap-removal index
// bookkeeping, limits, and that shared bytes are released exactly once.
// Run by test/native/run.sh under ASan/UBSan (leaks fail the test).
#include <algorithm>
#include <cstdio>
#include <cstring>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "core/output_queue.h"
#include "core/rooms.h"

#include "check.h"

using namespace ringnet;

namespace {


std::set<Connection*> members(RoomTable& t, const std::string& name) {
  Room* r = t.find(name);
  return r ? std::set<Connection*>(r->members.begin(), r->members.end()) : std::set<Connection*>{};
}

// Every membership's index points back at the connection.
bool consistent(const std::vector<Connection>& conns) {
  for (const Connection& c : conns) {
    for (const RoomMembership& m : c.rooms) {
      if (m.index >= m.room->members.size() || m.room->members[m.index] != &c) return false;
    }
  }
  return true;
}

void testBasics() {
  RoomTable t(2);
  std::vector<Connection> c(3);
  CHECK(t.join(c[0], "a") && t.join(c[1], "a") && t.join(c[2], "a"));
  CHECK(t.join(c[0], "a"));  // twice: no-op
  CHECK(members(t, "a").size() == 3 && c[0].rooms.size() == 1);
  CHECK(t.join(c[0], "b"));
  CHECK(!t.join(c[0], "c"));  // over the per-connection limit
  CHECK(t.find("c") == nullptr);
  t.leave(c[0], "a");
  CHECK((members(t, "a") == std::set<Connection*>{&c[1], &c[2]}));
  CHECK(consistent(c));
  t.leave(c[0], "nope");
  t.leaveAll(c[0]);
  CHECK(t.find("b") == nullptr && c[0].rooms.empty());  // an empty room is gone
  t.leaveAll(c[1]);
  t.leaveAll(c[2]);
  CHECK(t.roomCount() == 0);
}

void testRandom() {
  std::mt19937 rng(7);
  RoomTable t(8);
  std::vector<Connection> c(64);
  const char* names[] = {"r0", "r1", "r2", "r3", "r4", "r5", "r6", "r7", "r8", "r9"};
  std::vector<std::set<std::string>> model(c.size());
  bool ok = true;
  for (int i = 0; i < 20000 && ok; ++i) {
    size_t k = rng() % c.size();
    std::string name = names[rng() % 10];
    switch (rng() % 5) {
      case 0:
      case 1:
      case 2:
        if (t.join(c[k], name)) model[k].insert(name);
        else ok = model[k].size() == 8 && !model[k].count(name);
        break;
      case 3:
        t.leave(c[k], name);
        model[k].erase(name);
        break;
      default:
        t.leaveAll(c[k]);
        model[k].clear();
    }
    if (i % 97 == 0) {
      ok = ok && consistent(c);
      for (const char* n : names) {
        std::set<Connection*> want;
        for (size_t j = 0; j < c.size(); ++j) if (model[j].count(n)) want.insert(&c[j]);
        ok = ok && members(t, n) == want;
      }
    }
  }
  CHECK(ok);
  for (Connection& x : c) t.leaveAll(x);
  CHECK(t.roomCount() == 0);
}

void testSharedChunks() {
  ChunkPool pool;
  SharedRef frame(SharedBytes::create(5000));
  std::memset(frame.get()->data(), 'x', 5000);
  OutputQueue a, b;
  a.append(pool, reinterpret_cast<const uint8_t*>("head"), 4);
  a.appendShared(frame.get());
  a.append(pool, reinterpret_cast<const uint8_t*>("tail"), 4);  // never written into the shared chunk
  b.appendShared(frame.get());
  CHECK(a.size() == 5008 && b.size() == 5000);
  iovec iov[8];
  int n = a.gather(iov, 8);
  CHECK(n == 3 && iov[1].iov_base == frame.get()->data() && iov[1].iov_len == 5000);
  CHECK(std::memcmp(iov[2].iov_base, "tail", 4) == 0);
  a.consume(pool, 4 + 2500);  // half of the shared chunk
  n = a.gather(iov, 8);
  CHECK(n == 2 && iov[0].iov_len == 2500);
  a.consume(pool, 2500 + 4);
  CHECK(a.empty());
  b.clear(pool);  // releases its reference; `frame` still holds one (ASan would flag a double free)
  CHECK(frame.get()->data()[4999] == 'x');
}

}  // namespace

int main() {
  testBasics();
  testRandom();
  testSharedChunks();
  return test::checkSummary();
}
