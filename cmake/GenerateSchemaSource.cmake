# Script mode: writes OUTPUT, a C++ source defining peertrust::store::FUNCTION() (by default
# schemaMigrations), from the migration files listed in INPUTS (sorted, NNN_description.sql).
if(NOT FUNCTION)
    set(FUNCTION schemaMigrations)
endif()
set(body "")
set(expected 1)
foreach(file IN LISTS INPUTS)
    get_filename_component(name "${file}" NAME)
    string(SUBSTRING "${name}" 0 3 number)
    math(EXPR version "${number}")
    if(NOT version EQUAL expected)
        message(FATAL_ERROR "schema migrations must be numbered 001, 002, ... without gaps: ${name}")
    endif()
    math(EXPR expected "${expected} + 1")
    file(READ "${file}" sql)
    string(APPEND body "    {${version}, \"${name}\", R\"peertrust_sql(${sql})peertrust_sql\"},\n")
endforeach()
file(WRITE "${OUTPUT}.tmp" "// Generated from schema migrations by cmake/GenerateSchemaSource.cmake. Do not edit.
#include \"store/Migrations.h\"

namespace peertrust::store {

const std::vector<Migration>& ${FUNCTION}() {
    static const std::vector<Migration> migrations = {
${body}    };
    return migrations;
}

}  // namespace peertrust::store
")
file(COPY_FILE "${OUTPUT}.tmp" "${OUTPUT}" ONLY_IF_DIFFERENT)
file(REMOVE "${OUTPUT}.tmp")
