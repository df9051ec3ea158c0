/*
 * The unmerged tail of an SQLite ledger, in memory, and its rolling merge (internal; the
 * batcher in ledger.c drives it). New transfers are
 * inserted into the transfers table only; their ids reach the id index (transfer_ids) later, in
 * a rolling merge: the key space of ids is cut into LTAIL_BUCKETS ranges (by the id's top bits),
 * and each batch merges the next ranges in turn, each range's ids sorted, so a merge walks one
 * contiguous part of the index and writes each of its leaf pages once for many ids, and no
 * batch stalls on a merge of the whole tail. Until its range is merged a transfer is found here:
 * by the batcher (idempotency, post/void) and by API reads (ledger_transfer_get).
 *
 * Entries live in one array with a free list, found by id through an open-addressing map, and
 * listed per range in the order they were added (so by seq). An ltail_t is not thread-safe; the
 * lmerge_t that owns it is written by the batcher alone and read by other threads through
 * lmerge_find, under its read-write lock.
 */
#ifndef RAFIKI_LEDGER_TAIL_H
#define RAFIKI_LEDGER_TAIL_H

#include <stddef.h>
#include <stdint.h>

#include "ledger/core.h"
#include "ledger/types.h"
#include "store/db.h"

#define LTAIL_BUCKETS 4096

typedef struct ltail ltail_t;

/* What a merge writes per transfer. */
typedef struct {
    ledger_id_t id;
    int64_t seq;
} ltail_key_t;

ltail_t *ltail_new(void);
void ltail_free(ltail_t *t);
/* Adds a committed transfer with its seq (seqs of one bucket must arrive in increasing order);
 * an id already present is replaced. */
void ltail_add(ltail_t *t, const ledger_transfer_t *x, int64_t seq);
/* The entry of id, or NULL; *seq receives its seq when seq is not NULL. The pointer is valid
 * until the next add or drop. */
ledger_transfer_t *ltail_find(const ltail_t *t, ledger_id_t id, int64_t *seq);
size_t ltail_count(const ltail_t *t);
/* Entries of bucket b (in seq order) and how many. */
size_t ltail_bucket_count(const ltail_t *t, uint32_t b);
/* Copies the first n entries of bucket b, sorted by id, into out (n <= its count). */
void ltail_bucket_sorted(const ltail_t *t, uint32_t b, size_t n, ltail_key_t *out);
/* Removes the first n entries of bucket b (after their merge committed). */
void ltail_bucket_drop(ltail_t *t, uint32_t b, size_t n);
/* The smallest seq held, skipping the first skip[b] entries of every bucket b (skip may be
 * NULL); INT64_MAX when none is left. */
int64_t ltail_min_seq(const ltail_t *t, const size_t *skip);
/* Calls fn for every entry, bucket by bucket. */
void ltail_each(const ltail_t *t, void (*fn)(void *arg, const ledger_transfer_t *x, int64_t seq),
                void *arg);
/* Removes everything. */
void ltail_clear(ltail_t *t);
/* The bucket of an id: its top bits, so a bucket is a contiguous range of the id order. */
uint32_t ltail_bucket_of(ledger_id_t id);

/* ---- the rolling merge ---- */

/*
 * The tail of a deferring ledger and where its merge stands: which bucket merges next and the
 * boundary below which every row is in the id index (ledger_meta.merged_seq). Each batch may run
 * one merge step in its transaction (lmerge_step); memory follows only once the batch commits
 * (lmerge_commit) or is forgotten if it fails (lmerge_abort). The batcher is the only writer.
 */
typedef struct lmerge lmerge_t;

/* merge_rows: the tail's fixed target size, or 0 for the default (an eighth of the ids stored,
 * within bounds; tail.c, merge_at). stored: the ids in the index, or an estimate until counted. */
lmerge_t *lmerge_new(uint32_t merge_rows, int64_t stored);
void lmerge_free(lmerge_t *m);
/* The tail, for the batcher (and for loading it at open, before other threads run). */
ltail_t *lmerge_tail(lmerge_t *m);
/* The ids in the index, once counted (under the batcher's lock). */
void lmerge_set_stored(lmerge_t *m, int64_t stored);
/* Copies the tail's transfer id to out; any thread. Whether it is there. */
bool lmerge_find(lmerge_t *m, ledger_id_t id, ledger_transfer_t *out);
/* In the batch's transaction on conn: when the tail is over its target, merges whole buckets from
 * the cursor on into transfer_ids and moves the boundary below the oldest seq left (the batch's
 * new rows start at seq0). */
db_rc_t lmerge_step(lmerge_t *m, db_conn_t *conn, int64_t seq0, db_err_t *err);
/* After the batch committed: the merged ranges leave the tail, c's new transfers join it with
 * seqs from seq0 on, tail rows it resolved take their new state. Whether a merge step
 * committed. */
bool lmerge_commit(lmerge_t *m, lcore_t *c, int64_t seq0);
/* After the batch failed: forgets its merge step. */
void lmerge_abort(lmerge_t *m);

#endif
