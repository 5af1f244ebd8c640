// InterfaceMonitor (Linux): an rtnetlink socket subscribed to link and address changes,
// received through an unref'd uv_poll_t on the calling environment's own libuv loop. It does
// not say WHAT changed: it calls this.onchange() once per wake-up and JS re-reads the table.
#pragma once

#ifdef __linux__

#include <napi.h>

#include "polled_handle.h"

namespace multibully {

class InterfaceMonitor : public PolledObject<InterfaceMonitor> {
 public:
  static Napi::Function Init(Napi::Env env);

  // new InterfaceMonitor(): opens a NETLINK_ROUTE socket bound to RTMGRP_LINK |
  // RTMGRP_IPV4_IFADDR | RTMGRP_IPV6_IFADDR and starts polling it (never keeping the loop
  // alive). Calls this.onchange() and this.onerror(error), looked up at dispatch time.
  explicit InterfaceMonitor(const Napi::CallbackInfo& info);

 private:
  void Close(const Napi::CallbackInfo& info);
  Napi::Value IsClosed(const Napi::CallbackInfo& info);

  void OnReadable(napi_env env, napi_value self, int status) override;
  // ENOBUFS: the kernel dropped notifications, so JS must re-read regardless.
  void OnPendingError(napi_env env, napi_value self, int sys_errno) override;
  // Drains every queued netlink message, then notifies JS once (always when overrun).
  void Drain(napi_env env, napi_value self, bool overrun);
};

}  // namespace multibully

#endif  // __linux__
