#include "services/deadline/core/notifier.h"

#include <arpa/inet.h>
#include <grpcpp/grpcpp.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/log/log.h"
#include "common/server/proto_enum.h"
#include "common/server/proto_time.h"
#include "common/server/tls.h"
#include "common/status/grpc_status.h"
#include "hotline/v1/routing.grpc.pb.h"
#include "services/deadline/domain/clock_rules.h"

namespace hotline::deadline {
namespace {

class LogNotifier final : public Notifier {
 public:
  absl::Status Deliver(const NoticeRow& n) override {
    log::Info("notice.stored",
              {{"notice_id", absl::StrCat(n.notice_id)},
               {"ticket_number", n.ticket_number},
               {"step", server::ShortEnumName(n.step)},
               {"recipient_unit", n.recipient_unit},
               {"recipient_kind", absl::StrCat(n.recipient_kind)},
               {"channel", absl::StrCat(n.channel)}});
    return absl::OkStatus();
  }
  bool external() const override { return false; }
};

class WebhookNotifier final : public Notifier {
 public:
  WebhookNotifier(std::string host, int port, std::string path)
      : host_(std::move(host)), port_(port), path_(std::move(path)) {}

  absl::Status Deliver(const NoticeRow& n) override {
    const std::string body = absl::StrCat(
        "{\"notice_id\":\"", n.notice_id, "\",\"ticket_number\":\"",
        log::JsonEscape(n.ticket_number), "\",\"step\":\"",
        server::ShortEnumName(n.step), "\",\"recipient_unit\":\"",
        log::JsonEscape(n.recipient_unit), "\",\"recipient_name\":\"",
        log::JsonEscape(n.name), "\",\"channel\":", static_cast<int>(n.channel),
        ",\"address\":\"", log::JsonEscape(n.address), "\",\"text\":\"",
        log::JsonEscape(n.text), "\"}");
    const std::string request = absl::StrCat(
        "POST ", path_, " HTTP/1.1\r\nHost: ", host_, ":", port_,
        "\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ",
        body.size(), "\r\nConnection: close\r\n\r\n", body);
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* res = nullptr;
    if (getaddrinfo(host_.c_str(), absl::StrCat(port_).c_str(), &hints, &res) !=
            0 ||
        res == nullptr) {
      return absl::UnavailableError("webhook: cannot resolve host");
    }
    const int fd = socket(res->ai_family, res->ai_socktype, res->ai_protocol);
    timeval tv{2, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    const bool connected =
        fd >= 0 && connect(fd, res->ai_addr, res->ai_addrlen) == 0;
    freeaddrinfo(res);
    if (!connected) {
      if (fd >= 0) close(fd);
      return absl::UnavailableError("webhook: cannot connect");
    }
    size_t sent = 0;
    while (sent < request.size()) {
      const ssize_t k =
          send(fd, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
      if (k <= 0) {
        close(fd);
        return absl::UnavailableError("webhook: send failed");
      }
      sent += static_cast<size_t>(k);
    }
    char buf[256];
    const ssize_t got = recv(fd, buf, sizeof buf - 1, 0);
    close(fd);
    if (got <= 0) return absl::UnavailableError("webhook: no answer");
    buf[got] = 0;
    // "HTTP/1.1 200 OK"
    absl::string_view status_line(buf, static_cast<size_t>(got));
    const size_t sp = status_line.find(' ');
    int code = 0;
    if (sp == absl::string_view::npos ||
        !absl::SimpleAtoi(status_line.substr(sp + 1, 3), &code)) {
      return absl::UnavailableError("webhook: malformed answer");
    }
    if (code < 200 || code > 299) {
      return absl::UnavailableError(absl::StrCat("webhook: HTTP ", code));
    }
    return absl::OkStatus();
  }
  bool external() const override { return true; }

 private:
  std::string host_;
  int port_;
  std::string path_;
};

class GrpcDirectory final : public Directory {
 public:
  GrpcDirectory(std::shared_ptr<grpc::Channel> channel, std::string token)
      : stub_(v1::DirectoryService::NewStub(std::move(channel))),
        token_(std::move(token)) {}

  absl::StatusOr<UnitContacts> Lookup(const std::string& unit_id,
                                      absl::CivilDay date) override {
    UnitContacts out;
    {
      grpc::ClientContext ctx;
      Prepare(&ctx);
      v1::GetUnitRequest req;
      req.set_unit_id(unit_id);
      v1::GetUnitResponse resp;
      grpc::Status s = stub_->GetUnit(&ctx, req, &resp);
      if (!s.ok()) return Map(s, "GetUnit");
      out.liaison_name = resp.unit().liaison().name();
      out.liaison_phone = !resp.unit().liaison().mobile().empty()
                              ? resp.unit().liaison().mobile()
                              : resp.unit().liaison().office_phone();
    }
    {
      grpc::ClientContext ctx;
      Prepare(&ctx);
      v1::GetDutyRequest req;
      req.set_unit_id(unit_id);
      req.set_from_date(calendar::FormatDate(date));
      v1::GetDutyResponse resp;
      grpc::Status s = stub_->GetDuty(&ctx, req, &resp);
      if (!s.ok()) return Map(s, "GetDuty");
      if (resp.entries_size() > 0) {
        out.leader_name = resp.entries(0).leader().name();
        out.leader_phone = !resp.entries(0).leader().mobile().empty()
                               ? resp.entries(0).leader().mobile()
                               : resp.entries(0).leader().office_phone();
      }
    }
    return out;
  }

 private:
  void Prepare(grpc::ClientContext* ctx) {
    ctx->AddMetadata("authorization", absl::StrCat("Bearer ", token_));
    ctx->set_deadline(std::chrono::system_clock::now() +
                      std::chrono::seconds(2));
  }
  static absl::Status Map(const grpc::Status& s, const char* what) {
    const absl::Status st = FromGrpcStatus(s);
    return absl::Status(st.code(),
                        absl::StrCat("routing ", what, ": ", st.message()));
  }

  std::unique_ptr<v1::DirectoryService::Stub> stub_;
  std::string token_;
};

}  // namespace

std::unique_ptr<Notifier> NewLogNotifier() {
  return std::make_unique<LogNotifier>();
}

absl::StatusOr<std::unique_ptr<Notifier>> NewWebhookNotifier(
    const std::string& url) {
  const std::string what = "--notify_webhook (HOTLINE_NOTIFY_WEBHOOK)";
  if (!absl::StartsWith(url, "http://")) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, ": want http://host:port/path"));
  }
  absl::string_view rest = absl::string_view(url).substr(7);
  const size_t slash = rest.find('/');
  absl::string_view hostport = rest.substr(0, slash);
  const std::string path =
      slash == absl::string_view::npos ? "/" : std::string(rest.substr(slash));
  const size_t colon = hostport.rfind(':');
  int port = 80;
  std::string host(hostport);
  if (colon != absl::string_view::npos) {
    host = std::string(hostport.substr(0, colon));
    if (!absl::SimpleAtoi(hostport.substr(colon + 1), &port) || port <= 0 ||
        port > 65535) {
      return absl::InvalidArgumentError(absl::StrCat(what, ": bad port"));
    }
  }
  if (host.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(what, ": host missing"));
  }
  return std::unique_ptr<Notifier>(
      std::make_unique<WebhookNotifier>(host, port, path));
}

std::unique_ptr<Directory> NewGrpcDirectory(
    const std::string& target,
    std::shared_ptr<grpc::ChannelCredentials> credentials,
    const std::string& service_token) {
  return NewGrpcDirectory(
      server::NewPeerChannel(target, "routing", std::move(credentials)),
      service_token);
}

std::unique_ptr<Directory> NewGrpcDirectory(
    std::shared_ptr<grpc::Channel> channel, const std::string& service_token) {
  return std::make_unique<GrpcDirectory>(std::move(channel), service_token);
}

}  // namespace hotline::deadline
