#pragma once

// `hotline-intake rotate-keys`: the operator command that rotates the caller
// keys of a running intake (key_rotation.h), in batches, resumable.
//
//   hotline-intake rotate-keys [--mysql=URL] [--caller_key_file=FILE]
//       [--batch_size=500] [--max_batches=0] [--batch_pause=0s]
//
// --mysql / HOTLINE_MYSQL and --caller_key_file / HOTLINE_CALLER_KEY_FILE are
// the service's own settings. Every row is moved to the key file's active
// keys (the first `KEY_ID HEX64` line and the first `hmac KEY_ID HEX64`
// line); every other key a row is under must still be in the file. Prints
// the progress after each batch (key ids and counts, never caller data).
// Exit status: 0 when finished or stopped by --max_batches (run it again to
// resume), 1 on an error (progress so far is kept), 2 for a bad setting.

namespace hotline::intake {

// argv[0] is "rotate-keys"; the flags follow.
int RotateKeysMain(int argc, char** argv);

}  // namespace hotline::intake
