#ifdef __linux__
#include "interface_monitor.h"

#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>

#include "errors.h"

namespace multibully {

// recv() calls per poll wake-up, so a flood of netlink traffic cannot starve the loop; the
// poll is level-triggered, so whatever is left wakes us again on the next iteration.
constexpr int kMaxReadsPerWakeup = 1024;
// We never parse the messages, so a datagram longer than this is simply cut (MSG_TRUNC).
constexpr size_t kReceiveBufferBytes = 8192;

// Every error names the socket it came from.
constexpr const char* kErrorDetail = "interface monitor (netlink)";

Napi::Function InterfaceMonitor::Init(Napi::Env env) {
  return DefineClass(env, "InterfaceMonitor",
                     {
                         InstanceMethod<&InterfaceMonitor::Close>("close"),
                         InstanceMethod<&InterfaceMonitor::IsClosed>("isClosed"),
                     });
}

InterfaceMonitor::InterfaceMonitor(const Napi::CallbackInfo& info) : PolledObject<InterfaceMonitor>(info) {
  Napi::Env env = info.Env();
  const int fd = ::socket(AF_NETLINK, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, NETLINK_ROUTE);
  if (fd < 0) throw SystemError(env, errno, "socket", "AF_NETLINK NETLINK_ROUTE");
  // From here a throw leaves the fd to ~PolledObject, which closes it.
  Adopt(env, fd, "InterfaceMonitor");

  sockaddr_nl local;
  std::memset(&local, 0, sizeof(local));
  local.nl_family = AF_NETLINK;
  local.nl_groups = RTMGRP_LINK | RTMGRP_IPV4_IFADDR | RTMGRP_IPV6_IFADDR;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&local), sizeof(local)) != 0) {
    throw SystemError(env, errno, "bind", "NETLINK_ROUTE groups link, ipv4 address, ipv6 address");
  }
  // Never keeps the process alive: a watcher is not work to wait for.
  handle_->SetRef(false);
  StartPolling(env);
}

void InterfaceMonitor::Close(const Napi::CallbackInfo& /*info*/) { CloseHandle(); }

Napi::Value InterfaceMonitor::IsClosed(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), handle_ == nullptr);
}

void InterfaceMonitor::OnReadable(napi_env env, napi_value self, int status) {
  if (status < 0) {
    ReportError(env, self, -status, "uv_poll", kErrorDetail);
    return;
  }
  Drain(env, self, false);
}

// On an rtnetlink socket the pending error is ENOBUFS: the receive queue overran and
// notifications were lost. That is no failure of ours: re-read the table.
void InterfaceMonitor::OnPendingError(napi_env env, napi_value self, int sys_errno) {
  if (sys_errno == ENOBUFS) {
    Drain(env, self, true);
    return;
  }
  ReportError(env, self, sys_errno, "uv_poll", kErrorDetail);
}

void InterfaceMonitor::Drain(napi_env env, napi_value self, bool overrun) {
  // Drain everything queued: one notification covers all of it. Only the sender is checked
  // (the kernel has port id 0); the contents do not matter, JS re-reads the whole table.
  bool changed = overrun;
  int failure = 0;
  char buffer[kReceiveBufferBytes];
  for (int i = 0; i < kMaxReadsPerWakeup; i++) {
    sockaddr_nl from;
    socklen_t from_len = sizeof(from);
    std::memset(&from, 0, sizeof(from));
    const ssize_t n = ::recvfrom(handle_->fd(), buffer, sizeof(buffer), MSG_DONTWAIT,
                                 reinterpret_cast<sockaddr*>(&from), &from_len);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) break;
      // The receive queue overran and messages were lost: the table changed, re-read it.
      if (errno == ENOBUFS) {
        changed = true;
        continue;
      }
      failure = errno;
      break;
    }
    if (from.nl_pid == 0) changed = true;
  }

  if (changed && handle_ != nullptr) Dispatch(env, self, "onchange", 0, nullptr);
  if (failure != 0 && handle_ != nullptr) ReportError(env, self, failure, "recvfrom", kErrorDetail);
}

}  // namespace multibully

#endif  // __linux__
