/* test_policy.c - the field privacy policy: defaults, the file, refusals,
 * HR attributes, locked keys, the digest. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "policy.h"

static enum col_privacy col(const struct policy *p, const char *table,
			    const char *column)
{
	const struct table *t = schema_table(table);
	int c = t ? schema_column(t, column) : -1;

	if (c < 0) {
		fprintf(stderr, "test bug: no column %s.%s\n", table, column);
		return (enum col_privacy) - 1;
	}
	return policy_column(p, t, (size_t)c);
}

/* Parse text as "policy.txt"; returns the result, *out set on success. */
static int parse(const char *text, struct policy **out, struct err *e)
{
	return policy_parse("policy.txt", text, strlen(text), out, e);
}

/* The digest of text's policy (all zeros if it does not parse). */
static void digest_of(const char *text, unsigned char d[POLICY_DIGEST_LEN])
{
	struct policy *p = NULL;
	struct err e = ERR_INIT;

	memset(d, 0, POLICY_DIGEST_LEN);
	if (CHECK_INT(parse(text, &p, &e), 0))
		CHECK_INT(policy_digest(p, d), 0);
	policy_free(p);
}

static int same_digest(const char *a, const char *b)
{
	unsigned char da[POLICY_DIGEST_LEN], db[POLICY_DIGEST_LEN];

	digest_of(a, da);
	digest_of(b, db);
	return memcmp(da, db, sizeof(da)) == 0;
}

static void test_defaults(void)
{
	struct policy *p = NULL, *q = NULL;
	struct err e = ERR_INIT;
	unsigned char d1[POLICY_DIGEST_LEN], d2[POLICY_DIGEST_LEN];

	CHECK_INT(policy_default(&p, &e), 0);
	CHECK_INT(col(p, "Meetings", "Subject"), PRIV_EXCLUDE);
	CHECK_INT(col(p, "Mails", "Subject"), PRIV_EXCLUDE);
	CHECK_INT(col(p, "PersonHistorical", "EmailAddress"), PRIV_HASH);
	CHECK_INT(col(p, "PersonHistorical", "ExternalCollaboratorId"),
		  PRIV_HASH);
	CHECK_INT(col(p, "Meetings", "ICalUid"), PRIV_HASH);
	CHECK_INT(col(p, "Meetings", "MeetingId"), PRIV_RAW);
	CHECK_INT(col(p, "Meetings", "StartTime"), PRIV_RAW);
	CHECK_INT(col(p, "PersonHistorical", "Organization"), PRIV_RAW);
	/* every column at the schema's default */
	for (size_t i = 0; i < schema_ntables; i++)
		for (size_t c = 0; c < schema_tables[i].ncols; c++)
			CHECK_INT(policy_column(p, &schema_tables[i], c),
				  schema_tables[i].cols[c].privacy);
	CHECK_INT(policy_hr(p, "Region"), PRIV_EXCLUDE);
	CHECK_INT(policy_hr(p, "emailaddress"), PRIV_HASH); /* a seed column */
	CHECK(policy_needs_key(p));
	/* no file = the default; an empty or comment-only file too */
	CHECK_INT(policy_load(NULL, &q, &e), 0);
	CHECK_INT(policy_digest(p, d1), 0);
	CHECK_INT(policy_digest(q, d2), 0);
	CHECK(memcmp(d1, d2, sizeof(d1)) == 0);
	CHECK(same_digest("", "# nothing to say\n\n   \n"));
	policy_free(p);
	policy_free(q);
	policy_free(NULL);
}

static void test_good_file(void)
{
	static const char text[] =
		"\xef\xbb\xbf# the example of PRODUCT.md\n"
		"PersonHistorical.EmailAddress = hash\n"
		"PersonHistorical.Organization = raw\n"
		"Meetings.Subject = exclude\n"
		"\n"
		"  meetings . icaluid\t=\tRAW   # case and blanks do not matter\r\n"
		"PersonHistorical.Region = raw\n"
		"PersonHistorical.Cost Center = hash\n"
		"PersonHistorical.FunctionType = exclude\n"
		"Mails.Subject=raw";
	struct policy *p = NULL;
	struct err e = ERR_INIT;

	CHECK_INT(parse(text, &p, &e), 0);
	CHECK_STR(e.msg, "");
	if (!p)
		return;
	CHECK_INT(col(p, "PersonHistorical", "EmailAddress"), PRIV_HASH);
	CHECK_INT(col(p, "PersonHistorical", "Organization"), PRIV_RAW);
	CHECK_INT(col(p, "Meetings", "Subject"), PRIV_EXCLUDE);
	CHECK_INT(col(p, "Meetings", "ICalUid"), PRIV_RAW);
	CHECK_INT(col(p, "Mails", "Subject"), PRIV_RAW);
	/* not named: the default */
	CHECK_INT(col(p, "PersonHistorical", "ExternalCollaboratorId"),
		  PRIV_HASH);
	/* HR attributes, matched without case; not named: excluded */
	CHECK_INT(policy_hr(p, "Region"), PRIV_RAW);
	CHECK_INT(policy_hr(p, "REGION"), PRIV_RAW);
	CHECK_INT(policy_hr(p, "cost center"), PRIV_HASH);
	CHECK_INT(policy_hr(p, "FunctionType"), PRIV_EXCLUDE);
	CHECK_INT(policy_hr(p, "Country"), PRIV_EXCLUDE);
	CHECK_INT(policy_hr(p, "Organization"), PRIV_RAW);
	policy_free(p);
}

static void test_locked_keys(void)
{
	struct policy *p = NULL;
	struct err e = ERR_INIT;

	CHECK_INT(parse("Meetings.MeetingId = hash\n"
			"MeetingParticipants.MeetingId = hash\n"
			"MeetingParticipants.PersonHistoricalId = hash\n"
			"PersonHistorical.PersonHistoricalId = hash\n"
			"Calls.CallRecordId = raw\n",
			&p, &e),
		  0);
	if (p) {
		CHECK_INT(col(p, "Meetings", "MeetingId"), PRIV_HASH);
		CHECK_INT(col(p, "MeetingParticipants", "PersonHistoricalId"),
			  PRIV_HASH);
		CHECK_INT(col(p, "Calls", "CallRecordId"), PRIV_RAW);
	}
	policy_free(p);
}

/* text must be refused with -EINVAL and exactly the message want. */
static void refused(const char *text, const char *want)
{
	struct policy *p = (struct policy *)&p; /* must be reset to NULL */
	struct err e = ERR_INIT;

	CHECK_INT(parse(text, &p, &e), -EINVAL);
	CHECK(p == NULL);
	CHECK_STR(e.msg, want);
	policy_free(p == (struct policy *)&p ? NULL : p);
}

static void test_refusals(void)
{
	refused("Meetings.Subject = raw\n# fine so far\nMeetings.Subjct = raw\n",
		"policy.txt:3: Meetings.Subjct: no such column in Meetings "
		"(did you mean Subject?)");
	refused("Meetings.Room = raw\n",
		"policy.txt:1: Meetings.Room: no such column in Meetings");
	refused("Meeting.Subject = raw\n",
		"policy.txt:1: Meeting.Subject: no such table (did you mean "
		"Meetings?)");
	refused("\n\nCalendar.Subject = raw\n",
		"policy.txt:3: Calendar.Subject: no such table");
	refused("Meetings.Subject = hidden\n",
		"policy.txt:1: Meetings.Subject: \"hidden\" is not raw, hash or "
		"exclude");
	refused("Meetings.Subject = raw hash\n",
		"policy.txt:1: Meetings.Subject: \"raw hash\" is not raw, hash "
		"or exclude");
	refused("Meetings.Subject raw\n",
		"policy.txt:1: expected Table.Column = raw, hash or exclude");
	refused("Subject = raw\n",
		"policy.txt:1: expected Table.Column = raw, hash or exclude");
	refused("Meetings.Subject =\n",
		"policy.txt:1: expected Table.Column = raw, hash or exclude");
	refused("Meetings. = raw\n",
		"policy.txt:1: expected Table.Column = raw, hash or exclude");
	refused(".Subject = raw\n",
		"policy.txt:1: expected Table.Column = raw, hash or exclude");
	refused("Meetings.Subject = exclude # a comment\nMeetings.MeetingId = "
		"exclude\n",
		"policy.txt:2: Meetings.MeetingId: MeetingId is a key: it can be "
		"raw or hash, never exclude");
	refused("MeetingParticipants.personhistoricalid = EXCLUDE\n",
		"policy.txt:1: MeetingParticipants.PersonHistoricalId: "
		"PersonHistoricalId is a key: it can be raw or hash, never "
		"exclude");
	refused("Meetings.Subject = raw\nmeetings.SUBJECT = raw\n",
		"policy.txt:2: Meetings.Subject is set twice (first on line 1)");
	refused("PersonHistorical.Region = raw\n\nPersonHistorical.region = "
		"hash\n",
		"policy.txt:3: PersonHistorical.region is set twice (first on "
		"line 1)");
	refused("PersonHistorical.EmailAdress = raw\n",
		"policy.txt:1: PersonHistorical.EmailAdress: no such column in "
		"PersonHistorical (did you mean EmailAddress? an HR attribute "
		"may not look like a column of PersonHistorical)");
	refused("PersonHistorical._secret = raw\n",
		"policy.txt:1: \"_secret\" cannot be an HR attribute name");
	refused("PersonHistorical.StartDate_off = raw\n",
		"policy.txt:1: \"StartDate_off\" cannot be an HR attribute name");
	refused("PersonHistorical.Bad\"Name = raw\n",
		"policy.txt:1: \"Bad\\\"Name\" cannot be an HR attribute name");
	refused("Meetings.Subject = raw\nMeetings.\x01Subject = raw\n",
		"policy.txt:2: a control character (byte 0x01) in the line");
}

static void test_long_and_binary(void)
{
	struct policy *p = NULL;
	struct err e = ERR_INIT;
	char *text = malloc(3000);

	if (!text)
		return;
	memset(text, 'x', 2999);
	text[2999] = '\0';
	memcpy(text, "# ", 2); /* a long comment is fine */
	CHECK_INT(parse(text, &p, &e), 0);
	policy_free(p);
	memcpy(text, "Meetings.Subject = raw ", 23); /* a long setting is not */
	CHECK_INT(parse(text, &p, &e), -EINVAL);
	CHECK_STR(e.msg, "policy.txt:1: line too long (over 1024 bytes)");
	free(text);
	/* a NUL byte is a control character */
	CHECK_INT(policy_parse("p", "Meetings.Subject = raw\0x\n", 25, &p, &e),
		  -EINVAL);
	CHECK_STR(e.msg, "p:1: a control character (byte 0x00) in the line");
}

static void test_digest(void)
{
	static const char base[] = "Meetings.Subject = raw\n"
				   "PersonHistorical.Region = raw\n";
	struct policy *p = NULL;
	struct err e = ERR_INIT;
	struct buf b = BUF_INIT(1 << 20);

	/* comments, blanks, case, order and CRLF do not change it */
	CHECK(same_digest(base, "# a policy\n"
				"  personhistorical.REGION\t=  RAW  \r\n"
				"\n"
				"meetings.subject=raw # shown\n"));
	/* a change does */
	CHECK(!same_digest(base, "Meetings.Subject = hash\n"
				 "PersonHistorical.Region = raw\n"));
	CHECK(!same_digest(base, "Meetings.Subject = raw\n"
				 "PersonHistorical.Region = hash\n"));
	CHECK(!same_digest(base, "Meetings.Subject = raw\n"));
	CHECK(!same_digest(base, base + 23)); /* only the HR line */
	/* a setting equal to the default masks alike: same digest */
	CHECK(same_digest("", "Meetings.Subject = exclude\n"
			      "PersonHistorical.Region = exclude\n"));
	/* the canonical text */
	CHECK_INT(parse(base, &p, &e), 0);
	if (p) {
		policy_canonical(p, &b);
		CHECK_INT(b.err, 0);
		CHECK(strncmp(b.data, "collabfs policy 1\n", 18) == 0);
		CHECK_HAS(b.data, "\nMeetings.Subject=raw\n");
		CHECK_HAS(b.data, "\nPersonHistorical.EmailAddress=hash\n");
		CHECK_HAS(b.data, "\nPersonHistorical.region=raw\n");
	}
	buf_release(&b);
	policy_free(p);
}

static void test_needs_key(void)
{
	struct policy *p = NULL;
	struct err e = ERR_INIT;
	char text[4096];
	size_t n = 0;

	/* every default hash set raw: no key needed */
	for (size_t i = 0; i < schema_ntables; i++)
		for (size_t c = 0; c < schema_tables[i].ncols; c++)
			if (schema_tables[i].cols[c].privacy == PRIV_HASH)
				n += (size_t)snprintf(
					text + n, sizeof(text) - n,
					"%s.%s = raw\n", schema_tables[i].name,
					schema_tables[i].cols[c].name);
	CHECK_INT(parse(text, &p, &e), 0);
	CHECK(p && !policy_needs_key(p));
	policy_free(p);
	snprintf(text + n, sizeof(text) - n,
		 "PersonHistorical.Region = hash\n");
	CHECK_INT(parse(text, &p, &e), 0);
	CHECK(p && policy_needs_key(p));
	policy_free(p);
}

static void test_load_file(void)
{
	char dir[] = "/tmp/collabfs-test-policy.XXXXXX", path[256];
	struct policy *p = (struct policy *)&p;
	struct err e = ERR_INIT;
	FILE *f;

	if (!mkdtemp(dir))
		return;
	snprintf(path, sizeof(path), "%s/policy.txt", dir);
	f = fopen(path, "w");
	if (f) {
		fputs("Meetings.Subject = raw\nMeetings.Subjct = raw\n", f);
		fclose(f);
	}
	CHECK_INT(policy_load(path, &p, &e), -EINVAL);
	CHECK(p == NULL);
	CHECK_HAS(e.msg, "/policy.txt:2: Meetings.Subjct: no such column in "
			 "Meetings");
	f = fopen(path, "w");
	if (f) {
		fputs("Meetings.Subject = raw\n", f);
		fclose(f);
	}
	CHECK_INT(policy_load(path, &p, &e), 0);
	CHECK(p && col(p, "Meetings", "Subject") == PRIV_RAW);
	policy_free(p);
	/* too large */
	f = fopen(path, "w");
	for (int i = 0; f && i < POLICY_FILE_MAX / 16 + 1; i++)
		fputs("# padding......\n", f);
	if (f)
		fclose(f);
	CHECK_INT(policy_load(path, &p, &e), -EFBIG);
	CHECK_HAS(e.msg, "policy.txt' is too large");
	unlink(path);
	CHECK_INT(policy_load(path, &p, &e), -ENOENT);
	CHECK_HAS(e.msg, "cannot read policy file '");
	CHECK_HAS(e.msg, "policy.txt': No such file or directory");
	CHECK_INT(policy_load(dir, &p, &e), -EISDIR);
	rmdir(dir);
}

int main(void)
{
	test_defaults();
	test_good_file();
	test_locked_keys();
	test_refusals();
	test_long_and_binary();
	test_digest();
	test_needs_key();
	test_load_file();
	return check_report();
}
