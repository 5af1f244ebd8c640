// Argument checks at the addon's boundary (the TS layer validates first), with the messages JS
// sees: TypeError when the type is wrong, RangeError when the value is out of range.
#pragma once

#include <napi.h>

#include <cstddef>
#include <cstdint>
#include <string>

namespace multibully {

// info[i] as an unsigned 32-bit integer: "<what> must be a number" / "<what> must be an unsigned
// 32-bit integer".
uint32_t RequireUint32(const Napi::CallbackInfo& info, size_t i, const char* what);

// info[i] as an integer in 0..max: "<what> must be a number" / "<what> must be an integer from 0
// to <max>".
uint32_t RequireUint32(const Napi::CallbackInfo& info, size_t i, const char* what, uint32_t max);

// info[i] as a string: "<what> must be a string".
std::string RequireString(const Napi::CallbackInfo& info, size_t i, const char* what);

// info[i] as a boolean: "<what> must be a boolean".
bool RequireBoolean(const Napi::CallbackInfo& info, size_t i, const char* what);

}  // namespace multibully
