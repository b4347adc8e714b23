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
#include "polled_socket.h"

namespace l2lb {
namespace {

// Messages read per wakeup. Reading is cheap, but a link flapping without pause (or a namespace
// with thousands of interfaces coming up) must not keep the event loop in this loop: the poll is
// level-triggered and wakes us again for the rest.
constexpr int kMaxDrain = 256;

class LinkMonitor : public PolledSocket<LinkMonitor> {
 public:
  static Napi::Function Init(Napi::Env env) {
    return DefineClass(env, "LinkMonitor",
                       {InstanceMethod("start", &LinkMonitor::Start), InstanceMethod("close", &LinkMonitor::CloseMethod),
                        InstanceMethod("ref", &LinkMonitor::RefMethod), InstanceMethod("unref", &LinkMonitor::UnrefMethod)});
  }

  explicit LinkMonitor(const Napi::CallbackInfo& info) : PolledSocket<LinkMonitor>(info), buf_(65536) {
    Napi::Env env = info.Env();
    int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, NETLINK_ROUTE);
    if (fd < 0) throw SystemError(env, "socket", errno);
    sockaddr_nl addr{};
    addr.nl_family = AF_NETLINK;
    addr.nl_groups = RTMGRP_LINK | RTMGRP_IPV4_IFADDR | RTMGRP_IPV6_IFADDR;
    if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) < 0) {
      int err = errno;
      ::close(fd);
      throw SystemError(env, "bind", err);
    }
    Adopt(env, fd);
  }

  void Drain(int status) {
    bool changed = false;
    if (status < 0) {
      // POLLERR (libuv says EBADF and stops the handle): an overrun left ENOBUFS pending, which
      // means we missed messages, so "something changed".
      TakeSocketError();
      changed = true;
      if (!RestartPolling()) {  // reported to onError; still tell the owner to rescan once
        Call(onChange_, {});
        return;
      }
    }
    for (int reads = 0; reads < kMaxDrain; reads++) {
      ssize_t n = recv(fd(), buf_.data(), buf_.size(), 0);
      if (n >= 0 || errno == ENOBUFS) {
        changed = true;
        continue;
      }
      if (errno == EINTR) continue;
      break;  // EAGAIN: drained
    }
    if (changed) Call(onChange_, {});
  }

  void ResetCallbacks() { onChange_.Reset(); }

 private:
  // start(onChange: () => void, onError: (err: Error) => void)
  Napi::Value Start(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!info[0].IsFunction() || !info[1].IsFunction()) throw Napi::TypeError::New(env, "start(onChange, onError)");
    StartPolling(env, "l2lb:LinkMonitor", info[1].As<Napi::Function>());
    onChange_ = Napi::Persistent(info[0].As<Napi::Function>());
    return env.Undefined();
  }

  Napi::FunctionReference onChange_;
  std::vector<uint8_t> buf_;
};

}  // namespace

Napi::Function InitLinkMonitor(Napi::Env env) { return LinkMonitor::Init(env); }

}  // namespace l2lb
