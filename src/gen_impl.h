/* gen_impl.h - the generator's insides, shared by its three files:
 *
 *   gen.c           options, random numbers, the event pool and the rows
 *   gen_org.c       the people: hierarchy, HR history, contacts, externals
 *   gen_activity.c  one day of meetings, mail, chat, calls and file events
 *
 * The flow: gen_org_build() plans every person and their whole HR history
 * up front (memory O(people)); PersonHistorical rows are written first; then
 * gen_day() fills the event pool with one local calendar day of activity,
 * and gen_flush() sorts the pool by UTC time and writes every event that no
 * later day can precede.  Only the pool and a few per-day arrays depend on
 * the volume of activity, so memory stays bounded by the size of a day.
 */
#ifndef COLLABFS_GEN_IMPL_H
#define COLLABFS_GEN_IMPL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "gen.h"
#include "tz.h"

#define DAY_SECS   INT64_C(86400)
#define HOUR_SECS  INT64_C(3600)
#define NCOLLAB	   8 /* stable collaborators per person */
#define NEXTERN	   4 /* external contacts per person, at most */
#define NTHREADS   4 /* mail threads a person can still reply to */
#define NFILES	   4 /* files a person is working on */
#define THREAD_MAX 8

/* Tables, by what the generator writes (mapped to schema_tables[]). */
enum gen_table {
	T_PH,
	T_MEETING,
	T_MPART,
	T_MAIL,
	T_MAILPART,
	T_CALL,
	T_CALLPART,
	T_IM,
	T_IMPART,
	T_FILE,
	T_COUNT
};

struct rng {
	uint64_t s[4]; /* xoshiro256** state */
};

uint64_t rng_next(struct rng *r);
uint32_t rng_below(struct rng *r, uint32_t n); /* uniform in [0, n) */
bool rng_percent(struct rng *r, unsigned pct); /* true pct times in 100 */
int rng_poisson(struct rng *r, double mean);
/* A well-mixed function of its arguments (splitmix64 finalizer). */
uint64_t gen_mix(uint64_t a, uint64_t b);

enum pop { POP_EMPLOYEE, POP_EXTERNAL, POP_ROOM };
enum sup { SUP_IC, SUP_MANAGER, SUP_MANAGER_PLUS };
enum resp { R_ACCEPTED, R_DECLINED, R_TENTATIVE, R_NORESPONSE };

/* One HR version of a person: one PersonHistorical row. */
struct hrv {
	int64_t start; /* StartDate, UTC seconds */
	int32_t mgr;   /* manager's person index, or -1 */
	uint8_t org;   /* index into g->orgs, 255 for none */
	uint8_t level; /* index into gen_levels[], 255 for none */
	uint8_t func;  /* index into gen_functions[], 255 for none */
	uint8_t zone;  /* index into gen_zones[] */
	uint8_t sup;   /* enum sup, 255 for none */
};

struct person {
	uint32_t ver0;		 /* first version in g->ver */
	uint16_t nver;		 /* versions, in time order */
	uint16_t cur;		 /* version in force on the current day */
	uint8_t pop;		 /* enum pop */
	uint8_t act;		 /* activity, sixteenths of the average */
	uint8_t domain;		 /* externals: partner domain */
	uint8_t next;		 /* externals in ext[] */
	uint16_t ws, we;	 /* working hours, minutes after local 00:00 */
	int32_t num;		 /* the number in P000123, x000012, room-001 */
	int32_t collab[NCOLLAB]; /* people they often work with */
	int32_t ext[NEXTERN];	 /* external collaborators they work with */
	int32_t thr[NTHREADS];	 /* recent mail threads (g->thr), or -1 */
	uint64_t file[NFILES];	 /* recent files */
	uint8_t thr_pos, file_pos, nfile;
	int32_t slot; /* today's first meeting slot, or -1 */
};

struct org {
	const char *name;
	int32_t head; /* person index of its head */
	int32_t size; /* people at the start */
	uint8_t func; /* main function of its ICs */
	uint8_t func2;
	uint8_t ext_weight; /* how much it works with externals, 0..10 */
};

/* A recurring cross-team meeting. */
struct group {
	int32_t member[8]; /* member[0] organizes */
	uint8_t n;
	uint8_t biweekly;
};

/* A mail thread that people can still reply to. */
struct thread {
	uint64_t conv;		   /* ConversationId number */
	int32_t mem[THREAD_MAX];   /* who is on it */
	uint8_t nmem, topic, last; /* last: index in mem of the last sender */
};

enum ev_kind { EV_MEETING, EV_MAIL, EV_CHAT, EV_CALL, EV_FILE };

enum ev_flags {
	EVF_RECURRING = 1 << 0, /* meetings */
	EVF_CANCELED = 1 << 1,	/* meetings */
	EVF_ONLINE = 1 << 2,	/* meetings: with a Teams/Skype call */
	EVF_SKYPE = 1 << 3,	/* calls and chats: Skype rather than Teams */
	EVF_REPLY = 1 << 4,	/* mails */
};

/* Meeting kinds, for the subject (ev.a high byte). */
enum mtg_kind { MK_TEAM, MK_ONE, MK_PROJECT, MK_ALLHANDS, MK_ADHOC };

/* One generated event, waiting in the pool to be written. */
struct ev {
	int64_t t;	 /* UTC seconds: the sort key */
	uint64_t x;	 /* ICalUid / ConversationId / FileId number */
	uint32_t seq;	 /* generation order: ties */
	uint32_t p0, np; /* participants g->pt[p0 .. p0 + np) */
	uint32_t m0;	 /* chats: messages g->msg[m0 .. m0 + a) */
	uint16_t a;	 /* meeting: minutes; chat: messages; file: action */
	uint16_t b;	 /* meeting: kind << 8 | subject; mail: topic */
	uint8_t kind;	 /* enum ev_kind */
	uint8_t flags;	 /* enum ev_flags */
};

enum part_flags {
	PF_ORGANIZER = 1 << 0,
	PF_DOUBLE = 1 << 1, /* meeting overlaps another accepted one */
	PF_JOINED = 1 << 2, /* joined the meeting's call */
};

struct part {
	int32_t person;
	uint16_t q;    /* meeting: minutes x2 adjusted; mail: minutes x4 */
	uint8_t resp;  /* enum resp */
	uint8_t flags; /* enum part_flags */
	int8_t join;   /* call: minutes after the start it joined */
	int8_t leave;  /* call: minutes after the end it left */
	uint8_t mails; /* meeting: mails sent during it */
	uint8_t pad;
};

/* One message of a chat session. */
struct msg {
	uint16_t dt;	/* seconds after the session's start */
	uint8_t sender; /* index among the session's participants */
	uint8_t q;	/* minutes x4 spent writing it */
};

/* A person's meeting today (for double booking and mails in meetings). */
struct slot {
	int64_t t0, t1; /* UTC */
	uint32_t ev;	/* g->ev index */
	uint32_t pt;	/* g->pt index */
	int32_t next;	/* the person's next slot, or -1 */
};

/* Text of a double, cached (value_format_double is not for hot loops). */
struct dtext {
	char s[27];
	uint8_t n;
};

struct zcache {
	int64_t from, until; /* [from, until) has offset off */
	int off;
};

struct zone_info {
	const char *name;   /* IANA */
	const char *region; /* NA, EMEA, APAC, LATAM */
	unsigned weight;    /* share of new hires, per mille */
};

extern const struct zone_info gen_zones[];
extern const size_t gen_nzones;
extern const char *const gen_levels[];
extern const char *const gen_functions[];

struct gen {
	const struct gen_options *o;
	const struct gen_sink *sink;
	struct gen_stats *st;
	struct err *e;
	struct rng rng;
	int64_t t0, t1;	    /* UTC range of the activity [t0, t1) */
	int64_t day0, day1; /* local dates generated [day0, day1) */
	const struct table *tab[T_COUNT];
	const struct tz *tz[32]; /* gen_zones[i] rules */
	struct zcache zc[32];

	/* people and HR (gen_org.c) */
	struct org orgs[16];
	int norg;
	struct person *p;
	int32_t np, nemp, next; /* all, employees (first), externals */
	struct hrv *ver;
	uint32_t nver;
	int64_t next_change; /* earliest version start not yet in force */
	uint32_t *rep_off;   /* current direct reports: rep[rep_off[m]..] */
	int32_t *rep;
	uint32_t *mem_off; /* current org members: mem[mem_off[o]..] */
	int32_t *mem;
	struct group *grp;
	int32_t ngrp;

	/* activity state (gen_activity.c) */
	struct thread *thr;
	uint32_t nthr, thr_next;
	uint64_t next_conv, next_file, next_ical;
	struct slot *slot;
	size_t nslot, cslot;
	int32_t *touched; /* people with slots today */
	int32_t *cand;	  /* scratch: the people of the event being made */
	size_t ntouched;

	/* the pool (gen.c) */
	struct ev *ev;
	size_t nev, cev;
	struct part *pt;
	size_t npt, cpt;
	struct msg *msg;
	size_t nmsg, cmsg;
	struct part *pt2; /* spares for compaction */
	struct msg *msg2;
	size_t cpt2, cmsg2;
	uint32_t seq;

	/* rows (gen.c) */
	uint64_t id[T_COUNT]; /* last id written, per table */
	struct buf row;
	size_t fpos[40]; /* where field i starts in row, in our order */
	size_t nf;
	int16_t map[T_COUNT][40]; /* schema column -> our field, or -1 */
	const char *fields[40];
	size_t lens[40];
	struct dtext min4[1024];  /* k / 4 minutes */
	struct dtext hour4[1024]; /* k / 240 hours */
	struct dtext half[1024];  /* k / 2 minutes */
	struct dtext whole[256];  /* k */
};

/* gen_org.c */
int gen_org_build(struct gen *g);
void gen_org_release(struct gen *g);
/* Put the versions in force by instant t into effect (p->cur, reports,
 * org members).  Returns 0 or -ENOMEM. */
int gen_org_update(struct gen *g, int64_t t);
/* The global version index of person p valid at t, or -1 before hire. */
int32_t gen_ph_at(const struct gen *g, int32_t p, int64_t t);
/* The version in force on the current day. */
const struct hrv *gen_cur(const struct gen *g, int32_t p);
bool gen_hired(const struct gen *g, int32_t p, int64_t t);
/* A contact of p to write to or meet (externals too if ext). */
int32_t gen_contact(struct gen *g, int32_t p, bool ext);
int32_t gen_nreports(const struct gen *g, int32_t m);
const int32_t *gen_reports(const struct gen *g, int32_t m);

/* gen_activity.c */
int gen_activity_init(struct gen *g);
void gen_activity_release(struct gen *g);
int gen_day(struct gen *g, int64_t day);

/* gen.c: the pool */
/* Make *p (of *cap elements of size bytes) hold need.  0 or -ENOMEM. */
int gen_grow(void **p, size_t *cap, size_t need, size_t size);
struct ev *gen_ev_new(struct gen *g, int kind, int64_t t);
struct part *gen_part_add(struct gen *g, struct ev *ev, int32_t person);
struct msg *gen_msg_add(struct gen *g, struct ev *ev);
/* Offset in minutes of person p's zone (on the current day) at t. */
int gen_offset(struct gen *g, int zone, int64_t t);
/* UTC instant of minute-of-day min on local date day in zone. */
int64_t gen_local(struct gen *g, int zone, int64_t day, int min);
int gen_flush(struct gen *g, int64_t before);
int gen_write_people(struct gen *g);

#endif
