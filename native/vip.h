// Floating addresses (Linux only): add/remove an address on a NIC with rtnetlink and announce it
// (gratuitous ARP for IPv4, an unsolicited neighbour advertisement for IPv6).
#pragma once

#include <napi.h>

namespace multibully {

// vipAddAddress(ifindex, family, address, prefixLength): true when added, false when the NIC
// already had it (EEXIST). IPv6 addresses are added with IFA_F_NODAD (usable at once).
Napi::Value VipAddAddress(const Napi::CallbackInfo& info);

// vipRemoveAddress(ifindex, family, address, prefixLength): true when removed, false when the
// NIC did not have it (EADDRNOTAVAIL / ENOENT / ENODEV).
Napi::Value VipRemoveAddress(const Napi::CallbackInfo& info);

// vipAnnounce(ifindex, family, address): sends one gratuitous ARP request (IPv4) or one
// unsolicited neighbour advertisement with the override flag to ff02::1 (IPv6). Returns false
// when the link has no Ethernet-style hardware address (nothing to announce), true when sent.
Napi::Value VipAnnounce(const Napi::CallbackInfo& info);

// Adds the three functions above to exports.
void RegisterVip(Napi::Env env, Napi::Object exports);

}  // namespace multibully
