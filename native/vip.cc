#ifdef __linux__
#include "vip.h"

// glibc's net/if.h before any linux/ header, so the kernel headers defer to its definitions.
#include <net/if.h>
#include <net/if_arp.h>
#include <netpacket/packet.h>
#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <netinet/icmp6.h>
#include <netinet/in.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <string>

#include "args.h"
#include "errors.h"

namespace multibully {

namespace {

// How long one rtnetlink request may wait for the kernel's acknowledgement.
constexpr int kNetlinkTimeoutMs = 2000;

// Closes a descriptor on every path out of a function.
class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

struct VipArgs {
  unsigned int ifindex = 0;
  int family = 0;  // AF_INET or AF_INET6
  uint8_t bytes[16] = {};
  size_t length = 0;
  unsigned int prefix_length = 0;
  std::string text;
};

// (ifindex, family 4|6, address text[, prefixLength]).
VipArgs ReadArgs(const Napi::CallbackInfo& info, bool with_prefix) {
  Napi::Env env = info.Env();
  VipArgs args;
  args.ifindex = RequireUint32(info, 0, "interfaceIndex", 0x7fffffff);
  if (args.ifindex == 0) throw Napi::RangeError::New(env, "interfaceIndex must not be 0");
  const uint32_t family = RequireUint32(info, 1, "family", 6);
  if (family != 4 && family != 6) throw Napi::RangeError::New(env, "family must be 4 or 6");
  args.family = family == 4 ? AF_INET : AF_INET6;
  args.length = family == 4 ? 4 : 16;
  args.text = RequireString(info, 2, "address");
  if (inet_pton(args.family, args.text.c_str(), args.bytes) != 1) {
    throw CodedError(env, "ERR_MULTIBULLY_INVALID_ADDRESS", "not a numeric IPv" + std::to_string(family) + " address: " + args.text);
  }
  if (with_prefix) args.prefix_length = RequireUint32(info, 3, "prefixLength", family == 4 ? 32 : 128);
  return args;
}

std::string Describe(const VipArgs& args) {
  char name[IF_NAMESIZE] = {};
  const std::string dev = if_indextoname(args.ifindex, name) != nullptr ? std::string(name) : "#" + std::to_string(args.ifindex);
  return args.text + "/" + std::to_string(args.prefix_length) + " on " + dev;
}

void AddAttribute(nlmsghdr* header, size_t capacity, uint16_t type, const void* data, size_t length) {
  const size_t offset = NLMSG_ALIGN(header->nlmsg_len);
  const size_t attr_len = RTA_LENGTH(length);
  if (offset + RTA_ALIGN(attr_len) > capacity) return;  // cannot happen with the sizes used here
  auto* attr = reinterpret_cast<rtattr*>(reinterpret_cast<char*>(header) + offset);
  attr->rta_type = type;
  attr->rta_len = static_cast<unsigned short>(attr_len);
  std::memcpy(RTA_DATA(attr), data, length);
  header->nlmsg_len = static_cast<uint32_t>(offset + RTA_ALIGN(attr_len));
}

// Sends one RTM_NEWADDR/RTM_DELADDR and waits for its acknowledgement. Returns 0 or a positive
// errno from the kernel; throws on socket-level failures (with the syscall that failed).
int AddressRequest(Napi::Env env, uint16_t type, const VipArgs& args) {
  Fd fd(::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE));
  if (fd.get() < 0) throw SystemError(env, errno, "socket", "AF_NETLINK NETLINK_ROUTE");
  timeval timeout{kNetlinkTimeoutMs / 1000, (kNetlinkTimeoutMs % 1000) * 1000};
  if (setsockopt(fd.get(), SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout)) != 0 ||
      setsockopt(fd.get(), SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof(timeout)) != 0) {
    throw SystemError(env, errno, "setsockopt", "SO_RCVTIMEO on the rtnetlink socket");
  }
  sockaddr_nl local{};
  local.nl_family = AF_NETLINK;
  if (bind(fd.get(), reinterpret_cast<sockaddr*>(&local), sizeof(local)) != 0) {
    throw SystemError(env, errno, "bind", "rtnetlink socket");
  }

  alignas(nlmsghdr) char request[256] = {};
  auto* header = reinterpret_cast<nlmsghdr*>(request);
  header->nlmsg_len = NLMSG_LENGTH(sizeof(ifaddrmsg));
  header->nlmsg_type = type;
  header->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
  if (type == RTM_NEWADDR) header->nlmsg_flags |= NLM_F_CREATE | NLM_F_EXCL;
  const uint32_t seq = 1;
  header->nlmsg_seq = seq;
  auto* ifa = static_cast<ifaddrmsg*>(NLMSG_DATA(header));
  ifa->ifa_family = static_cast<unsigned char>(args.family);
  ifa->ifa_prefixlen = static_cast<unsigned char>(args.prefix_length);
  ifa->ifa_scope = RT_SCOPE_UNIVERSE;
  ifa->ifa_index = args.ifindex;
  if (args.family == AF_INET6 && type == RTM_NEWADDR) {
    ifa->ifa_flags = IFA_F_NODAD;
    const uint32_t flags = IFA_F_NODAD;
    AddAttribute(header, sizeof(request), IFA_FLAGS, &flags, sizeof(flags));
  }
  AddAttribute(header, sizeof(request), IFA_LOCAL, args.bytes, args.length);
  AddAttribute(header, sizeof(request), IFA_ADDRESS, args.bytes, args.length);

  sockaddr_nl kernel{};
  kernel.nl_family = AF_NETLINK;
  ssize_t sent;
  do {
    sent = sendto(fd.get(), request, header->nlmsg_len, 0, reinterpret_cast<sockaddr*>(&kernel), sizeof(kernel));
  } while (sent < 0 && errno == EINTR);
  if (sent < 0) throw SystemError(env, errno, "sendto", "rtnetlink " + Describe(args));

  alignas(nlmsghdr) char reply[8192];
  for (int reads = 0; reads < 64; reads++) {
    ssize_t got;
    do {
      got = recv(fd.get(), reply, sizeof(reply), 0);
    } while (got < 0 && errno == EINTR);
    if (got < 0) {
      const int err = (errno == EAGAIN || errno == EWOULDBLOCK) ? ETIMEDOUT : errno;
      throw SystemError(env, err, "recv", "no rtnetlink acknowledgement for " + Describe(args));
    }
    int remaining = static_cast<int>(got);
    for (auto* msg = reinterpret_cast<nlmsghdr*>(reply); NLMSG_OK(msg, remaining); msg = NLMSG_NEXT(msg, remaining)) {
      if (msg->nlmsg_seq != seq) continue;
      if (msg->nlmsg_type == NLMSG_ERROR) {
        if (msg->nlmsg_len < NLMSG_LENGTH(sizeof(nlmsgerr))) {
          throw SystemError(env, EPROTO, "recv", "short rtnetlink acknowledgement");
        }
        const auto* ack = static_cast<const nlmsgerr*>(NLMSG_DATA(msg));
        return -ack->error;
      }
    }
  }
  throw SystemError(env, EPROTO, "recv", "no rtnetlink acknowledgement among the replies");
}

// The NIC's Ethernet (MAC) address; false when it has no Ethernet-style address.
bool HardwareAddress(Napi::Env env, unsigned int ifindex, uint8_t mac[ETH_ALEN]) {
  ifreq request{};
  if (if_indextoname(ifindex, request.ifr_name) == nullptr) {
    throw SystemError(env, errno, "if_indextoname", "interface #" + std::to_string(ifindex));
  }
  Fd fd(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  if (fd.get() < 0) throw SystemError(env, errno, "socket", "AF_INET for SIOCGIFHWADDR");
  if (ioctl(fd.get(), SIOCGIFHWADDR, &request) != 0) {
    throw SystemError(env, errno, "ioctl", std::string("SIOCGIFHWADDR on ") + request.ifr_name);
  }
  if (request.ifr_hwaddr.sa_family != ARPHRD_ETHER) return false;
  std::memcpy(mac, request.ifr_hwaddr.sa_data, ETH_ALEN);
  return true;
}

// Gratuitous ARP request: sender = target = the address, to the Ethernet broadcast address.
void SendGratuitousArp(Napi::Env env, const VipArgs& args, const uint8_t mac[ETH_ALEN]) {
  // Protocol 0: this socket sends only and never receives a frame.
  Fd fd(::socket(AF_PACKET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  if (fd.get() < 0) throw SystemError(env, errno, "socket", "AF_PACKET for gratuitous ARP");
  uint8_t packet[28] = {};
  auto* arp = reinterpret_cast<arphdr*>(packet);
  arp->ar_hrd = htons(ARPHRD_ETHER);
  arp->ar_pro = htons(ETH_P_IP);
  arp->ar_hln = ETH_ALEN;
  arp->ar_pln = 4;
  arp->ar_op = htons(ARPOP_REQUEST);
  uint8_t* body = packet + sizeof(arphdr);
  std::memcpy(body, mac, ETH_ALEN);            // sender hardware address
  std::memcpy(body + 6, args.bytes, 4);        // sender protocol address
  std::memset(body + 10, 0, ETH_ALEN);         // target hardware address: unknown
  std::memcpy(body + 16, args.bytes, 4);       // target protocol address
  sockaddr_ll to{};
  to.sll_family = AF_PACKET;
  to.sll_protocol = htons(ETH_P_ARP);
  to.sll_ifindex = static_cast<int>(args.ifindex);
  to.sll_halen = ETH_ALEN;
  std::memset(to.sll_addr, 0xff, ETH_ALEN);
  if (sendto(fd.get(), packet, sizeof(packet), 0, reinterpret_cast<sockaddr*>(&to), sizeof(to)) < 0) {
    throw SystemError(env, errno, "sendto", "gratuitous ARP for " + args.text);
  }
}

void SetOption(Napi::Env env, int fd, int level, int name, int value, const char* what) {
  if (setsockopt(fd, level, name, &value, sizeof(value)) != 0) throw SystemError(env, errno, "setsockopt", what);
}

// Unsolicited neighbour advertisement (RFC 4861 §7.2.6): override flag, the target link-layer
// address option, to all-nodes ff02::1 with hop limit 255. The kernel fills in the checksum.
void SendNeighborAdvertisement(Napi::Env env, const VipArgs& args, const uint8_t mac[ETH_ALEN]) {
  Fd fd(::socket(AF_INET6, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_ICMPV6));
  if (fd.get() < 0) throw SystemError(env, errno, "socket", "raw ICMPv6 for a neighbour advertisement");
  icmp6_filter filter;
  ICMP6_FILTER_SETBLOCKALL(&filter);  // send only
  if (setsockopt(fd.get(), IPPROTO_ICMPV6, ICMP6_FILTER, &filter, sizeof(filter)) != 0) {
    throw SystemError(env, errno, "setsockopt", "ICMP6_FILTER");
  }
  SetOption(env, fd.get(), IPPROTO_IPV6, IPV6_MULTICAST_IF, static_cast<int>(args.ifindex), "IPV6_MULTICAST_IF");
  SetOption(env, fd.get(), IPPROTO_IPV6, IPV6_MULTICAST_HOPS, 255, "IPV6_MULTICAST_HOPS");
  SetOption(env, fd.get(), IPPROTO_IPV6, IPV6_MULTICAST_LOOP, 0, "IPV6_MULTICAST_LOOP");

  uint8_t packet[sizeof(nd_neighbor_advert) + 8] = {};
  auto* na = reinterpret_cast<nd_neighbor_advert*>(packet);
  na->nd_na_type = ND_NEIGHBOR_ADVERT;
  na->nd_na_code = 0;
  na->nd_na_flags_reserved = ND_NA_FLAG_OVERRIDE;
  std::memcpy(&na->nd_na_target, args.bytes, 16);
  uint8_t* option = packet + sizeof(nd_neighbor_advert);
  option[0] = ND_OPT_TARGET_LINKADDR;
  option[1] = 1;  // in units of 8 bytes
  std::memcpy(option + 2, mac, ETH_ALEN);

  sockaddr_in6 to{};
  to.sin6_family = AF_INET6;
  inet_pton(AF_INET6, "ff02::1", &to.sin6_addr);
  to.sin6_scope_id = args.ifindex;
  if (sendto(fd.get(), packet, sizeof(packet), 0, reinterpret_cast<sockaddr*>(&to), sizeof(to)) < 0) {
    throw SystemError(env, errno, "sendto", "neighbour advertisement for " + args.text);
  }
}

}  // namespace

Napi::Value VipAddAddress(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const VipArgs args = ReadArgs(info, true);
  const int err = AddressRequest(env, RTM_NEWADDR, args);
  if (err == 0) return Napi::Boolean::New(env, true);
  if (err == EEXIST) return Napi::Boolean::New(env, false);
  throw SystemError(env, err, "RTM_NEWADDR", "adding " + Describe(args));
}

Napi::Value VipRemoveAddress(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const VipArgs args = ReadArgs(info, true);
  const int err = AddressRequest(env, RTM_DELADDR, args);
  if (err == 0) return Napi::Boolean::New(env, true);
  if (err == EADDRNOTAVAIL || err == ENOENT || err == ENODEV) return Napi::Boolean::New(env, false);
  throw SystemError(env, err, "RTM_DELADDR", "removing " + Describe(args));
}

Napi::Value VipAnnounce(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const VipArgs args = ReadArgs(info, false);
  uint8_t mac[ETH_ALEN] = {};
  if (!HardwareAddress(env, args.ifindex, mac)) return Napi::Boolean::New(env, false);
  if (args.family == AF_INET) {
    SendGratuitousArp(env, args, mac);
  } else {
    SendNeighborAdvertisement(env, args, mac);
  }
  return Napi::Boolean::New(env, true);
}

void RegisterVip(Napi::Env env, Napi::Object exports) {
  exports.Set("vipAddAddress", Napi::Function::New(env, VipAddAddress, "vipAddAddress"));
  exports.Set("vipRemoveAddress", Napi::Function::New(env, VipRemoveAddress, "vipRemoveAddress"));
  exports.Set("vipAnnounce", Napi::Function::New(env, VipAnnounce, "vipAnnounce"));
}

}  // namespace multibully
#endif  // __linux__
