/*
 * Rafiki's GraphQL schemas as we serve them, built into the binary from schema/graphql/ with the
 * assembler's .incbin (the compiler runs from the top of the tree; the Makefile makes this
 * object depend on the two files). Each is followed by a NUL so it may also be read as a
 * string; the lengths leave it out.
 */
#include <stddef.h>
#include <stdint.h>

#include "admin/admin_gql.h"

__asm__(".section .rodata\n"
        ".global admin_gql_backend_sdl\n"
        ".type admin_gql_backend_sdl, @object\n"
        ".balign 16\n"
        "admin_gql_backend_sdl:\n"
        ".incbin \"schema/graphql/backend.graphql\"\n"
        "admin_gql_backend_sdl_end:\n"
        ".byte 0\n"
        ".global admin_gql_auth_sdl\n"
        ".type admin_gql_auth_sdl, @object\n"
        ".balign 16\n"
        "admin_gql_auth_sdl:\n"
        ".incbin \"schema/graphql/auth.graphql\"\n"
        "admin_gql_auth_sdl_end:\n"
        ".byte 0\n"
        ".balign 8\n"
        ".global admin_gql_backend_sdl_len\n"
        ".type admin_gql_backend_sdl_len, @object\n"
        "admin_gql_backend_sdl_len:\n"
        ".quad admin_gql_backend_sdl_end - admin_gql_backend_sdl\n"
        ".global admin_gql_auth_sdl_len\n"
        ".type admin_gql_auth_sdl_len, @object\n"
        "admin_gql_auth_sdl_len:\n"
        ".quad admin_gql_auth_sdl_end - admin_gql_auth_sdl\n"
        ".previous\n");
