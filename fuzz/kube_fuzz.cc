// Kubernetes API responses (objects, watch events) and kubeconfigs: every decoder takes any
// JSON the API server (or a man in the middle) sends without crashing.
#include <simdjson.h>

#include <cstddef>
#include <cstdint>
#include <string>

#include "common/kube/kubeconfig.h"
#include "exporter/kube/decode.h"
#include "exporter/kube/decode_ca_bundles.h"
#include "exporter/kube/decode_configmap.h"
#include "exporter/kube/decode_csr.h"
#include "exporter/kube/decode_node.h"
#include "state/state_api.h"

namespace cw = certwatch;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  // The first byte picks the decoder, the rest is the document.
  const uint8_t which = data[0] % 19;
  std::string_view body(reinterpret_cast<const char*>(data + 1), size - 1);
  if (which == 7) {
    (void)cw::ParseKubeconfig(body, "fuzz.kubeconfig", "/nonexistent");
    return 0;
  }
  if (which == 8) {
    (void)cw::ParseStateJson(body);
    return 0;
  }
  simdjson::padded_string padded(body);
  simdjson::ondemand::parser parser;
  simdjson::ondemand::document doc;
  if (parser.iterate(padded).get(doc) != simdjson::SUCCESS) return 0;
  simdjson::ondemand::object obj;
  if (doc.get_object().get(obj) != simdjson::SUCCESS) return 0;
  cw::DecodeOutput out;
  try {
    switch (which) {
      case 0: {
        cw::CertificateState s;
        cw::DecodeCertificate(obj, s, out);
        break;
      }
      case 1: {
        cw::CertificateRequestState s;
        cw::DecodeCertificateRequest(obj, s, out);
        break;
      }
      case 2: {
        cw::OrderState s;
        cw::DecodeOrder(obj, s, out);
        break;
      }
      case 3: {
        cw::ChallengeState s;
        cw::DecodeChallenge(obj, s, out);
        break;
      }
      case 4: {
        cw::IssuerState s;
        cw::DecodeIssuer(obj, s, out);
        break;
      }
      case 5: {
        cw::IngressState s;
        cw::DecodeIngress(obj, s, out);
        break;
      }
      case 9: {
        cw::CsrState s;
        cw::DecodeCsr(obj, s, out);
        break;
      }
      case 10:
      case 11:
      case 12:
      case 13: {
        cw::CaBundleObjectState s;
        if (which == 10) cw::DecodeValidatingWebhookConfiguration(obj, s, out);
        if (which == 11) cw::DecodeMutatingWebhookConfiguration(obj, s, out);
        if (which == 12) cw::DecodeApiService(obj, s, out);
        if (which == 13) cw::DecodeCrdConversion(obj, s, out);
        break;
      }
      case 14: {
        cw::ServiceState s;
        cw::DecodeService(obj, s, out);
        break;
      }
      case 15: {
        cw::EndpointSliceState s;
        cw::DecodeEndpointSlice(obj, s, out);
        break;
      }
      case 16: {
        cw::NodeState s;
        cw::DecodeNode(obj, s, out);
        break;
      }
      case 17: {
        cw::ConfigMapCertsState s;
        cw::DecodeConfigMap(obj, s, out);
        break;
      }
      case 18: {
        cw::BundleState s;
        cw::DecodeBundle(obj, s, out);
        break;
      }
      default: {
        cw::SecretCertState s;
        cw::DecodeSecret(obj, s, out);
        break;
      }
    }
  } catch (const simdjson::simdjson_error&) {
    // The source catches these at its boundary and counts the object as undecodable.
  }
  return 0;
}
