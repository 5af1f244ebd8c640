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

#include <cerrno>
#include <cstring>
#include <string>

#include "args.h"
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

namespace {

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
                         InstanceMethod<&UdpSocket::SetUnicastTTL>("setUnicastTTL"),
                         InstanceMethod<&UdpSocket::GetUnicastTTL>("getUnicastTTL"),
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

UdpSocket::UdpSocket(const Napi::CallbackInfo& info) : PolledObject<UdpSocket>(info) {
  Napi::Env env = info.Env();
  const uint32_t family = RequireUint32(info, 0, "family");
  if (family != 4 && family != 6) throw Napi::RangeError::New(env, "family must be 4 or 6");
  const uint32_t max_size = RequireUint32(info, 1, "maxDatagramSize");
  if (max_size < 1 || max_size > 65536) {
    throw Napi::RangeError::New(env, "maxDatagramSize must be between 1 and 65536");
  }
  family_ = family == 4 ? AF_INET : AF_INET6;
  receiver_ = BatchReceiver(env, max_size);

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
  // From here a throw leaves the fd to ~PolledObject, which closes it.
  Adopt(env, fd, "MulticastSocket");

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
}

int UdpSocket::RequireFd(Napi::Env env) const {
  if (handle_ == nullptr) throw CodedError(env, "ERR_MULTIBULLY_SOCKET_CLOSED", "socket is closed");
  return handle_->fd();
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

// The TTL of unicast datagrams (unicast peers): peers behind a router need more than 1.
void UdpSocket::SetUnicastTTL(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const int fd = RequireFd(env);
  const uint32_t hops = RequireUint32(info, 0, "ttl");
  if (hops < 1 || hops > 255) throw Napi::RangeError::New(env, "ttl must be 1..255");
  if (family_ == AF_INET) {
    SetIntOption(env, fd, IPPROTO_IP, IP_TTL, static_cast<int>(hops), "IP_TTL");
  } else {
    SetIntOption(env, fd, IPPROTO_IPV6, IPV6_UNICAST_HOPS, static_cast<int>(hops), "IPV6_UNICAST_HOPS");
  }
}

Napi::Value UdpSocket::GetUnicastTTL(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const int fd = RequireFd(env);
  const int value = family_ == AF_INET ? GetIntOption(env, fd, IPPROTO_IP, IP_TTL, "IP_TTL")
                                       : GetIntOption(env, fd, IPPROTO_IPV6, IPV6_UNICAST_HOPS, "IPV6_UNICAST_HOPS");
  return Napi::Number::New(env, value);
}

void UdpSocket::SetLoopback(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const int fd = RequireFd(env);
  const int on = RequireBoolean(info, 0, "loopback") ? 1 : 0;
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
  handle_->SetRef(true);
}

void UdpSocket::UnrefHandle(const Napi::CallbackInfo& info) {
  RequireFd(info.Env());
  handle_->SetRef(false);
}

void UdpSocket::Close(const Napi::CallbackInfo& /*info*/) { CloseHandle(); }

Napi::Value UdpSocket::IsClosed(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), handle_ == nullptr);
}

void UdpSocket::OnReadable(napi_env env, napi_value self, int status) {
  if (status < 0) {
    ReportError(env, self, -status, "uv_poll");
    return;
  }
  size_t lengths[BatchReceiver::kMaxDatagramsPerWakeup];
  int receive_errno = 0;
  const int count = receiver_.Receive(handle_->fd(), lengths, &receive_errno);
  napi_value args[4];
  if (count > 0 && receiver_.BatchArguments(env, count, lengths, args)) Dispatch(env, self, "onbatch", 4, args);
  // An error after some datagrams: recvmmsg reports it on the next call; recvmsg here, after them.
  if (receive_errno != 0 && handle_ != nullptr) ReportError(env, self, receive_errno, "recvmsg");
}

// The error a receive would have failed with: report it as one.
void UdpSocket::OnPendingError(napi_env env, napi_value self, int sys_errno) {
  ReportError(env, self, sys_errno, "recvmsg");
}

}  // namespace multibully
#endif
