// The l2lb_packet addon: AF_PACKET sockets (packet_socket.cc) and a netlink link monitor
// (link_monitor.cc), both driven by libuv polling on the Node.js event loop.
#include "errors.h"

namespace {
Napi::Object InitModule(Napi::Env env, Napi::Object exports) {
  exports.Set("PacketSocket", l2lb::InitPacketSocket(env));
  exports.Set("LinkMonitor", l2lb::InitLinkMonitor(env));
  return exports;
}
}  // namespace

NODE_API_MODULE(l2lb_packet, InitModule)
