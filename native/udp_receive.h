// The batched receive of UdpSocket: every datagram ready in one wake-up (one recvmmsg on Linux),
// handed to JS in one call: onbatch(count, payload, meta, addresses).
#pragma once

#ifndef _WIN32
#include <napi.h>

#include <cstddef>

namespace multibully {

class BatchReceiver {
 public:
  static constexpr int kMaxDatagramsPerWakeup = 64;
  // meta per datagram: offset, length, source index, port, ifindex, destination index,
  // truncated (0/1), hop limit. Keep in sync with lib/socket/multicast-socket.ts.
  static constexpr int kMetaFields = 8;

  BatchReceiver() = default;
  // Datagrams longer than max_datagram_size are cut (and marked truncated).
  BatchReceiver(Napi::Env env, size_t max_datagram_size);

  // Reads up to kMaxDatagramsPerWakeup ready datagrams from fd into the thread's receive arena
  // and returns how many, their lengths in lengths[]. A receive error other than "nothing more
  // to read" goes to *receive_errno (after the datagrams read before it).
  int Receive(int fd, size_t* lengths, int* receive_errno);

  // The arguments of onbatch for the count datagrams Receive just read: payload holds their
  // bytes back to back, meta (a reused Int32Array) kMetaFields ints per datagram, addresses the
  // distinct source/destination texts of the batch. False when JS values cannot be made.
  bool BatchArguments(napi_env env, int count, const size_t* lengths, napi_value args[4]);

 private:
  // Receive slots come from a per-thread arena (a drain never re-enters), not per socket.
  size_t max_datagram_size_ = 0;
  // The Int32Array handed to onbatch, reused for every batch.
  Napi::Reference<Napi::Int32Array> meta_;
};

}  // namespace multibully
#endif
