#include "exporter/kube/decode_csr.h"

#include <gtest/gtest.h>

#include <string>

#include "tests/kube/decode_support.h"

namespace certwatch {
namespace {

CsrState DecodeCsrJson(const std::string& json, DecodeOutput& d) {
  return testing::DecodeJson<CsrState>(json, &DecodeCsr, d);
}

std::string Csr(const std::string& status) {
  return R"({"apiVersion": "certificates.k8s.io/v1", "kind": "CertificateSigningRequest",
    "metadata": {"name": "csr-8x2kq", "creationTimestamp": "2026-12-01T10:00:00Z",
                 "resourceVersion": "12"},
    "spec": {"signerName": "kubernetes.io/kubelet-serving", "request": "LS0tLS1CRUdJTg==",
             "usages": ["digital signature", "server auth"]},
    "status": )" +
         status + "}";
}

TEST(DecodeCsr, KeepsNameSignerAndCreation) {
  DecodeOutput d;
  auto c = DecodeCsrJson(Csr("{}"), d);
  EXPECT_EQ(d.warning, "");
  EXPECT_EQ(c.name, "csr-8x2kq");
  EXPECT_EQ(c.ns, "");
  EXPECT_EQ(c.signer_name, "kubernetes.io/kubelet-serving");
  EXPECT_EQ(c.created, 1796119200);  // 2026-12-01T10:00:00Z
  EXPECT_EQ(d.meta.resource_version, "12");
  EXPECT_EQ(c.condition, CsrCondition::kPending);
}

TEST(DecodeCsr, EachState) {
  const std::string approved = R"({"type": "Approved", "status": "True"})";
  struct Case {
    std::string status;
    CsrCondition want;
  } cases[] = {
      {R"({"conditions": []})", CsrCondition::kPending},
      {R"({"conditions": [{"type": "Approved", "status": "False"}]})", CsrCondition::kPending},
      {"{\"conditions\": [" + approved + "]}", CsrCondition::kApproved},
      {"{\"conditions\": [" + approved + "], \"certificate\": \"LS0tLS1CRUdJTg==\"}",
       CsrCondition::kIssued},
      {R"({"conditions": [{"type": "Denied", "status": "True", "reason": "Nope"}]})",
       CsrCondition::kDenied},
      // Approved, then the signer failed: Failed wins, whatever the order.
      {R"({"conditions": [{"type": "Failed", "status": "True"}, )" + approved + "]}",
       CsrCondition::kFailed},
      {"{\"conditions\": [" + approved + R"(, {"type": "Denied", "status": "True"}]})",
       CsrCondition::kDenied},
  };
  for (const auto& c : cases) {
    DecodeOutput d;
    EXPECT_EQ(DecodeCsrJson(Csr(c.status), d).condition, c.want) << c.status;
    EXPECT_EQ(d.warning, "") << c.status;
  }
  EXPECT_EQ(ToString(CsrCondition::kIssued), "Issued");
}

TEST(DecodeCsr, AWrongTypedFieldIsAWarningNamingObjectAndField) {
  DecodeOutput d;
  auto c = DecodeCsrJson(R"({"metadata": {"name": "csr-1", "creationTimestamp": "yesterday"},
    "spec": {"signerName": 7}, "status": {"conditions": "none"}})",
                         d);
  EXPECT_EQ(c.name, "csr-1");
  EXPECT_EQ(c.signer_name, "");
  EXPECT_EQ(c.condition, CsrCondition::kPending);
  EXPECT_EQ(d.warning,
            "CertificateSigningRequest csr-1: metadata.creationTimestamp: not RFC 3339: "
            "\"yesterday\"");
  DecodeOutput d2;
  DecodeCsrJson(R"({"metadata": {"name": "csr-2"}, "spec": {"signerName": 7}})", d2);
  EXPECT_EQ(d2.warning, "CertificateSigningRequest csr-2: spec.signerName: not a string");
}

}  // namespace
}  // namespace certwatch
