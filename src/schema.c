/* schema.c - the tables, once.  See schema.h. */
#include "schema.h"

#include <string.h>
#include <strings.h>

#define COLS(a) (a), (sizeof(a) / sizeof((a)[0]))

static const char *const response_values[] = { "Accepted", "Declined",
					       "Tentative", "NoResponse",
					       NULL };
static const char *const call_interaction_values[] = { "Joined",     "Attended",
						       "Tentative",  "Accepted",
						       "NoResponse", NULL };
static const char *const im_interaction_values[] = { "GroupChat",
						     "OneOnOneChat", NULL };
static const char *const population_values[] = {
	"MeasuredEmployee", "InternalCollaborator", "ExternalCollaborator",
	"DistributionList", "MeetingRoom",	    NULL
};
static const char *const file_action_values[] = { "Created",	"Edited",
						  "Viewed",	"Shared",
						  "Downloaded", NULL };

static const struct column person_historical_cols[] = {
	{ "PersonHistoricalId", COL_STRING, COL_KEY | COL_PERSON, PRIV_RAW,
	  NULL,
	  "Unique value for every person for each HR change; primary key" },
	{ "EmailAddress", COL_STRING, 0, PRIV_HASH, NULL,
	  "Masked value, unique for every email address" },
	{ "StartDate", COL_DATETIME, COL_INSTANT, PRIV_RAW, NULL,
	  "Effective start date of the HR change; the row is valid from here" },
	{ "EndDate", COL_DATETIME, COL_SPAN_END, PRIV_RAW, NULL,
	  "Effective end date of the HR change (inclusive); empty while current" },
	{ "PopulationType", COL_ENUM, 0, PRIV_RAW, population_values,
	  "Type of employee" },
	{ "ManagerId", COL_STRING, COL_PERSON, PRIV_RAW, NULL,
	  "Unique value for each person's manager" },
	{ "LevelDesignation", COL_STRING, 0, PRIV_RAW, NULL,
	  "Employee level: experience, management level or seniority" },
	{ "Organization", COL_STRING, 0, PRIV_RAW, NULL,
	  "Internal organization the employee belongs to" },
	{ "IsInternal", COL_BOOL, 0, PRIV_RAW, NULL,
	  "True if PopulationType is MeasuredEmployee or InternalCollaborator" },
	{ "ExternalCollaboratorId", COL_STRING, 0, PRIV_HASH, NULL,
	  "Email address of an external collaborator" },
};

static const struct column meetings_cols[] = {
	{ "MeetingId", COL_STRING, COL_KEY, PRIV_RAW, NULL,
	  "Unique identifier for each meeting (each occurrence); primary key" },
	{ "ICalUid", COL_STRING, 0, PRIV_HASH, NULL, "Meeting calendar ID" },
	{ "Subject", COL_STRING, 0, PRIV_EXCLUDE, NULL, "Meeting subject" },
	{ "IsRecurring", COL_BOOL, 0, PRIV_RAW, NULL,
	  "True if this is a recurring meeting" },
	{ "IsCanceled", COL_BOOL, 0, PRIV_RAW, NULL,
	  "True if the meeting was canceled" },
	{ "StartTime", COL_DATETIME, COL_INSTANT | COL_REQUIRED, PRIV_RAW, NULL,
	  "Meeting start time" },
	{ "DurationMinutes", COL_INT, 0, PRIV_RAW, NULL,
	  "Meeting length in minutes" },
	{ "TotalAccept", COL_INT, 0, PRIV_RAW, NULL,
	  "Total number of meeting acceptances" },
	{ "TotalDecline", COL_INT, 0, PRIV_RAW, NULL,
	  "Total number of meeting declines" },
	{ "TotalNoResponse", COL_INT, 0, PRIV_RAW, NULL,
	  "Invitees who did not respond to the invitation" },
	{ "TotalTentativelyAccepted", COL_INT, 0, PRIV_RAW, NULL,
	  "Invitees who tentatively accepted" },
	{ "TotalAttendees", COL_INT, 0, PRIV_RAW, NULL,
	  "Total accept plus total no-response plus the organizer" },
	{ "TotalDoubleBooked", COL_INT, 0, PRIV_RAW, NULL,
	  "Attendees with a conflicting meeting or appointment" },
	{ "TotalEmailsDuringMeeting", COL_INT, 0, PRIV_RAW, NULL,
	  "Emails sent during the meeting by attendees who did not decline" },
};

static const struct column meeting_participants_cols[] = {
	{ "MeetingId", COL_STRING, COL_KEY | COL_PARENT, PRIV_RAW, NULL,
	  "The meeting; foreign key matching Meetings" },
	{ "PersonHistoricalId", COL_STRING, COL_KEY | COL_PERSON, PRIV_RAW,
	  NULL, "The participant; foreign key matching PersonHistorical" },
	{ "LocalStartTime", COL_DATETIME, 0, PRIV_RAW, NULL,
	  "Start time of the meeting in the participant's local time" },
	{ "IsOrganizer", COL_BOOL, 0, PRIV_RAW, NULL,
	  "True if this participant organized the meeting" },
	{ "IsDoubleBooked", COL_BOOL, 0, PRIV_RAW, NULL,
	  "True if this person had more than one meeting at this time" },
	{ "Response", COL_ENUM, 0, PRIV_RAW, response_values,
	  "Invitee's response to the meeting" },
	{ "DurationMinutesAdjusted", COL_DOUBLE, 0, PRIV_RAW, NULL,
	  "Time spent in the meeting, adjusted if double booked" },
	{ "NumberOfEmailsDuringMeeting", COL_INT, 0, PRIV_RAW, NULL,
	  "Emails sent by this participant during the meeting" },
};

static const struct column mails_cols[] = {
	{ "MailId", COL_STRING, COL_KEY, PRIV_RAW, NULL,
	  "Unique identifier for each email; primary key" },
	{ "ConversationId", COL_STRING, 0, PRIV_RAW, NULL,
	  "Unique thread identifier" },
	{ "Subject", COL_STRING, 0, PRIV_EXCLUDE, NULL, "Email subject" },
	{ "SentTime", COL_DATETIME, COL_INSTANT | COL_REQUIRED, PRIV_RAW, NULL,
	  "When the email was sent, in the sender's local time" },
	{ "SenderTimeSpentinMinutes", COL_DOUBLE, 0, PRIV_RAW, NULL,
	  "Minutes spent writing the email (estimate)" },
	{ "NumberOfRecipients", COL_INT, 0, PRIV_RAW, NULL,
	  "Number of recipients, not including the sender" },
};

static const struct column mail_participants_cols[] = {
	{ "MailId", COL_STRING, COL_KEY | COL_PARENT, PRIV_RAW, NULL,
	  "The email; foreign key matching Mails" },
	{ "PersonHistoricalId", COL_STRING, COL_KEY | COL_PERSON, PRIV_RAW,
	  NULL, "The participant; foreign key matching PersonHistorical" },
	{ "IsSender", COL_BOOL, 0, PRIV_RAW, NULL,
	  "True if this person sent the email" },
	{ "LocalSentTime", COL_DATETIME, 0, PRIV_RAW, NULL,
	  "Local time when the email was sent" },
	{ "PersonTimeSpentInHours", COL_DOUBLE, 0, PRIV_RAW, NULL,
	  "Time spent reading or writing the email, in hours (estimate)" },
	{ "PersonTimeSpentInMinutes", COL_DOUBLE, 0, PRIV_RAW, NULL,
	  "Time spent reading or writing the email, in minutes (estimate)" },
};

static const struct column calls_cols[] = {
	{ "CallRecordId", COL_STRING, COL_KEY, PRIV_RAW, NULL,
	  "Unique identifier for each call; primary key" },
	{ "MeetingId", COL_STRING, 0, PRIV_RAW, NULL,
	  "The meeting of a scheduled call" },
	{ "AppName", COL_STRING, 0, PRIV_RAW, NULL,
	  "Name of the source app (Teams, Skype)" },
	{ "IsScheduledCall", COL_BOOL, 0, PRIV_RAW, NULL,
	  "True if this is a scheduled call" },
	{ "TotalParticipants", COL_INT, 0, PRIV_RAW, NULL,
	  "Total participants of the call" },
	{ "InteractionType", COL_ENUM, 0, PRIV_RAW, call_interaction_values,
	  "Invitee's response to the call" },
};

static const struct column call_participants_cols[] = {
	{ "CallRecordId", COL_STRING, COL_KEY | COL_PARENT, PRIV_RAW, NULL,
	  "The call; foreign key matching Calls" },
	{ "PersonHistoricalId", COL_STRING, COL_KEY | COL_PERSON, PRIV_RAW,
	  NULL, "The participant; foreign key matching PersonHistorical" },
	{ "IsOrganizer", COL_BOOL, 0, PRIV_RAW, NULL,
	  "True if this participant organized the call" },
	{ "LocalStartTime", COL_DATETIME, COL_INSTANT | COL_REQUIRED, PRIV_RAW,
	  NULL, "Start of the call in the participant's local time" },
	{ "LocalEndTime", COL_DATETIME, 0, PRIV_RAW, NULL,
	  "End of the call in the participant's local time" },
};

static const struct column instant_messages_cols[] = {
	{ "InstantMessageId", COL_STRING, COL_KEY, PRIV_RAW, NULL,
	  "Unique identifier for each instant message; primary key" },
	{ "AppName", COL_STRING, 0, PRIV_RAW, NULL,
	  "Name of the source app (Teams, Skype)" },
	{ "SentTime", COL_DATETIME, COL_INSTANT | COL_REQUIRED, PRIV_RAW, NULL,
	  "Sent time of the message in the sender's local time" },
	{ "InteractionType", COL_ENUM, 0, PRIV_RAW, im_interaction_values,
	  "GroupChat or OneOnOneChat" },
	{ "TotalParticipants", COL_DOUBLE, 0, PRIV_RAW, NULL,
	  "Total participants, sender included" },
};

static const struct column instant_message_participants_cols[] = {
	{ "InstantMessageId", COL_STRING, COL_KEY | COL_PARENT, PRIV_RAW, NULL,
	  "The message; foreign key matching InstantMessages" },
	{ "PersonHistoricalId", COL_STRING, COL_KEY | COL_PERSON, PRIV_RAW,
	  NULL, "The participant; foreign key matching PersonHistorical" },
	{ "isAfterHours", COL_BOOL, 0, PRIV_RAW, NULL,
	  "True if the message was sent after hours" },
	{ "IsSender", COL_BOOL, 0, PRIV_RAW, NULL,
	  "True if this person sent the message" },
	{ "LocalSentTime", COL_DATETIME, 0, PRIV_RAW, NULL,
	  "Sent time in the participant's local time" },
	{ "SenderTimeSpentInMinutes", COL_DOUBLE, 0, PRIV_RAW, NULL,
	  "Time spent on the message, approximation" },
};

static const struct column file_activities_cols[] = {
	{ "FileActivityId", COL_STRING, COL_KEY, PRIV_RAW, NULL,
	  "Unique identifier for each file event; primary key" },
	{ "FileId", COL_STRING, 0, PRIV_RAW, NULL, "The file" },
	{ "PersonHistoricalId", COL_STRING, COL_PERSON, PRIV_RAW, NULL,
	  "Who acted; foreign key matching PersonHistorical" },
	{ "Action", COL_ENUM, 0, PRIV_RAW, file_action_values,
	  "What was done to the file" },
	{ "AppName", COL_STRING, 0, PRIV_RAW, NULL,
	  "Name of the app used (Word, Excel, ...)" },
	{ "LocalTime", COL_DATETIME, COL_INSTANT | COL_REQUIRED, PRIV_RAW, NULL,
	  "When it happened, in the person's local time" },
};

const struct table schema_tables[] = {
	{ "PersonHistorical", "person_historical", NULL, NULL, NULL,
	  INSTANT_SPAN, true, COLS(person_historical_cols),
	  "One row per person and HR change; a new row is created when a "
	  "person's HR attributes change.  Extra columns are HR attributes.",
	  NULL, VIEW_NONE },
	{ "Meetings", "meetings", NULL, "MeetingParticipants", "meetings",
	  INSTANT_OWN, false, COLS(meetings_cols),
	  "One row for each meeting or appointment; recurring meetings have a "
	  "row for each occurrence.",
	  NULL, VIEW_NONE },
	{ "MeetingParticipants", "meeting_participants", "Meetings", NULL,
	  "meetings", INSTANT_PARENT, false, COLS(meeting_participants_cols),
	  "One row for each participant in a calendar meeting.", NULL,
	  VIEW_NONE },
	{ "Mails", "mails", NULL, "MailParticipants", "mail", INSTANT_OWN,
	  false, COLS(mails_cols), "One row for every email sent.", NULL,
	  VIEW_NONE },
	{ "MailParticipants", "mail_participants", "Mails", NULL, "mail",
	  INSTANT_PARENT, false, COLS(mail_participants_cols),
	  "One row for every email sent and received, per person.", NULL,
	  VIEW_NONE },
	{ "Calls", "calls", NULL, "CallParticipants", "calls", INSTANT_CHILDREN,
	  false, COLS(calls_cols),
	  "One row for each call; scheduled calls have a row for each "
	  "occurrence.  A call is placed by its earliest participant's start.",
	  NULL, VIEW_NONE },
	{ "CallParticipants", "call_participants", "Calls", NULL, "calls",
	  INSTANT_PARENT, false, COLS(call_participants_cols),
	  "One row for each participant in a call.", NULL, VIEW_NONE },
	{ "InstantMessages", "instant_messages", NULL,
	  "InstantMessageParticipants", "chat", INSTANT_OWN, false,
	  COLS(instant_messages_cols), "One row for each instant message.",
	  NULL, VIEW_NONE },
	{ "InstantMessageParticipants", "instant_message_participants",
	  "InstantMessages", NULL, "chat", INSTANT_PARENT, false,
	  COLS(instant_message_participants_cols),
	  "One row for each participant in an instant message.", NULL,
	  VIEW_NONE },
	{ "FileActivities", "file_activities", NULL, NULL, "files", INSTANT_OWN,
	  false, COLS(file_activities_cols),
	  "One row per file event (collabfs's addition, for the files scope).",
	  NULL, VIEW_NONE },
};

const size_t schema_ntables = sizeof(schema_tables) / sizeof(schema_tables[0]);

const struct table *schema_table(const char *name)
{
	for (size_t i = 0; i < schema_ntables; i++)
		if (strcasecmp(schema_tables[i].name, name) == 0)
			return &schema_tables[i];
	return NULL;
}

const struct table *schema_table_by_dir(const char *dir)
{
	for (size_t i = 0; i < schema_ntables; i++)
		if (strcmp(schema_tables[i].dir, dir) == 0)
			return &schema_tables[i];
	if (strcmp(schema_views[0].dir, dir) == 0)
		return &schema_views[0];
	return NULL;
}

const struct table schema_views[] = {
	{ "ActivityByDepartment", "activity", NULL, NULL, NULL, INSTANT_OWN,
	  false, NULL, 0,
	  "One row per department (value of the Organization HR attribute) "
	  "per period: people, totals and averages of the activity metrics.",
	  "activity_by_department", VIEW_DEPARTMENT },
	{ "ActivityByOrganization", "activity", NULL, NULL, NULL, INSTANT_OWN,
	  false, NULL, 0,
	  "One row per period for the whole organization: people, totals "
	  "and averages of the activity metrics.",
	  "activity_by_organization", VIEW_ORGANIZATION },
	{ "ActivityByUser", "activity", NULL, NULL, NULL, INSTANT_OWN, false,
	  NULL, 0,
	  "One row per person per period (a person query): the activity "
	  "metrics, then the HR attributes the policy lets out.",
	  "activity_by_user", VIEW_USER },
};

const size_t schema_nviews = sizeof(schema_views) / sizeof(schema_views[0]);

const char *schema_file_stem(const struct table *t)
{
	return t->file ? t->file : t->dir;
}

const struct table *schema_folder_table(const struct table *t)
{
	return t && t->view != VIEW_NONE ? &schema_views[0] : t;
}

int schema_column(const struct table *t, const char *name)
{
	for (size_t i = 0; i < t->ncols; i++)
		if (strcasecmp(t->cols[i].name, name) == 0)
			return (int)i;
	return -1;
}

int schema_column_with(const struct table *t, unsigned flags)
{
	for (size_t i = 0; i < t->ncols; i++)
		if ((t->cols[i].flags & flags) == flags)
			return (int)i;
	return -1;
}

size_t schema_nkeys(const struct table *t)
{
	size_t n = 0;

	while (n < t->ncols && (t->cols[n].flags & COL_KEY))
		n++;
	return n;
}

const struct table *schema_parent(const struct table *t)
{
	return t->parent ? schema_table(t->parent) : NULL;
}

const char *schema_enum_value(const struct column *c, const char *s, size_t n)
{
	for (const char *const *v = c->values; v && *v; v++)
		if (strlen(*v) == n && strncasecmp(*v, s, n) == 0)
			return *v;
	return NULL;
}

const char *schema_type_name(enum col_type type)
{
	static const char *const names[] = {
		"string",  "Boolean", "datetime",
		"integer", "double",  "enumerated"
	};

	return names[type];
}

const char *schema_privacy_name(enum col_privacy p)
{
	static const char *const names[] = { "raw", "hash", "exclude" };

	return names[p];
}

static char ascii_lower(char c)
{
	if (c >= 'A' && c <= 'Z')
		return (char)(c - 'A' + 'a');
	return c;
}

/* One row of the edit-distance table: row[] for a prefix of a becomes the
 * row for that prefix plus ca (the i-th character). */
static void edit_row(int *row, size_t i, char ca, const char *b, size_t nb)
{
	int diag = row[0];

	row[0] = (int)i;
	for (size_t j = 1; j <= nb; j++) {
		int up = row[j];
		int best = diag + (ascii_lower(ca) != ascii_lower(b[j - 1]));

		if (up + 1 < best)
			best = up + 1;
		if (row[j - 1] + 1 < best)
			best = row[j - 1] + 1;
		row[j] = best;
		diag = up;
	}
}

/* Edit distance of a and b without case, up to 3 (more is 3). */
static int distance(const char *a, const char *b)
{
	size_t na = strlen(a), nb = strlen(b);
	int row[SCHEMA_NAME_MAX + 1];

	if (na > SCHEMA_NAME_MAX || nb > SCHEMA_NAME_MAX ||
	    (na > nb ? na - nb : nb - na) > 2)
		return 3;
	for (size_t j = 0; j <= nb; j++)
		row[j] = (int)j;
	for (size_t i = 1; i <= na; i++)
		edit_row(row, i, a[i - 1], b, nb);
	return row[nb] < 3 ? row[nb] : 3;
}

const char *schema_near_column(const struct table *t, const char *name)
{
	for (size_t c = 0; c < t->ncols; c++)
		if (distance(name, t->cols[c].name) <= 2)
			return t->cols[c].name;
	return NULL;
}

const char *schema_near_table(const char *name)
{
	for (size_t i = 0; i < schema_ntables; i++)
		if (distance(name, schema_tables[i].name) <= 2)
			return schema_tables[i].name;
	return NULL;
}

int schema_hr_name_ok(const struct table *t, const char *name)
{
	size_t n = strlen(name);

	if (n == 0 || n > SCHEMA_NAME_MAX || name[0] == '_' ||
	    strchr(name, '"'))
		return 0;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)name[i] < 0x20 || name[i] == 0x7f)
			return 0;
	for (size_t i = 0; i < t->ncols; i++) {
		size_t cn = strlen(t->cols[i].name);

		if (strncasecmp(name, t->cols[i].name, cn) == 0 &&
		    (name[cn] == '\0' || strcasecmp(name + cn, "_off") == 0))
			return 0;
	}
	return 1;
}
