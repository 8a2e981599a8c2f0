// ClusterReader on the Kubernetes API: single GETs and paginated lists, decoded with the
// Kubernetes source's decoders (exporter/kube/decode.h) into the same trimmed structs.
#pragma once

#include "common/kube/client.h"
#include "diagnose/gather.h"

namespace certwatch {

class KubeClusterReader final : public ClusterReader {
 public:
  explicit KubeClusterReader(KubeClient& client, int page_size = 500)
      : client_(client), page_size_(page_size) {}

  Result<std::optional<CertificateState>> Certificate(const std::string& ns,
                                                      const std::string& name) override;
  Result<std::optional<IssuerState>> Issuer(const std::string& ns, const IssuerRef& ref) override;
  Result<std::optional<SecretCertState>> Secret(const std::string& ns,
                                                const std::string& name) override;
  Result<std::vector<CertificateRequestState>> Requests(const std::string& ns) override;
  Result<std::vector<OrderState>> Orders(const std::string& ns) override;
  Result<std::vector<ChallengeState>> Challenges(const std::string& ns) override;
  Result<std::vector<IngressState>> Ingresses(const std::string& ns) override;
  Result<std::vector<KubeEvent>> Events(const std::string& ns, const std::string& kind,
                                        const std::string& name) override;

 private:
  KubeClient& client_;
  int page_size_;
};

}  // namespace certwatch
