#include "services/intake/rotate_keys.h"

#include <cstdio>
#include <string>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_cat.h"
#include "common/config/config.h"
#include "common/db/config.h"
#include "common/db/connection.h"
#include "services/intake/core/key_rotation.h"
#include "services/intake/domain/caller_crypto.h"
#include "services/intake/store/mysql_key_rotation_store.h"

ABSL_DECLARE_FLAG(std::string, caller_key_file);
ABSL_FLAG(int, batch_size, 500,
          "rotate-keys: ticket rows re-keyed per transaction (1–10000).");
ABSL_FLAG(int64_t, max_batches, 0,
          "rotate-keys: stop after this many batches (0: run to the end); "
          "the next run resumes.");
ABSL_FLAG(absl::Duration, batch_pause, absl::ZeroDuration(),
          "rotate-keys: pause between batches, to leave the database to the "
          "service.");

namespace hotline::intake {
namespace {

int Fail(int code, const std::string& message) {
  std::fprintf(stderr, "rotate-keys: %s\n", message.c_str());
  return code;
}

}  // namespace

int RotateKeysMain(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  const config::EnvLookup env = config::ProcessEnv();
  absl::StatusOr<std::string> url =
      config::ResolveSetting({"mysql", "HOTLINE_MYSQL", true, "",
                              "mysql://user:password@host:port/schema"},
                             absl::GetFlag(FLAGS_mysql), env);
  if (!url.ok()) return Fail(2, std::string(url.status().message()));
  absl::StatusOr<std::string> key_file = config::ResolveSetting(
      {"caller_key_file", "HOTLINE_CALLER_KEY_FILE", true, "", "a key file"},
      absl::GetFlag(FLAGS_caller_key_file), env);
  if (!key_file.ok()) return Fail(2, std::string(key_file.status().message()));
  absl::StatusOr<CallerCrypto> crypto = CallerCrypto::LoadFile(*key_file);
  if (!crypto.ok()) return Fail(2, std::string(crypto.status().message()));
  absl::StatusOr<db::ConnectionConfig> cfg =
      db::ConnectionConfig::ParseUrl(*url);
  if (!cfg.ok()) {
    return Fail(
        2, absl::StrCat("--mysql (HOTLINE_MYSQL): ", cfg.status().message()));
  }
  absl::StatusOr<std::unique_ptr<db::ConnectionPool>> pool =
      db::ConnectionPool::Create(*cfg);
  if (!pool.ok()) return Fail(2, std::string(pool.status().message()));
  {
    absl::StatusOr<db::PooledConnection> conn = (*pool)->Acquire();
    if (!conn.ok()) return Fail(1, std::string(conn.status().message()));
    if (!(*conn)->Query("SELECT 1 FROM caller_key_rotation LIMIT 1").ok()) {
      return Fail(1,
                  "the schema has no caller_key_rotation table: start "
                  "hotline-intake of this version once (it migrates the "
                  "schema), then rotate");
    }
  }

  RotationOptions options;
  options.batch_size = absl::GetFlag(FLAGS_batch_size);
  options.max_batches = absl::GetFlag(FLAGS_max_batches);
  options.pause = absl::GetFlag(FLAGS_batch_pause);
  options.on_batch = [](const RotationProgress& p) {
    std::printf(
        "rotate-keys: %s pass %d, done up to row %lld, %lld rewritten%s\n",
        p.target.c_str(), p.pass, static_cast<long long>(p.cursor),
        static_cast<long long>(p.rewritten), p.finished ? ", finished" : "");
    std::fflush(stdout);
  };
  MysqlKeyRotationStore store(pool->get());
  absl::StatusOr<RotationProgress> p =
      RotateCallerKeys(store, *crypto, options);
  if (!p.ok()) {
    return Fail(1, absl::StrCat(p.status().ToString(),
                                " (progress is kept; run again to resume)"));
  }
  if (p->finished) {
    std::printf(
        "rotate-keys: finished: every order is under %s; other keys may now "
        "be removed from the key file (restart the replicas after)\n",
        p->target.c_str());
  } else {
    std::printf(
        "rotate-keys: stopped after --max_batches at row %lld of pass %d; "
        "run again to resume\n",
        static_cast<long long>(p->cursor), p->pass);
  }
  return 0;
}

}  // namespace hotline::intake
