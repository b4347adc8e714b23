// Netlink monitor for links and addresses (RTMGRP_LINK, IPv4/IPv6 IFADDR): wakes JavaScript
// when an interface appears, goes away, changes state or gains/loses an address, so the
// speaker rescans /sys at once instead of at its next periodic scan. Messages are drained, not
// parsed: the event means only "something changed", and sysfs stays the one source of facts.
// A receive-queue overrun (ENOBUFS: we missed messages) also means "something changed".
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <memory>
#include <vector>

#include "errors.h"

namespace l2lb {
namespace {

class LinkMonitor : public Napi::ObjectWrap<LinkMonitor> {
 public:
  static Napi::Function Init(Napi::Env env) {
    return DefineClass(env, "LinkMonitor",
                       {InstanceMethod("start", &LinkMonitor::Start), InstanceMethod("close", &LinkMonitor::Close),
                        InstanceMethod("ref", &LinkMonitor::RefHandle), InstanceMethod("unref", &LinkMonitor::UnrefHandle)});
  }

  explicit LinkMonitor(const Napi::CallbackInfo& info) : Napi::ObjectWrap<LinkMonitor>(info), buf_(65536) {
    Napi::Env env = info.Env();
    fd_ = socket(AF_NETLINK, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, NETLINK_ROUTE);
    if (fd_ < 0) throw SystemError(env, "socket", errno);
    sockaddr_nl addr{};
    addr.nl_family = AF_NETLINK;
    addr.nl_groups = RTMGRP_LINK | RTMGRP_IPV4_IFADDR | RTMGRP_IPV6_IFADDR;
    if (bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) < 0) {
      int err = errno;
      ::close(fd_);
      fd_ = -1;
      throw SystemError(env, "bind", err);
    }
    napi_add_env_cleanup_hook(env, &LinkMonitor::OnEnvCleanup, this);
  }

  ~LinkMonitor() override { Shutdown(); }

 private:
  // start(onChange: () => void)
  Napi::Value Start(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (fd_ < 0) throw Napi::Error::New(env, "monitor is closed");
    if (poll_ != nullptr) throw Napi::Error::New(env, "already started");
    if (!info[0].IsFunction()) throw Napi::TypeError::New(env, "start(onChange)");
    onChange_ = Napi::Persistent(info[0].As<Napi::Function>());
    async_ = std::make_unique<Napi::AsyncContext>(env, "l2lb:LinkMonitor");
    uv_loop_t* loop = nullptr;
    if (napi_get_uv_event_loop(env, &loop) != napi_ok) throw Napi::Error::New(env, "no event loop");
    poll_ = new uv_poll_t;
    int rc = uv_poll_init_socket(loop, poll_, fd_);
    if (rc == 0) rc = uv_poll_start(poll_, UV_READABLE, &LinkMonitor::OnPoll);
    if (rc < 0) {
      delete poll_;
      poll_ = nullptr;
      throw SystemError(env, "uv_poll_start", -rc);
    }
    poll_->data = this;
    if (!refed_) uv_unref(reinterpret_cast<uv_handle_t*>(poll_));
    Ref();
    return env.Undefined();
  }

  static void OnPoll(uv_poll_t* handle, int status, int /*events*/) {
    auto* self = static_cast<LinkMonitor*>(handle->data);
    if (self != nullptr) self->Drain(status);
  }

  void Drain(int status) {
    bool changed = false;
    if (status < 0) {
      // POLLERR (libuv says EBADF and stops the handle): an overrun left ENOBUFS pending.
      int soerr = 0;
      socklen_t len = sizeof soerr;
      getsockopt(fd_, SOL_SOCKET, SO_ERROR, &soerr, &len);
      changed = true;
      uv_poll_start(poll_, UV_READABLE, &LinkMonitor::OnPoll);
    }
    for (;;) {
      ssize_t n = recv(fd_, buf_.data(), buf_.size(), 0);
      if (n >= 0) {
        changed = true;
        continue;
      }
      if (errno == EINTR) continue;
      if (errno == ENOBUFS) {
        changed = true;
        continue;
      }
      break;  // EAGAIN: drained
    }
    if (!changed || onChange_.IsEmpty() || !async_) return;
    Napi::Env env = Env();
    Napi::HandleScope scope(env);
    [[maybe_unused]] Napi::Object keep = Value();
    try {
      onChange_.MakeCallback(env.Global(), {}, *async_);
    } catch (const Napi::Error& e) {
      napi_fatal_exception(env, e.Value());
    }
  }

  Napi::Value RefHandle(const Napi::CallbackInfo& info) {
    refed_ = true;
    if (poll_ != nullptr) uv_ref(reinterpret_cast<uv_handle_t*>(poll_));
    return info.Env().Undefined();
  }

  Napi::Value UnrefHandle(const Napi::CallbackInfo& info) {
    refed_ = false;
    if (poll_ != nullptr) uv_unref(reinterpret_cast<uv_handle_t*>(poll_));
    return info.Env().Undefined();
  }

  Napi::Value Close(const Napi::CallbackInfo& info) {
    bool wasPolling = poll_ != nullptr;
    Shutdown();
    onChange_.Reset();
    async_.reset();
    if (wasPolling) Unref();
    return info.Env().Undefined();
  }

  void Shutdown() {
    if (poll_ != nullptr) {
      poll_->data = nullptr;
      uv_poll_stop(poll_);
      uv_close(reinterpret_cast<uv_handle_t*>(poll_), [](uv_handle_t* h) { delete reinterpret_cast<uv_poll_t*>(h); });
      poll_ = nullptr;
    }
    if (fd_ >= 0) {
      napi_remove_env_cleanup_hook(Env(), &LinkMonitor::OnEnvCleanup, this);
      ::close(fd_);
      fd_ = -1;
    }
  }

  static void OnEnvCleanup(void* arg) { static_cast<LinkMonitor*>(arg)->Shutdown(); }

  int fd_ = -1;
  uv_poll_t* poll_ = nullptr;
  bool refed_ = true;
  Napi::FunctionReference onChange_;
  std::unique_ptr<Napi::AsyncContext> async_;
  std::vector<uint8_t> buf_;
};

}  // namespace

Napi::Function InitLinkMonitor(Napi::Env env) { return LinkMonitor::Init(env); }

}  // namespace l2lb
