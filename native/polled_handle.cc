#ifndef _WIN32
#include "polled_handle.h"

#include <sys/socket.h>
#include <unistd.h>

#include "errors.h"

namespace multibully {

PolledHandle* PolledHandle::Adopt(Napi::Env env, int fd, PollOwner* owner) {
  auto* handle = new PolledHandle(fd, owner);
  handle->poll_.data = handle;
  if (napi_add_async_cleanup_hook(env, OnEnvironmentCleanup, handle, &handle->cleanup_hook_) != napi_ok) {
    handle->owner_ = nullptr;
    handle->Close();
    throw Napi::Error::New(env, "napi_add_async_cleanup_hook failed");
  }
  return handle;
}

void PolledHandle::Start(Napi::Env env) {
  if (polling_) return;
  uv_loop_t* loop = nullptr;
  if (napi_get_uv_event_loop(env, &loop) != napi_ok || loop == nullptr) {
    throw Napi::Error::New(env, "cannot get the libuv loop of this environment");
  }
  int rc = uv_poll_init(loop, &poll_, fd_);
  if (rc != 0) throw SystemError(env, -rc, "uv_poll_init");
  polling_ = true;
  poll_.data = this;
  rc = uv_poll_start(&poll_, UV_READABLE, OnPollEvent);
  if (rc != 0) throw SystemError(env, -rc, "uv_poll_start");
  if (!want_ref_) uv_unref(reinterpret_cast<uv_handle_t*>(&poll_));
}

void PolledHandle::SetRef(bool ref) {
  want_ref_ = ref;
  if (!polling_) return;
  if (ref) {
    uv_ref(reinterpret_cast<uv_handle_t*>(&poll_));
  } else {
    uv_unref(reinterpret_cast<uv_handle_t*>(&poll_));
  }
}

// Closes the fd at once (libuv allows closing a polled fd right after uv_poll_stop, which also
// drops it from epoll and from events pending in this iteration), so close() has released the
// descriptor when it returns, even if the loop never turns; frees the memory once libuv is done
// with the poll handle (never while the handle may still be iterated).
void PolledHandle::Close() {
  if (closing_) return;
  closing_ = true;
  if (owner_ != nullptr) {
    owner_->PollClosing();
    owner_ = nullptr;
  }
  if (polling_) {
    uv_poll_stop(&poll_);
    uv_close(reinterpret_cast<uv_handle_t*>(&poll_), OnPollClosed);
    CloseFd();
  } else {
    FinishClose();
  }
}

void PolledHandle::CloseFd() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

void PolledHandle::FinishClose() {
  CloseFd();
  // Removing the hook also tells Node that an environment teardown waiting on us is done.
  if (cleanup_hook_ != nullptr) napi_remove_async_cleanup_hook(cleanup_hook_);
  delete this;
}

void PolledHandle::OnPollClosed(uv_handle_t* handle) { static_cast<PolledHandle*>(handle->data)->FinishClose(); }

void PolledHandle::OnEnvironmentCleanup(napi_async_cleanup_hook_handle hook, void* arg) {
  auto* handle = static_cast<PolledHandle*>(arg);
  handle->cleanup_hook_ = hook;
  handle->Close();
}

void PolledHandle::OnPollEvent(uv_poll_t* poll, int status, int /*events*/) {
  auto* handle = static_cast<PolledHandle*>(poll->data);
  if (handle->closing_ || handle->owner_ == nullptr) return;
  if (status == UV_EBADF) {
    // libuv reports POLLERR as EBADF and stops the poll, but the fd is fine: the socket has a
    // pending error (an ICMP error on a connected UDP socket, ENOBUFS when a netlink socket's
    // queue overran). Reading SO_ERROR clears it; poll on, and the owner says what it means.
    int pending = 0;
    socklen_t len = sizeof(pending);
    if (getsockopt(handle->fd_, SOL_SOCKET, SO_ERROR, &pending, &len) == 0 && pending != 0) {
      const int rc = uv_poll_start(&handle->poll_, UV_READABLE, OnPollEvent);
      if (rc == 0) {
        handle->owner_->PollPendingError(pending);
        return;
      }
      status = rc;
    }
  }
  handle->owner_->PollEvent(status);
}

namespace {

// Rethrows its argument; scheduled with setImmediate so the exception leaves from Node's
// own immediate queue and becomes a normal 'uncaughtException'.
napi_value Rethrow(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value error = nullptr;
  if (napi_get_cb_info(env, info, &argc, &error, nullptr, nullptr) == napi_ok && argc == 1) {
    napi_throw(env, error);
  }
  return nullptr;
}

}  // namespace

napi_value MakeSystemErrorValue(napi_env env, int sys_errno, const char* syscall, const char* detail) {
  try {
    return SystemError(Napi::Env(env), sys_errno, syscall, detail).Value();
  } catch (...) {
    return nullptr;
  }
}

bool Dispatch(napi_env env, napi_async_context context, napi_value self, const char* name, size_t argc,
              const napi_value* argv) {
  napi_value callback;
  napi_valuetype type;
  if (napi_get_named_property(env, self, name, &callback) != napi_ok) return false;
  if (napi_typeof(env, callback, &type) != napi_ok) return false;
  if (type != napi_function) return true;
  napi_value result;
  if (napi_make_callback(env, context, self, callback, argc, argv, &result) == napi_ok) return true;
  // The listener threw (or JS can no longer run). We are in a libuv callback with no JS
  // frame to throw into, so hand the exception to Node's immediate queue where it becomes
  // an ordinary 'uncaughtException'.
  bool pending = false;
  napi_value exception;
  if (napi_is_exception_pending(env, &pending) != napi_ok || !pending) return false;
  if (napi_get_and_clear_last_exception(env, &exception) != napi_ok) return false;
  napi_value global, set_immediate, rethrow;
  if (napi_get_global(env, &global) != napi_ok) return false;
  if (napi_get_named_property(env, global, "setImmediate", &set_immediate) != napi_ok) return false;
  if (napi_create_function(env, "rethrowListenerError", NAPI_AUTO_LENGTH, Rethrow, nullptr, &rethrow) != napi_ok) {
    return false;
  }
  napi_value args[2] = {rethrow, exception};
  napi_call_function(env, global, set_immediate, 2, args, &result);
  return false;
}

}  // namespace multibully
#endif
