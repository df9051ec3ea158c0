/* Tests for src/connector/connector.c: configuration errors and result names. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "connector/connector.h"

Test(connector, config_env_names_the_bad_setting)
{
    setenv("CONNECTOR_PEERS_RELOAD_MS", "soon", 1);
    connector_config_t cfg = {0};
    connector_err_t err = {""};
    connector_result_t r = connector_config_env(&cfg, &err);
    unsetenv("CONNECTOR_PEERS_RELOAD_MS");
    cr_assert_eq(r, CONNECTOR_BAD_CONFIG, "%s", connector_result_str(r));
    cr_assert(strstr(err.msg, "CONNECTOR_PEERS_RELOAD_MS") != NULL, "%s", err.msg);
}

Test(connector, config_env_defaults)
{
    connector_config_t cfg = {0};
    cr_assert_eq(connector_config_env(&cfg, NULL), CONNECTOR_OK);
    cr_assert_eq(cfg.peers_reload_ms, CONNECTOR_PEERS_RELOAD_MS_DEFAULT);
}

Test(connector, new_rejects_a_bad_address)
{
    connector_config_t cfg = {.ilp_address = "not an address"};
    connector_err_t err = {""};
    cr_assert_null(connector_new(&cfg, &err));
    cr_assert(strstr(err.msg, "ILP_ADDRESS") != NULL, "%s", err.msg);
}

Test(connector, result_names_are_stable)
{
    cr_assert_str_eq(connector_result_str(CONNECTOR_OK), "ok");
    cr_assert_str_eq(connector_result_str(CONNECTOR_NOT_FOUND), "not_found");
    cr_assert_str_eq(connector_result_str(CONNECTOR_BAD_CONFIG), "bad_config");
    cr_assert_str_eq(connector_result_str(CONNECTOR_STORAGE), "storage_error");
    cr_assert_str_eq(connector_result_str(CONNECTOR_ADDRESS), "bad_address");
    cr_assert_str_eq(connector_result_str(CONNECTOR_RESULT_COUNT), "unknown");
}
