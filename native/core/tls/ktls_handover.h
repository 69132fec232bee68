// Handing one connection's TLS records to the kernel (kTLS, TCP_ULP "tls").
//
// OpenSSL 3.0 (built with ktls, SSL_OP_ENABLE_KTLS set) offers a direction's
// keys to the BIO when that direction changes to its traffic keys: it flushes
// the BIO, calls BIO_ctrl(BIO_CTRL_SET_KTLS, is_tx, crypto_info) with the
// kernel's tls12_crypto_info_* (key, iv, salt, record sequence), and when the
// BIO answers 1 it stops encrypting that direction: from then on it writes
// plaintext to the BIO, and before a record that is not application data
// (NewSessionTicket, close_notify, KeyUpdate) it says its type with
// BIO_CTRL_SET_KTLS_SEND_CTRL_MSG. BIO_CTRL_GET_KTLS_SEND/RECV ask the state.
//
// Our BIO cannot switch on the spot: the records OpenSSL wrote before the
// offer (the server's Finished flight) still wait in the session's queue, in
// userspace-encrypted form, and must reach the socket before the kernel
// encrypts anything. So the offer attaches the ULP at once (harmless to a
// TCP socket until TLS_TX is set; ENOENT here, where the kernel has no TLS,
// and then the answer is 0: userspace), keeps the keys, and TLS_TX is set
// when the reactor has seen that queue drain (finishTx). Records OpenSSL
// writes meanwhile (a ticket) are kept and sent with their record type
// (sendmsg + TLS_SET_RECORD_TYPE) after the switch.
//
// Receive offload is refused: OpenSSL offers RX (TLS 1.2 only in 3.0) when it
// has read the peer's ChangeCipherSpec, but the reactors read the socket
// ahead of OpenSSL (the peer's Finished is usually in the same span, an
// io_uring multishot recv may hold more), so the kernel would start at the
// wrong record. Records from the peer stay decrypted in userspace.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace ringnet {

// The keys of one offer, as the kernel would get them (for the observer).
struct KtlsKeys {
  bool tx = false;
  uint16_t version = 0;      // 0x0303 / 0x0304
  uint16_t cipherType = 0;   // TLS_CIPHER_AES_GCM_128, ... (linux/tls.h)
  std::vector<uint8_t> key, iv, salt, recSeq;
};

// Called with every offer OpenSSL makes, before the kernel is asked (null:
// none). For the native tests, which check the keys against ones derived
// independently from the handshake's secrets; process-wide, not per server.
using KtlsKeysObserver = void (*)(const KtlsKeys&);
void setKtlsKeysObserver(KtlsKeysObserver observer);

class KtlsHandover {
 public:
  explicit KtlsHandover(int fd) : fd_(fd) {}
  KtlsHandover(const KtlsHandover&) = delete;
  KtlsHandover& operator=(const KtlsHandover&) = delete;

  // BIO_CTRL_SET_KTLS. cipherQueued: records already encrypted in userspace
  // still wait to be sent. Returns what the BIO answers OpenSSL (1: taken).
  long offer(const void* cryptoInfo, bool tx, bool cipherQueued);
  // The queue drained: TLS_TX now. False (error()/reason() say why) leaves a
  // connection OpenSSL no longer encrypts for: it must be closed.
  bool finishTx();

  // OpenSSL's view (BIO_CTRL_GET_KTLS_SEND): the kernel has, or will have, TX.
  bool txTaken() const { return tx_ != Tx::kUserspace; }
  bool txPending() const { return tx_ == Tx::kPending; }
  bool txOn() const { return tx_ == Tx::kOn; }

  // Plaintext records OpenSSL writes once TX is taken (BIO write).
  void setRecordType(uint8_t type) { nextType_ = type; }
  void write(const uint8_t* data, size_t len);
  bool hasRecords() const { return !records_.empty(); }
  // Sends the kept records (TX on, nothing else queued before them). False
  // on a socket error other than a full socket (error() has errno).
  bool sendRecords();

  // A failure that leaves the connection unusable (finishTx, a KeyUpdate the
  // kernel cannot follow, too many records kept, a socket error).
  bool fatal() const { return fatal_; }
  int error() const { return errno_; }
  // Why TX or RX is not (or no longer) the kernel's; empty when both are.
  std::string reason() const;

 private:
  enum class Tx : uint8_t { kUserspace, kPending, kOn };
  enum class Why : uint8_t { kNone, kNoUlp, kTxRefused, kCipher, kKernelTooOld, kKeyUpdate, kTooManyRecords, kSend };
  struct Record {
    uint8_t type;
    std::vector<uint8_t> bytes;
  };
  bool attachUlp();
  void failTx(Why why, int err);

  int fd_;
  Tx tx_ = Tx::kUserspace;
  bool ulpAttached_ = false;
  bool rxOffered_ = false;
  bool fatal_ = false;
  uint8_t nextType_ = 0;
  Why why_ = Why::kNone;
  int errno_ = 0;
  std::vector<uint8_t> pendingKeys_;  // crypto_info until finishTx
  std::vector<Record> records_;       // bounded: kMaxRecords
};

}  // namespace ringnet
