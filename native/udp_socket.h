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
  // Calls this.onmessage(data, address, port, ifindex, destination, truncated, hopLimit)
  // and this.onerror(error), looked up at dispatch time so no persistent cycle exists.
  explicit UdpSocket(const Napi::CallbackInfo& info);
  ~UdpSocket() override;

  // Called by NativeSocket when it starts closing: the JS object no longer owns it.
  void Detach();
  // Drains up to a bounded number of ready datagrams; called from the poll callback.
  void DrainReadable(int status);

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

  NativeSocket* native_ = nullptr;
  int family_ = 0;
  bool holding_ref_ = false;
  std::vector<uint8_t> receive_buffer_;
  std::unique_ptr<Napi::AsyncContext> async_context_;
};

}  // namespace multibully
