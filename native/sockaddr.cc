#ifndef _WIN32
#include "sockaddr.h"

#include <arpa/inet.h>

#include <cstring>

namespace multibully {

bool ParseAddress(int family, const std::string& text, uint16_t port, uint32_t scope_id,
                  sockaddr_storage* out, socklen_t* out_len) {
  std::memset(out, 0, sizeof(*out));
  if (family == AF_INET) {
    auto* sin = reinterpret_cast<sockaddr_in*>(out);
    if (inet_pton(AF_INET, text.c_str(), &sin->sin_addr) != 1) return false;
    sin->sin_family = AF_INET;
    sin->sin_port = htons(port);
    *out_len = sizeof(sockaddr_in);
    return true;
  }
  auto* sin6 = reinterpret_cast<sockaddr_in6*>(out);
  if (inet_pton(AF_INET6, text.c_str(), &sin6->sin6_addr) != 1) return false;
  sin6->sin6_family = AF_INET6;
  sin6->sin6_port = htons(port);
  sin6->sin6_scope_id = scope_id;
  *out_len = sizeof(sockaddr_in6);
  return true;
}

std::string FormatAddress(int family, const void* addr) {
  char buf[INET6_ADDRSTRLEN] = {0};
  if (inet_ntop(family, addr, buf, sizeof(buf)) == nullptr) return std::string();
  return std::string(buf);
}

std::string FormatSockaddr(const sockaddr* sa, int* port_out) {
  if (sa->sa_family == AF_INET) {
    const auto* sin = reinterpret_cast<const sockaddr_in*>(sa);
    if (port_out) *port_out = ntohs(sin->sin_port);
    return FormatAddress(AF_INET, &sin->sin_addr);
  }
  if (sa->sa_family == AF_INET6) {
    const auto* sin6 = reinterpret_cast<const sockaddr_in6*>(sa);
    if (port_out) *port_out = ntohs(sin6->sin6_port);
    return FormatAddress(AF_INET6, &sin6->sin6_addr);
  }
  if (port_out) *port_out = 0;
  return std::string();
}

}  // namespace multibully
#endif
