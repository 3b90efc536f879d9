/* activity_tally.h - the event side of the activity views: per HR row and
 * period, the sums the views are made of.
 *
 * A tally is what the events naming one HR row (its participant rows and
 * file activities) add up to over one period: counts, time spent, meeting
 * and call unions, and the collaboration time for each choice of what
 * makes up U (meetings, calls, both or neither: the scope decides when a
 * view is rendered).  Every value is a sum over that HR row's events, so a
 * person's or a department's metrics are sums of tallies.
 *
 * Tallies are computed from the rows (activity_tally_compute), and kept in
 * the store for every day, week and month with data, brought up to date by
 * each refresh before it commits (activity_tally_update): a view then
 * reads a few thousand tallies, not millions of rows.  docs/activity.md
 * gives each definition.
 */
#ifndef COLLABFS_ACTIVITY_TALLY_H
#define COLLABFS_ACTIVITY_TALLY_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "idset.h"
#include "store.h"

/* Bumped whenever a tally's fields or their meaning change: stores keep
 * the layout they were computed with, and an older one is rebuilt. */
#define TALLY_LAYOUT 1

/* The fields that do not depend on the scope. */
enum tally_field {
	TF_MEETINGS,   /* attended meeting participant rows */
	TF_CALLS,      /* call participant rows */
	TF_EMAILS,     /* mails sent */
	TF_CHATS,      /* chat messages sent */
	TF_FILES,      /* file activities */
	TF_EMAIL_H,    /* mail time spent, ms */
	TF_CHAT_H,     /* chat time spent, ms */
	TF_MEETING_H,  /* |union of attended meetings|, ms */
	TF_CONFLICT_H, /* time in two or more of them, ms */
	TF_CALL_H,     /* |union of calls|, ms */
	TF_U_FIRST,    /* then TP_N fields for each U (tally_u_field) */
};

/* For each U (bit 0: meetings in it, bit 1: calls), in ms: */
enum tally_part {
	TP_U,		   /* |U| */
	TP_U_AFTER,	   /* its part after hours */
	TP_MAIL_OUT,	   /* mail stretches outside U */
	TP_MAIL_OUT_AFTER, /* their part after hours */
	TP_CHAT_OUT,	   /* chat stretches outside U */
	TP_CHAT_OUT_AFTER, /* their part after hours */
	TP_N
};

#define TALLY_US 4 /* the choices of U */
#define TALLY_N	 (TF_U_FIRST + TALLY_US * TP_N)
/* Longest encoding: each value a marker byte and 8 bytes. */
#define TALLY_MAX_BYTES (TALLY_N * 9)

struct tally {
	double v[TALLY_N];
};

static inline size_t tally_u_field(unsigned u, enum tally_part p)
{
	return TF_U_FIRST + (size_t)u * TP_N + (size_t)p;
}

/* The U of a scope (enum activity_area bits): its meetings and calls. */
unsigned tally_u_of(unsigned areas);

/* Tallies by HR row id, in the order found. */
struct tally_set {
	struct idset ids;
	struct tally *t; /* [idset_count(&ids)] */
	size_t cap;
};

void tally_set_init(struct tally_set *ts);
void tally_set_release(struct tally_set *ts);
/* The tally of id p[0..n), added (zero) if new; NULL if out of memory. */
struct tally *tally_set_get(struct tally_set *ts, const char *p, size_t n);

/* What to compute: the rows placed in [t0, t1) (UTC seconds) of the
 * tables of areas (enum activity_area), the U fields for each U whose bit
 * is set in us (bit u: U number u). */
struct tally_spec {
	int64_t t0, t1;
	unsigned areas;
	unsigned us;
};

/* Add the tallies of spec, computed from the rows of s, to out. */
int activity_tally_compute(struct store *s, const struct tally_spec *spec,
			   struct tally_set *out, struct err *e);

/* The tallies of [t0, t1) for areas into out (empty): the kept ones if
 * [t0, t1) is a whole day, week or month and the store's are current, else
 * computed from the rows.  *kept (may be NULL) tells which. */
int activity_tally_load(struct store *s, const struct tally_spec *spec,
			struct tally_set *out, int *kept, struct err *e);

/* Bring the kept tallies up to date within refresh r: the periods it
 * touched, or all of them if the store's were not current. */
int activity_tally_update(struct store_refresh *r, struct err *e);

/* A tally as bytes (at most TALLY_MAX_BYTES; the length is returned) and
 * back (0, or -EINVAL for bytes that are not one). */
size_t tally_encode(const struct tally *t, unsigned char *out);
int tally_decode(const unsigned char *p, size_t n, struct tally *t);

#endif
