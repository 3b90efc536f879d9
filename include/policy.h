/* policy.h - field privacy: which columns are written raw, hashed (keyed
 * pseudonyms, see pseudo.h) or left out.
 *
 * A policy file has one setting per line, "Table.Column = raw|hash|exclude":
 *
 *	# comments start with '#', here or after a setting
 *	PersonHistorical.EmailAddress = hash
 *	PersonHistorical.Organization = raw     # an HR attribute
 *	Meetings.Subject = exclude
 *
 * Spaces and tabs around the tokens are ignored; table, column and value are
 * matched without case.  A column of PersonHistorical that is not one of its
 * seed columns names an HR attribute, which need not exist yet.  Columns not
 * named keep the schema's default (schema.h: subjects excluded, e-mail
 * addresses and external ids hashed); HR attributes not named are excluded.
 * Key columns (COL_KEY) are locked: raw or hash, never exclude.
 * docs/privacy.md is the user's manual.
 *
 * A struct policy is immutable once loaded: share it between threads freely.
 */
#ifndef COLLABFS_POLICY_H
#define COLLABFS_POLICY_H

#include <stddef.h>

#include "buf.h"
#include "err.h"
#include "schema.h"

#define POLICY_DIGEST_LEN 32	    /* bytes of policy_digest() */
#define POLICY_FILE_MAX	  (1 << 20) /* a longer policy file is refused */

struct policy;

/* The built-in policy: every column at its schema default, HR attributes
 * excluded.  Returns 0 with *out set (free with policy_free), or -ENOMEM with
 * e set and *out NULL. */
int policy_default(struct policy **out, struct err *e);

/* Load the policy file at path; path NULL gives policy_default().  Settings
 * not in the file keep their defaults.  Returns 0 with *out set (free with
 * policy_free), or -errno with e set and *out NULL: -EINVAL for a bad line,
 * with a message "PATH:LINE: what is wrong" (unknown table or column, bad
 * value, malformed line, excluded key column, a column set twice); -EFBIG
 * over POLICY_FILE_MAX; the open/read error otherwise. */
int policy_load(const char *path, struct policy **out, struct err *e);

/* policy_load() of text[0..len) already in memory; name stands for the file
 * in messages. */
int policy_parse(const char *name, const char *text, size_t len,
		 struct policy **out, struct err *e);

/* NULL-safe. */
void policy_free(struct policy *p);

/* What p does with column col of table t (t must point into
 * schema_tables[] and col be < t->ncols; otherwise PRIV_EXCLUDE). */
enum col_privacy policy_column(const struct policy *p, const struct table *t,
			       size_t col);

/* What p does with the HR attribute named attr (compared without case):
 * PRIV_EXCLUDE unless the policy names it.  A name that is a seed column of
 * PersonHistorical answers as policy_column() does. */
enum col_privacy policy_hr(const struct policy *p, const char *attr);

/* Non-zero if any column or HR attribute is hashed: a key file is needed. */
int policy_needs_key(const struct policy *p);

/* Append the effective policy as canonical text to out: a version line, then
 * "Table.Column=value" for every schema column in schema order, then the HR
 * attributes that are not excluded ("PersonHistorical.name=value", the name
 * in ASCII lower case, sorted).  Comments, spacing, case and the order of the
 * file do not show; settings that equal the default are not told apart from
 * defaults.  Errors are sticky in out (buf.h). */
void policy_canonical(const struct policy *p, struct buf *out);

/* SHA-256 of policy_canonical(): equal for policies that mask alike, so
 * caches of masked output can be keyed by it.  Returns 0, or -ENOMEM/-EIO
 * (out is then zeroed). */
int policy_digest(const struct policy *p, unsigned char out[POLICY_DIGEST_LEN]);

#endif
