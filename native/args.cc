#include "args.h"

namespace multibully {

namespace {

// The one integer check; only the RangeError's wording differs between callers.
uint32_t RequireInteger(const Napi::CallbackInfo& info, size_t i, const char* what, uint32_t max,
                        const std::string& range) {
  if (!info[i].IsNumber()) throw Napi::TypeError::New(info.Env(), std::string(what) + " must be a number");
  const double v = info[i].As<Napi::Number>().DoubleValue();
  if (!(v >= 0 && v <= max) || v != static_cast<double>(static_cast<uint32_t>(v))) {
    throw Napi::RangeError::New(info.Env(), std::string(what) + " must be " + range);
  }
  return static_cast<uint32_t>(v);
}

}  // namespace

uint32_t RequireUint32(const Napi::CallbackInfo& info, size_t i, const char* what) {
  return RequireInteger(info, i, what, UINT32_MAX, "an unsigned 32-bit integer");
}

uint32_t RequireUint32(const Napi::CallbackInfo& info, size_t i, const char* what, uint32_t max) {
  return RequireInteger(info, i, what, max, "an integer from 0 to " + std::to_string(max));
}

std::string RequireString(const Napi::CallbackInfo& info, size_t i, const char* what) {
  if (!info[i].IsString()) throw Napi::TypeError::New(info.Env(), std::string(what) + " must be a string");
  return info[i].As<Napi::String>().Utf8Value();
}

bool RequireBoolean(const Napi::CallbackInfo& info, size_t i, const char* what) {
  if (!info[i].IsBoolean()) throw Napi::TypeError::New(info.Env(), std::string(what) + " must be a boolean");
  return info[i].As<Napi::Boolean>().Value();
}

}  // namespace multibully
