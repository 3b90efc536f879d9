/* test_schema.c - the one definition of the exported tables. */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "check.h"
#include "schema.h"

/* The seed's tables, columns in the seed's order (seeds/000: "Exported .csv
 * files"), plus FileActivities (PRODUCT.md). */
struct want_table {
	const char *name, *dir, *parent, *scope;
	const char *cols[16];
};

static const struct want_table want[] = {
	{ "PersonHistorical",
	  "person_historical",
	  NULL,
	  NULL,
	  { "PersonHistoricalId", "EmailAddress", "StartDate", "EndDate",
	    "PopulationType", "ManagerId", "LevelDesignation", "Organization",
	    "IsInternal", "ExternalCollaboratorId" } },
	{ "Meetings",
	  "meetings",
	  NULL,
	  "meetings",
	  { "MeetingId", "ICalUid", "Subject", "IsRecurring", "IsCanceled",
	    "StartTime", "DurationMinutes", "TotalAccept", "TotalDecline",
	    "TotalNoResponse", "TotalTentativelyAccepted", "TotalAttendees",
	    "TotalDoubleBooked", "TotalEmailsDuringMeeting" } },
	{ "MeetingParticipants",
	  "meeting_participants",
	  "Meetings",
	  "meetings",
	  { "MeetingId", "PersonHistoricalId", "LocalStartTime", "IsOrganizer",
	    "IsDoubleBooked", "Response", "DurationMinutesAdjusted",
	    "NumberOfEmailsDuringMeeting" } },
	{ "Mails",
	  "mails",
	  NULL,
	  "mail",
	  { "MailId", "ConversationId", "Subject", "SentTime",
	    "SenderTimeSpentinMinutes", "NumberOfRecipients" } },
	{ "MailParticipants",
	  "mail_participants",
	  "Mails",
	  "mail",
	  { "MailId", "PersonHistoricalId", "IsSender", "LocalSentTime",
	    "PersonTimeSpentInHours", "PersonTimeSpentInMinutes" } },
	{ "Calls",
	  "calls",
	  NULL,
	  "calls",
	  { "CallRecordId", "MeetingId", "AppName", "IsScheduledCall",
	    "TotalParticipants", "InteractionType" } },
	{ "CallParticipants",
	  "call_participants",
	  "Calls",
	  "calls",
	  { "CallRecordId", "PersonHistoricalId", "IsOrganizer",
	    "LocalStartTime", "LocalEndTime" } },
	{ "InstantMessages",
	  "instant_messages",
	  NULL,
	  "chat",
	  { "InstantMessageId", "AppName", "SentTime", "InteractionType",
	    "TotalParticipants" } },
	{ "InstantMessageParticipants",
	  "instant_message_participants",
	  "InstantMessages",
	  "chat",
	  { "InstantMessageId", "PersonHistoricalId", "isAfterHours",
	    "IsSender", "LocalSentTime", "SenderTimeSpentInMinutes" } },
	{ "FileActivities",
	  "file_activities",
	  NULL,
	  "files",
	  { "FileActivityId", "FileId", "PersonHistoricalId", "Action",
	    "AppName", "LocalTime" } },
};

#define NWANT (sizeof(want) / sizeof(want[0]))

static int streq_null(const char *a, const char *b)
{
	return a == b || (a && b && strcmp(a, b) == 0);
}

static const struct column *col(const char *table, const char *name)
{
	const struct table *t = schema_table(table);
	int i = t ? schema_column(t, name) : -1;

	return i < 0 ? NULL : &t->cols[i];
}

/* The tables, their names, folders, parents and columns, exactly. */
static void test_tables(void)
{
	CHECK_INT(schema_ntables, 10);
	for (size_t i = 0; i < NWANT && i < schema_ntables; i++) {
		const struct table *t = schema_table(want[i].name);
		size_t n = 0;

		if (!CHECK(t != NULL)) {
			fprintf(stderr, "    no table %s\n", want[i].name);
			continue;
		}
		CHECK_STR(t->name, want[i].name);
		CHECK_STR(t->dir, want[i].dir);
		CHECK(streq_null(t->parent, want[i].parent));
		CHECK(streq_null(t->scope, want[i].scope));
		while (n < 16 && want[i].cols[n])
			n++;
		CHECK_INT(t->ncols, n);
		for (size_t c = 0; c < n && c < t->ncols; c++)
			CHECK_STR(t->cols[c].name, want[i].cols[c]);
		CHECK(schema_table_by_dir(want[i].dir) == t);
	}
}

/* The seed's own spellings are kept; its typo is not. */
static void test_spellings(void)
{
	const struct table *mp = schema_table("MailParticipants");

	CHECK_STR(col("Mails", "SenderTimeSpentinMinutes")->name,
		  "SenderTimeSpentinMinutes");
	CHECK_STR(col("InstantMessageParticipants", "isAfterHours")->name,
		  "isAfterHours");
	CHECK_STR(col("InstantMessageParticipants", "SenderTimeSpentInMinutes")
			  ->name,
		  "SenderTimeSpentInMinutes");
	CHECK_STR(mp->cols[1].name, "PersonHistoricalId");
	for (size_t i = 0; i < schema_ntables; i++)
		for (size_t c = 0; c < schema_tables[i].ncols; c++)
			CHECK(strchr(schema_tables[i].cols[c].name, ':') ==
			      NULL);
}

static void test_keys(void)
{
	for (size_t i = 0; i < schema_ntables; i++) {
		const struct table *t = &schema_tables[i];
		size_t nk = schema_nkeys(t), total = 0;

		CHECK(nk >= 1);
		for (size_t c = 0; c < t->ncols; c++) {
			unsigned f = t->cols[c].flags;

			total += (f & COL_KEY) != 0;
			if (f & COL_KEY) {
				/* keys first, text, and never excluded */
				CHECK(c < nk);
				CHECK(t->cols[c].type == COL_STRING);
				CHECK(t->cols[c].privacy != PRIV_EXCLUDE);
			}
		}
		CHECK_INT(total, nk);
		/* a participant's key is (parent key, person) */
		if (t->parent) {
			CHECK_INT(nk, 2);
			CHECK(t->cols[0].flags & COL_PARENT);
			CHECK(t->cols[1].flags & COL_PERSON);
			CHECK_STR(t->cols[1].name, "PersonHistoricalId");
		} else {
			CHECK_INT(nk, 1);
		}
	}
}

static void test_parents(void)
{
	for (size_t i = 0; i < schema_ntables; i++) {
		const struct table *t = &schema_tables[i];
		const struct table *p = schema_parent(t);
		const struct table *c =
			t->child ? schema_table(t->child) : NULL;

		CHECK((t->instant == INSTANT_PARENT) == (t->parent != NULL));
		if (t->parent) {
			if (!CHECK(p != NULL))
				continue;
			CHECK(p < t); /* earlier in schema_tables[] */
			CHECK(p->parent == NULL);
			CHECK_STR(p->child, t->name);
			CHECK(streq_null(p->scope, t->scope));
			/* the parent column has the parent key's name */
			CHECK_STR(t->cols[0].name, p->cols[0].name);
			CHECK(schema_column_with(t, COL_PARENT) == 0);
		} else {
			CHECK(p == NULL);
			CHECK(schema_column_with(t, COL_PARENT) == -1);
		}
		if (t->child) {
			if (CHECK(c != NULL))
				CHECK_STR(c->parent, t->name);
		}
	}
}

static void test_instants(void)
{
	for (size_t i = 0; i < schema_ntables; i++) {
		const struct table *t = &schema_tables[i];
		int ninstant = 0, nend = 0;

		for (size_t c = 0; c < t->ncols; c++) {
			const struct column *k = &t->cols[c];

			if (k->flags & (COL_INSTANT | COL_SPAN_END))
				CHECK(k->type == COL_DATETIME);
			ninstant += (k->flags & COL_INSTANT) != 0;
			nend += (k->flags & COL_SPAN_END) != 0;
		}
		switch (t->instant) {
		case INSTANT_OWN:
			CHECK_INT(ninstant, 1);
			CHECK_INT(nend, 0);
			/* a row without its time would be in no period */
			CHECK(t->cols[schema_column_with(t, COL_INSTANT)]
				      .flags &
			      COL_REQUIRED);
			break;
		case INSTANT_SPAN:
			CHECK_INT(ninstant, 1);
			CHECK_INT(nend, 1);
			break;
		case INSTANT_CHILDREN:
			CHECK_INT(ninstant, 0);
			if (CHECK(t->child != NULL)) {
				const struct table *c = schema_table(t->child);
				int ic = schema_column_with(
					c, COL_INSTANT | COL_REQUIRED);

				CHECK(ic >= 0);
			}
			break;
		case INSTANT_PARENT:
			CHECK_INT(nend, 0);
			break;
		}
	}
	CHECK_STR(col("Meetings", "StartTime")->name, "StartTime");
	CHECK(col("Meetings", "StartTime")->flags & COL_INSTANT);
	CHECK(col("Mails", "SentTime")->flags & COL_INSTANT);
	CHECK(col("InstantMessages", "SentTime")->flags & COL_INSTANT);
	CHECK(col("FileActivities", "LocalTime")->flags & COL_INSTANT);
	CHECK(col("PersonHistorical", "StartDate")->flags & COL_INSTANT);
	CHECK(col("PersonHistorical", "EndDate")->flags & COL_SPAN_END);
	CHECK(col("CallParticipants", "LocalStartTime")->flags & COL_INSTANT);
	CHECK(schema_table("Calls")->instant == INSTANT_CHILDREN);
	CHECK(schema_table("PersonHistorical")->instant == INSTANT_SPAN);
}

static void test_privacy(void)
{
	int nsubjects = 0;

	for (size_t i = 0; i < schema_ntables; i++) {
		const struct table *t = &schema_tables[i];

		for (size_t c = 0; c < t->ncols; c++) {
			if (strcasecmp(t->cols[c].name, "Subject") == 0) {
				CHECK_INT(t->cols[c].privacy, PRIV_EXCLUDE);
				nsubjects++;
			}
		}
	}
	CHECK_INT(nsubjects, 2);
	CHECK_INT(col("PersonHistorical", "EmailAddress")->privacy, PRIV_HASH);
	CHECK_INT(col("PersonHistorical", "ExternalCollaboratorId")->privacy,
		  PRIV_HASH);
	CHECK_INT(col("PersonHistorical", "Organization")->privacy, PRIV_RAW);
	CHECK_STR(schema_privacy_name(PRIV_RAW), "raw");
	CHECK_STR(schema_privacy_name(PRIV_HASH), "hash");
	CHECK_STR(schema_privacy_name(PRIV_EXCLUDE), "exclude");
}

static void test_names_unique(void)
{
	for (size_t i = 0; i < schema_ntables; i++) {
		const struct table *t = &schema_tables[i];

		for (size_t a = 0; a < t->ncols; a++) {
			const char *n = t->cols[a].name;

			for (size_t b = a + 1; b < t->ncols; b++)
				if (!CHECK(strcasecmp(n, t->cols[b].name)))
					fprintf(stderr, "    %s.%s twice\n",
						t->name, n);
			/* safe inside "..." in SQL, and not the store's own
			 * columns */
			CHECK(n[0] && !strchr(n, '"') && n[0] != '_');
			CHECK(!strchr(n, ' ') && !strchr(n, ','));
			CHECK_INT(schema_column(t, n), (long long)a);
		}
		for (size_t b = i + 1; b < schema_ntables; b++) {
			CHECK(strcasecmp(t->name, schema_tables[b].name));
			CHECK(strcmp(t->dir, schema_tables[b].dir));
		}
		CHECK(t->doc && t->doc[0]);
	}
}

static void test_enums(void)
{
	static const char *const responses[] = { "Accepted", "Declined",
						 "Tentative", "NoResponse" };
	static const char *const pop[] = { "MeasuredEmployee",
					   "InternalCollaborator",
					   "ExternalCollaborator",
					   "DistributionList", "MeetingRoom" };
	const struct column *resp = col("MeetingParticipants", "Response");
	const struct column *pt = col("PersonHistorical", "PopulationType");

	for (size_t i = 0; i < schema_ntables; i++) {
		const struct table *t = &schema_tables[i];

		for (size_t c = 0; c < t->ncols; c++) {
			const struct column *k = &t->cols[c];
			size_t n = 0;

			CHECK((k->type == COL_ENUM) == (k->values != NULL));
			CHECK(k->doc && k->doc[0]);
			if (k->type != COL_ENUM || !k->values)
				continue;
			while (k->values[n])
				n++;
			CHECK(n >= 2);
			for (size_t a = 0; a < n; a++)
				for (size_t b = a + 1; b < n; b++)
					CHECK(strcasecmp(k->values[a],
							 k->values[b]));
		}
	}
	for (size_t i = 0; i < 4; i++)
		CHECK_STR(schema_enum_value(resp, responses[i],
					    strlen(responses[i])),
			  responses[i]);
	for (size_t i = 0; i < 5; i++)
		CHECK_STR(schema_enum_value(pt, pop[i], strlen(pop[i])),
			  pop[i]);
	CHECK_STR(schema_enum_value(resp, "DECLINED", 8), "Declined");
	CHECK_STR(schema_enum_value(resp, "tentativeX", 9), "Tentative");
	CHECK(schema_enum_value(resp, "Tentativ", 8) == NULL);
	CHECK(schema_enum_value(resp, "", 0) == NULL);
	CHECK(schema_enum_value(col("Meetings", "Subject"), "x", 1) == NULL);
	CHECK_STR(schema_enum_value(col("InstantMessages", "InteractionType"),
				    "groupchat", 9),
		  "GroupChat");
	CHECK_STR(
		schema_enum_value(col("FileActivities", "Action"), "viewed", 6),
		"Viewed");
}

static void test_lookups(void)
{
	const struct table *m = schema_table("Meetings");

	CHECK(schema_table("meetings") == m);
	CHECK(schema_table("MEETINGS") == m);
	CHECK(schema_table("Meeting") == NULL);
	CHECK(schema_table("") == NULL);
	CHECK(schema_table_by_dir("meetings") == m);
	CHECK(schema_table_by_dir("Meetings") == NULL);
	CHECK(schema_table_by_dir("activity") == &schema_views[0]);
	CHECK(schema_table_by_dir("activities") == NULL);
	CHECK(schema_folder_table(&schema_views[2]) == &schema_views[0]);
	CHECK(schema_folder_table(m) == m);
	CHECK(strcmp(schema_file_stem(&schema_views[2]), "activity_by_user") ==
	      0);
	CHECK(strcmp(schema_file_stem(m), "meetings") == 0);
	CHECK_INT(schema_column(m, "meetingid"), 0);
	CHECK_INT(schema_column(m, "StartTime"), 5);
	CHECK_INT(schema_column(m, "Start"), -1);
	CHECK_INT(schema_column(m, ""), -1);
	CHECK_INT(schema_column_with(m, COL_INSTANT), 5);
	CHECK_INT(schema_column_with(m, COL_INSTANT | COL_REQUIRED), 5);
	CHECK_INT(schema_column_with(m, COL_SPAN_END), -1);
	CHECK_INT(schema_column_with(m, COL_KEY), 0);
	CHECK_INT(schema_nkeys(schema_table("CallParticipants")), 2);
	CHECK(schema_parent(schema_table("CallParticipants")) ==
	      schema_table("Calls"));
	CHECK(schema_table("PersonHistorical")->hr_attributes);
	for (size_t i = 0; i < schema_ntables; i++)
		CHECK(schema_tables[i].hr_attributes ==
		      (strcmp(schema_tables[i].name, "PersonHistorical") == 0));
	CHECK_STR(schema_type_name(COL_STRING), "string");
	CHECK_STR(schema_type_name(COL_BOOL), "Boolean");
	CHECK_STR(schema_type_name(COL_DATETIME), "datetime");
	CHECK_STR(schema_type_name(COL_INT), "integer");
	CHECK_STR(schema_type_name(COL_DOUBLE), "double");
	CHECK_STR(schema_type_name(COL_ENUM), "enumerated");
}

/* The seed's data types (seeds/000), where the seed gives one. */
static void test_types(void)
{
	CHECK_INT(col("Meetings", "IsRecurring")->type, COL_BOOL);
	CHECK_INT(col("Meetings", "DurationMinutes")->type, COL_INT);
	CHECK_INT(col("MeetingParticipants", "DurationMinutesAdjusted")->type,
		  COL_DOUBLE);
	CHECK_INT(col("MeetingParticipants", "Response")->type, COL_ENUM);
	CHECK_INT(col("Mails", "SenderTimeSpentinMinutes")->type, COL_DOUBLE);
	CHECK_INT(col("Calls", "TotalParticipants")->type, COL_INT);
	CHECK_INT(col("InstantMessages", "TotalParticipants")->type,
		  COL_DOUBLE);
	CHECK_INT(col("CallParticipants", "LocalEndTime")->type, COL_DATETIME);
	CHECK_INT(col("PersonHistorical", "IsInternal")->type, COL_BOOL);
	CHECK_INT(col("InstantMessageParticipants", "isAfterHours")->type,
		  COL_BOOL);
	CHECK_INT(col("Calls", "InteractionType")->type, COL_ENUM);
	CHECK_INT(col("InstantMessages", "InteractionType")->type, COL_ENUM);
}

int main(void)
{
	test_tables();
	test_spellings();
	test_keys();
	test_parents();
	test_instants();
	test_privacy();
	test_names_unique();
	test_enums();
	test_lookups();
	test_types();
	return check_report();
}
