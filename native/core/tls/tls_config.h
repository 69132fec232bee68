// What a TLS server is configured with, already validated by the JS layer
// (src/tls_options.ts): PEM text, not file names. Plain data, no OpenSSL.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace ringnet {

enum class KtlsMode : uint8_t { kAuto, kOff, kRequire };

struct TlsIdentity {
  std::string key;         // PEM private key
  std::string cert;        // PEM certificate, then its chain
  std::string passphrase;  // for an encrypted key (empty: none)
};

struct TlsSniEntry {
  std::string host;  // "example.com" or "*.example.com" (lower case)
  TlsIdentity identity;
};

struct TlsConfig {
  TlsIdentity identity;
  std::string ca;                    // PEM certificates that complete the chain
  std::vector<TlsSniEntry> sni;
  std::vector<std::string> alpn;     // server preference order
  int minVersion = 0x0303;           // TLS1_2_VERSION or TLS1_3_VERSION
  std::string ciphers;               // OpenSSL syntax; TLS_* names are TLS 1.3 suites
  bool sessionTickets = true;
  uint32_t handshakeTimeoutMs = 10000;
  uint32_t maxHandshakes = 1024;     // handshakes in progress per worker
  KtlsMode ktls = KtlsMode::kAuto;
};

}  // namespace ringnet
