// Module entry: the UdpSocket class, interface lookup and (Linux) the interface monitor and the
// floating-address (VIP) functions.
#include <napi.h>

#include "errors.h"
#include "interfaces.h"
#ifndef _WIN32
#include "udp_socket.h"
#endif
#ifdef __linux__
#include "interface_monitor.h"
#include "vip.h"  // floating addresses (--vip)
#endif

namespace {

#ifdef _WIN32
Napi::Value Unsupported(const Napi::CallbackInfo& info) {
  throw multibully::CodedError(info.Env(), "ERR_MULTIBULLY_UNSUPPORTED",
                               "multibully: the multicast socket is not supported on Windows");
}
#endif

Napi::Object Init(Napi::Env env, Napi::Object exports) {
#ifdef _WIN32
  exports.Set("UdpSocket", Napi::Function::New(env, Unsupported, "UdpSocket"));
#else
  exports.Set("UdpSocket", multibully::UdpSocket::Init(env));
#endif
#ifdef __linux__
  // Absent elsewhere: lib/socket/interface-monitor.ts then polls the interface table.
  exports.Set("InterfaceMonitor", multibully::InterfaceMonitor::Init(env));
  multibully::RegisterVip(env, exports);  // vipAddAddress, vipRemoveAddress, vipAnnounce
#endif
  exports.Set("listInterfaces", Napi::Function::New(env, multibully::ListInterfaces, "listInterfaces"));
  return exports;
}

}  // namespace

NODE_API_MODULE(multibully, Init)
