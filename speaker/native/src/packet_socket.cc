// AF_PACKET socket for Node.js: the one thing no maintained npm package offers. A SOCK_RAW
// packet socket bound to one interface and one ethertype, with a classic BPF filter attached
// before the bind (so no unfiltered frame is ever queued), non-blocking. Frames arrive through
// libuv (polled_socket.h): uv_poll wakes us when the socket is readable, we recv() until EAGAIN
// (at most kMaxBatch frames per wakeup, so a flood cannot starve the event loop) and hand the
// batch to JavaScript as one array of Buffers. Nothing here blocks the event loop. Errors become
// JS exceptions carrying the errno name in `code` (EPERM, ENETDOWN, ...), as Node's own do.
//
// Outgoing frames. The kernel never loops a frame back to the socket that sent it, but an
// ETH_P_ALL packet socket on an interface sees what other local senders transmit (our other
// socket, the kernel, arping) with sll_pkttype PACKET_OUTGOING (a socket bound to one ethertype
// does not: the kernel shows outgoing frames to ETH_P_ALL taps only). PACKET_IGNORE_OUTGOING (Linux 4.20+) keeps
// them out. Older kernels (RHEL 8's 4.18) refuse the option with ENOPROTOOPT; then a BPF prefix
// drops PACKET_OUTGOING frames in the kernel instead (the ancillary pkttype load exists since
// 2.6). Either way the receive loop also skips any PACKET_OUTGOING frame it reads.
#include "errors.h"
#include "polled_socket.h"

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

class PacketSocket : public PolledSocket<PacketSocket> {
 public:
  static Napi::Function Init(Napi::Env env) {
    return DefineClass(env, "PacketSocket",
                       {InstanceMethod("start", &PacketSocket::Start), InstanceMethod("send", &PacketSocket::Send),
                        InstanceMethod("close", &PacketSocket::CloseMethod), InstanceMethod("ref", &PacketSocket::RefMethod),
                        InstanceMethod("unref", &PacketSocket::UnrefMethod), InstanceMethod("stats", &PacketSocket::Stats),
                        InstanceMethod("outgoingFilter", &PacketSocket::OutgoingFilter)});
  }

  // new PacketSocket(ifindex, ethertype, filter?: [code, jt, jf, k][], receiveBufferBytes?: number,
  //                  skipIgnoreOutgoing?: boolean)
  // skipIgnoreOutgoing: behave as on a kernel without PACKET_IGNORE_OUTGOING (for tests).
  explicit PacketSocket(const Napi::CallbackInfo& info) : PolledSocket<PacketSocket>(info), buf_(kMaxFrame) {
    Napi::Env env = info.Env();
    if (!info[0].IsNumber() || !info[1].IsNumber()) throw Napi::TypeError::New(env, "ifindex and ethertype must be numbers");
    int ifindex = info[0].As<Napi::Number>().Int32Value();
    uint32_t ethertype = info[1].As<Napi::Number>().Uint32Value();
    if (ifindex <= 0 || ethertype > 0xffff) throw Napi::RangeError::New(env, "ifindex must be > 0 and ethertype 0..0xffff");
    std::vector<sock_filter> prog = ParseFilter(env, info[2]);
    bool skipIgnoreOutgoing = info[4].IsBoolean() && info[4].As<Napi::Boolean>().Value();

    // Protocol 0 receives nothing until bind(), so the filter is in place before any frame.
    int fd = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) throw SystemError(env, "socket", errno);
    try {
      int one = 1;
      int rc = skipIgnoreOutgoing ? -1 : setsockopt(fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof one);
      int err = skipIgnoreOutgoing ? ENOPROTOOPT : errno;
      if (rc < 0 && err != ENOPROTOOPT && err != EINVAL) throw SystemError(env, "setsockopt(PACKET_IGNORE_OUTGOING)", err);
      if (rc < 0) {
        prog = DropOutgoingThen(env, prog);
        kernelIgnoresOutgoing_ = false;
      }
      if (!prog.empty()) {
        sock_fprog fprog{static_cast<unsigned short>(prog.size()), prog.data()};
        Check(env, "setsockopt(SO_ATTACH_FILTER)", setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &fprog, sizeof fprog));
      }
      if (info[3].IsNumber()) {
        int bytes = info[3].As<Napi::Number>().Int32Value();
        // FORCE passes net.core.rmem_max (we run with CAP_NET_ADMIN in the lab, maybe not in a pod).
        if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &bytes, sizeof bytes) < 0)
          Check(env, "setsockopt(SO_RCVBUF)", setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &bytes, sizeof bytes));
      }
      sockaddr_ll addr{};
      addr.sll_family = AF_PACKET;
      addr.sll_protocol = htons(static_cast<uint16_t>(ethertype));
      addr.sll_ifindex = ifindex;
      Check(env, "bind", bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr));
    } catch (...) {
      ::close(fd);
      throw;
    }
    Adopt(env, fd);
  }

  // Drain (called by PolledSocket) and ResetCallbacks.
  void Drain(int status) {
    Napi::Env env = Env();
    int err = 0;
    if (status < 0) {
      // libuv turns POLLERR into UV_EBADF and stops the handle. For a packet socket POLLERR means
      // a pending socket error (ENETDOWN when the link goes down; the kernel rebinds us when it
      // comes back up): fetch the real error, which also clears it, and poll again.
      int soerr = TakeSocketError();
      if (soerr == 0) {
        ReportError(SystemError(env, "uv_poll", -status).Value());
        return;  // the handle stays stopped: the socket is unusable, the owner should reopen
      }
      err = soerr;
      if (!RestartPolling()) return;  // reported
    }
    int reported = err;
    if (err != 0) ReportError(SystemError(env, "recv", err).Value());
    if (closed()) return;  // closed by the error handler
    err = 0;
    Napi::Array frames = Napi::Array::New(env);
    uint32_t n = 0;
    for (int reads = 0; err == 0 && reads < kMaxBatch; reads++) {
      sockaddr_ll from{};
      socklen_t fromLen = sizeof from;
      ssize_t len = recvfrom(fd(), buf_.data(), buf_.size(), MSG_TRUNC, reinterpret_cast<sockaddr*>(&from), &fromLen);
      if (len < 0) {
        if (errno == EINTR) continue;
        if (errno != EAGAIN && errno != EWOULDBLOCK) err = errno;  // e.g. ENETDOWN: the link went down
        break;
      }
      if (from.sll_pkttype == PACKET_OUTGOING) continue;  // another local sender's frame (see top)
      size_t got = static_cast<size_t>(len) > buf_.size() ? buf_.size() : static_cast<size_t>(len);
      frames.Set(n++, Napi::Buffer<uint8_t>::Copy(env, buf_.data(), got));
    }
    if (n > 0) Call(onFrames_, {frames});
    if (err != 0 && err != reported && !closed()) ReportError(SystemError(env, "recv", err).Value());
  }

  void ResetCallbacks() { onFrames_.Reset(); }

 private:
  static void Check(Napi::Env env, const char* what, int rc) {
    if (rc < 0) throw SystemError(env, what, errno);
  }

  // The fallback for kernels without PACKET_IGNORE_OUTGOING: drop frames whose skb pkt_type is
  // PACKET_OUTGOING, then run the caller's program (or accept). Jumps in classic BPF are relative,
  // so the caller's program needs no rewriting behind the prefix.
  static std::vector<sock_filter> DropOutgoingThen(Napi::Env env, const std::vector<sock_filter>& prog) {
    std::vector<sock_filter> out{
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, static_cast<uint32_t>(SKF_AD_OFF + SKF_AD_PKTTYPE)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, PACKET_OUTGOING, 0, 1),
        BPF_STMT(BPF_RET | BPF_K, 0),
    };
    if (prog.empty())
      out.push_back(BPF_STMT(BPF_RET | BPF_K, 0x40000));
    else
      out.insert(out.end(), prog.begin(), prog.end());
    if (out.size() > BPF_MAXINSNS) throw Napi::RangeError::New(env, "filter too long for the outgoing-frame prefix");
    return out;
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
    if (!info[0].IsFunction() || !info[1].IsFunction()) throw Napi::TypeError::New(env, "start(onFrames, onError)");
    StartPolling(env, "l2lb:PacketSocket", info[1].As<Napi::Function>());
    onFrames_ = Napi::Persistent(info[0].As<Napi::Function>());
    return env.Undefined();
  }

  Napi::Value Send(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (closed()) throw Napi::Error::New(env, "socket is closed");
    if (!info[0].IsTypedArray() || info[0].As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array)
      throw Napi::TypeError::New(env, "send(frame: Uint8Array)");
    Napi::Uint8Array frame = info[0].As<Napi::Uint8Array>();
    ssize_t sent;
    do sent = ::send(fd(), frame.Data(), frame.ByteLength(), MSG_DONTWAIT);
    while (sent < 0 && errno == EINTR);
    if (sent < 0) throw SystemError(env, "send", errno);
    return Napi::Number::New(env, static_cast<double>(sent));
  }

  // stats(): kernel counters since the last call (reading resets them): frames queued to us and
  // frames dropped because our receive buffer was full.
  Napi::Value Stats(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (closed()) throw Napi::Error::New(env, "socket is closed");
    tpacket_stats st{};
    socklen_t len = sizeof st;
    Check(env, "getsockopt(PACKET_STATISTICS)", getsockopt(fd(), SOL_PACKET, PACKET_STATISTICS, &st, &len));
    Napi::Object o = Napi::Object::New(env);
    o.Set("packets", Napi::Number::New(env, st.tp_packets));
    o.Set("drops", Napi::Number::New(env, st.tp_drops));
    return o;
  }

  // outgoingFilter(): how other local senders' frames are kept out: "socket-option"
  // (PACKET_IGNORE_OUTGOING) or "bpf" (the fallback prefix).
  Napi::Value OutgoingFilter(const Napi::CallbackInfo& info) {
    return Napi::String::New(info.Env(), kernelIgnoresOutgoing_ ? "socket-option" : "bpf");
  }

  bool kernelIgnoresOutgoing_ = true;
  Napi::FunctionReference onFrames_;
  std::vector<uint8_t> buf_;
};

}  // namespace

Napi::Function InitPacketSocket(Napi::Env env) { return PacketSocket::Init(env); }

}  // namespace l2lb
