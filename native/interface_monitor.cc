#ifdef __linux__
#include "interface_monitor.h"

#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "errors.h"

namespace multibully {

// recv() calls per poll wake-up, so a flood of netlink traffic cannot starve the loop; the
// poll is level-triggered, so whatever is left wakes us again on the next iteration.
constexpr int kMaxReadsPerWakeup = 1024;
// We never parse the messages, so a datagram longer than this is simply cut (MSG_TRUNC).
constexpr size_t kReceiveBufferBytes = 8192;

struct NativeMonitor {
  int fd = -1;
  uv_poll_t poll;
  bool polling = false;
  bool closing = false;
  napi_async_cleanup_hook_handle cleanup_hook = nullptr;
  InterfaceMonitor* owner = nullptr;
};

namespace {

void CloseFd(NativeMonitor* native) {
  if (native->fd >= 0) ::close(native->fd);
  native->fd = -1;
}

void FinishClose(NativeMonitor* native) {
  CloseFd(native);
  // Removing the hook also tells Node that an environment teardown waiting on us is done.
  if (native->cleanup_hook != nullptr) napi_remove_async_cleanup_hook(native->cleanup_hook);
  delete native;
}

void OnPollClosed(uv_handle_t* handle) { FinishClose(static_cast<NativeMonitor*>(handle->data)); }

// Idempotent. Detaches the JS owner and closes the fd at once (libuv allows closing the fd
// right after uv_close, which also drops it from epoll and from events pending in this
// iteration); the memory is freed once libuv is done with the handle.
void BeginClose(NativeMonitor* native) {
  if (native->closing) return;
  native->closing = true;
  if (native->owner != nullptr) {
    native->owner->Detach();
    native->owner = nullptr;
  }
  if (native->polling) {
    uv_poll_stop(&native->poll);
    uv_close(reinterpret_cast<uv_handle_t*>(&native->poll), OnPollClosed);
    CloseFd(native);
  } else {
    FinishClose(native);
  }
}

void OnEnvironmentCleanup(napi_async_cleanup_hook_handle handle, void* arg) {
  auto* native = static_cast<NativeMonitor*>(arg);
  native->cleanup_hook = handle;
  BeginClose(native);
}

void OnPoll(uv_poll_t* handle, int status, int /*events*/) {
  auto* native = static_cast<NativeMonitor*>(handle->data);
  if (native->closing || native->owner == nullptr) return;
  bool overrun = false;
  if (status < 0) {
    // libuv reports EPOLLERR as UV_EBADF and stops the handle. On an rtnetlink socket the
    // pending error is ENOBUFS: the receive queue overran and notifications were lost. That
    // is no failure of ours: clear it, keep polling, and re-read the table.
    int pending = 0;
    socklen_t len = sizeof(pending);
    if (getsockopt(native->fd, SOL_SOCKET, SO_ERROR, &pending, &len) != 0) {
      status = -errno;
    } else if (pending == ENOBUFS) {
      const int rc = uv_poll_start(&native->poll, UV_READABLE, OnPoll);
      status = rc;
      overrun = rc == 0;
    } else if (pending != 0) {
      status = -pending;
    }
  }
  native->owner->DrainReadable(status, overrun);
}

// Rethrows its argument; scheduled with setImmediate so the exception leaves from Node's
// own immediate queue and becomes a normal 'uncaughtException'.
napi_value Rethrow(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value error = nullptr;
  if (napi_get_cb_info(env, info, &argc, &error, nullptr, nullptr) == napi_ok && argc == 1) {
    napi_throw(env, error);
  }
  return nullptr;
}

napi_value MakeSystemErrorValue(napi_env env, int sys_errno, const char* syscall) {
  try {
    return SystemError(Napi::Env(env), sys_errno, syscall, "interface monitor (netlink)").Value();
  } catch (...) {
    return nullptr;
  }
}

}  // namespace

Napi::Function InterfaceMonitor::Init(Napi::Env env) {
  return DefineClass(env, "InterfaceMonitor",
                     {
                         InstanceMethod<&InterfaceMonitor::Close>("close"),
                         InstanceMethod<&InterfaceMonitor::IsClosed>("isClosed"),
                     });
}

InterfaceMonitor::InterfaceMonitor(const Napi::CallbackInfo& info) : Napi::ObjectWrap<InterfaceMonitor>(info) {
  Napi::Env env = info.Env();
  // Made before the fd so that nothing below can leak if this throws.
  async_context_ = std::make_unique<Napi::AsyncContext>(env, "InterfaceMonitor", info.This().As<Napi::Object>());
  uv_loop_t* loop = nullptr;
  if (napi_get_uv_event_loop(env, &loop) != napi_ok || loop == nullptr) {
    throw Napi::Error::New(env, "cannot get the libuv loop of this environment");
  }

  const int fd = ::socket(AF_NETLINK, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, NETLINK_ROUTE);
  if (fd < 0) throw SystemError(env, errno, "socket", "AF_NETLINK NETLINK_ROUTE");
  native_ = new NativeMonitor();
  native_->fd = fd;
  native_->owner = this;
  native_->poll.data = native_;

  try {
    sockaddr_nl local;
    std::memset(&local, 0, sizeof(local));
    local.nl_family = AF_NETLINK;
    local.nl_groups = RTMGRP_LINK | RTMGRP_IPV4_IFADDR | RTMGRP_IPV6_IFADDR;
    if (::bind(fd, reinterpret_cast<sockaddr*>(&local), sizeof(local)) != 0) {
      throw SystemError(env, errno, "bind", "NETLINK_ROUTE groups link, ipv4 address, ipv6 address");
    }
    int rc = uv_poll_init(loop, &native_->poll, fd);
    if (rc != 0) throw SystemError(env, -rc, "uv_poll_init");
    native_->polling = true;
    native_->poll.data = native_;
    // Never keeps the process alive: a watcher is not work to wait for.
    uv_unref(reinterpret_cast<uv_handle_t*>(&native_->poll));
    rc = uv_poll_start(&native_->poll, UV_READABLE, OnPoll);
    if (rc != 0) throw SystemError(env, -rc, "uv_poll_start");
    if (napi_add_async_cleanup_hook(env, OnEnvironmentCleanup, native_, &native_->cleanup_hook) != napi_ok) {
      throw Napi::Error::New(env, "napi_add_async_cleanup_hook failed");
    }
  } catch (...) {
    native_->owner = nullptr;
    BeginClose(native_);
    native_ = nullptr;
    throw;
  }
  // While open, the JS object must stay alive to be notified; close() releases it.
  Ref();
  holding_ref_ = true;
}

InterfaceMonitor::~InterfaceMonitor() {
  if (native_ != nullptr) {
    NativeMonitor* native = native_;
    native->owner = nullptr;
    native_ = nullptr;
    BeginClose(native);
  }
}

void InterfaceMonitor::Detach() { native_ = nullptr; }

void InterfaceMonitor::ReleaseSelf() {
  if (holding_ref_) {
    holding_ref_ = false;
    Unref();
  }
}

void InterfaceMonitor::Close(const Napi::CallbackInfo& /*info*/) {
  if (native_ != nullptr) BeginClose(native_);
  ReleaseSelf();
}

Napi::Value InterfaceMonitor::IsClosed(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), native_ == nullptr);
}

// Raw Node-API: during environment teardown JS cannot run and most calls fail; every failure
// must end quietly instead of throwing (see UdpSocket::Dispatch).
bool InterfaceMonitor::Dispatch(napi_env env, napi_value self, const char* name, size_t argc,
                                const napi_value* argv) {
  napi_value callback;
  napi_valuetype type;
  if (napi_get_named_property(env, self, name, &callback) != napi_ok) return false;
  if (napi_typeof(env, callback, &type) != napi_ok) return false;
  if (type != napi_function) return true;
  napi_value result;
  if (napi_make_callback(env, *async_context_, self, callback, argc, argv, &result) == napi_ok) return true;
  bool pending = false;
  napi_value exception;
  if (napi_is_exception_pending(env, &pending) != napi_ok || !pending) return false;
  if (napi_get_and_clear_last_exception(env, &exception) != napi_ok) return false;
  napi_value global, set_immediate, rethrow;
  if (napi_get_global(env, &global) != napi_ok) return false;
  if (napi_get_named_property(env, global, "setImmediate", &set_immediate) != napi_ok) return false;
  if (napi_create_function(env, "rethrowListenerError", NAPI_AUTO_LENGTH, Rethrow, nullptr, &rethrow) != napi_ok) {
    return false;
  }
  napi_value args[2] = {rethrow, exception};
  napi_call_function(env, global, set_immediate, 2, args, &result);
  return false;
}

void InterfaceMonitor::DrainReadable(int status, bool overrun) {
  napi_env env = Env();
  napi_handle_scope scope;
  if (napi_open_handle_scope(env, &scope) != napi_ok) return;
  // Holding the JS object in this scope keeps it alive even if a listener closes it.
  napi_value self;
  if (napi_get_reference_value(env, static_cast<napi_ref>(*this), &self) != napi_ok || self == nullptr) {
    napi_close_handle_scope(env, scope);
    return;
  }
  if (status < 0) {
    napi_value error = MakeSystemErrorValue(env, -status, "uv_poll");
    if (error != nullptr) Dispatch(env, self, "onerror", 1, &error);
    napi_close_handle_scope(env, scope);
    return;
  }

  // Drain everything queued: one notification covers all of it. Only the sender is checked
  // (the kernel has port id 0); the contents do not matter, JS re-reads the whole table.
  bool changed = overrun;
  int failure = 0;
  char buffer[kReceiveBufferBytes];
  for (int i = 0; i < kMaxReadsPerWakeup; i++) {
    sockaddr_nl from;
    socklen_t from_len = sizeof(from);
    std::memset(&from, 0, sizeof(from));
    const ssize_t n = ::recvfrom(native_->fd, buffer, sizeof(buffer), MSG_DONTWAIT,
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

  if (changed && native_ != nullptr) Dispatch(env, self, "onchange", 0, nullptr);
  if (failure != 0 && native_ != nullptr) {
    napi_value error = MakeSystemErrorValue(env, failure, "recvfrom");
    if (error != nullptr) Dispatch(env, self, "onerror", 1, &error);
  }
  napi_close_handle_scope(env, scope);
}

}  // namespace multibully

#endif  // __linux__
