# Helpers that give every project target the same warnings, include root and
# test conventions. Generated code (hotline_proto) is deliberately not built
# through these: its warnings are not ours to fix.

set(HOTLINE_WARNINGS -Wall -Wextra -Wno-unused-parameter)

# hotline_library(NAME SRCS a.cc b.cc DEPS x y)
function(hotline_library name)
  cmake_parse_arguments(ARG "" "" "SRCS;DEPS" ${ARGN})
  add_library(${name} STATIC ${ARG_SRCS})
  target_include_directories(${name} PUBLIC ${PROJECT_SOURCE_DIR})
  target_compile_options(${name} PRIVATE ${HOTLINE_WARNINGS})
  target_link_libraries(${name} PUBLIC ${ARG_DEPS})
endfunction()

# hotline_executable(NAME SRCS ... DEPS ...)
function(hotline_executable name)
  cmake_parse_arguments(ARG "" "" "SRCS;DEPS" ${ARGN})
  add_executable(${name} ${ARG_SRCS})
  target_include_directories(${name} PRIVATE ${PROJECT_SOURCE_DIR})
  target_compile_options(${name} PRIVATE ${HOTLINE_WARNINGS})
  target_link_libraries(${name} PRIVATE ${ARG_DEPS})
endfunction()

# hotline_test(NAME SRCS ... DEPS ... LABEL unit|integration|e2e [WHOLE])
# Integration and e2e tests require the shared test MariaDB fixture
# (tests/support/CMakeLists.txt), which ctest starts once per run; its URL
# reaches them through HOTLINE_TEST_MYSQL_FILE. Each test
# case gets its own schema (tests/support/test_db.h). WHOLE registers the
# binary as one ctest test instead of one per case (for suites whose set-up is
# expensive, such as starting all four services).
function(hotline_test name)
  if(NOT HOTLINE_BUILD_TESTS)
    return()
  endif()
  cmake_parse_arguments(ARG "WHOLE" "LABEL;TIMEOUT" "SRCS;DEPS" ${ARGN})
  if(NOT ARG_LABEL)
    set(ARG_LABEL unit)
  endif()
  if(NOT ARG_TIMEOUT)
    set(ARG_TIMEOUT 300)
  endif()
  add_executable(${name} ${ARG_SRCS})
  target_include_directories(${name} PRIVATE ${PROJECT_SOURCE_DIR})
  target_compile_options(${name} PRIVATE ${HOTLINE_WARNINGS})
  target_link_libraries(${name} PRIVATE ${ARG_DEPS} GTest::gmock GTest::gtest_main)
  # Where tests find the project's files and built binaries (e2e tests start
  # the services' executables).
  target_compile_definitions(${name} PRIVATE
    HOTLINE_SOURCE_DIR="${PROJECT_SOURCE_DIR}"
    HOTLINE_BINARY_DIR="${PROJECT_BINARY_DIR}")
  set(props LABELS ${ARG_LABEL} TIMEOUT ${ARG_TIMEOUT})
  if(NOT ARG_LABEL STREQUAL "unit")
    list(APPEND props FIXTURES_REQUIRED mariadb
         ENVIRONMENT "HOTLINE_TEST_MYSQL_FILE=${HOTLINE_TEST_MYSQL_FILE}")
  endif()
  if(ARG_WHOLE)
    add_test(NAME ${name} COMMAND ${name})
    set_tests_properties(${name} PROPERTIES ${props})
  else()
    gtest_discover_tests(${name} DISCOVERY_MODE PRE_TEST TEST_PREFIX "${name}."
                         PROPERTIES ${props})
  endif()
endfunction()

# hotline_benchmark(NAME SRCS ... DEPS ...)
function(hotline_benchmark name)
  if(NOT HOTLINE_BUILD_BENCH)
    return()
  endif()
  cmake_parse_arguments(ARG "" "" "SRCS;DEPS" ${ARGN})
  hotline_executable(${name} SRCS ${ARG_SRCS} DEPS ${ARG_DEPS} benchmark::benchmark)
endfunction()

# hotline_domain_library(NAME SRCS ... DEPS ...): a service's pure rules (no
# gRPC, no SQL). Registered so that the end of the configuration can check
# (hotline_check_domain_libraries) that none of them links gRPC or the MySQL
# connector, directly or through another library.
function(hotline_domain_library name)
  hotline_library(${name} ${ARGN})
  set_property(GLOBAL APPEND PROPERTY HOTLINE_DOMAIN_LIBRARIES ${name})
endfunction()

# Fails the configuration, naming the path, when a domain library reaches
# gRPC or the MySQL connector through its link closure.
function(hotline_check_domain_libraries)
  get_property(domains GLOBAL PROPERTY HOTLINE_DOMAIN_LIBRARIES)
  foreach(domain IN LISTS domains)
    set(seen "")
    set(queue "${domain}")
    set(via_${domain} "${domain}")
    while(queue)
      list(POP_FRONT queue t)
      if(t IN_LIST seen)
        continue()
      endif()
      list(APPEND seen ${t})
      if(t MATCHES "^gRPC::|mysqlcppconn|hotline_proto$|hotline_db$")
        message(FATAL_ERROR "domain library ${domain} links ${t}: ${via_${t}}")
      endif()
      if(NOT TARGET ${t})
        continue()
      endif()
      get_target_property(imported ${t} IMPORTED)
      if(imported)
        get_target_property(libs ${t} INTERFACE_LINK_LIBRARIES)
      else()
        get_target_property(libs ${t} LINK_LIBRARIES)
      endif()
      if(NOT libs)
        continue()
      endif()
      foreach(lib IN LISTS libs)
        string(REGEX REPLACE "^\\$<LINK_ONLY:(.*)>$" "\\1" lib "${lib}")
        if(lib MATCHES "^\\$<" OR lib STREQUAL "")
          continue()
        endif()
        if(NOT DEFINED via_${lib})
          set(via_${lib} "${via_${t}} -> ${lib}")
        endif()
        list(APPEND queue ${lib})
      endforeach()
    endwhile()
  endforeach()
endfunction()
