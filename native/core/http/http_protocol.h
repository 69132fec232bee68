// HTTP/1.1 above the request decoder (codec/http_codec.h): builds the request
// record JS reads (http_record.h), answers malformed requests natively (400,
// 413, 414, 431, 501, 505) in order after the responses JS still owes, sends
// 100 Continue, keeps requests and responses counted so the connection closes
// when it should, and runs the header and keep-alive timeouts.
#pragma once

#include <memory>

#include "../codec/http_codec.h"
#include "../protocol.h"

namespace ringnet {

std::unique_ptr<Protocol> makeHttpProtocol(const HttpFraming& limits);

// Requests on `c` handed to JS whose responses have not ended (for a protocol
// layered on HTTP: WebSocket upgrades only a connection that owes nothing).
uint32_t httpOutstanding(const Connection& c);

}  // namespace ringnet
