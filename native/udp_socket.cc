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
#include <memory>
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

// A peer given as (address, port 1..65535, optional scopeId) at info[first..first + 2], as a
// sockaddr of the socket's family; `role` names it in the error.
struct Peer {
  std::string address;
  uint32_t port;
  sockaddr_storage addr;
  socklen_t len;
};

Peer RequirePeer(const Napi::CallbackInfo& info, size_t first, int family, const char* role) {
  Peer peer;
  peer.address = RequireString(info, first, "address");
  peer.port = RequireUint32(info, first + 1, "port");
  if (peer.port < 1 || peer.port > 65535) throw Napi::RangeError::New(info.Env(), "port must be 1..65535");
  const uint32_t scope_id =
      info.Length() > first + 2 && !info[first + 2].IsUndefined() ? RequireUint32(info, first + 2, "scopeId") : 0;
  peer.len = 0;
  if (!ParseAddress(family, peer.address, static_cast<uint16_t>(peer.port), scope_id, &peer.addr, &peer.len)) {
    throw Napi::TypeError::New(info.Env(), std::string(role) + " is not a numeric address of the socket's family");
  }
  return peer;
}

std::string PeerText(const Peer& peer) { return peer.address + ":" + std::to_string(peer.port); }

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
                         InstanceMethod<&UdpSocket::Connect>("connect"),
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
  max_datagram_size_ = max_size;
  Napi::Int32Array meta = Napi::Int32Array::New(env, static_cast<size_t>(kMaxDatagramsPerWakeup) * kMetaFields);
  meta_ = Napi::Persistent(meta);
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

// A connected UDP socket learns of ICMP port unreachable: the next receive (or send) fails with
// ECONNREFUSED. The leader probe (lib/socket/unicast-probe.ts) uses that to notice a dead peer.
void UdpSocket::Connect(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const int fd = RequireFd(env);
  const Peer peer = RequirePeer(info, 0, family_, "peer");
  int rc;
  do {
    rc = ::connect(fd, reinterpret_cast<const sockaddr*>(&peer.addr), peer.len);
  } while (rc != 0 && errno == EINTR);
  if (rc != 0) throw SystemError(env, errno, "connect", PeerText(peer));
}

Napi::Value UdpSocket::Send(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const int fd = RequireFd(env);
  if (!info[0].IsTypedArray() || info[0].As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array) {
    throw Napi::TypeError::New(env, "data must be a Uint8Array or Buffer");
  }
  Napi::Uint8Array data = info[0].As<Napi::Uint8Array>();
  const Peer dest = RequirePeer(info, 1, family_, "destination");
  ssize_t sent;
  do {
    sent = ::sendto(fd, data.Data(), data.ByteLength(), 0, reinterpret_cast<const sockaddr*>(&dest.addr), dest.len);
  } while (sent < 0 && errno == EINTR);
  // BSD kernels refuse a destination on a connected socket (the leader probe connects).
  if (sent < 0 && errno == EISCONN) {
    do {
      sent = ::send(fd, data.Data(), data.ByteLength(), 0);
    } while (sent < 0 && errno == EINTR);
  }
  if (sent < 0) {
    // A full queue is back-pressure, not a failure of the socket: the caller counts it.
    if (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS) return Napi::Boolean::New(env, false);
    throw SystemError(env, errno, "sendto", PeerText(dest));
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

namespace {

// One receive slot per datagram of a batch. Shared by every socket of the thread: a drain never
// re-enters (JS cannot run a poll callback synchronously), and the bytes are copied out before
// JS runs. The payload arena is allocated, never zero-filled: only the pages datagrams touch
// become resident (at most 64 slots × maxDatagramSize of address space).
struct ReceiveArena {
  std::unique_ptr<uint8_t[]> bytes;
  size_t capacity = 0;
  sockaddr_storage from[UdpSocket::kMaxDatagramsPerWakeup];
  alignas(cmsghdr) char control[UdpSocket::kMaxDatagramsPerWakeup][128];
  iovec iov[UdpSocket::kMaxDatagramsPerWakeup];
#if defined(__linux__)
  mmsghdr msgs[UdpSocket::kMaxDatagramsPerWakeup];
#else
  msghdr msgs[UdpSocket::kMaxDatagramsPerWakeup];
#endif
  // The headers are laid out for this slot size and buffer; after that a wake-up only resets the
  // `used` headers the last receive wrote to (most wake-ups read one datagram: setting up all 64
  // cost about a tenth of the per-datagram CPU).
  size_t prepared_slot = 0;
  const uint8_t* prepared_bytes = nullptr;
  int used = 0;
};

thread_local ReceiveArena receive_arena;

msghdr& Header(ReceiveArena& arena, int i) {
#if defined(__linux__)
  return arena.msgs[i].msg_hdr;
#else
  return arena.msgs[i];
#endif
}

// What one datagram's ancillary data says.
struct PacketInfo {
  int ifindex = 0;
  int hop_limit = -1;
  int dest_family = 0;  // 0: not reported
  in6_addr dest;        // in_addr in its first 4 bytes for IPv4
};

PacketInfo ReadControl(msghdr* msg) {
  PacketInfo out;
  std::memset(&out.dest, 0, sizeof(out.dest));
  for (cmsghdr* c = CMSG_FIRSTHDR(msg); c != nullptr; c = CMSG_NXTHDR(msg, c)) {
#ifdef IP_PKTINFO
    if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
      in_pktinfo info;
      std::memcpy(&info, CMSG_DATA(c), sizeof(info));
      out.ifindex = info.ipi_ifindex;
      out.dest_family = AF_INET;
      std::memcpy(&out.dest, &info.ipi_addr, sizeof(info.ipi_addr));
    }
#endif
#if defined(__linux__)
    if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_TTL) {
      std::memcpy(&out.hop_limit, CMSG_DATA(c), sizeof(int));
    }
#elif defined(IP_RECVTTL)
    // BSD and macOS report the TTL as one byte under the option's own name.
    if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_RECVTTL) {
      out.hop_limit = *reinterpret_cast<const unsigned char*>(CMSG_DATA(c));
    }
#endif
    if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO) {
      in6_pktinfo info;
      std::memcpy(&info, CMSG_DATA(c), sizeof(info));
      out.ifindex = static_cast<int>(info.ipi6_ifindex);
      out.dest_family = AF_INET6;
      out.dest = info.ipi6_addr;
    }
    if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_HOPLIMIT) {
      std::memcpy(&out.hop_limit, CMSG_DATA(c), sizeof(int));
    }
  }
  return out;
}

// The distinct address texts of one batch (a burst usually comes from a few hosts to one
// group): each is made into a JS string once, and datagrams refer to it by index.
class AddressTable {
 public:
  // Index of (family, bytes) in the table, adding it (as text) if new; -1 if JS failed.
  int32_t IndexOf(napi_env env, napi_value array, int family, const void* addr) {
    const size_t len = family == AF_INET ? 4 : family == AF_INET6 ? 16 : 0;
    for (int32_t i = 0; i < count_; i++) {
      if (entries_[i].family == family && std::memcmp(entries_[i].bytes, addr, len) == 0) return i;
    }
    if (count_ >= kCapacity) return -1;
    Entry& entry = entries_[count_];
    entry.family = family;
    std::memset(entry.bytes, 0, sizeof(entry.bytes));
    if (len > 0) std::memcpy(entry.bytes, addr, len);
    const std::string text = len > 0 ? FormatAddress(family, addr) : std::string();
    napi_value value;
    if (napi_create_string_utf8(env, text.c_str(), text.size(), &value) != napi_ok) return -1;
    if (napi_set_element(env, array, static_cast<uint32_t>(count_), value) != napi_ok) return -1;
    return count_++;
  }

 private:
  static constexpr int kCapacity = 2 * UdpSocket::kMaxDatagramsPerWakeup;
  struct Entry {
    int family;
    uint8_t bytes[16];
  };
  Entry entries_[kCapacity];
  int32_t count_ = 0;
};

const void* SockaddrBytes(const sockaddr_storage& from, int* family, int* port) {
  if (from.ss_family == AF_INET) {
    const auto* sin = reinterpret_cast<const sockaddr_in*>(&from);
    *family = AF_INET;
    *port = ntohs(sin->sin_port);
    return &sin->sin_addr;
  }
  if (from.ss_family == AF_INET6) {
    const auto* sin6 = reinterpret_cast<const sockaddr_in6*>(&from);
    *family = AF_INET6;
    *port = ntohs(sin6->sin6_port);
    return &sin6->sin6_addr;
  }
  *family = 0;
  *port = 0;
  return nullptr;
}

}  // namespace

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
    int pending = 0;
    socklen_t pending_len = sizeof(pending);
    // libuv reports POLLERR as EBADF and stops the poll. On a connected socket that is an ICMP
    // error (ECONNREFUSED): read it (which clears it), poll on, and report it as a receive would.
    if (status == UV_EBADF && native_ != nullptr && !native_->closing &&
        getsockopt(native_->fd, SOL_SOCKET, SO_ERROR, &pending, &pending_len) == 0 && pending != 0 &&
        uv_poll_start(&native_->poll, UV_READABLE, OnPoll) == 0) {
      napi_value error = MakeSystemErrorValue(env, pending, "recvmsg");
      if (error != nullptr) Dispatch(env, self, "onerror", 1, &error);
      napi_close_handle_scope(env, scope);
      return;
    }
    napi_value error = MakeSystemErrorValue(env, -status, "uv_poll");
    if (error != nullptr) Dispatch(env, self, "onerror", 1, &error);
    napi_close_handle_scope(env, scope);
    return;
  }
  if (native_ == nullptr) {
    napi_close_handle_scope(env, scope);
    return;
  }

  // Receive up to a batch: one recvmmsg on Linux, a recvmsg loop elsewhere.
  ReceiveArena& arena = receive_arena;
  const size_t slot = max_datagram_size_;
  const size_t needed = slot * kMaxDatagramsPerWakeup;
  if (arena.capacity < needed) {
    arena.bytes.reset(new (std::nothrow) uint8_t[needed]);
    arena.capacity = arena.bytes ? needed : 0;
    if (!arena.bytes) {
      napi_value error = MakeSystemErrorValue(env, ENOMEM, "recvmsg");
      if (error != nullptr) Dispatch(env, self, "onerror", 1, &error);
      napi_close_handle_scope(env, scope);
      return;
    }
  }
  if (arena.prepared_slot != slot || arena.prepared_bytes != arena.bytes.get()) {
    for (int i = 0; i < kMaxDatagramsPerWakeup; i++) {
      arena.iov[i].iov_base = arena.bytes.get() + slot * i;
      arena.iov[i].iov_len = slot;
      msghdr& msg = Header(arena, i);
      std::memset(&msg, 0, sizeof(msg));
      msg.msg_name = &arena.from[i];
      msg.msg_iov = &arena.iov[i];
      msg.msg_iovlen = 1;
      msg.msg_control = arena.control[i];
    }
    arena.prepared_slot = slot;
    arena.prepared_bytes = arena.bytes.get();
    arena.used = kMaxDatagramsPerWakeup;
  }
  for (int i = 0; i < arena.used; i++) {
    msghdr& msg = Header(arena, i);
    msg.msg_namelen = sizeof(arena.from[i]);
    msg.msg_controllen = sizeof(arena.control[i]);
    msg.msg_flags = 0;
  }
  size_t lengths[kMaxDatagramsPerWakeup];
  int count = 0;
  int receive_errno = 0;
#if defined(__linux__)
  for (int attempt = 0; attempt < 3; attempt++) {
    const int n = ::recvmmsg(native_->fd, arena.msgs, kMaxDatagramsPerWakeup, MSG_DONTWAIT, nullptr);
    if (n >= 0) {
      count = n;
      for (int i = 0; i < n; i++) lengths[i] = arena.msgs[i].msg_len;
      break;
    }
    if (errno == EINTR) continue;
    if (errno != EAGAIN && errno != EWOULDBLOCK) receive_errno = errno;
    break;
  }
#else
  for (int attempts = 0; count < kMaxDatagramsPerWakeup && attempts < kMaxDatagramsPerWakeup + 3; attempts++) {
    const ssize_t n = ::recvmsg(native_->fd, &arena.msgs[count], 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno != EAGAIN && errno != EWOULDBLOCK) receive_errno = errno;
      break;
    }
    lengths[count++] = static_cast<size_t>(n);
  }
#endif
  // The kernel wrote to the headers it filled (and, off Linux, possibly the one that failed).
  arena.used = std::min(count + 1, kMaxDatagramsPerWakeup);
  if (count > 0) DispatchBatch(env, self, count, lengths);
  // An error after some datagrams: recvmmsg reports it on the next call; recvmsg here, after them.
  if (receive_errno != 0 && native_ != nullptr) {
    napi_value error = MakeSystemErrorValue(env, receive_errno, "recvmsg");
    if (error != nullptr) Dispatch(env, self, "onerror", 1, &error);
  }
  napi_close_handle_scope(env, scope);
}

// One N-API crossing for the whole batch: the payload bytes back to back in one Buffer, the
// per-datagram fields in the reused meta Int32Array, the address texts once each.
bool UdpSocket::DispatchBatch(napi_env env, napi_value self, int count, const size_t* lengths) {
  ReceiveArena& arena = receive_arena;
  const size_t slot = max_datagram_size_;
  napi_value meta_value = nullptr;
  napi_typedarray_type meta_type;
  size_t meta_length = 0;
  void* meta_data = nullptr;
  if (napi_get_reference_value(env, static_cast<napi_ref>(meta_), &meta_value) != napi_ok || meta_value == nullptr ||
      napi_get_typedarray_info(env, meta_value, &meta_type, &meta_length, &meta_data, nullptr, nullptr) != napi_ok ||
      meta_type != napi_int32_array || meta_data == nullptr ||
      meta_length < static_cast<size_t>(count) * kMetaFields) {
    return false;
  }
  auto* meta = static_cast<int32_t*>(meta_data);
  size_t total = 0;
  for (int i = 0; i < count; i++) total += std::min(lengths[i], slot);
  napi_value args[4];
  void* payload = nullptr;
  if (napi_create_int32(env, count, &args[0]) != napi_ok) return false;
  if (napi_create_buffer(env, total, &payload, &args[1]) != napi_ok) return false;
  args[2] = meta_value;
  if (napi_create_array(env, &args[3]) != napi_ok) return false;
  AddressTable addresses;
  size_t offset = 0;
  for (int i = 0; i < count; i++) {
    msghdr& msg = Header(arena, i);
    const size_t length = std::min(lengths[i], slot);
    if (length > 0) std::memcpy(static_cast<uint8_t*>(payload) + offset, arena.iov[i].iov_base, length);
    const PacketInfo info = ReadControl(&msg);
    int source_family = 0;
    int port = 0;
    const void* source = SockaddrBytes(arena.from[i], &source_family, &port);
    const int32_t source_index = addresses.IndexOf(env, args[3], source_family, source);
    const int32_t dest_index = addresses.IndexOf(env, args[3], info.dest_family, &info.dest);
    if (source_index < 0 || dest_index < 0) return false;
    int32_t* m = meta + static_cast<size_t>(i) * kMetaFields;
    m[0] = static_cast<int32_t>(offset);
    m[1] = static_cast<int32_t>(length);
    m[2] = source_index;
    m[3] = port;
    m[4] = info.ifindex;
    m[5] = dest_index;
    m[6] = (msg.msg_flags & MSG_TRUNC) != 0 ? 1 : 0;
    m[7] = info.hop_limit;
    offset += length;
  }
  return Dispatch(env, self, "onbatch", 4, args);
}

}  // namespace multibully
#endif
