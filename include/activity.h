/* activity.h - the activity views: per-person metrics of one period.
 *
 * The three files of /activity/<period>/ (schema_views[]): one row per
 * person (a person query), per department (the Organization HR attribute)
 * or for the whole organization, computed from the rows of the tables in
 * scope placed in the period and the HR rows valid in it (under a
 * partition, the members' HR rows alone).  The bytes are a
 * pure function of (store version, view, period, scope, policy, key,
 * minimum group): the mount and the sync produce them with this module
 * alone.  docs/activity.md defines every metric.
 */
#ifndef COLLABFS_ACTIVITY_H
#define COLLABFS_ACTIVITY_H

#include <stdint.h>

#include "buf.h"
#include "err.h"
#include "partition.h"
#include "policy.h"
#include "pseudo.h"
#include "schema.h"
#include "store.h"

/* The areas of the scope, in the order of the tree's scope words. */
enum activity_area {
	AREA_MEETINGS = 1 << 0,
	AREA_MAIL = 1 << 1,
	AREA_CALLS = 1 << 2,
	AREA_CHAT = 1 << 3,
	AREA_FILES = 1 << 4,
};

struct activity_spec {
	const struct table *view; /* one of schema_views */
	int64_t t0, t1;		  /* rows placed in [t0, t1), UTC seconds */
	int64_t first_day;	  /* MetricDate: the period's first day */
	unsigned areas;		  /* enum activity_area bits */
	unsigned min_group;	  /* smallest department shown */
	const struct policy *policy;
	const struct partition_members *members; /* NULL: everyone */
};

/* Whether the view can be written under policy p (with a key or not): the
 * user view needs a PersonId (the e-mail address raw, or its pseudonym),
 * the department view a department name (Organization raw, or hashed). */
int activity_view_shown(const struct table *view, const struct policy *p,
			int has_key);

/* Append the whole file of spec, read from store s (in one snapshot), to
 * out.  ps hashes what the policy hashes (NULL without a key). */
int activity_render(struct store *s, const struct activity_spec *spec,
		    struct pseudo *ps, struct buf *out, struct err *e);

/* The header line alone. */
void activity_header(const struct store *s, const struct activity_spec *spec,
		     struct buf *out);

#endif
