// UdpSocket: a non-blocking UDP socket for multicast on an exact interface, received
// through a uv_poll_t on the calling environment's own libuv loop.
#pragma once

#include <napi.h>

#include "polled_handle.h"
#include "udp_receive.h"

namespace multibully {

class UdpSocket : public PolledObject<UdpSocket> {
 public:
  static Napi::Function Init(Napi::Env env);

  // new UdpSocket(family: 4 | 6, maxDatagramSize: number)
  // Calls this.onbatch(count, payload, meta, addresses) once per wake-up with every datagram
  // read in it (see BatchReceiver), and this.onerror(error); both looked up at dispatch time
  // so no persistent cycle exists.
  explicit UdpSocket(const Napi::CallbackInfo& info);

 private:
  void Bind(const Napi::CallbackInfo& info);
  void Join(const Napi::CallbackInfo& info);
  void Leave(const Napi::CallbackInfo& info);
  void SetMulticastInterface(const Napi::CallbackInfo& info);
  void SetTTL(const Napi::CallbackInfo& info);
  Napi::Value GetTTL(const Napi::CallbackInfo& info);
  void SetUnicastTTL(const Napi::CallbackInfo& info);
  Napi::Value GetUnicastTTL(const Napi::CallbackInfo& info);
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

  // Hands every datagram read in this wake-up to this.onbatch in one call.
  void OnReadable(napi_env env, napi_value self, int status) override;
  // On a connected socket, an ICMP error (ECONNREFUSED) the kernel queued for us.
  void OnPendingError(napi_env env, napi_value self, int sys_errno) override;

  int RequireFd(Napi::Env env) const;
  void Membership(const Napi::CallbackInfo& info, bool join);

  int family_ = 0;
  BatchReceiver receiver_;
};

}  // namespace multibully
