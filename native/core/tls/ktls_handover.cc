#include "ktls_handover.h"

#include <linux/tls.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/utsname.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>

#ifndef TCP_ULP
#define TCP_ULP 31
#endif
#ifndef SOL_TLS
#define SOL_TLS 282
#endif

namespace ringnet {

namespace {

std::atomic<KtlsKeysObserver> observer{nullptr};

// NewSessionTicket + close_notify is what a connection normally writes before
// the switch or at its end; a peer asking for more is refused (closed).
constexpr size_t kMaxRecords = 8;
constexpr uint8_t kRecordHandshake = 22;
constexpr uint8_t kHandshakeKeyUpdate = 24;

// The running kernel as major * 1000 + minor (0: unknown).
int kernelVersion() {
  static const int version = [] {
    utsname u{};
    int major = 0, minor = 0;
    if (uname(&u) != 0 || std::sscanf(u.release, "%d.%d", &major, &minor) != 2) return 0;
    return major * 1000 + minor;
  }();
  return version;
}

// Where the kernel learnt each cipher (and TLS 1.3): OpenSSL checks the
// headers it was built against, not the kernel it runs on.
int kernelNeeds(uint16_t cipher, uint16_t version) {
  int v = 4013;
  switch (cipher) {
    case TLS_CIPHER_AES_GCM_128: v = 4013; break;
    case TLS_CIPHER_AES_GCM_256: v = 5001; break;
    case TLS_CIPHER_AES_CCM_128: v = 5002; break;
#ifdef TLS_CIPHER_CHACHA20_POLY1305
    case TLS_CIPHER_CHACHA20_POLY1305: v = 5011; break;
#endif
    default: return -1;
  }
  if (version == TLS_1_3_VERSION && v < 5001) v = 5001;
  return v;
}

// The size of the kernel struct for the cipher, and its fields (null: unknown cipher).
template <typename T>
size_t fields(const void* p, bool tx, KtlsKeys* k) {
  const T* c = static_cast<const T*>(p);
  k->tx = tx;
  k->version = c->info.version;
  k->cipherType = c->info.cipher_type;
  k->key.assign(c->key, c->key + sizeof c->key);
  k->iv.assign(c->iv, c->iv + sizeof c->iv);
  k->salt.assign(c->salt, c->salt + sizeof c->salt);
  k->recSeq.assign(c->rec_seq, c->rec_seq + sizeof c->rec_seq);
  return sizeof(T);
}

size_t parse(const void* info, bool tx, KtlsKeys* k) {
  switch (static_cast<const tls_crypto_info*>(info)->cipher_type) {
    case TLS_CIPHER_AES_GCM_128: return fields<tls12_crypto_info_aes_gcm_128>(info, tx, k);
    case TLS_CIPHER_AES_GCM_256: return fields<tls12_crypto_info_aes_gcm_256>(info, tx, k);
    case TLS_CIPHER_AES_CCM_128: return fields<tls12_crypto_info_aes_ccm_128>(info, tx, k);
#ifdef TLS_CIPHER_CHACHA20_POLY1305
    case TLS_CIPHER_CHACHA20_POLY1305: return fields<tls12_crypto_info_chacha20_poly1305>(info, tx, k);
#endif
    default: return 0;
  }
}

}  // namespace

void setKtlsKeysObserver(KtlsKeysObserver fn) { observer.store(fn); }

bool KtlsHandover::attachUlp() {
  if (ulpAttached_) return true;
  if (::setsockopt(fd_, IPPROTO_TCP, TCP_ULP, "tls", sizeof "tls") != 0) return false;
  ulpAttached_ = true;
  return true;
}

void KtlsHandover::failTx(Why why, int err) {
  why_ = why;
  errno_ = err;
}

long KtlsHandover::offer(const void* cryptoInfo, bool tx, bool cipherQueued) {
  KtlsKeys keys;
  const size_t size = cryptoInfo != nullptr ? parse(cryptoInfo, tx, &keys) : 0;
  if (size != 0) {
    if (KtlsKeysObserver fn = observer.load()) fn(keys);
  }
  if (!tx) {
    rxOffered_ = true;  // refused: see the header (read-ahead)
    return 0;
  }
  if (tx_ != Tx::kUserspace) return 0;  // a second offer (rekey): the kernel cannot take it
  if (size == 0) {
    failTx(Why::kCipher, 0);
    return 0;
  }
  const int needs = kernelNeeds(keys.cipherType, keys.version);
  if (needs < 0 || (kernelVersion() != 0 && kernelVersion() < needs)) {
    failTx(needs < 0 ? Why::kCipher : Why::kKernelTooOld, 0);
    return 0;
  }
  if (!attachUlp()) {
    failTx(Why::kNoUlp, errno);  // ENOENT: no TLS in this kernel; userspace goes on
    return 0;
  }
  const auto* bytes = static_cast<const uint8_t*>(cryptoInfo);
  pendingKeys_.assign(bytes, bytes + size);
  if (cipherQueued) {
    tx_ = Tx::kPending;
    return 1;
  }
  // Nothing of ours waits: the kernel can take over now, or userspace stays.
  if (::setsockopt(fd_, SOL_TLS, TLS_TX, pendingKeys_.data(), static_cast<socklen_t>(size)) != 0) {
    failTx(Why::kTxRefused, errno);
    std::vector<uint8_t>().swap(pendingKeys_);
    return 0;
  }
  std::fill(pendingKeys_.begin(), pendingKeys_.end(), 0);
  std::vector<uint8_t>().swap(pendingKeys_);
  tx_ = Tx::kOn;
  return 1;
}

bool KtlsHandover::finishTx() {
  if (tx_ != Tx::kPending) return tx_ == Tx::kOn;
  int r = ::setsockopt(fd_, SOL_TLS, TLS_TX, pendingKeys_.data(),
                       static_cast<socklen_t>(pendingKeys_.size()));
  int err = errno;
  std::fill(pendingKeys_.begin(), pendingKeys_.end(), 0);  // keys do not linger in freed memory
  std::vector<uint8_t>().swap(pendingKeys_);
  if (r != 0) {
    failTx(Why::kTxRefused, err);
    fatal_ = true;
    return false;
  }
  tx_ = Tx::kOn;
  return true;
}

void KtlsHandover::write(const uint8_t* data, size_t len) {
  const uint8_t type = nextType_;
  nextType_ = 0;  // one record per control message, as OpenSSL's socket BIO
  if (type == kRecordHandshake && len > 0 && data[0] == kHandshakeKeyUpdate) {
    // Our KeyUpdate: OpenSSL changes its write key after it, the kernel's
    // stays (OpenSSL 3.0 has no kTLS rekey): the peer could not read on.
    failTx(Why::kKeyUpdate, 0);
    fatal_ = true;
    return;
  }
  if (type == 0 || records_.size() >= kMaxRecords) {
    // Application data never comes this way (the reactor sends it plain).
    failTx(Why::kTooManyRecords, 0);
    fatal_ = true;
    return;
  }
  records_.push_back(Record{type, std::vector<uint8_t>(data, data + len)});
}

bool KtlsHandover::sendRecords() {
  size_t sent = 0;
  for (; sent < records_.size(); ++sent) {
    Record& r = records_[sent];
    union {
      cmsghdr hdr;
      char buf[CMSG_SPACE(sizeof(uint8_t))];
    } control{};
    iovec iov{r.bytes.data(), r.bytes.size()};
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control.buf;
    msg.msg_controllen = sizeof control.buf;
    cmsghdr* c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = SOL_TLS;
    c->cmsg_type = TLS_SET_RECORD_TYPE;
    c->cmsg_len = CMSG_LEN(sizeof(uint8_t));
    *CMSG_DATA(c) = r.type;
    // The kernel takes a whole record or none (EAGAIN) on a non-blocking socket.
    if (::sendmsg(fd_, &msg, MSG_DONTWAIT | MSG_NOSIGNAL) < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK) break;  // tried again at the next flush
      failTx(Why::kSend, errno);
      fatal_ = true;
      records_.erase(records_.begin(), records_.begin() + static_cast<long>(sent));
      return false;
    }
  }
  records_.erase(records_.begin(), records_.begin() + static_cast<long>(sent));
  if (records_.empty()) std::vector<Record>().swap(records_);
  return true;
}

std::string KtlsHandover::reason() const {
  std::string tx;
  switch (why_) {
    case Why::kNone: break;
    case Why::kNoUlp: tx = std::string("TCP_ULP tls: ") + std::strerror(errno_); break;
    case Why::kTxRefused: tx = std::string("TLS_TX: ") + std::strerror(errno_); break;
    case Why::kCipher: tx = "the cipher has no kernel offload"; break;
    case Why::kKernelTooOld: tx = "the running kernel predates this cipher's offload"; break;
    case Why::kKeyUpdate: tx = "a KeyUpdate: OpenSSL 3.0 cannot rekey the kernel"; break;
    case Why::kTooManyRecords: tx = "too many non-data records"; break;
    case Why::kSend: tx = std::string("sendmsg: ") + std::strerror(errno_); break;
  }
  std::string out;
  if (!tx.empty()) out = "tx: " + tx;
  if (rxOffered_) {
    if (!out.empty()) out += "; ";
    out += "rx: records read ahead of OpenSSL";
  }
  return out;
}

}  // namespace ringnet
