// The poll lifecycle both of the addon's classes share (PacketSocket, LinkMonitor): a socket fd
// read through uv_poll on Node's event loop, JS callbacks through MakeCallback, ref/unref, and
// teardown from close(), the destructor or the environment's cleanup hook.
//
// Rules it keeps, so no class has to remember them:
// - Every uv_poll_start result is checked. A failed (re)start is reported to the onError callback:
//   the socket never stops reading silently.
// - close() from inside a callback stops the poll and closes the fd at once (no further frames),
//   but what MakeCallback is still using (the async context, the callback references, the ref on
//   the JS object) is released only when the outermost callback has returned.
// - A handle that uv_poll_init registered is always released with uv_close, never delete.
#pragma once
#include <napi.h>
#include <sys/socket.h>
#include <unistd.h>
#include <uv.h>

#include <initializer_list>
#include <memory>

#include "errors.h"

namespace l2lb {

// Derived must define `void Drain(int status)` (called when the fd is readable, or with a negative
// libuv status after POLLERR, which stops the handle: call RestartPolling to go on) and
// `void ResetCallbacks()` (drops its own FunctionReferences).
template <typename Derived>
class PolledSocket : public Napi::ObjectWrap<Derived> {
 public:
  explicit PolledSocket(const Napi::CallbackInfo& info) : Napi::ObjectWrap<Derived>(info) {}
  ~PolledSocket() override { Shutdown(); }

 protected:
  // Takes ownership of an open, configured fd.
  void Adopt(Napi::Env env, int fd) {
    fd_ = fd;
    napi_add_env_cleanup_hook(env, &PolledSocket::OnEnvCleanup, this);
  }

  int fd() const { return fd_; }
  bool closed() const { return fd_ < 0; }

  // Starts reading: onError receives every error from now on (Derived keeps its own data callbacks).
  void StartPolling(Napi::Env env, const char* resourceName, Napi::Function onError) {
    if (fd_ < 0) throw Napi::Error::New(env, "socket is closed");
    if (poll_ != nullptr) throw Napi::Error::New(env, "already started");
    uv_loop_t* loop = nullptr;
    if (napi_get_uv_event_loop(env, &loop) != napi_ok) throw Napi::Error::New(env, "no event loop");
    auto* handle = new uv_poll_t;
    int rc = uv_poll_init_socket(loop, handle, fd_);
    if (rc < 0) {
      delete handle;  // not registered with the loop
      throw SystemError(env, "uv_poll_init_socket", -rc);
    }
    handle->data = this;
    poll_ = handle;
    rc = uv_poll_start(poll_, UV_READABLE, &PolledSocket::OnPoll);
    if (rc < 0) {
      ClosePoll();
      throw SystemError(env, "uv_poll_start", -rc);
    }
    if (!refed_) uv_unref(reinterpret_cast<uv_handle_t*>(poll_));
    onError_ = Napi::Persistent(onError);
    async_ = std::make_unique<Napi::AsyncContext>(env, resourceName);
    this->Ref();  // an open, polling socket keeps its JS object alive, like a net.Server
    holdsRef_ = true;
  }

  // After libuv stopped the handle on POLLERR. A failure is reported to onError and the socket
  // stays stopped (its owner should reopen); returns whether polling goes on.
  bool RestartPolling() {
    if (poll_ == nullptr) return false;
    int rc = uv_poll_start(poll_, UV_READABLE, &PolledSocket::OnPoll);
    if (rc == 0) return true;
    ReportError(SystemError(this->Env(), "uv_poll_start", -rc).Value());
    return false;
  }

  // The pending socket error (reading it clears it), or 0.
  int TakeSocketError() const {
    int soerr = 0;
    socklen_t len = sizeof soerr;
    if (getsockopt(fd_, SOL_SOCKET, SO_ERROR, &soerr, &len) < 0) return errno;
    return soerr;
  }

  void ReportError(napi_value err) { Call(onError_, {err}); }

  // Calls fn(args) as a libuv callback (MakeCallback: async hooks, microtasks after). A throwing
  // handler is reported as Node reports any callback's exception.
  void Call(Napi::FunctionReference& fn, std::initializer_list<napi_value> args) {
    if (fn.IsEmpty() || !async_) return;
    depth_++;
    try {
      fn.MakeCallback(this->Env().Global(), args, *async_);
    } catch (const Napi::Error& e) {
      napi_fatal_exception(this->Env(), e.Value());
    }
    if (--depth_ == 0 && releasePending_) Release();
  }

  Napi::Value CloseMethod(const Napi::CallbackInfo& info) {
    Shutdown();
    if (depth_ > 0)
      releasePending_ = true;  // MakeCallback is still running on our async context: later
    else
      Release();
    return info.Env().Undefined();
  }

  Napi::Value RefMethod(const Napi::CallbackInfo& info) {
    refed_ = true;
    if (poll_ != nullptr) uv_ref(reinterpret_cast<uv_handle_t*>(poll_));
    return info.Env().Undefined();
  }

  Napi::Value UnrefMethod(const Napi::CallbackInfo& info) {
    refed_ = false;
    if (poll_ != nullptr) uv_unref(reinterpret_cast<uv_handle_t*>(poll_));
    return info.Env().Undefined();
  }

 private:
  static void OnPoll(uv_poll_t* handle, int status, int /*events*/) {
    auto* self = static_cast<PolledSocket*>(handle->data);
    if (self == nullptr || self->fd_ < 0) return;
    Napi::HandleScope scope(self->Env());
    [[maybe_unused]] Napi::Object keep = self->Value();  // alive even if a callback closes us
    static_cast<Derived*>(self)->Drain(status);
  }

  void ClosePoll() {
    if (poll_ == nullptr) return;
    poll_->data = nullptr;
    uv_poll_stop(poll_);
    uv_close(reinterpret_cast<uv_handle_t*>(poll_), [](uv_handle_t* h) { delete reinterpret_cast<uv_poll_t*>(h); });
    poll_ = nullptr;
  }

  // Stops the poll and closes the fd. Idempotent; no JS calls, so safe from the destructor and
  // the env cleanup hook.
  void Shutdown() {
    ClosePoll();
    if (fd_ >= 0) {
      napi_remove_env_cleanup_hook(this->Env(), &PolledSocket::OnEnvCleanup, this);
      ::close(fd_);
      fd_ = -1;
    }
  }

  // Drops what the callbacks use. Only outside callbacks (see CloseMethod).
  void Release() {
    releasePending_ = false;
    static_cast<Derived*>(this)->ResetCallbacks();
    onError_.Reset();
    async_.reset();
    if (holdsRef_) {
      holdsRef_ = false;
      this->Unref();
    }
  }

  static void OnEnvCleanup(void* arg) { static_cast<PolledSocket*>(arg)->Shutdown(); }

  int fd_ = -1;
  uv_poll_t* poll_ = nullptr;
  bool refed_ = true;
  bool holdsRef_ = false;
  int depth_ = 0;
  bool releasePending_ = false;
  Napi::FunctionReference onError_;
  std::unique_ptr<Napi::AsyncContext> async_;
};

}  // namespace l2lb
