#ifndef _WIN32
// macOS hides the RFC 3542 names (IPV6_PKTINFO, IPV6_HOPLIMIT) without this.
#if defined(__APPLE__) && !defined(__APPLE_USE_RFC_3542)
#define __APPLE_USE_RFC_3542
#endif
#include "udp_receive.h"

#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <memory>
#include <new>
#include <string>

#include "sockaddr.h"

namespace multibully {

namespace {

// One receive slot per datagram of a batch. Shared by every socket of the thread: a drain never
// re-enters (JS cannot run a poll callback synchronously), and the bytes are copied out before
// JS runs. The payload arena is allocated, never zero-filled: only the pages datagrams touch
// become resident (at most 64 slots × maxDatagramSize of address space).
struct ReceiveArena {
  std::unique_ptr<uint8_t[]> bytes;
  size_t capacity = 0;
  sockaddr_storage from[BatchReceiver::kMaxDatagramsPerWakeup];
  alignas(cmsghdr) char control[BatchReceiver::kMaxDatagramsPerWakeup][128];
  iovec iov[BatchReceiver::kMaxDatagramsPerWakeup];
#if defined(__linux__)
  mmsghdr msgs[BatchReceiver::kMaxDatagramsPerWakeup];
#else
  msghdr msgs[BatchReceiver::kMaxDatagramsPerWakeup];
#endif
  // The headers are laid out for this slot size and buffer; after that a wake-up only resets the
  // `used` headers the last receive wrote to (most wake-ups read one datagram: setting up all 64
  // cost about a tenth of the per-datagram CPU).
  size_t prepared_slot = 0;
  const uint8_t* prepared_bytes = nullptr;
  int used = 0;
};

thread_local ReceiveArena receive_arena;

msghdr& Header(ReceiveArena& arena, int i) {
#if defined(__linux__)
  return arena.msgs[i].msg_hdr;
#else
  return arena.msgs[i];
#endif
}

// What one datagram's ancillary data says.
struct PacketInfo {
  int ifindex = 0;
  int hop_limit = -1;
  int dest_family = 0;  // 0: not reported
  in6_addr dest;        // in_addr in its first 4 bytes for IPv4
};

PacketInfo ReadControl(msghdr* msg) {
  PacketInfo out;
  std::memset(&out.dest, 0, sizeof(out.dest));
  for (cmsghdr* c = CMSG_FIRSTHDR(msg); c != nullptr; c = CMSG_NXTHDR(msg, c)) {
#ifdef IP_PKTINFO
    if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
      in_pktinfo info;
      std::memcpy(&info, CMSG_DATA(c), sizeof(info));
      out.ifindex = info.ipi_ifindex;
      out.dest_family = AF_INET;
      std::memcpy(&out.dest, &info.ipi_addr, sizeof(info.ipi_addr));
    }
#endif
#if defined(__linux__)
    if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_TTL) {
      std::memcpy(&out.hop_limit, CMSG_DATA(c), sizeof(int));
    }
#elif defined(IP_RECVTTL)
    // BSD and macOS report the TTL as one byte under the option's own name.
    if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_RECVTTL) {
      out.hop_limit = *reinterpret_cast<const unsigned char*>(CMSG_DATA(c));
    }
#endif
    if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO) {
      in6_pktinfo info;
      std::memcpy(&info, CMSG_DATA(c), sizeof(info));
      out.ifindex = static_cast<int>(info.ipi6_ifindex);
      out.dest_family = AF_INET6;
      out.dest = info.ipi6_addr;
    }
    if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_HOPLIMIT) {
      std::memcpy(&out.hop_limit, CMSG_DATA(c), sizeof(int));
    }
  }
  return out;
}

// The distinct address texts of one batch (a burst usually comes from a few hosts to one
// group): each is made into a JS string once, and datagrams refer to it by index.
class AddressTable {
 public:
  // Index of (family, bytes) in the table, adding it (as text) if new; -1 if JS failed.
  int32_t IndexOf(napi_env env, napi_value array, int family, const void* addr) {
    const size_t len = family == AF_INET ? 4 : family == AF_INET6 ? 16 : 0;
    for (int32_t i = 0; i < count_; i++) {
      if (entries_[i].family == family && std::memcmp(entries_[i].bytes, addr, len) == 0) return i;
    }
    if (count_ >= kCapacity) return -1;
    Entry& entry = entries_[count_];
    entry.family = family;
    std::memset(entry.bytes, 0, sizeof(entry.bytes));
    if (len > 0) std::memcpy(entry.bytes, addr, len);
    const std::string text = len > 0 ? FormatAddress(family, addr) : std::string();
    napi_value value;
    if (napi_create_string_utf8(env, text.c_str(), text.size(), &value) != napi_ok) return -1;
    if (napi_set_element(env, array, static_cast<uint32_t>(count_), value) != napi_ok) return -1;
    return count_++;
  }

 private:
  static constexpr int kCapacity = 2 * BatchReceiver::kMaxDatagramsPerWakeup;
  struct Entry {
    int family;
    uint8_t bytes[16];
  };
  Entry entries_[kCapacity];
  int32_t count_ = 0;
};

const void* SockaddrBytes(const sockaddr_storage& from, int* family, int* port) {
  if (from.ss_family == AF_INET) {
    const auto* sin = reinterpret_cast<const sockaddr_in*>(&from);
    *family = AF_INET;
    *port = ntohs(sin->sin_port);
    return &sin->sin_addr;
  }
  if (from.ss_family == AF_INET6) {
    const auto* sin6 = reinterpret_cast<const sockaddr_in6*>(&from);
    *family = AF_INET6;
    *port = ntohs(sin6->sin6_port);
    return &sin6->sin6_addr;
  }
  *family = 0;
  *port = 0;
  return nullptr;
}

}  // namespace

BatchReceiver::BatchReceiver(Napi::Env env, size_t max_datagram_size)
    : max_datagram_size_(max_datagram_size),
      meta_(Napi::Persistent(Napi::Int32Array::New(env, static_cast<size_t>(kMaxDatagramsPerWakeup) * kMetaFields))) {}

// One recvmmsg on Linux, a recvmsg loop elsewhere.
int BatchReceiver::Receive(int fd, size_t* lengths, int* receive_errno) {
  ReceiveArena& arena = receive_arena;
  const size_t slot = max_datagram_size_;
  const size_t needed = slot * kMaxDatagramsPerWakeup;
  if (arena.capacity < needed) {
    arena.bytes.reset(new (std::nothrow) uint8_t[needed]);
    arena.capacity = arena.bytes ? needed : 0;
    if (!arena.bytes) {
      *receive_errno = ENOMEM;
      return 0;
    }
  }
  if (arena.prepared_slot != slot || arena.prepared_bytes != arena.bytes.get()) {
    for (int i = 0; i < kMaxDatagramsPerWakeup; i++) {
      arena.iov[i].iov_base = arena.bytes.get() + slot * i;
      arena.iov[i].iov_len = slot;
      msghdr& msg = Header(arena, i);
      std::memset(&msg, 0, sizeof(msg));
      msg.msg_name = &arena.from[i];
      msg.msg_iov = &arena.iov[i];
      msg.msg_iovlen = 1;
      msg.msg_control = arena.control[i];
    }
    arena.prepared_slot = slot;
    arena.prepared_bytes = arena.bytes.get();
    arena.used = kMaxDatagramsPerWakeup;
  }
  for (int i = 0; i < arena.used; i++) {
    msghdr& msg = Header(arena, i);
    msg.msg_namelen = sizeof(arena.from[i]);
    msg.msg_controllen = sizeof(arena.control[i]);
    msg.msg_flags = 0;
  }
  int count = 0;
#if defined(__linux__)
  for (int attempt = 0; attempt < 3; attempt++) {
    const int n = ::recvmmsg(fd, arena.msgs, kMaxDatagramsPerWakeup, MSG_DONTWAIT, nullptr);
    if (n >= 0) {
      count = n;
      for (int i = 0; i < n; i++) lengths[i] = arena.msgs[i].msg_len;
      break;
    }
    if (errno == EINTR) continue;
    if (errno != EAGAIN && errno != EWOULDBLOCK) *receive_errno = errno;
    break;
  }
#else
  for (int attempts = 0; count < kMaxDatagramsPerWakeup && attempts < kMaxDatagramsPerWakeup + 3; attempts++) {
    const ssize_t n = ::recvmsg(fd, &arena.msgs[count], 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno != EAGAIN && errno != EWOULDBLOCK) *receive_errno = errno;
      break;
    }
    lengths[count++] = static_cast<size_t>(n);
  }
#endif
  // The kernel wrote to the headers it filled (and, off Linux, possibly the one that failed).
  arena.used = std::min(count + 1, kMaxDatagramsPerWakeup);
  return count;
}

// One N-API crossing for the whole batch: the payload bytes back to back in one Buffer, the
// per-datagram fields in the reused meta Int32Array, the address texts once each.
bool BatchReceiver::BatchArguments(napi_env env, int count, const size_t* lengths, napi_value args[4]) {
  ReceiveArena& arena = receive_arena;
  const size_t slot = max_datagram_size_;
  napi_value meta_value = nullptr;
  napi_typedarray_type meta_type;
  size_t meta_length = 0;
  void* meta_data = nullptr;
  if (napi_get_reference_value(env, static_cast<napi_ref>(meta_), &meta_value) != napi_ok || meta_value == nullptr ||
      napi_get_typedarray_info(env, meta_value, &meta_type, &meta_length, &meta_data, nullptr, nullptr) != napi_ok ||
      meta_type != napi_int32_array || meta_data == nullptr ||
      meta_length < static_cast<size_t>(count) * kMetaFields) {
    return false;
  }
  auto* meta = static_cast<int32_t*>(meta_data);
  size_t total = 0;
  for (int i = 0; i < count; i++) total += std::min(lengths[i], slot);
  void* payload = nullptr;
  if (napi_create_int32(env, count, &args[0]) != napi_ok) return false;
  if (napi_create_buffer(env, total, &payload, &args[1]) != napi_ok) return false;
  args[2] = meta_value;
  if (napi_create_array(env, &args[3]) != napi_ok) return false;
  AddressTable addresses;
  size_t offset = 0;
  for (int i = 0; i < count; i++) {
    msghdr& msg = Header(arena, i);
    const size_t length = std::min(lengths[i], slot);
    if (length > 0) std::memcpy(static_cast<uint8_t*>(payload) + offset, arena.iov[i].iov_base, length);
    const PacketInfo info = ReadControl(&msg);
    int source_family = 0;
    int port = 0;
    const void* source = SockaddrBytes(arena.from[i], &source_family, &port);
    const int32_t source_index = addresses.IndexOf(env, args[3], source_family, source);
    const int32_t dest_index = addresses.IndexOf(env, args[3], info.dest_family, &info.dest);
    if (source_index < 0 || dest_index < 0) return false;
    int32_t* m = meta + static_cast<size_t>(i) * kMetaFields;
    m[0] = static_cast<int32_t>(offset);
    m[1] = static_cast<int32_t>(length);
    m[2] = source_index;
    m[3] = port;
    m[4] = info.ifindex;
    m[5] = dest_index;
    m[6] = (msg.msg_flags & MSG_TRUNC) != 0 ? 1 : 0;
    m[7] = info.hop_limit;
    offset += length;
  }
  return true;
}

}  // namespace multibully
#endif
