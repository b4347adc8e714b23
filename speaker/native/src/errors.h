// System errors as JS exceptions with Node's fields: code (errno name), errno (negative), syscall.
#pragma once
#include <napi.h>
#include <uv.h>

#include <cstring>
#include <string>

namespace l2lb {

inline Napi::Error SystemError(Napi::Env env, const char* syscall, int err) {
  const char* name = uv_err_name(uv_translate_sys_error(err));
  Napi::Error e = Napi::Error::New(env, std::string(syscall) + " failed: " + std::strerror(err) + " (" + name + ")");
  e.Set("code", Napi::String::New(env, name));
  e.Set("errno", Napi::Number::New(env, -err));
  e.Set("syscall", Napi::String::New(env, syscall));
  return e;
}

Napi::Function InitPacketSocket(Napi::Env env);
Napi::Function InitLinkMonitor(Napi::Env env);

}  // namespace l2lb
