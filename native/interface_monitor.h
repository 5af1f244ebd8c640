// InterfaceMonitor (Linux): an rtnetlink socket subscribed to link and address changes,
// received through an unref'd uv_poll_t on the calling environment's own libuv loop. It does
// not say WHAT changed: it calls this.onchange() once per wake-up and JS re-reads the table.
#pragma once

#ifdef __linux__

#include <napi.h>
#include <uv.h>

#include <memory>

namespace multibully {

// The parts that must outlive the JS object until libuv has closed the poll handle.
struct NativeMonitor;

class InterfaceMonitor : public Napi::ObjectWrap<InterfaceMonitor> {
 public:
  static Napi::Function Init(Napi::Env env);

  // new InterfaceMonitor(): opens a NETLINK_ROUTE socket bound to RTMGRP_LINK |
  // RTMGRP_IPV4_IFADDR | RTMGRP_IPV6_IFADDR and starts polling it (never keeping the loop
  // alive). Calls this.onchange() and this.onerror(error), looked up at dispatch time.
  explicit InterfaceMonitor(const Napi::CallbackInfo& info);
  ~InterfaceMonitor() override;

  // Called by NativeMonitor when it starts closing: the JS object no longer owns it.
  void Detach();
  // Drains every queued netlink message, then notifies JS once; called from the poll callback.
  // overrun: the kernel dropped notifications (ENOBUFS), so JS must re-read regardless.
  void DrainReadable(int status, bool overrun);

 private:
  void Close(const Napi::CallbackInfo& info);
  Napi::Value IsClosed(const Napi::CallbackInfo& info);
  void ReleaseSelf();
  bool Dispatch(napi_env env, napi_value self, const char* name, size_t argc, const napi_value* argv);

  NativeMonitor* native_ = nullptr;
  bool holding_ref_ = false;
  std::unique_ptr<Napi::AsyncContext> async_context_;
};

}  // namespace multibully

#endif  // __linux__
