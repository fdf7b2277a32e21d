# Writes a C++ source that holds a file's bytes:
#   cmake -DIN=file -DOUT=file.cc -DNAME=kSymbol -P embed_file.cmake
# defines hotline::ctl::NAME (const unsigned char[]) and NAME##Size.
file(READ ${IN} hex HEX)
string(LENGTH "${hex}" hex_length)
math(EXPR size "${hex_length} / 2")
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
string(REGEX REPLACE "((0x..,){20})" "\\1\n" bytes "${bytes}")
file(WRITE ${OUT}.tmp
"// Generated from ${IN} by embed_file.cmake; do not edit.\n"
"#include <cstddef>\n\n"
"namespace hotline::ctl {\n"
"extern const unsigned char ${NAME}[];\n"
"extern const size_t ${NAME}Size;\n"
"const unsigned char ${NAME}[] = {\n${bytes}0};\n"
"const size_t ${NAME}Size = ${size};\n"
"}  // namespace hotline::ctl\n")
file(COPY_FILE ${OUT}.tmp ${OUT} ONLY_IF_DIFFERENT)
file(REMOVE ${OUT}.tmp)
