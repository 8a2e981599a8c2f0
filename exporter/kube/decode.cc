#include "exporter/kube/decode.h"

#include <openssl/crypto.h>

#include <cctype>
#include <charconv>
#include <ctime>

#include "certmanager/rate_limit.h"
#include "common/base64.h"
#include "common/x509.h"
#include "exporter/kube/decode_fields.h"

namespace certwatch {

namespace od = simdjson::ondemand;

using namespace decode_fields;  // NOLINT: this file is their main user

namespace {

// A string value as it stands in the JSON text, without unescaping it into the parser's own
// buffer: for secrets (base64 data, passwords), whose only copy must be the caller's buffer that
// it wipes. nullopt when it is not a string or holds an escape (then use Str()).
std::optional<std::string_view> RawString(od::value v) {
  od::raw_json_string raw;
  if (v.get_raw_json_string().get(raw) != simdjson::SUCCESS) return std::nullopt;
  const char* begin = raw.raw();
  const char* end = begin;
  // The string was validated by stage 1, so its closing quote is there; a backslash before it
  // means escapes.
  while (*end != '"') {
    if (*end == '\\') return std::nullopt;
    ++end;
  }
  return std::string_view(begin, static_cast<size_t>(end - begin));
}

// Base64 of a secret value, decoded from the JSON text in place (RawString).
Result<std::string> SecretBase64(od::value v) {
  auto raw = RawString(v);
  if (!raw) return Error{"not a base64 string"};
  return Base64Decode(*raw);
}

IssuerRef DecodeIssuerRef(od::value v) {
  IssuerRef r;
  Fields(v, [&](std::string_view k, od::value val) {
    if (k == "name")
      r.name = Str(val);
    else if (k == "kind")
      r.kind = Str(val);
    else if (k == "group")
      r.group = Str(val);
  });
  if (r.kind.empty()) r.kind = "Issuer";
  if (r.group.empty()) r.group = "cert-manager.io";
  return r;
}

}  // namespace

void DecodeMetaOnly(od::object obj, DecodeOutput& d) {
  Ctx c{"object", d};
  Fields(obj, [&](std::string_view k, od::value v) {
    if (k == "metadata") {
      Meta(v, c, nullptr, [&](std::string_view ak, od::value av) {
        if (ak == "k8s.io/initial-events-end") d.initial_events_end = Str(av) == "true";
      });
    }
  });
}

void DecodeCertificate(od::object obj, CertificateState& out, DecodeOutput& d) {
  Ctx c{"Certificate", d};
  Fields(obj, [&](std::string_view k, od::value v) {
    if (k == "metadata") {
      Meta(v, c, &out.labels, [&](std::string_view ak, od::value av) {
        if (ak.starts_with("certwatch.io/")) out.certwatch_annotations[std::string(ak)] = Str(av);
      });
    } else if (k == "spec") {
      Fields(v, [&](std::string_view sk, od::value sv) {
        if (sk == "secretName")
          out.secret_name = Str(sv);
        else if (sk == "dnsNames")
          out.dns_names = Strings(sv);
        else if (sk == "issuerRef")
          out.issuer = DecodeIssuerRef(sv);
      });
    } else if (k == "status") {
      Fields(v, [&](std::string_view sk, od::value sv) {
        if (sk == "conditions") {
          Conditions(sv, c, {{"Ready", &out.ready}, {"Issuing", &out.issuing}});
        } else if (sk == "notAfter") {
          out.not_after = Time(sv, c, "status.notAfter");
        } else if (sk == "notBefore") {
          out.not_before = Time(sv, c, "status.notBefore");
        } else if (sk == "renewalTime") {
          out.renewal_time = Time(sv, c, "status.renewalTime");
        } else if (sk == "lastFailureTime") {
          out.last_failure_time = Time(sv, c, "status.lastFailureTime");
        } else if (sk == "failedIssuanceAttempts") {
          out.failed_issuance_attempts = static_cast<int>(Int(sv));
        } else if (sk == "revision") {
          out.revision = static_cast<int>(Int(sv));
        }
      });
    }
  });
  out.ns = d.meta.ns;
  out.name = d.meta.name;
  out.generation = d.meta.generation;
  if (d.meta.owner_kind == "Ingress") out.owner_ingress = d.meta.owner_name;
}

void DecodeCertificateRequest(od::object obj, CertificateRequestState& out, DecodeOutput& d) {
  Ctx c{"CertificateRequest", d};
  Fields(obj, [&](std::string_view k, od::value v) {
    if (k == "metadata") {
      Meta(v, c, nullptr, [&](std::string_view ak, od::value av) {
        if (ak == "cert-manager.io/certificate-name") {
          out.certificate = Str(av);
        } else if (ak == "cert-manager.io/certificate-revision") {
          std::string_view s = Str(av);
          int rev = 0;
          if (std::from_chars(s.data(), s.data() + s.size(), rev).ec == std::errc()) {
            out.revision = rev;
          } else {
            c.Warn("metadata.annotations[cert-manager.io/certificate-revision]", "not a number");
          }
        }
      });
    } else if (k == "spec") {
      Fields(v, [&](std::string_view sk, od::value sv) {
        if (sk == "issuerRef") out.issuer = DecodeIssuerRef(sv);
      });
    } else if (k == "status") {
      Fields(v, [&](std::string_view sk, od::value sv) {
        if (sk == "conditions") {
          Conditions(sv, c,
                     {{"Ready", &out.ready}, {"Approved", &out.approved}, {"Denied", &out.denied}});
        } else if (sk == "failureTime") {
          out.failure_time = Time(sv, c, "status.failureTime");
        }
      });
    }
  });
  out.ns = d.meta.ns;
  out.name = d.meta.name;
  out.created = d.meta.created;
  if (out.certificate.empty() && d.meta.owner_kind == "Certificate") {
    out.certificate = d.meta.owner_name;
  }
}

void DecodeOrder(od::object obj, OrderState& out, DecodeOutput& d) {
  Ctx c{"Order", d};
  Fields(obj, [&](std::string_view k, od::value v) {
    if (k == "metadata") {
      Meta(v, c, nullptr, NoAnnotations);
    } else if (k == "spec") {
      Fields(v, [&](std::string_view sk, od::value sv) {
        if (sk == "issuerRef")
          out.issuer = DecodeIssuerRef(sv);
        else if (sk == "dnsNames")
          out.dns_names = Strings(sv);
      });
    } else if (k == "status") {
      Fields(v, [&](std::string_view sk, od::value sv) {
        if (sk == "state")
          out.state = Str(sv);
        else if (sk == "reason")
          out.reason = Str(sv);
        else if (sk == "failureTime")
          out.failure_time = Time(sv, c, "status.failureTime");
      });
    }
  });
  out.ns = d.meta.ns;
  out.name = d.meta.name;
  out.created = d.meta.created;
  if (d.meta.owner_kind == "CertificateRequest") out.request = d.meta.owner_name;
  out.rate_limited = certmanager::IsRateLimitedMessage(out.reason);
}

void DecodeChallenge(od::object obj, ChallengeState& out, DecodeOutput& d) {
  Ctx c{"Challenge", d};
  Fields(obj, [&](std::string_view k, od::value v) {
    if (k == "metadata") {
      Meta(v, c, nullptr, NoAnnotations);
    } else if (k == "spec") {
      Fields(v, [&](std::string_view sk, od::value sv) {
        if (sk == "type")
          out.type = Str(sv);
        else if (sk == "dnsName")
          out.dns_name = Str(sv);
        else if (sk == "wildcard")
          out.wildcard = Bool(sv);
        else if (sk == "key")
          out.key = Str(sv);
        else if (sk == "issuerRef")
          out.issuer = DecodeIssuerRef(sv);
      });
    } else if (k == "status") {
      Fields(v, [&](std::string_view sk, od::value sv) {
        if (sk == "presented")
          out.presented = Bool(sv);
        else if (sk == "processing")
          out.processing = Bool(sv);
        else if (sk == "state")
          out.state = Str(sv);
        else if (sk == "reason")
          out.reason = Str(sv);
      });
    }
  });
  out.ns = d.meta.ns;
  out.name = d.meta.name;
  out.created = d.meta.created;
  if (d.meta.owner_kind == "Order") out.order = d.meta.owner_name;
}

void DecodeIssuer(od::object obj, IssuerState& out, DecodeOutput& d) {
  Ctx c{"Issuer", d};
  Fields(obj, [&](std::string_view k, od::value v) {
    if (k == "metadata") {
      Meta(v, c, nullptr, NoAnnotations);
    } else if (k == "spec") {
      Fields(v, [&](std::string_view sk, od::value sv) {
        if (sk == "acme") {
          Fields(sv, [&](std::string_view ak, od::value av) {
            if (ak == "server")
              out.acme_server = Str(av);
            else if (ak == "email")
              out.acme_email = Str(av);
          });
        }
      });
    } else if (k == "status") {
      Fields(v, [&](std::string_view sk, od::value sv) {
        if (sk == "conditions") Conditions(sv, c, {{"Ready", &out.ready}});
      });
    }
  });
  out.ns = d.meta.ns;
  out.name = d.meta.name;
}

void DecodeIngress(od::object obj, IngressState& out, DecodeOutput& d) {
  Ctx c{"Ingress", d};
  Fields(obj, [&](std::string_view k, od::value v) {
    if (k == "metadata") {
      Meta(v, c, nullptr, [&](std::string_view ak, od::value av) {
        if (ak == "cert-manager.io/cluster-issuer")
          out.cluster_issuer_annotation = Str(av);
        else if (ak == "cert-manager.io/issuer")
          out.issuer_annotation = Str(av);
        else if (ak.starts_with("certwatch.io/"))
          out.certwatch_annotations[std::string(ak)] = Str(av);
      });
    } else if (k == "spec") {
      Fields(v, [&](std::string_view sk, od::value sv) {
        if (sk != "tls") return;
        Items(sv, [&](od::value tv) {
          IngressTls tls;
          Fields(tv, [&](std::string_view tk, od::value tval) {
            if (tk == "hosts")
              tls.hosts = Strings(tval);
            else if (tk == "secretName")
              tls.secret_name = Str(tval);
          });
          out.tls.push_back(std::move(tls));
        });
      });
    } else if (k == "status") {
      Fields(v, [&](std::string_view sk, od::value sv) {
        if (sk != "loadBalancer") return;
        Fields(sv, [&](std::string_view lk, od::value lv) {
          if (lk != "ingress") return;
          Items(lv, [&](od::value iv) {
            Fields(iv, [&](std::string_view ik, od::value addr) {
              if (ik == "ip" || ik == "hostname") {
                std::string_view a = Str(addr);
                if (!a.empty()) out.addresses.emplace_back(a);
              }
            });
          });
        });
      });
    }
  });
  out.ns = d.meta.ns;
  out.name = d.meta.name;
}

SecretKeystore::~SecretKeystore() { OPENSSL_cleanse(bytes.data(), bytes.size()); }

void DecodeSecret(od::object obj, SecretCertState& out, DecodeOutput& d) {
  DecodeSecretWithKeys(obj, out, d, {});
}

void DecodeSecretWithKeys(od::object obj, SecretCertState& out, DecodeOutput& d,
                          const std::vector<std::string>& keystore_keys) {
  Ctx c{"Secret", d};
  std::string type;
  std::string crt;  // decoded tls.crt
  std::string ca;   // decoded ca.crt
  bool has_crt = false;
  auto is_keystore = [&](std::string_view k) {
    for (std::string_view known : kCertManagerKeystoreKeys) {
      if (k == known) return true;
    }
    for (const auto& extra : keystore_keys) {
      if (k == extra) return true;
    }
    return false;
  };
  Fields(obj, [&](std::string_view k, od::value v) {
    if (k == "metadata") {
      Meta(v, c, nullptr, [&](std::string_view ak, od::value av) {
        if (ak == "cert-manager.io/certificate-name") out.certificate = Str(av);
      });
    } else if (k == "type") {
      type = Str(v);
    } else if (k == "data") {
      // Only tls.crt, ca.crt (for the issuer a CRL is verified with) and the keystores are
      // read; tls.key and any other entry are skipped without being decoded.
      Fields(v, [&](std::string_view dk, od::value dv) {
        if (dk == "tls.crt") {
          has_crt = true;
          auto decoded = Base64Decode(Str(dv));
          if (decoded)
            crt = std::move(*decoded);
          else
            c.Warn("data[tls.crt]", decoded.error().message);
        } else if (dk == "ca.crt") {
          auto decoded = Base64Decode(Str(dv));
          if (decoded) ca = std::move(*decoded);
        } else if (is_keystore(dk)) {
          SecretKeystore ks;
          ks.key = std::string(dk);
          auto decoded = SecretBase64(dv);
          if (decoded) ks.bytes = std::move(*decoded);  // invalid base64: empty, so corrupt
          d.keystores.push_back(std::move(ks));
        }
      });
    }
  });
  out.ns = d.meta.ns;
  out.name = d.meta.name;
  if (!has_crt) {
    out.error = "no tls.crt";
  } else if (!crt.empty()) {
    auto facts = ParseCertificates(crt);
    if (!facts) {
      out.error = facts.error().message;
    } else {
      for (const CertFacts& f : *facts) out.weak |= f.weak;
      out.facts = std::move(facts->front());  // the leaf; the rest of the chain is not kept
      std::string issuer = IssuerDerOf(crt, ca);
      if (!issuer.empty()) out.issuer_der = std::make_shared<const std::string>(std::move(issuer));
    }
    OPENSSL_cleanse(crt.data(), crt.size());
  }
  (void)type;
}

void DecodeCertificateKeystores(od::object obj, CertificateKeystores& out) {
  auto one = [](od::value v, CertificateKeystoreSpec& spec) {
    spec.present = true;
    Fields(v, [&](std::string_view k, od::value val) {
      if (k == "passwordSecretRef") {
        Fields(val, [&](std::string_view rk, od::value rv) {
          if (rk == "name")
            spec.password_secret_name = Str(rv);
          else if (rk == "key")
            spec.password_secret_key = Str(rv);
        });
      } else if (k == "password") {
        spec.password = RawString(val);
        // A password with JSON escapes is unescaped by simdjson into its own buffer.
        std::string_view pw;
        if (!spec.password && val.get_string().get(pw) == simdjson::SUCCESS) spec.password = pw;
      }
    });
  };
  Fields(obj, [&](std::string_view k, od::value v) {
    if (k != "spec") return;
    Fields(v, [&](std::string_view sk, od::value sv) {
      if (sk != "keystores") return;
      Fields(sv, [&](std::string_view fk, od::value fv) {
        if (fk == "pkcs12")
          one(fv, out.pkcs12);
        else if (fk == "jks")
          one(fv, out.jks);
      });
    });
  });
}

std::optional<std::string> DecodeSecretDataKey(od::object obj, std::string_view key) {
  std::optional<std::string> out;
  Fields(obj, [&](std::string_view k, od::value v) {
    if (k != "data") return;
    Fields(v, [&](std::string_view dk, od::value dv) {
      if (dk != key) return;
      auto decoded = SecretBase64(dv);
      if (decoded) out = std::move(*decoded);
    });
  });
  return out;
}

void DecodeRenewerEvent(od::object obj, RenewerEventState& out, DecodeOutput& d) {
  Ctx c{"Event", d};
  std::optional<UnixSeconds> last, first, event_time;
  std::string_view type;
  Fields(obj, [&](std::string_view k, od::value v) {
    if (k == "metadata") {
      Meta(v, c, nullptr, [&](std::string_view ak, od::value av) {
        if (ak == "certwatch.io/certificate")
          out.certificate = Str(av);
        else if (ak == "certwatch.io/action")
          out.record.action = Str(av);
      });
    } else if (k == "type") {
      type = Str(v);
      out.record.result = type == "Warning" ? "error" : "success";
    } else if (k == "lastTimestamp") {
      if (v.is_null()) return;
      last = Time(v, c, "lastTimestamp");
    } else if (k == "firstTimestamp") {
      if (v.is_null()) return;
      first = Time(v, c, "firstTimestamp");
    } else if (k == "eventTime") {
      if (v.is_null()) return;
      event_time = Time(v, c, "eventTime");
    }
  });
  out.record.at = last ? *last : event_time ? *event_time : first ? *first : d.meta.created;
  out.ns = d.meta.ns;
  out.name = d.meta.name;
}

void DecodeStatus(od::object obj, StatusObject& out) {
  Fields(obj, [&](std::string_view k, od::value v) {
    if (k == "code")
      out.code = Int(v);
    else if (k == "reason")
      out.reason = Str(v);
    else if (k == "message")
      out.message = Str(v);
  });
}

}  // namespace certwatch
