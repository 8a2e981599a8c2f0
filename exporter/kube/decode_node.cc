#include "exporter/kube/decode_node.h"

#include "exporter/kube/decode_fields.h"

namespace certwatch {

using namespace decode_fields;  // NOLINT: the shared decoding pieces

void DecodeNode(od::object obj, NodeState& out, DecodeOutput& d) {
  Ctx c{"Node", d};
  Fields(obj, [&](std::string_view k, od::value v) {
    if (k == "metadata") {
      Meta(v, c, nullptr, NoAnnotations);
    } else if (k == "status") {
      Fields(v, [&](std::string_view sk, od::value sv) {
        if (sk != "addresses") return;
        size_t i = 0;
        Items(sv, [&](od::value av) {
          std::string_view type, address;
          Fields(av, [&](std::string_view ak, od::value f) {
            if (ak == "type") type = Str(f);
            if (ak == "address") address = Str(f);
          });
          const std::string field = "status.addresses[" + std::to_string(i++) + "]";
          if (type == "InternalIP" && address.empty()) c.Warn(field + ".address", "empty");
          if (type == "InternalIP" && !address.empty()) out.internal_ips.emplace_back(address);
        });
      });
    }
  });
  out.ns.clear();
  out.name = d.meta.name;
}

}  // namespace certwatch
