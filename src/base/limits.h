/*
 * Every protocol and resource bound in one place, each with the reason it has that value.
 * Parsers check lengths against these; nothing else in the tree hard-codes a bound.
 *
 * Threads: constants only.
 */
#ifndef RAFIKI_BASE_LIMITS_H
#define RAFIKI_BASE_LIMITS_H

/* RFC 0015: an ILP address is 1..1023 characters. */
#define ILP_ADDRESS_MAX_LEN 1023

/* RFC 0027: Prepare/Fulfill/Reject data is at most 32767 bytes. */
#define ILP_DATA_MAX_LEN 32767

/* RFC 0027: a Reject message is at most 8191 bytes. */
#define ILP_MESSAGE_MAX_LEN 8191

/* An envelope holds amount(8) + expiry(17) + condition(32) + address(3+1023) + data(3+32767)
 * for a Prepare, the largest type; round up for the envelope's own length prefix. */
#define ILP_PACKET_MAX_LEN 34000

/* RFC 0027: the fixed timestamp is exactly 17 ASCII digits. */
#define ILP_TIMESTAMP_LEN 17

/* Conditions, fulfillments and STREAM shared secrets are 32 bytes (SHA-256 sized). */
#define ILP_CONDITION_LEN   32
#define ILP_FULFILLMENT_LEN 32

/* RFC 0030: we accept long-form length determinants of at most 8 bytes (values fit u64). */
#define OER_LENGTH_MAX_BYTES 8

/* A VarUInt that must fit u64 has at most 8 content bytes. */
#define OER_VARUINT_MAX_BYTES 8

/* STREAM (RFC 0029): AES-256-GCM nonce and tag sizes. */
#define STREAM_NONCE_LEN         12
#define STREAM_TAG_LEN           16
#define STREAM_SHARED_SECRET_LEN 32

/* Asset codes are short ISO-4217-like strings; Rafiki stores them as text, we cap them. */
#define ASSET_CODE_MAX_LEN 32

/* HTTP: request bodies larger than this are refused with 413 unless a route sets its own. */
#define HTTP_BODY_MAX_DEFAULT (1024u * 1024u)
/* ILP-over-HTTP bodies are one packet. */
#define HTTP_BODY_MAX_ILP ILP_PACKET_MAX_LEN
/* Routes match at most this many path segments and parameters. */
#define HTTP_PATH_MAX_SEGMENTS 16
#define HTTP_PATH_MAX_LEN      2048
/* The raw request-target (path and query) kept for HTTP message signatures. */
#define HTTP_TARGET_MAX_LEN 4096

/* JSON documents are parsed with at most this nesting depth (no recursion on untrusted input). */
#define JSON_DEPTH_MAX 32

/* Environment configuration values longer than this are refused. */
#define ENV_VALUE_MAX_LEN 4096

/* Log lines are cut at this many bytes so one bad value cannot flood the log. */
#define LOG_LINE_MAX_LEN 4096

#endif
