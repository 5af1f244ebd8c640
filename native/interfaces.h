// Interface lookup: names, indexes, flags and addresses (getifaddrs + if_nametoindex).
#pragma once

#include <napi.h>

namespace multibully {

// listInterfaces(): [{ name, index, flags: {up, running, multicast, loopback},
//                      addresses: [{ family: 4|6, address, netmask, prefixLength, scopeId }] }]
Napi::Value ListInterfaces(const Napi::CallbackInfo& info);

}  // namespace multibully
