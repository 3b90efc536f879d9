/* sync.h - mirroring the tree into an Azure Blob container.
 *
 * The same tree as the mount (tree.h, the same options, the same bytes),
 * rendered from the store, never read through a mount.  A file is sent
 * when its bytes differ from what the sync state (syncstate.h) says was
 * committed at the destination: by SHA-256 and size, so a sync with
 * nothing changed sends nothing.  Files up to the upload cutoff go in one
 * Put Blob (default 8 MiB: --upload-cutoff), larger ones as 8 MiB blocks,
 * sent in parallel, and a block list; either way a reader of the
 * container sees the old blob or the new one.  Each committed blob is recorded
 * at once, so an interrupted sync resumes where it stopped.
 */
#ifndef COLLABFS_SYNC_H
#define COLLABFS_SYNC_H

#include <stdint.h>

#include "audit.h"
#include "azure.h"
#include "err.h"
#include "tree.h"

struct sync_run; /* syncstate.h */

struct sync_opts {
	const char *store;		 /* store path */
	const struct tree_options *tree; /* the tree options */
	const char *options_text;	 /* the -o text, for the history */
	const char *export_name; /* the saved export this run is, or NULL */
	const struct azure_dest *dest;
	struct azure_opts net;
	int jobs;	      /* files in flight at once */
	size_t upload_cutoff; /* larger files go as blocks (of at most
				 8 MiB, and at most this) */
	int dry_run;	      /* say what would be sent; send nothing */
	int check;     /* compare with the container's listing, repair drift */
	int delete;    /* delete blobs under the prefix not in the tree */
	int verbose;   /* a line per file sent */
	int progress;  /* a progress line on stderr (a terminal) */
	int64_t links; /* > 0: after a completed sync, a manifest of read-only
			  URLs of every file, valid for this many seconds
			  (needs the account key) */
	struct audit *audit; /* NULL, or where each file sent or deleted and
				the run itself are recorded */
};

struct sync_result {
	uint64_t files;	   /* files in the tree */
	uint64_t sent;	   /* files sent */
	uint64_t bytes;	   /* bytes sent */
	uint64_t skipped;  /* files unchanged since the last commit */
	uint64_t failed;   /* files that could not be sent */
	uint64_t repaired; /* --check: blobs missing or different, resent */
	uint64_t deleted;  /* --delete: blobs deleted */
	uint64_t requests; /* HTTP requests made */
	uint64_t retries;  /* of which retries */
	int64_t run_id;	   /* history row, 0 for a dry run */
	char links[1024];  /* the links manifest written, or "" */
	int64_t expires;   /* when its URLs expire (unix seconds) */
};

/* Run one sync.  Returns 0 when every file is at the destination, else
 * -errno with e set (the first failure; the others are counted). */
int sync_run(const struct sync_opts *o, struct sync_result *res, struct err *e);

/* The run, as it ended, in the audit trail (a: NULL for none): an entry
 * "sync" with its destination, options, export, status and counters. */
void sync_audit_run(struct audit *a, const struct sync_run *run);

#endif
