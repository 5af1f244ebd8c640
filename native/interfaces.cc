#include "interfaces.h"

#include "errors.h"

#ifndef _WIN32
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "sockaddr.h"
#endif

namespace multibully {

#ifdef _WIN32

Napi::Value ListInterfaces(const Napi::CallbackInfo& info) {
  throw CodedError(info.Env(), "ERR_MULTIBULLY_UNSUPPORTED",
                   "multibully: interface lookup is not supported on Windows");
}

#else

namespace {

struct AddressEntry {
  int family;
  std::string address;
  std::string netmask;
  int prefix_length;
  uint32_t scope_id;
};

struct InterfaceEntry {
  std::string name;
  unsigned int index = 0;
  unsigned int flags = 0;
  std::vector<AddressEntry> addresses;
};

int PrefixLength(const uint8_t* bytes, size_t count) {
  int bits = 0;
  for (size_t i = 0; i < count; i++) {
    uint8_t b = bytes[i];
    while (b & 0x80) {
      bits++;
      b = static_cast<uint8_t>(b << 1);
    }
    if (bytes[i] != 0xff) break;
  }
  return bits;
}

bool ReadAddress(const ifaddrs* ifa, AddressEntry* out) {
  const sockaddr* sa = ifa->ifa_addr;
  if (sa == nullptr) return false;
  if (sa->sa_family == AF_INET) {
    const auto* sin = reinterpret_cast<const sockaddr_in*>(sa);
    out->family = 4;
    out->address = FormatAddress(AF_INET, &sin->sin_addr);
    out->scope_id = 0;
    out->netmask = "0.0.0.0";
    out->prefix_length = 0;
    if (ifa->ifa_netmask != nullptr) {
      const auto* mask = reinterpret_cast<const sockaddr_in*>(ifa->ifa_netmask);
      out->netmask = FormatAddress(AF_INET, &mask->sin_addr);
      out->prefix_length = PrefixLength(reinterpret_cast<const uint8_t*>(&mask->sin_addr), 4);
    }
    return true;
  }
  if (sa->sa_family == AF_INET6) {
    const auto* sin6 = reinterpret_cast<const sockaddr_in6*>(sa);
    out->family = 6;
    out->address = FormatAddress(AF_INET6, &sin6->sin6_addr);
    out->scope_id = sin6->sin6_scope_id;
    out->netmask = "::";
    out->prefix_length = 0;
    if (ifa->ifa_netmask != nullptr) {
      const auto* mask = reinterpret_cast<const sockaddr_in6*>(ifa->ifa_netmask);
      out->netmask = FormatAddress(AF_INET6, &mask->sin6_addr);
      out->prefix_length = PrefixLength(reinterpret_cast<const uint8_t*>(&mask->sin6_addr), 16);
    }
    return true;
  }
  return false;
}

}  // namespace

Napi::Value ListInterfaces(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  ifaddrs* head = nullptr;
  if (getifaddrs(&head) != 0) throw SystemError(env, errno, "getifaddrs");

  // getifaddrs lists one entry per (interface, address); group them by name. On Linux an
  // AF_PACKET entry per interface makes address-less interfaces appear too.
  std::map<std::string, InterfaceEntry> by_name;
  for (const ifaddrs* ifa = head; ifa != nullptr; ifa = ifa->ifa_next) {
    if (ifa->ifa_name == nullptr) continue;
    InterfaceEntry& entry = by_name[ifa->ifa_name];
    if (entry.name.empty()) {
      entry.name = ifa->ifa_name;
      entry.index = if_nametoindex(ifa->ifa_name);
    }
    entry.flags |= ifa->ifa_flags;
    AddressEntry address;
    if (ReadAddress(ifa, &address)) entry.addresses.push_back(address);
  }
  freeifaddrs(head);

  std::vector<InterfaceEntry*> ordered;
  for (auto& pair : by_name) {
    if (pair.second.index != 0) ordered.push_back(&pair.second);
  }
  std::sort(ordered.begin(), ordered.end(),
            [](const InterfaceEntry* a, const InterfaceEntry* b) { return a->index < b->index; });

  Napi::Array result = Napi::Array::New(env, ordered.size());
  for (size_t i = 0; i < ordered.size(); i++) {
    const InterfaceEntry& entry = *ordered[i];
    Napi::Object flags = Napi::Object::New(env);
    flags.Set("up", Napi::Boolean::New(env, (entry.flags & IFF_UP) != 0));
    flags.Set("running", Napi::Boolean::New(env, (entry.flags & IFF_RUNNING) != 0));
    flags.Set("multicast", Napi::Boolean::New(env, (entry.flags & IFF_MULTICAST) != 0));
    flags.Set("loopback", Napi::Boolean::New(env, (entry.flags & IFF_LOOPBACK) != 0));

    Napi::Array addresses = Napi::Array::New(env, entry.addresses.size());
    for (size_t j = 0; j < entry.addresses.size(); j++) {
      const AddressEntry& a = entry.addresses[j];
      Napi::Object obj = Napi::Object::New(env);
      obj.Set("family", Napi::Number::New(env, a.family));
      obj.Set("address", Napi::String::New(env, a.address));
      obj.Set("netmask", Napi::String::New(env, a.netmask));
      obj.Set("prefixLength", Napi::Number::New(env, a.prefix_length));
      obj.Set("scopeId", Napi::Number::New(env, a.scope_id));
      addresses.Set(static_cast<uint32_t>(j), obj);
    }

    Napi::Object obj = Napi::Object::New(env);
    obj.Set("name", Napi::String::New(env, entry.name));
    obj.Set("index", Napi::Number::New(env, entry.index));
    obj.Set("flags", flags);
    obj.Set("addresses", addresses);
    result.Set(static_cast<uint32_t>(i), obj);
  }
  return result;
}

#endif

}  // namespace multibully
