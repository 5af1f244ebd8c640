#include <napi.h>

// Placeholder: replaced by the socket implementation.
static Napi::Object Init(Napi::Env env, Napi::Object exports) { return exports; }
NODE_API_MODULE(multibully, Init)
