#include "cmd/web_options.h"

namespace certwatch {

Result<WebServerOptions> WebServerOptionsFor(const WebConfig& web) {
  WebServerOptions options;
  options.listen_address = web.listen_address;
  if (!web.config_file.empty()) {
    return Error{web.config_file + ": web config files are not supported yet"};
  }
  return options;
}

}  // namespace certwatch
