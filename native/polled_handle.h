// A descriptor watched by a uv_poll_t on the calling environment's own libuv loop: the lifecycle
// UdpSocket and InterfaceMonitor share (close from JS, from a listener, from the destructor or at
// environment teardown), libuv's POLLERR quirk, and calling into JS from the poll callback.
#pragma once

#include <napi.h>
#include <uv.h>

#include <memory>

namespace multibully {

// What a PolledHandle tells the object that owns it; called only while the handle is open.
class PollOwner {
 public:
  // The fd is readable (status 0), or the poll failed (status < 0, a uv error; polling stopped).
  virtual void PollEvent(int status) = 0;
  // The socket had a pending error (a positive errno, cleared by reading it); polling goes on.
  virtual void PollPendingError(int sys_errno) = 0;
  // The handle started closing: the owner must forget it.
  virtual void PollClosing() = 0;

 protected:
  ~PollOwner() = default;
};

// The parts that must outlive the JS object until libuv has closed the poll handle. Frees
// itself: Close() closes the fd at once, the memory goes in the uv_close callback.
class PolledHandle {
 public:
  // Takes ownership of fd (closing it if this throws) and closes it at environment teardown.
  static PolledHandle* Adopt(Napi::Env env, int fd, PollOwner* owner);
  // Starts polling for readability on the environment's own loop; does nothing if polling.
  void Start(Napi::Env env);
  // Whether the poll keeps the loop alive (default: it does); remembered until polling starts.
  void SetRef(bool ref);
  // Idempotent, and safe from a poll callback. Detaches the owner (PollClosing) first.
  void Close();
  int fd() const { return fd_; }

 private:
  PolledHandle(int fd, PollOwner* owner) : fd_(fd), owner_(owner) {}
  ~PolledHandle() = default;
  void CloseFd();
  void FinishClose();
  static void OnPollEvent(uv_poll_t* poll, int status, int events);
  static void OnPollClosed(uv_handle_t* handle);
  static void OnEnvironmentCleanup(napi_async_cleanup_hook_handle hook, void* arg);

  int fd_;
  uv_poll_t poll_;
  bool polling_ = false;
  bool closing_ = false;
  bool want_ref_ = true;
  napi_async_cleanup_hook_handle cleanup_hook_ = nullptr;
  PollOwner* owner_;
};

// Raw Node-API from here on: during worker termination JS cannot run and most calls fail; a poll
// callback must then end quietly instead of throwing (node-addon-api would abort while building
// an Error for a termination exception).

// A SystemError (errors.h) as a raw value, or nullptr when JS objects cannot be made right now.
napi_value MakeSystemErrorValue(napi_env env, int sys_errno, const char* syscall, const char* detail = "");

// Calls self[name](...argv) through napi_make_callback; false when the caller must stop (the
// listener threw: its exception is rethrown from setImmediate; or JS cannot run).
bool Dispatch(napi_env env, napi_async_context context, napi_value self, const char* name, size_t argc,
              const napi_value* argv);

// The JS object owning a PolledHandle until close(). T derives from it (PolledObject<T>) and
// implements OnReadable and OnPendingError.
template <typename T>
class PolledObject : public Napi::ObjectWrap<T>, private PollOwner {
 public:
  ~PolledObject() override {
    if (handle_ != nullptr) handle_->Close();
  }

 protected:
  explicit PolledObject(const Napi::CallbackInfo& info) : Napi::ObjectWrap<T>(info) {}

  // Called from the poll callback, only while the handle is open, in a handle scope holding the
  // JS object `self`. status 0: readable; status < 0: the poll failed (a uv error) and stopped.
  virtual void OnReadable(napi_env env, napi_value self, int status) = 0;
  // The socket had a pending error (SO_ERROR, a positive errno); the poll goes on.
  virtual void OnPendingError(napi_env env, napi_value self, int sys_errno) = 0;

  // Owns fd from here on: a constructor that throws later leaves it to the destructor, which
  // closes it. resource_name names the async resource of the JS callbacks.
  void Adopt(Napi::Env env, int fd, const char* resource_name) {
    handle_ = PolledHandle::Adopt(env, fd, this);
    async_context_ = std::make_unique<Napi::AsyncContext>(env, resource_name, this->Value());
  }

  void StartPolling(Napi::Env env) {
    handle_->Start(env);
    // While polling, the JS object must stay alive to be notified; close() releases it.
    if (!holding_self_) {
      this->Ref();
      holding_self_ = true;
    }
  }

  void CloseHandle() {
    if (handle_ != nullptr) handle_->Close();
    if (holding_self_) {
      holding_self_ = false;
      this->Unref();
    }
  }

  bool Dispatch(napi_env env, napi_value self, const char* name, size_t argc, const napi_value* argv) {
    return multibully::Dispatch(env, *async_context_, self, name, argc, argv);
  }

  // Calls self.onerror(SystemError).
  void ReportError(napi_env env, napi_value self, int sys_errno, const char* syscall, const char* detail = "") {
    napi_value error = MakeSystemErrorValue(env, sys_errno, syscall, detail);
    if (error != nullptr) Dispatch(env, self, "onerror", 1, &error);
  }

  // Null once closed (by close(), at environment teardown, or in the destructor).
  PolledHandle* handle_ = nullptr;

 private:
  void PollEvent(int status) final {
    WithSelf([&](napi_env env, napi_value self) { OnReadable(env, self, status); });
  }
  void PollPendingError(int sys_errno) final {
    WithSelf([&](napi_env env, napi_value self) { OnPendingError(env, self, sys_errno); });
  }
  void PollClosing() final { handle_ = nullptr; }

  // Holding the JS object in the handle scope keeps it alive even if a listener closes it.
  template <typename Callback>
  void WithSelf(Callback callback) {
    napi_env env = this->Env();
    napi_handle_scope scope;
    if (napi_open_handle_scope(env, &scope) != napi_ok) return;
    napi_value self;
    if (napi_get_reference_value(env, static_cast<napi_ref>(*this), &self) == napi_ok && self != nullptr) {
      callback(env, self);
    }
    napi_close_handle_scope(env, scope);
  }

  bool holding_self_ = false;
  std::unique_ptr<Napi::AsyncContext> async_context_;
};

}  // namespace multibully
