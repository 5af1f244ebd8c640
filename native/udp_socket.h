// UdpSocket: a non-blocking UDP socket for multicast on an exact interface, received
// through a uv_poll_t on the calling environment's own libuv loop.
#pragma once

#include <napi.h>
#include <uv.h>

#include <memory>
#include <vector>

namespace multibully {

// The parts that must outlive the JS object until libuv has closed the poll handle.
struct NativeSocket;

class UdpSocket : public Napi::ObjectWrap<UdpSocket> {
 public:
  static Napi::Function Init(Napi::Env env);

  // new UdpSocket(family: 4 | 6, maxDatagramSize: number)
  // Calls this.onbatch(count, payload, meta, addresses) once per wake-up with every datagram
  // read in it (see DrainReadable), and this.onerror(error); both looked up at dispatch time
  // so no persistent cycle exists.
  explicit UdpSocket(const Napi::CallbackInfo& info);
  ~UdpSocket() override;

  // Called by NativeSocket when it starts closing: the JS object no longer owns it.
  void Detach();
  // Reads up to kMaxDatagramsPerWakeup ready datagrams (one recvmmsg on Linux) and hands them
  // to JS in one call: onbatch(count, payload, meta, addresses), where payload holds every
  // datagram's bytes back to back, meta (a reused Int32Array) kMetaFields ints per datagram
  // and addresses the distinct source/destination texts of the batch. Called from the poll callback.
  void DrainReadable(int status);

  static constexpr int kMaxDatagramsPerWakeup = 64;
  // meta per datagram: offset, length, source index, port, ifindex, destination index,
  // truncated (0/1), hop limit. Keep in sync with lib/socket/multicast-socket.ts.
  static constexpr int kMetaFields = 8;

 private:
  void Bind(const Napi::CallbackInfo& info);
  void Join(const Napi::CallbackInfo& info);
  void Leave(const Napi::CallbackInfo& info);
  void SetMulticastInterface(const Napi::CallbackInfo& info);
  void SetTTL(const Napi::CallbackInfo& info);
  Napi::Value GetTTL(const Napi::CallbackInfo& info);
  void SetLoopback(const Napi::CallbackInfo& info);
  Napi::Value GetLoopback(const Napi::CallbackInfo& info);
  void BindToDevice(const Napi::CallbackInfo& info);
  void Connect(const Napi::CallbackInfo& info);
  Napi::Value Send(const Napi::CallbackInfo& info);
  Napi::Value Address(const Napi::CallbackInfo& info);
  void RefHandle(const Napi::CallbackInfo& info);
  void UnrefHandle(const Napi::CallbackInfo& info);
  void Close(const Napi::CallbackInfo& info);
  Napi::Value IsClosed(const Napi::CallbackInfo& info);

  int RequireFd(Napi::Env env) const;
  void Membership(const Napi::CallbackInfo& info, bool join);
  void StartPolling(Napi::Env env);
  // Calls this[name](...argv) through napi_make_callback; false when the drain must stop
  // (the listener threw, or JS cannot run because the environment is terminating).
  bool Dispatch(napi_env env, napi_value self, const char* name, size_t argc, const napi_value* argv);
  // Hands the count datagrams in the thread's receive arena to this.onbatch; false when the drain must stop.
  bool DispatchBatch(napi_env env, napi_value self, int count, const size_t* lengths);

  NativeSocket* native_ = nullptr;
  int family_ = 0;
  bool holding_ref_ = false;
  // Receive slots come from a per-thread arena (DrainReadable never re-enters), not per socket.
  size_t max_datagram_size_ = 0;
  // The Int32Array handed to onbatch, reused for every batch.
  Napi::Reference<Napi::Int32Array> meta_;
  std::unique_ptr<Napi::AsyncContext> async_context_;
};

}  // namespace multibully
