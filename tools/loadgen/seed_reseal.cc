// hotline-seed-reseal: re-seals intake's caller ciphertexts for the orders
// tools/loadgen/seed_history.sh clones. caller_ct is AES-256-GCM with the
// order's ticket id as associated data
// (services/intake/domain/caller_crypto.h), so a clone under a new ticket id
// needs the caller sealed again under it.
//
//   hotline-seed-reseal --keys KEY_FILE --table DB.TABLE < rows
//
// Reads lines "C<TAB>OLD_TICKET_ID<TAB>NEW_TICKET_ID<TAB>HEX(caller_ct)",
// opens each ciphertext with OLD_TICKET_ID, seals it with NEW_TICKET_ID
// (active key, fresh nonce) and prints SQL inserting (c, old_tid, ct) rows
// into DB.TABLE, 1000 rows per statement. Any line that does not open is an
// error (exit 1, nothing printed after it).

#include <iostream>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "services/intake/domain/caller_crypto.h"

ABSL_FLAG(std::string, keys, "",
          "intake's caller key file (HOTLINE_CALLER_KEY_FILE)");
ABSL_FLAG(std::string, table, "", "table (c, old_tid, ct) the rows go into");

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  auto crypto =
      hotline::intake::CallerCrypto::LoadFile(absl::GetFlag(FLAGS_keys));
  if (!crypto.ok()) {
    std::cerr << "hotline-seed-reseal: " << crypto.status().message() << "\n";
    return 1;
  }
  const std::string table = absl::GetFlag(FLAGS_table);
  if (table.empty()) {
    std::cerr << "hotline-seed-reseal: --table is required\n";
    return 1;
  }
  absl::flat_hash_map<std::string, std::string> plain_of;  // by old ticket id
  std::string line, sql;
  int rows = 0;
  auto flush = [&] {
    if (rows > 0) std::cout << sql << ";\n";
    sql.clear();
    rows = 0;
  };
  while (std::getline(std::cin, line)) {
    std::vector<std::string> f = absl::StrSplit(line, '\t');
    if (f.size() != 4) {
      std::cerr << "hotline-seed-reseal: not 4 fields: " << line << "\n";
      return 1;
    }
    auto it = plain_of.find(f[1]);
    if (it == plain_of.end()) {
      if (f[3].size() % 2 != 0 ||
          f[3].find_first_not_of("0123456789abcdefABCDEF") !=
              std::string::npos) {
        std::cerr << "hotline-seed-reseal: not hex (" << f[1] << ")\n";
        return 1;
      }
      const std::string ct = absl::HexStringToBytes(f[3]);
      auto plain = crypto->Decrypt(ct, f[1]);
      if (!plain.ok()) {
        std::cerr << "hotline-seed-reseal: " << f[1] << ": "
                  << plain.status().message() << "\n";
        return 1;
      }
      it = plain_of.emplace(f[1], *plain).first;
    }
    auto sealed = crypto->Encrypt(it->second, f[2]);
    if (!sealed.ok()) {
      std::cerr << "hotline-seed-reseal: " << sealed.status().message() << "\n";
      return 1;
    }
    absl::StrAppend(
        &sql,
        rows == 0
            ? absl::StrCat("INSERT INTO ", table, " (c, old_tid, ct) VALUES ")
            : ",",
        "(", f[0], ",'", f[1], "',X'", absl::BytesToHexString(*sealed), "')");
    if (++rows == 1000) flush();
  }
  flush();
  return 0;
}
