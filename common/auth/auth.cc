#include "common/auth/auth.h"

#include <openssl/sha.h>
#include <sys/stat.h>

#include <array>
#include <fstream>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "common/status/status.h"

namespace hotline::auth {
namespace {

constexpr std::array<std::pair<Role, absl::string_view>, 8> kRoleNames = {{
    {Role::kCallAgent, "CALL_AGENT"},
    {Role::kCenterStaff, "CENTER_STAFF"},
    {Role::kUnitStaff, "UNIT_STAFF"},
    {Role::kUnitLead, "UNIT_LEAD"},
    {Role::kEvaluator, "EVALUATOR"},
    {Role::kAuditor, "AUDITOR"},
    {Role::kService, "SERVICE"},
    {Role::kChannelGateway, "CHANNEL_GATEWAY"},
}};

constexpr std::array<absl::string_view, 4> kServiceNames = {
    "intake", "routing", "deadline", "assessment"};

std::string Digest(absl::string_view token) {
  unsigned char out[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(token.data()), token.size(),
         out);
  return std::string(reinterpret_cast<const char*>(out), sizeof(out));
}

}  // namespace

bool IsServiceName(absl::string_view name) {
  for (absl::string_view s : kServiceNames) {
    if (s == name) return true;
  }
  return false;
}

absl::string_view RoleName(Role role) {
  for (const auto& [r, name] : kRoleNames) {
    if (r == role) return name;
  }
  return "UNKNOWN";
}

std::optional<Role> RoleFromName(absl::string_view name) {
  for (const auto& [r, n] : kRoleNames) {
    if (n == name) return r;
  }
  return std::nullopt;
}

absl::StatusOr<TokenStore> TokenStore::Parse(absl::string_view text) {
  TokenStore store;
  int line_no = 0;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    ++line_no;
    if (size_t hash = line.find('#'); hash != absl::string_view::npos) {
      line = line.substr(0, hash);
    }
    std::vector<absl::string_view> fields =
        absl::StrSplit(line, absl::ByAnyChar(" \t\r"), absl::SkipEmpty());
    if (fields.empty()) continue;
    auto bad = [&](absl::string_view why) {
      return absl::InvalidArgumentError(
          absl::StrCat("token file line ", line_no, ": ", why));
    };
    if (fields.size() < 2 || fields.size() > 3) {
      return bad("expected TOKEN ROLE [UNIT_ID | SERVICE_NAME]");
    }
    if (fields[0].size() < 8) return bad("token shorter than 8 characters");
    std::optional<Role> role = RoleFromName(fields[1]);
    if (!role) return bad(absl::StrCat("unknown role \"", fields[1], "\""));
    Principal p;
    p.role = *role;
    if (p.role == Role::kService) {
      if (fields.size() == 3) {
        if (!IsServiceName(fields[2])) {
          return bad(absl::StrCat(
              "SERVICE names one of intake, routing, deadline, assessment, "
              "not \"",
              fields[2], "\""));
        }
        p.service = std::string(fields[2]);
      }
    } else if (fields.size() == 3) {
      p.unit_id = std::string(fields[2]);
    }
    if ((p.role == Role::kUnitStaff || p.role == Role::kUnitLead) &&
        p.unit_id.empty()) {
      return bad(absl::StrCat(fields[1], " must name its UNIT_ID"));
    }
    std::string digest = Digest(fields[0]);
    p.id = absl::StrCat("tok-", absl::BytesToHexString(digest.substr(0, 4)));
    if (!store.by_digest_.emplace(std::move(digest), std::move(p)).second) {
      return bad("token listed twice");
    }
  }
  return store;
}

absl::StatusOr<TokenStore> TokenStore::LoadFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) {
    return absl::InvalidArgumentError(
        absl::StrCat("token file ", path, " cannot be read"));
  }
  std::stringstream buffer;
  buffer << in.rdbuf();
  auto store = Parse(buffer.str());
  if (!store.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": ", store.status().message()));
  }
  return store;
}

absl::StatusOr<Principal> TokenStore::Authenticate(
    std::optional<absl::string_view> authorization) const {
  if (!authorization.has_value()) {
    return absl::UnauthenticatedError(
        "missing authorization metadata (Bearer token)");
  }
  absl::string_view value = absl::StripAsciiWhitespace(*authorization);
  if (!absl::ConsumePrefix(&value, "Bearer ") &&
      !absl::ConsumePrefix(&value, "bearer ")) {
    return absl::UnauthenticatedError(
        "authorization must be \"Bearer <token>\"");
  }
  auto it = by_digest_.find(Digest(absl::StripAsciiWhitespace(value)));
  if (it == by_digest_.end()) {
    return absl::UnauthenticatedError("unknown bearer token");
  }
  return it->second;
}

absl::StatusOr<std::unique_ptr<TokenFile>> TokenFile::Open(std::string path) {
  std::unique_ptr<TokenFile> file(new TokenFile(std::move(path)));
  RETURN_IF_ERROR(file->Reload());
  return file;
}

std::optional<TokenFile::Identity> TokenFile::Stat(const std::string& path) {
  struct stat st;
  if (stat(path.c_str(), &st) != 0) return std::nullopt;
  Identity id;
  id.dev = st.st_dev;
  id.ino = st.st_ino;
  id.size = st.st_size;
  id.mtime_ns =
      static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
  return id;
}

absl::Status TokenFile::Reload() {
  absl::MutexLock reload_lock(&reload_mu_);
  const std::optional<Identity> before = Stat(path_);
  seen_ = before;
  absl::StatusOr<TokenStore> store = TokenStore::LoadFile(path_);
  if (!store.ok()) return store.status();
  if (!(Stat(path_) == before)) {
    seen_.reset();  // read again at the next poll
    return absl::UnavailableError(absl::StrCat(
        "token file ", path_,
        " changed while it was read; kept the previous tokens (write the "
        "new file beside it and rename it into place)"));
  }
  auto next = std::make_shared<const TokenStore>(*std::move(store));
  absl::MutexLock lock(&mu_);
  current_ = std::move(next);
  return absl::OkStatus();
}

absl::StatusOr<bool> TokenFile::ReloadIfChanged() {
  {
    absl::MutexLock reload_lock(&reload_mu_);
    if (Stat(path_) == seen_) return false;
  }
  RETURN_IF_ERROR(Reload());
  return true;
}

size_t TokenFile::size() const {
  absl::MutexLock lock(&mu_);
  return current_ == nullptr ? 0 : current_->size();
}

absl::StatusOr<Principal> TokenFile::Authenticate(
    std::optional<absl::string_view> authorization) const {
  std::shared_ptr<const TokenStore> store;
  {
    absl::MutexLock lock(&mu_);
    store = current_;
  }
  return store->Authenticate(authorization);
}

absl::Status RequireRole(const Principal& principal,
                         std::initializer_list<Role> roles) {
  for (Role r : roles) {
    if (principal.role == r) return absl::OkStatus();
  }
  std::vector<absl::string_view> names;
  for (Role r : roles) names.push_back(RoleName(r));
  return absl::PermissionDeniedError(absl::StrCat(
      "role ", RoleName(principal.role), " may not do this; requires ",
      absl::StrJoin(names, " or ")));
}

absl::Status RequireNamedService(const Principal& principal) {
  if (absl::Status s = RequireRole(principal, {Role::kService}); !s.ok()) {
    return s;
  }
  if (principal.service.empty()) {
    return absl::PermissionDeniedError(
        "this SERVICE token names no service (token file: TOKEN SERVICE "
        "<intake|routing|deadline|assessment>)");
  }
  return absl::OkStatus();
}

absl::Status RequireUnit(const Principal& principal,
                         absl::string_view unit_id) {
  if (!principal.unit_id.empty() && principal.unit_id == unit_id) {
    return absl::OkStatus();
  }
  return absl::PermissionDeniedError(
      absl::StrCat("principal of unit \"", principal.unit_id,
                   "\" may not act for unit \"", unit_id, "\""));
}

}  // namespace hotline::auth
