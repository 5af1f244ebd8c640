#ifndef _WIN32
// macOS hides the RFC 3542 names (IPV6_RECVPKTINFO, IPV6_RECVHOPLIMIT) without this.
#if defined(__APPLE__) && !defined(__APPLE_USE_RFC_3542)
#define __APPLE_USE_RFC_3542
#endif
#include "udp_socket.h"

#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <algorithm>
#include <cstring>
#include <string>

#include "errors.h"
#include "sockaddr.h"

// Linux has these since 2.6.31 / 4.20; older libc headers may lack the names.
#if defined(__linux__) && !defined(IP_MULTICAST_ALL)
#define IP_MULTICAST_ALL 49
#endif
#if defined(__linux__) && !defined(IPV6_MULTICAST_ALL)
#define IPV6_MULTICAST_ALL 29
#endif
#if !defined(IPV6_ADD_MEMBERSHIP) && defined(IPV6_JOIN_GROUP)
#define IPV6_ADD_MEMBERSHIP IPV6_JOIN_GROUP
#define IPV6_DROP_MEMBERSHIP IPV6_LEAVE_GROUP
#endif

namespace multibully {

// Datagrams handled per poll wake-up, so one busy socket cannot starve the loop.
constexpr int kMaxDatagramsPerWakeup = 64;

struct NativeSocket {
  int fd = -1;
  uv_poll_t poll;
  bool polling = false;
  bool closing = false;
  bool want_ref = true;
  napi_async_cleanup_hook_handle cleanup_hook = nullptr;
  UdpSocket* owner = nullptr;
};

namespace {

void FinishClose(NativeSocket* native) {
  if (native->fd >= 0) ::close(native->fd);
  native->fd = -1;
  // Removing the hook also tells Node that an environment teardown waiting on us is done.
  if (native->cleanup_hook != nullptr) napi_remove_async_cleanup_hook(native->cleanup_hook);
  delete native;
}

void OnPollClosed(uv_handle_t* handle) {
  FinishClose(static_cast<NativeSocket*>(handle->data));
}

// Idempotent. Detaches the JS owner and closes the fd at once (libuv allows closing a polled fd
// right after uv_poll_stop), so close() has released the descriptor when it returns, even if the
// loop never turns; frees the memory once libuv is done with the poll handle (never while the
// handle may still be iterated).
void BeginClose(NativeSocket* native) {
  if (native->closing) return;
  native->closing = true;
  if (native->owner != nullptr) {
    native->owner->Detach();
    native->owner = nullptr;
  }
  if (native->polling) {
    uv_poll_stop(&native->poll);
    uv_close(reinterpret_cast<uv_handle_t*>(&native->poll), OnPollClosed);
    if (native->fd >= 0) ::close(native->fd);
    native->fd = -1;
  } else {
    FinishClose(native);
  }
}

void OnEnvironmentCleanup(napi_async_cleanup_hook_handle handle, void* arg) {
  auto* native = static_cast<NativeSocket*>(arg);
  native->cleanup_hook = handle;
  BeginClose(native);
}

void OnPoll(uv_poll_t* handle, int status, int /*events*/) {
  auto* native = static_cast<NativeSocket*>(handle->data);
  if (native->closing || native->owner == nullptr) return;
  native->owner->DrainReadable(status);
}

void SetIntOption(Napi::Env env, int fd, int level, int name, int value, const char* what) {
  if (setsockopt(fd, level, name, &value, sizeof(value)) != 0) {
    throw SystemError(env, errno, "setsockopt", what);
  }
}

int GetIntOption(Napi::Env env, int fd, int level, int name, const char* what) {
  int value = 0;
  socklen_t len = sizeof(value);
  if (getsockopt(fd, level, name, &value, &len) != 0) {
    throw SystemError(env, errno, "getsockopt", what);
  }
  // Some platforms store single-byte options; only the low byte is meaningful then.
  if (len == 1) value = *reinterpret_cast<unsigned char*>(&value);
  return value;
}

uint32_t RequireUint32(const Napi::CallbackInfo& info, size_t i, const char* what) {
  if (!info[i].IsNumber()) throw Napi::TypeError::New(info.Env(), std::string(what) + " must be a number");
  double v = info[i].As<Napi::Number>().DoubleValue();
  if (!(v >= 0 && v <= 4294967295.0) || v != static_cast<double>(static_cast<uint32_t>(v))) {
    throw Napi::RangeError::New(info.Env(), std::string(what) + " must be an unsigned 32-bit integer");
  }
  return static_cast<uint32_t>(v);
}

std::string RequireString(const Napi::CallbackInfo& info, size_t i, const char* what) {
  if (!info[i].IsString()) throw Napi::TypeError::New(info.Env(), std::string(what) + " must be a string");
  return info[i].As<Napi::String>().Utf8Value();
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

// A SystemError as a raw value, or nullptr when JS objects cannot be made right now.
napi_value MakeSystemErrorValue(napi_env env, int sys_errno, const char* syscall) {
  try {
    return SystemError(Napi::Env(env), sys_errno, syscall).Value();
  } catch (...) {
    return nullptr;
  }
}

}  // namespace

Napi::Function UdpSocket::Init(Napi::Env env) {
  return DefineClass(env, "UdpSocket",
                     {
                         InstanceMethod<&UdpSocket::Bind>("bind"),
                         InstanceMethod<&UdpSocket::Join>("join"),
                         InstanceMethod<&UdpSocket::Leave>("leave"),
                         InstanceMethod<&UdpSocket::SetMulticastInterface>("setMulticastInterface"),
                         InstanceMethod<&UdpSocket::SetTTL>("setTTL"),
                         InstanceMethod<&UdpSocket::GetTTL>("getTTL"),
                         InstanceMethod<&UdpSocket::SetLoopback>("setLoopback"),
                         InstanceMethod<&UdpSocket::GetLoopback>("getLoopback"),
                         InstanceMethod<&UdpSocket::BindToDevice>("bindToDevice"),
                         InstanceMethod<&UdpSocket::Send>("send"),
                         InstanceMethod<&UdpSocket::Address>("address"),
                         InstanceMethod<&UdpSocket::RefHandle>("ref"),
                         InstanceMethod<&UdpSocket::UnrefHandle>("unref"),
                         InstanceMethod<&UdpSocket::Close>("close"),
                         InstanceMethod<&UdpSocket::IsClosed>("isClosed"),
                     });
}

UdpSocket::UdpSocket(const Napi::CallbackInfo& info) : Napi::ObjectWrap<UdpSocket>(info) {
  Napi::Env env = info.Env();
  const uint32_t family = RequireUint32(info, 0, "family");
  if (family != 4 && family != 6) throw Napi::RangeError::New(env, "family must be 4 or 6");
  const uint32_t max_size = RequireUint32(info, 1, "maxDatagramSize");
  if (max_size < 1 || max_size > 65536) {
    throw Napi::RangeError::New(env, "maxDatagramSize must be between 1 and 65536");
  }
  family_ = family == 4 ? AF_INET : AF_INET6;
  receive_buffer_.resize(max_size);
  // Made before the fd so that nothing below can leak if this throws.
  async_context_ = std::make_unique<Napi::AsyncContext>(env, "MulticastSocket", info.This().As<Napi::Object>());

  int type = SOCK_DGRAM;
#ifdef SOCK_NONBLOCK
  type |= SOCK_NONBLOCK | SOCK_CLOEXEC;
#endif
  int fd = ::socket(family_, type, 0);
  if (fd < 0) throw SystemError(env, errno, "socket");
#ifndef SOCK_NONBLOCK
  fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
  fcntl(fd, F_SETFD, FD_CLOEXEC);
#endif

  native_ = new NativeSocket();
  native_->fd = fd;
  native_->owner = this;
  native_->poll.data = native_;

  try {
    if (family_ == AF_INET) {
      SetIntOption(env, fd, IPPROTO_IP, IP_PKTINFO, 1, "IP_PKTINFO");
#ifdef IP_RECVTTL
      SetIntOption(env, fd, IPPROTO_IP, IP_RECVTTL, 1, "IP_RECVTTL");
#endif
      SetIntOption(env, fd, IPPROTO_IP, IP_MULTICAST_TTL, 1, "IP_MULTICAST_TTL");
#ifdef IP_MULTICAST_ALL
      // Otherwise Linux delivers every group any socket joined to every socket on the port.
      SetIntOption(env, fd, IPPROTO_IP, IP_MULTICAST_ALL, 0, "IP_MULTICAST_ALL");
#endif
    } else {
      SetIntOption(env, fd, IPPROTO_IPV6, IPV6_V6ONLY, 1, "IPV6_V6ONLY");
      SetIntOption(env, fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, 1, "IPV6_RECVPKTINFO");
      SetIntOption(env, fd, IPPROTO_IPV6, IPV6_RECVHOPLIMIT, 1, "IPV6_RECVHOPLIMIT");
      SetIntOption(env, fd, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, 1, "IPV6_MULTICAST_HOPS");
#ifdef IPV6_MULTICAST_ALL
      // Kernels before 4.20 lack it; they behave as before (documented in docs/SOCKET.md).
      int off = 0;
      setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_ALL, &off, sizeof(off));
#endif
    }
    napi_status status =
        napi_add_async_cleanup_hook(env, OnEnvironmentCleanup, native_, &native_->cleanup_hook);
    if (status != napi_ok) throw Napi::Error::New(env, "napi_add_async_cleanup_hook failed");
  } catch (...) {
    native_->owner = nullptr;
    BeginClose(native_);
    native_ = nullptr;
    throw;
  }
}

UdpSocket::~UdpSocket() {
  if (native_ != nullptr) {
    NativeSocket* native = native_;
    native->owner = nullptr;
    native_ = nullptr;
    BeginClose(native);
  }
}

void UdpSocket::Detach() { native_ = nullptr; }

int UdpSocket::RequireFd(Napi::Env env) const {
  if (native_ == nullptr) throw CodedError(env, "ERR_MULTIBULLY_SOCKET_CLOSED", "socket is closed");
  return native_->fd;
}

void UdpSocket::Bind(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const int fd = RequireFd(env);
  const uint32_t port = RequireUint32(info, 0, "port");
  if (port > 65535) throw Napi::RangeError::New(env, "port must be 0..65535");
  const std::string address = RequireString(info, 1, "address");
  sockaddr_storage addr;
  socklen_t len = 0;
  if (!ParseAddress(family_, address, static_cast<uint16_t>(port), 0, &addr, &len)) {
    throw Napi::TypeError::New(env, "bind address is not a numeric address of the socket's family");
  }
  // Several participants on one host share the group port. On Linux SO_REUSEADDR is enough
  // for that, and SO_REUSEPORT is harmful: UDP early demux then hands a multicast datagram
  // arriving from a NIC to one socket of the reuseport group, ignoring which sockets joined
  // the group on that NIC (seen on 6.18). BSD and macOS need SO_REUSEPORT to share the port.
  SetIntOption(env, fd, SOL_SOCKET, SO_REUSEADDR, 1, "SO_REUSEADDR");
#if defined(SO_REUSEPORT) && !defined(__linux__)
  SetIntOption(env, fd, SOL_SOCKET, SO_REUSEPORT, 1, "SO_REUSEPORT");
#endif
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), len) != 0) {
    throw SystemError(env, errno, "bind", address + ":" + std::to_string(port));
  }
  StartPolling(env);
}

void UdpSocket::StartPolling(Napi::Env env) {
  if (native_->polling) return;
  uv_loop_t* loop = nullptr;
  if (napi_get_uv_event_loop(env, &loop) != napi_ok || loop == nullptr) {
    throw Napi::Error::New(env, "cannot get the libuv loop of this environment");
  }
  int rc = uv_poll_init(loop, &native_->poll, native_->fd);
  if (rc != 0) throw SystemError(env, -rc, "uv_poll_init");
  native_->polling = true;
  native_->poll.data = native_;
  rc = uv_poll_start(&native_->poll, UV_READABLE, OnPoll);
  if (rc != 0) throw SystemError(env, -rc, "uv_poll_start");
  if (!native_->want_ref) uv_unref(reinterpret_cast<uv_handle_t*>(&native_->poll));
  // While polling, the JS object must stay alive to receive; close() releases it.
  if (!holding_ref_) {
    Ref();
    holding_ref_ = true;
  }
}

void UdpSocket::Membership(const Napi::CallbackInfo& info, bool join) {
  Napi::Env env = info.Env();
  const int fd = RequireFd(env);
  const std::string group = RequireString(info, 0, "group");
  const uint32_t ifindex = RequireUint32(info, 1, "interface index");
  sockaddr_storage addr;
  socklen_t len = 0;
  if (!ParseAddress(family_, group, 0, 0, &addr, &len)) {
    throw Napi::TypeError::New(env, "group is not a numeric address of the socket's family");
  }
  const char* option = join ? "join" : "leave";
  int rc;
  if (family_ == AF_INET) {
#ifdef __linux__
    ip_mreqn mreq;
    std::memset(&mreq, 0, sizeof(mreq));
    mreq.imr_multiaddr = reinterpret_cast<sockaddr_in*>(&addr)->sin_addr;
    mreq.imr_ifindex = static_cast<int>(ifindex);
    rc = setsockopt(fd, IPPROTO_IP, join ? IP_ADD_MEMBERSHIP : IP_DROP_MEMBERSHIP, &mreq, sizeof(mreq));
#else
    // RFC 3678 protocol-independent API: takes the interface by index on BSD and macOS.
    group_req req;
    std::memset(&req, 0, sizeof(req));
    req.gr_interface = ifindex;
    std::memcpy(&req.gr_group, &addr, len);
    rc = setsockopt(fd, IPPROTO_IP, join ? MCAST_JOIN_GROUP : MCAST_LEAVE_GROUP, &req, sizeof(req));
#endif
  } else {
    ipv6_mreq mreq;
    std::memset(&mreq, 0, sizeof(mreq));
    mreq.ipv6mr_multiaddr = reinterpret_cast<sockaddr_in6*>(&addr)->sin6_addr;
    mreq.ipv6mr_interface = ifindex;
    rc = setsockopt(fd, IPPROTO_IPV6, join ? IPV6_ADD_MEMBERSHIP : IPV6_DROP_MEMBERSHIP, &mreq, sizeof(mreq));
  }
  if (rc != 0) {
    throw SystemError(env, errno, "setsockopt",
                      std::string(option) + " " + group + " on interface index " + std::to_string(ifindex));
  }
}

void UdpSocket::Join(const Napi::CallbackInfo& info) { Membership(info, true); }
void UdpSocket::Leave(const Napi::CallbackInfo& info) { Membership(info, false); }

void UdpSocket::SetMulticastInterface(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const int fd = RequireFd(env);
  const uint32_t ifindex = RequireUint32(info, 0, "interface index");
  int rc;
  if (family_ == AF_INET) {
#if defined(__linux__) || defined(__FreeBSD__)
    ip_mreqn mreq;
    std::memset(&mreq, 0, sizeof(mreq));
    mreq.imr_ifindex = static_cast<int>(ifindex);
    rc = setsockopt(fd, IPPROTO_IP, IP_MULTICAST_IF, &mreq, sizeof(mreq));
#elif defined(IP_MULTICAST_IFINDEX)
    unsigned int index = ifindex;
    rc = setsockopt(fd, IPPROTO_IP, IP_MULTICAST_IFINDEX, &index, sizeof(index));
#else
    throw CodedError(env, "ERR_MULTIBULLY_UNSUPPORTED", "selecting the IPv4 multicast interface by index is not supported here");
#endif
  } else {
    unsigned int index = ifindex;
    rc = setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_IF, &index, sizeof(index));
  }
  if (rc != 0) {
    throw SystemError(env, errno, "setsockopt", "multicast interface index " + std::to_string(ifindex));
  }
}

void UdpSocket::SetTTL(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const int fd = RequireFd(env);
  const uint32_t hops = RequireUint32(info, 0, "ttl");
  if (hops > 255) throw Napi::RangeError::New(env, "ttl must be 0..255");
  if (family_ == AF_INET) {
#ifdef __linux__
    SetIntOption(env, fd, IPPROTO_IP, IP_MULTICAST_TTL, static_cast<int>(hops), "IP_MULTICAST_TTL");
#else
    unsigned char ttl = static_cast<unsigned char>(hops);
    if (setsockopt(fd, IPPROTO_IP, IP_MULTICAST_TTL, &ttl, sizeof(ttl)) != 0) {
      throw SystemError(env, errno, "setsockopt", "IP_MULTICAST_TTL");
    }
#endif
  } else {
    SetIntOption(env, fd, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, static_cast<int>(hops), "IPV6_MULTICAST_HOPS");
  }
}

Napi::Value UdpSocket::GetTTL(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const int fd = RequireFd(env);
  const int value = family_ == AF_INET
                        ? GetIntOption(env, fd, IPPROTO_IP, IP_MULTICAST_TTL, "IP_MULTICAST_TTL")
                        : GetIntOption(env, fd, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, "IPV6_MULTICAST_HOPS");
  return Napi::Number::New(env, value);
}

void UdpSocket::SetLoopback(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const int fd = RequireFd(env);
  if (!info[0].IsBoolean()) throw Napi::TypeError::New(env, "loopback must be a boolean");
  const int on = info[0].As<Napi::Boolean>().Value() ? 1 : 0;
  if (family_ == AF_INET) {
#ifdef __linux__
    SetIntOption(env, fd, IPPROTO_IP, IP_MULTICAST_LOOP, on, "IP_MULTICAST_LOOP");
#else
    unsigned char loop = static_cast<unsigned char>(on);
    if (setsockopt(fd, IPPROTO_IP, IP_MULTICAST_LOOP, &loop, sizeof(loop)) != 0) {
      throw SystemError(env, errno, "setsockopt", "IP_MULTICAST_LOOP");
    }
#endif
  } else {
    unsigned int loop = static_cast<unsigned int>(on);
    if (setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_LOOP, &loop, sizeof(loop)) != 0) {
      throw SystemError(env, errno, "setsockopt", "IPV6_MULTICAST_LOOP");
    }
  }
}

Napi::Value UdpSocket::GetLoopback(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const int fd = RequireFd(env);
  const int value = family_ == AF_INET
                        ? GetIntOption(env, fd, IPPROTO_IP, IP_MULTICAST_LOOP, "IP_MULTICAST_LOOP")
                        : GetIntOption(env, fd, IPPROTO_IPV6, IPV6_MULTICAST_LOOP, "IPV6_MULTICAST_LOOP");
  return Napi::Boolean::New(env, value != 0);
}

void UdpSocket::BindToDevice(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const int fd = RequireFd(env);
  const std::string name = RequireString(info, 0, "device name");
#ifdef SO_BINDTODEVICE
  if (setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, name.c_str(), static_cast<socklen_t>(name.size())) != 0) {
    const int err = errno;
    std::string detail = "SO_BINDTODEVICE " + name;
    if (err == EPERM) detail += " (needs CAP_NET_RAW, e.g. root)";
    throw SystemError(env, err, "setsockopt", detail);
  }
#else
  (void)fd;
  throw CodedError(env, "ERR_MULTIBULLY_UNSUPPORTED", "SO_BINDTODEVICE is not supported on this platform");
#endif
}

Napi::Value UdpSocket::Send(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const int fd = RequireFd(env);
  if (!info[0].IsTypedArray() || info[0].As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array) {
    throw Napi::TypeError::New(env, "data must be a Uint8Array or Buffer");
  }
  Napi::Uint8Array data = info[0].As<Napi::Uint8Array>();
  const std::string address = RequireString(info, 1, "address");
  const uint32_t port = RequireUint32(info, 2, "port");
  if (port < 1 || port > 65535) throw Napi::RangeError::New(env, "port must be 1..65535");
  const uint32_t scope_id = info.Length() > 3 && !info[3].IsUndefined() ? RequireUint32(info, 3, "scopeId") : 0;
  sockaddr_storage dest;
  socklen_t len = 0;
  if (!ParseAddress(family_, address, static_cast<uint16_t>(port), scope_id, &dest, &len)) {
    throw Napi::TypeError::New(env, "destination is not a numeric address of the socket's family");
  }
  ssize_t sent;
  do {
    sent = ::sendto(fd, data.Data(), data.ByteLength(), 0, reinterpret_cast<sockaddr*>(&dest), len);
  } while (sent < 0 && errno == EINTR);
  if (sent < 0) {
    // A full queue is back-pressure, not a failure of the socket: the caller counts it.
    if (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS) return Napi::Boolean::New(env, false);
    throw SystemError(env, errno, "sendto", address + ":" + std::to_string(port));
  }
  return Napi::Boolean::New(env, true);
}

Napi::Value UdpSocket::Address(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const int fd = RequireFd(env);
  sockaddr_storage addr;
  socklen_t len = sizeof(addr);
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    throw SystemError(env, errno, "getsockname");
  }
  int port = 0;
  std::string text = FormatSockaddr(reinterpret_cast<sockaddr*>(&addr), &port);
  Napi::Object result = Napi::Object::New(env);
  result.Set("address", Napi::String::New(env, text));
  result.Set("port", Napi::Number::New(env, port));
  return result;
}

void UdpSocket::RefHandle(const Napi::CallbackInfo& info) {
  RequireFd(info.Env());
  native_->want_ref = true;
  if (native_->polling) uv_ref(reinterpret_cast<uv_handle_t*>(&native_->poll));
}

void UdpSocket::UnrefHandle(const Napi::CallbackInfo& info) {
  RequireFd(info.Env());
  native_->want_ref = false;
  if (native_->polling) uv_unref(reinterpret_cast<uv_handle_t*>(&native_->poll));
}

void UdpSocket::Close(const Napi::CallbackInfo& /*info*/) {
  if (native_ != nullptr) BeginClose(native_);
  if (holding_ref_) {
    holding_ref_ = false;
    Unref();
  }
}

Napi::Value UdpSocket::IsClosed(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), native_ == nullptr);
}

// Raw Node-API from here on: during worker termination JS cannot run and most calls fail;
// every failure must end the drain quietly instead of throwing (node-addon-api would abort
// while building an Error for a termination exception).
bool UdpSocket::Dispatch(napi_env env, napi_value self, const char* name, size_t argc,
                         const napi_value* argv) {
  napi_value callback;
  napi_valuetype type;
  if (napi_get_named_property(env, self, name, &callback) != napi_ok) return false;
  if (napi_typeof(env, callback, &type) != napi_ok) return false;
  if (type != napi_function) return true;
  napi_value result;
  if (napi_make_callback(env, *async_context_, self, callback, argc, argv, &result) == napi_ok) return true;
  // The listener threw (or JS can no longer run). We are in a libuv callback with no JS
  // frame to throw into, so hand the exception to Node's immediate queue where it becomes
  // an ordinary 'uncaughtException'.
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

void UdpSocket::DrainReadable(int status) {
  napi_env env = Env();
  napi_handle_scope scope;
  if (napi_open_handle_scope(env, &scope) != napi_ok) return;
  // Holding the JS object in this scope keeps it alive even if a listener closes it.
  napi_value self;
  if (napi_get_reference_value(env, static_cast<napi_ref>(*this), &self) != napi_ok ||
      self == nullptr) {
    napi_close_handle_scope(env, scope);
    return;
  }
  if (status < 0) {
    napi_value error = MakeSystemErrorValue(env, -status, "uv_poll");
    if (error != nullptr) Dispatch(env, self, "onerror", 1, &error);
    napi_close_handle_scope(env, scope);
    return;
  }
  bool keep_going = true;
  for (int i = 0; i < kMaxDatagramsPerWakeup && native_ != nullptr && keep_going; i++) {
    sockaddr_storage from;
    alignas(cmsghdr) char control[256];
    iovec iov;
    iov.iov_base = receive_buffer_.data();
    iov.iov_len = receive_buffer_.size();
    msghdr msg;
    std::memset(&msg, 0, sizeof(msg));
    msg.msg_name = &from;
    msg.msg_namelen = sizeof(from);
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control;
    msg.msg_controllen = sizeof(control);
    ssize_t n = ::recvmsg(native_->fd, &msg, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) break;
      napi_value error = MakeSystemErrorValue(env, errno, "recvmsg");
      if (error != nullptr) Dispatch(env, self, "onerror", 1, &error);
      break;
    }

    int ifindex = 0;
    int hop_limit = -1;
    std::string destination;
    for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(&msg, c)) {
#ifdef IP_PKTINFO
      if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
        in_pktinfo info;
        std::memcpy(&info, CMSG_DATA(c), sizeof(info));
        ifindex = info.ipi_ifindex;
        destination = FormatAddress(AF_INET, &info.ipi_addr);
      }
#endif
#if defined(__linux__)
      if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_TTL) {
        std::memcpy(&hop_limit, CMSG_DATA(c), sizeof(int));
      }
#elif defined(IP_RECVTTL)
      // BSD and macOS report the TTL as one byte under the option's own name.
      if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_RECVTTL) {
        hop_limit = *reinterpret_cast<const unsigned char*>(CMSG_DATA(c));
      }
#endif
      if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO) {
        in6_pktinfo info;
        std::memcpy(&info, CMSG_DATA(c), sizeof(info));
        ifindex = static_cast<int>(info.ipi6_ifindex);
        destination = FormatAddress(AF_INET6, &info.ipi6_addr);
      }
      if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_HOPLIMIT) {
        std::memcpy(&hop_limit, CMSG_DATA(c), sizeof(int));
      }
    }

    const bool truncated = (msg.msg_flags & MSG_TRUNC) != 0;
    const size_t length = std::min(static_cast<size_t>(n), receive_buffer_.size());
    int port = 0;
    const std::string source = FormatSockaddr(reinterpret_cast<sockaddr*>(&from), &port);

    napi_handle_scope datagram_scope;
    if (napi_open_handle_scope(env, &datagram_scope) != napi_ok) break;
    napi_value args[7];
    void* copy_data = nullptr;
    keep_going =
        napi_create_buffer_copy(env, length, receive_buffer_.data(), &copy_data, &args[0]) == napi_ok &&
        napi_create_string_utf8(env, source.c_str(), source.size(), &args[1]) == napi_ok &&
        napi_create_int32(env, port, &args[2]) == napi_ok &&
        napi_create_int32(env, ifindex, &args[3]) == napi_ok &&
        napi_create_string_utf8(env, destination.c_str(), destination.size(), &args[4]) == napi_ok &&
        napi_get_boolean(env, truncated, &args[5]) == napi_ok &&
        napi_create_int32(env, hop_limit, &args[6]) == napi_ok &&
        Dispatch(env, self, "onmessage", 7, args);
    napi_close_handle_scope(env, datagram_scope);
  }
  napi_close_handle_scope(env, scope);
}

}  // namespace multibully
#endif
