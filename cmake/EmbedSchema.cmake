# Embeds schema/NNN_*.sql into a generated C++ source, at build time, so a migration edit
# rebuilds the store without a re-configure step.
file(GLOB PEERTRUST_SCHEMA_FILES CONFIGURE_DEPENDS "${PROJECT_SOURCE_DIR}/schema/[0-9][0-9][0-9]_*.sql")
list(SORT PEERTRUST_SCHEMA_FILES)
set(PEERTRUST_SCHEMA_CPP "${PROJECT_BINARY_DIR}/generated/SchemaMigrations.cpp")
add_custom_command(
    OUTPUT "${PEERTRUST_SCHEMA_CPP}"
    COMMAND "${CMAKE_COMMAND}" "-DOUTPUT=${PEERTRUST_SCHEMA_CPP}" "-DINPUTS=${PEERTRUST_SCHEMA_FILES}"
            -P "${PROJECT_SOURCE_DIR}/cmake/GenerateSchemaSource.cmake"
    DEPENDS ${PEERTRUST_SCHEMA_FILES} "${PROJECT_SOURCE_DIR}/cmake/GenerateSchemaSource.cmake"
    COMMENT "Embedding SQLite schema migrations"
    VERBATIM)

# The key layer's own store (keys.db): schema/keys/NNN_*.sql, keySchemaMigrations().
file(GLOB PEERTRUST_KEY_SCHEMA_FILES CONFIGURE_DEPENDS
     "${PROJECT_SOURCE_DIR}/schema/keys/[0-9][0-9][0-9]_*.sql")
list(SORT PEERTRUST_KEY_SCHEMA_FILES)
set(PEERTRUST_KEY_SCHEMA_CPP "${PROJECT_BINARY_DIR}/generated/KeySchemaMigrations.cpp")
add_custom_command(
    OUTPUT "${PEERTRUST_KEY_SCHEMA_CPP}"
    COMMAND "${CMAKE_COMMAND}" "-DOUTPUT=${PEERTRUST_KEY_SCHEMA_CPP}"
            "-DINPUTS=${PEERTRUST_KEY_SCHEMA_FILES}" -DFUNCTION=keySchemaMigrations
            -P "${PROJECT_SOURCE_DIR}/cmake/GenerateSchemaSource.cmake"
    DEPENDS ${PEERTRUST_KEY_SCHEMA_FILES} "${PROJECT_SOURCE_DIR}/cmake/GenerateSchemaSource.cmake"
    COMMENT "Embedding the key layer's SQLite schema migrations"
    VERBATIM)
