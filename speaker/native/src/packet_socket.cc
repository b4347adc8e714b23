// AF_PACKET socket for Node.js: the one thing no maintained npm package offers. A SOCK_RAW
// packet socket bound to one interface and one ethertype, with a classic BPF filter attached
// before the bind (so no unfiltered frame is ever queued), PACKET_IGNORE_OUTGOING (we never read
// our own frames back), non-blocking. Frames arrive through libuv: uv_poll wakes us when the
// socket is readable, we recv() until EAGAIN (at most kMaxBatch frames per wakeup, so a flood
// cannot starve the event loop) and hand the batch to JavaScript as one array of Buffers.
// Nothing here blocks the event loop. Errors become JS exceptions carrying the errno name in
// `code` (EPERM, ENETDOWN, ...), as Node's own system errors do.
#include "errors.h"

#include <arpa/inet.h>
#include <linux/filter.h>
#include <linux/if_packet.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

namespace l2lb {
namespace {

constexpr size_t kMaxFrame = 65536;
constexpr int kMaxBatch = 512;

class PacketSocket : public Napi::ObjectWrap<PacketSocket> {
 public:
  static Napi::Function Init(Napi::Env env) {
    return DefineClass(env, "PacketSocket",
                       {InstanceMethod("start", &PacketSocket::Start), InstanceMethod("send", &PacketSocket::Send),
                        InstanceMethod("close", &PacketSocket::Close), InstanceMethod("ref", &PacketSocket::RefHandle),
                        InstanceMethod("unref", &PacketSocket::UnrefHandle), InstanceMethod("stats", &PacketSocket::Stats)});
  }

  // new PacketSocket(ifindex, ethertype, filter?: [code, jt, jf, k][], receiveBufferBytes?: number)
  explicit PacketSocket(const Napi::CallbackInfo& info) : Napi::ObjectWrap<PacketSocket>(info), buf_(kMaxFrame) {
    Napi::Env env = info.Env();
    if (!info[0].IsNumber() || !info[1].IsNumber()) throw Napi::TypeError::New(env, "ifindex and ethertype must be numbers");
    int ifindex = info[0].As<Napi::Number>().Int32Value();
    uint32_t ethertype = info[1].As<Napi::Number>().Uint32Value();
    if (ifindex <= 0 || ethertype > 0xffff) throw Napi::RangeError::New(env, "ifindex must be > 0 and ethertype 0..0xffff");
    std::vector<sock_filter> prog = ParseFilter(env, info[2]);

    // Protocol 0 receives nothing until bind(), so the filter is in place before any frame.
    fd_ = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd_ < 0) throw SystemError(env, "socket", errno);
    try {
      if (!prog.empty()) {
        sock_fprog fprog{static_cast<unsigned short>(prog.size()), prog.data()};
        Check(env, "setsockopt(SO_ATTACH_FILTER)", setsockopt(fd_, SOL_SOCKET, SO_ATTACH_FILTER, &fprog, sizeof fprog));
      }
      int one = 1;
      Check(env, "setsockopt(PACKET_IGNORE_OUTGOING)", setsockopt(fd_, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof one));
      if (info[3].IsNumber()) {
        int bytes = info[3].As<Napi::Number>().Int32Value();
        // FORCE passes net.core.rmem_max (we run with CAP_NET_ADMIN in the lab, maybe not in a pod).
        if (setsockopt(fd_, SOL_SOCKET, SO_RCVBUFFORCE, &bytes, sizeof bytes) < 0)
          Check(env, "setsockopt(SO_RCVBUF)", setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &bytes, sizeof bytes));
      }
      sockaddr_ll addr{};
      addr.sll_family = AF_PACKET;
      addr.sll_protocol = htons(static_cast<uint16_t>(ethertype));
      addr.sll_ifindex = ifindex;
      Check(env, "bind", bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr));
    } catch (...) {
      ::close(fd_);
      fd_ = -1;
      throw;
    }
    napi_add_env_cleanup_hook(env, &PacketSocket::OnEnvCleanup, this);
  }

  ~PacketSocket() override { Shutdown(); }

 private:
  static void Check(Napi::Env env, const char* what, int rc) {
    if (rc < 0) throw SystemError(env, what, errno);
  }

  static std::vector<sock_filter> ParseFilter(Napi::Env env, Napi::Value v) {
    std::vector<sock_filter> prog;
    if (v.IsUndefined() || v.IsNull()) return prog;
    if (!v.IsArray()) throw Napi::TypeError::New(env, "filter must be an array of [code, jt, jf, k]");
    Napi::Array arr = v.As<Napi::Array>();
    if (arr.Length() == 0 || arr.Length() > BPF_MAXINSNS) throw Napi::RangeError::New(env, "filter must have 1..4096 instructions");
    for (uint32_t i = 0; i < arr.Length(); i++) {
      Napi::Value ins = arr.Get(i);
      if (!ins.IsArray() || ins.As<Napi::Array>().Length() != 4) throw Napi::TypeError::New(env, "each filter instruction is [code, jt, jf, k]");
      Napi::Array a = ins.As<Napi::Array>();
      for (uint32_t j = 0; j < 4; j++)
        if (!a.Get(j).IsNumber()) throw Napi::TypeError::New(env, "filter instruction fields must be numbers");
      uint32_t code = a.Get(0u).As<Napi::Number>().Uint32Value(), jt = a.Get(1u).As<Napi::Number>().Uint32Value(),
               jf = a.Get(2u).As<Napi::Number>().Uint32Value();
      if (code > 0xffff || jt > 0xff || jf > 0xff) throw Napi::RangeError::New(env, "filter instruction field out of range");
      prog.push_back(sock_filter{static_cast<uint16_t>(code), static_cast<uint8_t>(jt), static_cast<uint8_t>(jf),
                                 a.Get(3u).As<Napi::Number>().Uint32Value()});
    }
    return prog;
  }

  // start(onFrames: (frames: Buffer[]) => void, onError: (err: Error) => void)
  Napi::Value Start(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (fd_ < 0) throw Napi::Error::New(env, "socket is closed");
    if (poll_ != nullptr) throw Napi::Error::New(env, "already started");
    if (!info[0].IsFunction() || !info[1].IsFunction()) throw Napi::TypeError::New(env, "start(onFrames, onError)");
    onFrames_ = Napi::Persistent(info[0].As<Napi::Function>());
    onError_ = Napi::Persistent(info[1].As<Napi::Function>());
    async_ = std::make_unique<Napi::AsyncContext>(env, "l2lb:PacketSocket");
    uv_loop_t* loop = nullptr;
    if (napi_get_uv_event_loop(env, &loop) != napi_ok) throw Napi::Error::New(env, "no event loop");
    poll_ = new uv_poll_t;
    int rc = uv_poll_init_socket(loop, poll_, fd_);
    if (rc == 0) rc = uv_poll_start(poll_, UV_READABLE, &PacketSocket::OnPoll);
    if (rc < 0) {
      delete poll_;
      poll_ = nullptr;
      throw SystemError(env, "uv_poll_start", -rc);
    }
    poll_->data = this;
    if (!refed_) uv_unref(reinterpret_cast<uv_handle_t*>(poll_));
    Ref();  // an open, polling socket keeps its JS object alive, like a net.Server
    return env.Undefined();
  }

  static void OnPoll(uv_poll_t* handle, int status, int /*events*/) {
    auto* self = static_cast<PacketSocket*>(handle->data);
    if (self != nullptr) self->Drain(status);
  }

  void Drain(int status) {
    Napi::Env env = Env();
    Napi::HandleScope scope(env);
    [[maybe_unused]] Napi::Object keep = Value();  // stays alive even if a callback closes us
    int err = 0;
    if (status < 0) {
      // libuv turns POLLERR into UV_EBADF and stops the handle. For a packet socket POLLERR means
      // a pending socket error (ENETDOWN when the link goes down; the kernel rebinds us when it
      // comes back up): fetch the real error, which also clears it, and poll again.
      int soerr = 0;
      socklen_t len = sizeof soerr;
      if (getsockopt(fd_, SOL_SOCKET, SO_ERROR, &soerr, &len) == 0 && soerr != 0) {
        err = soerr;
        uv_poll_start(poll_, UV_READABLE, &PacketSocket::OnPoll);
      } else {
        Call(onError_, SystemError(env, "uv_poll", -status).Value());
        return;  // the handle stays stopped: the socket is unusable, the owner should reopen
      }
    }
    int reported = err;
    if (err != 0) Call(onError_, SystemError(env, "recv", err).Value());
    if (fd_ < 0) return;  // closed by the error handler
    err = 0;
    Napi::Array frames = Napi::Array::New(env);
    uint32_t n = 0;
    while (err == 0 && n < kMaxBatch) {
      ssize_t len = recv(fd_, buf_.data(), buf_.size(), MSG_TRUNC);
      if (len < 0) {
        if (errno == EINTR) continue;
        if (errno != EAGAIN && errno != EWOULDBLOCK) err = errno;  // e.g. ENETDOWN: the link went down
        break;
      }
      size_t got = static_cast<size_t>(len) > buf_.size() ? buf_.size() : static_cast<size_t>(len);
      frames.Set(n++, Napi::Buffer<uint8_t>::Copy(env, buf_.data(), got));
    }
    if (n > 0) Call(onFrames_, frames);
    if (err != 0 && err != reported && fd_ >= 0) Call(onError_, SystemError(env, "recv", err).Value());
  }

  void Call(Napi::FunctionReference& fn, napi_value arg) {
    if (fn.IsEmpty() || !async_) return;
    try {
      fn.MakeCallback(Env().Global(), {arg}, *async_);
    } catch (const Napi::Error& e) {
      // A throwing JS handler: report it as Node reports any callback's exception.
      napi_fatal_exception(Env(), e.Value());
    }
  }

  Napi::Value Send(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (fd_ < 0) throw Napi::Error::New(env, "socket is closed");
    if (!info[0].IsTypedArray() || info[0].As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array)
      throw Napi::TypeError::New(env, "send(frame: Uint8Array)");
    Napi::Uint8Array frame = info[0].As<Napi::Uint8Array>();
    ssize_t sent;
    do sent = ::send(fd_, frame.Data(), frame.ByteLength(), MSG_DONTWAIT);
    while (sent < 0 && errno == EINTR);
    if (sent < 0) throw SystemError(env, "send", errno);
    return Napi::Number::New(env, static_cast<double>(sent));
  }

  // stats(): kernel counters since the last call (reading resets them): frames queued to us and
  // frames dropped because our receive buffer was full.
  Napi::Value Stats(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (fd_ < 0) throw Napi::Error::New(env, "socket is closed");
    tpacket_stats st{};
    socklen_t len = sizeof st;
    Check(env, "getsockopt(PACKET_STATISTICS)", getsockopt(fd_, SOL_PACKET, PACKET_STATISTICS, &st, &len));
    Napi::Object o = Napi::Object::New(env);
    o.Set("packets", Napi::Number::New(env, st.tp_packets));
    o.Set("drops", Napi::Number::New(env, st.tp_drops));
    return o;
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
    onFrames_.Reset();
    onError_.Reset();
    async_.reset();
    if (wasPolling) Unref();
    return info.Env().Undefined();
  }

  // Idempotent; safe from the destructor and the env cleanup hook (no JS calls).
  void Shutdown() {
    if (poll_ != nullptr) {
      poll_->data = nullptr;
      uv_poll_stop(poll_);
      uv_close(reinterpret_cast<uv_handle_t*>(poll_), [](uv_handle_t* h) { delete reinterpret_cast<uv_poll_t*>(h); });
      poll_ = nullptr;
    }
    if (fd_ >= 0) {
      napi_remove_env_cleanup_hook(Env(), &PacketSocket::OnEnvCleanup, this);
      ::close(fd_);
      fd_ = -1;
    }
  }

  static void OnEnvCleanup(void* arg) { static_cast<PacketSocket*>(arg)->Shutdown(); }

  int fd_ = -1;
  uv_poll_t* poll_ = nullptr;
  bool refed_ = true;
  Napi::FunctionReference onFrames_;
  Napi::FunctionReference onError_;
  std::unique_ptr<Napi::AsyncContext> async_;
  std::vector<uint8_t> buf_;
};

}  // namespace

Napi::Function InitPacketSocket(Napi::Env env) { return PacketSocket::Init(env); }

}  // namespace l2lb
