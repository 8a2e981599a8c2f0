// The pieces every decoder of exporter/kube shares: walking an object's fields and arrays
// without throwing, the warning that names the object and field ("Certificate default/web:
// status.notAfter: not RFC 3339: \"x\""), metadata and status.conditions. A field of the wrong
// type reads as empty.
#pragma once

#include <simdjson.h>

#include <initializer_list>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/time.h"
#include "exporter/kube/decode.h"

namespace certwatch::decode_fields {

namespace od = simdjson::ondemand;

// Context for one object: names the object in warnings.
struct Ctx {
  const char* kind;
  DecodeOutput& d;
  void Warn(std::string_view field, std::string_view what) {
    if (!d.warning.empty()) return;
    d.warning = std::string(kind) + " " +
                (d.meta.ns.empty() ? d.meta.name : d.meta.ns + "/" + d.meta.name) + ": " +
                std::string(field) + ": " + std::string(what);
  }
};

inline std::string_view Str(od::value v) {
  std::string_view s;
  if (v.get_string().get(s) != simdjson::SUCCESS) return {};
  return s;
}

inline bool Bool(od::value v) {
  bool b = false;
  if (v.get_bool().get(b) != simdjson::SUCCESS) return false;
  return b;
}

inline int64_t Int(od::value v) {
  int64_t i = 0;
  if (v.get_int64().get(i) != simdjson::SUCCESS) return 0;
  return i;
}

inline std::optional<UnixSeconds> Time(od::value v, Ctx& c, std::string_view field) {
  std::string_view s;
  if (v.get_string().get(s) != simdjson::SUCCESS) {
    c.Warn(field, "not a string");
    return std::nullopt;
  }
  auto t = ParseRfc3339(s);
  if (!t) c.Warn(field, "not RFC 3339: \"" + std::string(s.substr(0, 64)) + "\"");
  return t;
}

template <typename F>
void Fields(od::value v, F&& f) {
  od::object obj;
  if (v.get_object().get(obj) != simdjson::SUCCESS) return;
  for (auto field : obj) {
    std::string_view key;
    if (field.unescaped_key().get(key) != simdjson::SUCCESS) return;
    f(key, field.value());
  }
}

template <typename F>
void Fields(od::object obj, F&& f) {
  for (auto field : obj) {
    std::string_view key;
    if (field.unescaped_key().get(key) != simdjson::SUCCESS) return;
    f(key, field.value());
  }
}

template <typename F>
void Items(od::value v, F&& f) {
  od::array arr;
  if (v.get_array().get(arr) != simdjson::SUCCESS) return;
  for (auto item : arr) {
    od::value iv;
    if (item.get(iv) != simdjson::SUCCESS) return;
    f(iv);
  }
}

inline std::vector<std::string> Strings(od::value v) {
  std::vector<std::string> out;
  Items(v, [&](od::value s) {
    std::string_view sv = Str(s);
    if (!sv.empty()) out.emplace_back(sv);
  });
  return out;
}

using StringMap = StringPairs;

// metadata; labels into `labels` (if given); annotations through `ann`.
template <typename Ann>
void Meta(od::value v, Ctx& c, StringMap* labels, Ann&& ann) {
  ObjectMeta& m = c.d.meta;
  Fields(v, [&](std::string_view k, od::value val) {
    if (k == "name") {
      m.name = Str(val);
    } else if (k == "namespace") {
      m.ns = Str(val);
    } else if (k == "resourceVersion") {
      m.resource_version = Str(val);
    } else if (k == "generation") {
      m.generation = Int(val);
    } else if (k == "creationTimestamp") {
      if (auto t = Time(val, c, "metadata.creationTimestamp")) m.created = *t;
    } else if (k == "labels") {
      if (labels) {
        Fields(val,
               [&](std::string_view lk, od::value lv) { (*labels)[std::string(lk)] = Str(lv); });
      }
    } else if (k == "annotations") {
      Fields(val, [&](std::string_view ak, od::value av) { ann(ak, av); });
    } else if (k == "ownerReferences") {
      Items(val, [&](od::value ref) {
        std::string kind, name;
        bool controller = false;
        Fields(ref, [&](std::string_view rk, od::value rv) {
          if (rk == "kind")
            kind = Str(rv);
          else if (rk == "name")
            name = Str(rv);
          else if (rk == "controller")
            controller = Bool(rv);
        });
        if (m.owner_kind.empty() || controller) {
          m.owner_kind = std::move(kind);
          m.owner_name = std::move(name);
        }
      });
    }
  });
}

inline void NoAnnotations(std::string_view, od::value) {}

// Ready=True, Approved=True, and Denied other than True: the states that explain no failure.
inline bool HealthyCondition(std::string_view type, std::string_view status) {
  if (type == "Denied") return status != "True";
  return status == "True" && (type == "Ready" || type == "Approved");
}

// status.conditions: the listed types into their slots.
inline void Conditions(od::value v, Ctx& c,
                       std::initializer_list<std::pair<std::string_view, Condition*>> slots) {
  Items(v, [&](od::value cv) {
    Condition cond;
    std::string type;
    Fields(cv, [&](std::string_view k, od::value val) {
      if (k == "type")
        type = Str(val);
      else if (k == "status")
        cond.status = Str(val);
      else if (k == "reason")
        cond.reason = Str(val);
      else if (k == "message")
        cond.message = Str(val);
      else if (k == "observedGeneration")
        cond.observed_generation = Int(val);
      else if (k == "lastTransitionTime") {
        if (auto t = Time(val, c, "status.conditions.lastTransitionTime"))
          cond.last_transition = *t;
      }
    });
    for (auto& [name, slot] : slots) {
      if (type == name) {
        // Messages are kept only while they explain a failure: a healthy condition's is
        // boilerplate ("Certificate is up to date and has not expired"), once per object.
        if (HealthyCondition(name, cond.status)) cond.message.clear();
        *slot = std::move(cond);
        break;
      }
    }
  });
}

}  // namespace certwatch::decode_fields
