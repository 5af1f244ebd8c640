// Conversions between text addresses and sockaddr structures.
#pragma once

#ifndef _WIN32
#include <netinet/in.h>
#include <sys/socket.h>

#include <string>

namespace multibully {

// Parses a numeric IPv4/IPv6 address (no scope suffix). Returns false when it is not one.
bool ParseAddress(int family, const std::string& text, uint16_t port, uint32_t scope_id,
                  sockaddr_storage* out, socklen_t* out_len);

// Numeric text form of an in_addr / in6_addr.
std::string FormatAddress(int family, const void* addr);

// Numeric text form and port of a sockaddr.
std::string FormatSockaddr(const sockaddr* sa, int* port_out);

}  // namespace multibully
#endif
