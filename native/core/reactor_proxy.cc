// PROXY protocol listeners (listen({ proxyProtocol })): the reactor reads the
// header (codec/proxy_header) before anything else and announces the
// connection to JS only then, with the client's addresses from the header.
// Reactor members kept apart from reactor.cc: one concern per file.
#include <arpa/inet.h>

#include <cerrno>
#include <string>

#include "listener.h"
#include "reactor.h"

namespace ringnet {

using namespace wire;

namespace {

std::string ipText(int af, const uint8_t* addr) {
  char text[INET6_ADDRSTRLEN];
  return inet_ntop(af, addr, text, sizeof text) != nullptr ? std::string(text) : std::string();
}

}  // namespace

void Reactor::announceOpen(Connection& c, const proxy::Header* h) {
  BoundAddress peer, local;
  if (h != nullptr && h->family == proxy::Family::kInet4) {
    peer = {"IPv4", ipText(AF_INET, h->srcAddr), h->srcPort};
    local = {"IPv4", ipText(AF_INET, h->dstAddr), h->dstPort};
  } else if (h != nullptr && h->family == proxy::Family::kInet6) {
    peer = {"IPv6", ipText(AF_INET6, h->srcAddr), h->srcPort};
    local = {"IPv6", ipText(AF_INET6, h->dstAddr), h->dstPort};
  } else if (h != nullptr && h->family == proxy::Family::kUnix) {
    peer = {"unix", h->srcPath, 0};
    local = {"unix", h->dstPath, 0};
  } else {
    // No header, or one without addresses (LOCAL, UNKNOWN): the socket's own.
    peerAddress(c.fd, &peer);
    localAddress(c.fd, &local);
  }
  std::string text = peer.family + "|" + peer.address + "|" + std::to_string(peer.port) + "|" +
                     local.address + "|" + std::to_string(local.port);
  batch_.open(c.slot, c.gen, text);
}

bool Reactor::proxyInput(Connection& c, const uint8_t* data, size_t len) {
  const bool buffered = !c.tail.empty();
  if (buffered && !c.tail.append(data, len)) {
    closeNow(c, kCloseError, ENOMEM, false);
    return false;
  }
  const uint8_t* bytes = buffered ? c.tail.data() : data;
  const size_t n = buffered ? c.tail.size() : len;
  proxy::Header h;
  const proxy::Result r = proxy::parse(bytes, n, config_.proxy.limits, &h);
  if (r.status == proxy::Status::kError) {
    closeNow(c, kCloseProxyError, static_cast<int>(r.error), false);
    return false;
  }
  if (r.status == proxy::Status::kNeedMore) {
    // At most one header's worth (parse() decides by then).
    if (!buffered && !c.tail.append(data, len)) {
      closeNow(c, kCloseError, ENOMEM, false);
      return false;
    }
    return true;
  }
  c.proxyPending = false;
  timeouts_.clear(c);
  announceOpen(c, &h);
  protocol_->onOpen(*this, c);  // its timeouts start now, after the header
  if (c.closed) return false;
  if (buffered) {
    c.tail.consume(h.length);
    return plainInput(c, nullptr, 0);  // whatever followed the header, from the tail
  }
  return h.length < len ? plainInput(c, data + h.length, len - h.length) : true;
}

}  // namespace ringnet
