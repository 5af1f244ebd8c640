// Errors thrown by the addon: plain Error objects carrying Node's system-error fields.
#pragma once

#include <napi.h>

#include <string>

namespace multibully {

// Error with code ('ENODEV'), errno (negative, Node's uv convention) and syscall ('bind').
Napi::Error SystemError(Napi::Env env, int sys_errno, const char* syscall,
                        const std::string& detail = std::string());

// Error with only a code, for argument problems found in C++ (the TS layer validates first).
Napi::Error CodedError(Napi::Env env, const char* code, const std::string& message);

}  // namespace multibully
