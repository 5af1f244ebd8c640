#include "errors.h"

#include <uv.h>

namespace multibully {

Napi::Error SystemError(Napi::Env env, int sys_errno, const char* syscall,
                        const std::string& detail) {
  // uv_translate_sys_error turns a platform errno into Node's negative uv error number.
  const int uv_errno = uv_translate_sys_error(sys_errno);
  const char* code = uv_err_name(uv_errno);
  std::string message = std::string(syscall) + " " + code + " (" + uv_strerror(uv_errno) + ")";
  if (!detail.empty()) message += ": " + detail;
  Napi::Error error = Napi::Error::New(env, message);
  error.Set("code", Napi::String::New(env, code));
  error.Set("errno", Napi::Number::New(env, uv_errno));
  error.Set("syscall", Napi::String::New(env, syscall));
  return error;
}

Napi::Error CodedError(Napi::Env env, const char* code, const std::string& message) {
  Napi::Error error = Napi::Error::New(env, message);
  error.Set("code", Napi::String::New(env, code));
  return error;
}

}  // namespace multibully
