/* test_csv.c - the RFC 4180 reader (memory, pipe and file sources, records
 * straddling the 1 MiB read chunk) and the field writer. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "check.h"
#include "csv.h"

#define CHUNK  ((size_t)1 << 20) /* csv.c's read size */
#define MAXREC 256

/* A string literal with its length (it may hold NUL bytes). */
#define LIT(s) (s), (sizeof(s) - 1)

enum source {
	SRC_MEM,  /* csv_open_mem */
	SRC_DRIP, /* csv_open_fd on a pipe fed one byte per read() */
	SRC_PIPE, /* csv_open_fd on a pipe fed in odd-sized chunks */
	SRC_FILE, /* csv_open_fd on a temp file (reads of exactly 1 MiB) */
};

static const char *const source_name[] = { "mem", "drip", "pipe", "file" };

/* Everything a run of the reader produced. */
struct result {
	struct buf out;		      /* each field as [bytes], "\n" a record */
	int ret;		      /* the last csv_next() return */
	size_t nrec;		      /* records read */
	unsigned long last_line;      /* r->line of the last record */
	unsigned long line[MAXREC];   /* r->line of each record */
	unsigned char quoted[MAXREC]; /* quoted flag of each record's field 0 */
	struct err e;
};

static void result_init(struct result *res)
{
	memset(res, 0, sizeof(*res));
	buf_init(&res->out, (size_t)1 << 30);
}

static void read_all(struct csv_reader *r, struct result *res)
{
	int ret;

	while ((ret = csv_next(r, &res->e)) == 1) {
		if (res->nrec < MAXREC) {
			res->line[res->nrec] = r->line;
			res->quoted[res->nrec] =
				(unsigned char)r->fields[0].quoted;
		}
		res->nrec++;
		res->last_line = r->line;
		for (size_t i = 0; i < r->nfields; i++) {
			buf_addch(&res->out, '[');
			buf_add(&res->out, r->fields[i].p, r->fields[i].n);
			buf_addch(&res->out, ']');
		}
		buf_addch(&res->out, '\n');
	}
	res->ret = ret;
}

/* ---- sources ------------------------------------------------------------- */

struct feeder {
	int wfd, rfd;
	const char *p;
	size_t n, chunk;
	int drip;	 /* wait until the reader took each chunk */
	atomic_int done; /* the reader stopped */
};

static void wait_drained(struct feeder *f)
{
	struct timespec ts = { 0, 20000 };
	int avail = 1;

	while (!atomic_load(&f->done) && ioctl(f->rfd, FIONREAD, &avail) == 0 &&
	       avail > 0)
		nanosleep(&ts, NULL);
}

static void *feed(void *arg)
{
	struct feeder *f = arg;
	size_t off = 0;

	while (off < f->n && !atomic_load(&f->done)) {
		size_t k = f->n - off < f->chunk ? f->n - off : f->chunk;
		ssize_t w = write(f->wfd, f->p + off, k);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			break;
		off += (size_t)w;
		if (f->drip)
			wait_drained(f);
	}
	close(f->wfd);
	return NULL;
}

static int read_pipe(const char *p, size_t n, int drip, struct result *res,
		     size_t max_record)
{
	struct feeder f = { .p = p, .n = n, .drip = drip };
	struct csv_reader r;
	pthread_t th;
	int fds[2];

	f.chunk = drip ? 1 : 65536 + 7;
	atomic_init(&f.done, 0);
	if (pipe(fds))
		return -errno;
	f.rfd = fds[0];
	f.wfd = fds[1];
	if (pthread_create(&th, NULL, feed, &f)) {
		close(fds[0]);
		close(fds[1]);
		return -EAGAIN;
	}
	if (csv_open_fd(&r, fds[0], "t.csv") == 0) {
		if (max_record)
			r.max_record = max_record;
		read_all(&r, res);
	}
	csv_close(&r);
	atomic_store(&f.done, 1);
	if (!drip)
		close(fds[0]); /* a blocked write() fails with EPIPE */
	pthread_join(th, NULL);
	if (drip)
		close(fds[0]);
	return 0;
}

static int read_file(const char *p, size_t n, struct result *res,
		     size_t max_record)
{
	char path[] = "/tmp/collabfs-test-csv-XXXXXX";
	struct csv_reader r;
	int fd = mkstemp(path);
	size_t off = 0;

	if (fd < 0)
		return -errno;
	unlink(path);
	while (off < n) {
		ssize_t w = write(fd, p + off, n - off);

		if (w <= 0) {
			close(fd);
			return -EIO;
		}
		off += (size_t)w;
	}
	lseek(fd, 0, SEEK_SET);
	if (csv_open_fd(&r, fd, "t.csv") == 0) {
		if (max_record)
			r.max_record = max_record;
		read_all(&r, res);
	}
	csv_close(&r);
	close(fd);
	return 0;
}

/* Read p[0..n) from the given source into res (initialized here). */
static int run(enum source src, const char *p, size_t n, struct result *res,
	       size_t max_record)
{
	struct csv_reader r;

	result_init(res);
	switch (src) {
	case SRC_MEM:
		if (csv_open_mem(&r, p, n, "t.csv"))
			return -ENOMEM;
		read_all(&r, res);
		csv_close(&r);
		csv_close(&r); /* safe twice */
		return 0;
	case SRC_DRIP:
	case SRC_PIPE:
		return read_pipe(p, n, src == SRC_DRIP, res, max_record);
	case SRC_FILE:
		return read_file(p, n, res, max_record);
	}
	return -EINVAL;
}

/* ---- small inputs, through every source -----------------------------------
 */

/* Parse in from memory, a byte-at-a-time pipe and a file: every source must
 * give the records want (rendered) and end with ret and message msg. */
static void expect_at(int line, const char *in, size_t n, const char *want,
		      int ret, const char *msg)
{
	for (int src = SRC_MEM; src <= SRC_FILE; src++) {
		struct result res;

		if (!check_int(__FILE__, line, source_name[src],
			       run((enum source)src, in, n, &res, 0), 0))
			continue;
		check_mem(__FILE__, line, source_name[src], res.out.data,
			  res.out.len, want, strlen(want));
		check_int(__FILE__, line, "ret", res.ret, ret);
		if (msg)
			check_str(__FILE__, line, "message", res.e.msg, msg);
		if (ret)
			check_int(__FILE__, line, "e.code", res.e.code, ret);
		buf_release(&res.out);
	}
}

#define OK(in, want)	   expect_at(__LINE__, LIT(in), (want), 0, NULL)
#define BAD(in, want, msg) expect_at(__LINE__, LIT(in), (want), -EINVAL, (msg))

static void test_basic(void)
{
	OK("", "");
	OK("a", "[a]\n");
	OK("a,b\r\nc,d\r\n", "[a][b]\n[c][d]\n");
	OK("a,b\nc,d\n", "[a][b]\n[c][d]\n");
	OK("a,b\r\nc,d\ne,f\r\n", "[a][b]\n[c][d]\n[e][f]\n");
	/* the last record without a line end */
	OK("a,b\r\nc,d", "[a][b]\n[c][d]\n");
	OK("a,b\nc,\"d\"", "[a][b]\n[c][d]\n");
	/* empty fields */
	OK(",,\r\n", "[][][]\n");
	OK("a,,b\n", "[a][][b]\n");
	OK("a,", "[a][]\n");
	OK(",a\n", "[][a]\n");
	OK("\r\n", "[]\n");
	OK("a\n\nb\n", "[a]\n[]\n[b]\n");
	/* spaces and tabs are data */
	OK(" a , b \t\n", "[ a ][ b \t]\n");
	/* quoted fields */
	OK("\"a,b\",c\r\n", "[a,b][c]\n");
	OK("\"a\"\"b\",\"\"\"\"\r\n", "[a\"b][\"]\n");
	OK("\"\"\"x\"\"\"\n", "[\"x\"]\n");
	OK("\"\",x\n", "[][x]\n");
	OK("x,\"\"\n", "[x][]\n");
	OK("x,\"\"", "[x][]\n");
	OK("\"\"", "[]\n");
	/* CR and LF inside quotes are kept exactly */
	OK("\"x\r\ny\rz\nw\"\r\nq\r\n", "[x\r\ny\rz\nw]\n[q]\n");
	OK("\"\r\"\n", "[\r]\n");
	OK("\"\n\"", "[\n]\n");
	OK("\"a\",\"b\"\r\n\"c\",\"d\"", "[a][b]\n[c][d]\n");
	/* a UTF-8 byte order mark is skipped at the start only */
	OK("\xef\xbb\xbf"
	   "a,b\n",
	   "[a][b]\n");
	OK("\xef\xbb\xbf", "");
	OK("\xef\xbb\xbf\"q\"\n", "[q]\n");
	OK("x\n\xef\xbb\xbfy\n", "[x]\n[\xef\xbb\xbfy]\n");
	OK("\xef\xbb", "[\xef\xbb]\n");
	/* bytes >= 0x80 are data (UTF-8 is the importer's job) */
	OK("\xc3\xa9,\xff\n", "[\xc3\xa9][\xff]\n");
}

static void test_errors(void)
{
	BAD("\"abc", "", "t.csv:1: unterminated quoted field");
	BAD("a\n\"abc\ndef\n", "[a]\n", "t.csv:2: unterminated quoted field");
	BAD("\"a\"\"", "", "t.csv:1: unterminated quoted field");
	BAD("ab\"c\n", "", "t.csv:1: a quote inside an unquoted field");
	BAD("a,b\nc,d\"\n", "[a][b]\n",
	    "t.csv:2: a quote inside an unquoted field");
	BAD(" \"a\"\n", "", "t.csv:1: a quote inside an unquoted field");
	BAD("\"ab\"c\n", "",
	    "t.csv:1: text after the closing quote of a field");
	BAD("\"ab\" ,c\n", "",
	    "t.csv:1: text after the closing quote of a field");
	BAD("x\n\"ab\"\"\"c", "[x]\n",
	    "t.csv:2: text after the closing quote of a field");
	BAD("a\rb\n", "",
	    "t.csv:1: a carriage return not followed by a line "
	    "feed");
	BAD("a,b\r", "",
	    "t.csv:1: a carriage return not followed by a line "
	    "feed");
	BAD("a\n\"b\"\rc\n", "[a]\n",
	    "t.csv:2: a carriage return not followed by a line feed");
	BAD("a\r\r\n", "",
	    "t.csv:1: a carriage return not followed by a line "
	    "feed");
	BAD("a\0b\n", "", "t.csv:1: a NUL byte");
	BAD("ok\n\0", "[ok]\n", "t.csv:2: a NUL byte");
	BAD("x,y\nz,a\0\n", "[x][y]\n", "t.csv:2: a NUL byte");
}

/* r->line is the physical line (LF count) where each record began. */
static void test_lines(void)
{
	static const char in[] = "h\r\n\"a\r\nb\nc\",d\r\ne\r\n\"\r\"\n"
				 "\"\n\",\"\n\"\nlast";
	static const unsigned long want[] = { 1, 2, 5, 6, 7, 10 };
	struct result res;

	for (int src = SRC_MEM; src <= SRC_FILE; src++) {
		CHECK_INT(run((enum source)src, LIT(in), &res, 0), 0);
		CHECK_INT(res.ret, 0);
		CHECK_INT(res.nrec, 6);
		for (size_t i = 0; i < 6; i++)
			CHECK_INT(res.line[i], want[i]);
		buf_release(&res.out);
	}
	/* a BOM does not shift the lines; nor do empty lines */
	CHECK_INT(run(SRC_MEM,
		      LIT("\xef\xbb\xbf"
			  "a\n\nb\n"),
		      &res, 0),
		  0);
	CHECK_INT(res.nrec, 3);
	CHECK_INT(res.line[0], 1);
	CHECK_INT(res.line[1], 2);
	CHECK_INT(res.line[2], 3);
	buf_release(&res.out);
	/* an error after a multi-line field names the record's line */
	BAD("h\n\"x\ny\"\n\"bad\"x\n", "[h]\n[x\ny]\n",
	    "t.csv:4: text after the closing quote of a field");
	BAD("h\n\"x\r\ny\r\nz\"\nq\"\n", "[h]\n[x\r\ny\r\nz]\n",
	    "t.csv:5: a quote inside an unquoted field");
	BAD("h\n\"x\ny\"\n\"never closed\n\n", "[h]\n[x\ny]\n",
	    "t.csv:4: unterminated quoted field");
}

static void test_quoted_flag(void)
{
	struct result res;

	CHECK_INT(run(SRC_MEM, LIT("\"\"\na\n\"b\"\n"), &res, 0), 0);
	CHECK_INT(res.nrec, 3);
	CHECK_INT(res.quoted[0], 1);
	CHECK_INT(res.quoted[1], 0);
	CHECK_INT(res.quoted[2], 1);
	buf_release(&res.out);
}

/* A NUL inside quotes is passed on as data: the importer rejects it with the
 * column's name. */
static void test_quoted_nul(void)
{
	struct result res;

	CHECK_INT(run(SRC_MEM, LIT("\"a\0b\",c\n"), &res, 0), 0);
	CHECK_INT(res.ret, 0);
	CHECK_BYTES(res.out.data, res.out.len, "[a\0b][c]\n", 9);
	buf_release(&res.out);
}

/* ---- inputs over 1 MiB -----------------------------------------------------
 */

/* The CSV text and the rendering the reader must give. */
struct big {
	struct buf csv, want;
	unsigned long lines; /* physical lines so far */
};

static void big_init(struct big *b)
{
	buf_init(&b->csv, (size_t)1 << 30);
	buf_init(&b->want, (size_t)1 << 30);
	buf_addstr(&b->csv, "id,text\r\n");
	buf_addstr(&b->want, "[id][text]\n");
	b->lines = 1;
}

static void big_release(struct big *b)
{
	buf_release(&b->csv);
	buf_release(&b->want);
}

static void big_record(struct big *b, const char *id, size_t nx)
{
	buf_printf(&b->csv, "%s,", id);
	buf_printf(&b->want, "[%s][", id);
	if (buf_grow(&b->csv, nx + 2) || buf_grow(&b->want, nx + 2))
		return;
	memset(b->csv.data + b->csv.len, 'x', nx);
	memset(b->want.data + b->want.len, 'x', nx);
	b->csv.len += nx;
	b->want.len += nx;
	buf_addstr(&b->csv, "\r\n");
	buf_addstr(&b->want, "]\n");
	b->lines++;
}

/* Filler records, then one padding record so that the next byte written
 * lands at offset pos. */
static void big_pad_to(struct big *b, size_t pos)
{
	char id[32];
	size_t k = 0;

	while (b->csv.len + 3000 < pos) {
		snprintf(id, sizeof(id), "f%zu", k++);
		big_record(b, id, 997 + k % 5);
	}
	/* "pad," + nx + "\r\n" */
	big_record(b, "pad", pos - b->csv.len - 6);
}

struct tail {
	const char *csv;  /* the record(s) to place */
	size_t mark;	  /* the byte of csv to place at the chunk boundary */
	const char *want; /* their rendering */
	int lf;		  /* LFs in csv */
};

static const struct tail tails[] = {
	/* a doubled quote right at the boundary */
	{ "\"aa\"\"bb\",z\r\n", 3, "[aa\"bb][z]\n", 1 },
	/* a closing quote as the chunk's last byte or the next chunk's first */
	{ "\"aaaa\",z\r\n", 5, "[aaaa][z]\n", 1 },
	{ "\"aaaa\"\r\n", 5, "[aaaa]\n", 1 },
	/* an opening quote */
	{ "y,\"a,b\"\r\n", 2, "[y][a,b]\n", 1 },
	/* CR LF split */
	{ "abc,def\r\n", 7, "[abc][def]\n", 1 },
	/* CR LF inside quotes split */
	{ "\"a\r\nb\",c\r\n", 2, "[a\r\nb][c]\n", 2 },
	/* a comma */
	{ "abc,def\r\n", 3, "[abc][def]\n", 1 },
	/* "" "" at the boundary: an empty field */
	{ "q,\"\",\"\"\r\n", 3, "[q][][]\n", 1 },
	/* the record ends at end of input, a doubled quote at the boundary */
	{ "z,\"y\"\"z\"", 4, "[z][y\"z]\n", 0 },
	{ "z,\"y\"\"\"", 5, "[z][y\"]\n", 0 },
};

static void check_big(int line, const struct big *b, const char *what,
		      size_t delta, unsigned long lines)
{
	for (int src = SRC_MEM; src <= SRC_FILE; src++) {
		struct result res;

		if (src == SRC_DRIP)
			continue;
		if (!check_int(__FILE__, line, what,
			       run((enum source)src, b->csv.data, b->csv.len,
				   &res, 0),
			       0))
			continue;
		if (!check_int(__FILE__, line, what, res.ret, 0) ||
		    !check_mem(__FILE__, line, what, res.out.data, res.out.len,
			       b->want.data, b->want.len))
			fprintf(stderr, "    (source %s, delta %zu)\n",
				source_name[src], delta);
		check_int(__FILE__, line, "last line", (long long)res.last_line,
			  (long long)lines);
		buf_release(&res.out);
	}
}

static void test_chunk_boundary(void)
{
	for (size_t t = 0; t < sizeof(tails) / sizeof(tails[0]); t++) {
		for (size_t delta = 0; delta < 5; delta++) {
			struct big b;
			unsigned long tail_line;

			big_init(&b);
			big_pad_to(&b, CHUNK - 2 + delta - tails[t].mark);
			tail_line = b.lines + 1;
			buf_addstr(&b.csv, tails[t].csv);
			buf_addstr(&b.want, tails[t].want);
			if (tails[t].lf) { /* one more record after it */
				buf_addstr(&b.csv, "end,1\r\n");
				buf_addstr(&b.want, "[end][1]\n");
				tail_line += (unsigned long)tails[t].lf;
			}
			CHECK(b.csv.err == 0);
			check_big(__LINE__, &b, tails[t].csv, delta, tail_line);
			big_release(&b);
		}
	}
}

/* One quoted field of 3 MiB (the buffer grows twice), full of doubled
 * quotes and line breaks, with a doubled quote across each refill boundary
 * of a file source: 1 MiB, then 1 MiB and 2 MiB past the record's start. */
static void test_huge_field(void)
{
	struct big b;
	size_t s, at[3];
	unsigned long lfs = 0;

	big_init(&b);
	big_pad_to(&b, CHUNK / 2 + 3);
	s = b.csv.len;
	at[0] = CHUNK;
	at[1] = s + CHUNK;
	at[2] = s + 2 * CHUNK;
	buf_addstr(&b.csv, "h,\"");
	buf_addstr(&b.want, "[h][");
	while (b.csv.len < s + 3 * CHUNK) {
		size_t pos = b.csv.len;
		int pair = pos % 1000 == 0, plain = 0;

		for (int k = 0; k < 3; k++) {
			pair |= pos + 1 == at[k];
			plain |= pos + 2 == at[k];
		}
		if (pair && !plain) {
			buf_addstr(&b.csv, "\"\"");
			buf_addch(&b.want, '"');
		} else if (pos % 777 == 0 && !plain) {
			buf_addstr(&b.csv, "\r\n");
			buf_addstr(&b.want, "\r\n");
			lfs++;
		} else {
			buf_addch(&b.csv, (char)('a' + pos % 26));
			buf_addch(&b.want, (char)('a' + pos % 26));
		}
	}
	for (int k = 0; k < 3; k++)
		CHECK(memcmp(b.csv.data + at[k] - 1, "\"\"", 2) == 0);
	buf_addstr(&b.csv, "\",t\r\nafter,1\r\n");
	buf_addstr(&b.want, "][t]\n[after][1]\n");
	CHECK(b.csv.err == 0 && b.want.err == 0);
	check_big(__LINE__, &b, "huge field", 0, b.lines + 1 + lfs + 1);
	big_release(&b);
}

/* A record longer than max_record fails with -EFBIG and says so. */
static void test_too_large(void)
{
	struct big b;
	struct result res;

	big_init(&b);
	big_record(&b, "big", 3 * CHUNK);
	big_record(&b, "small", 10);
	for (int src = SRC_PIPE; src <= SRC_FILE; src++) {
		CHECK_INT(run((enum source)src, b.csv.data, b.csv.len, &res,
			      2 * CHUNK),
			  0);
		CHECK_INT(res.ret, -EFBIG);
		CHECK_INT(res.e.code, -EFBIG);
		CHECK_STR(res.e.msg, "t.csv:2: record longer than 2 MiB");
		CHECK_MEM(res.out.data, res.out.len, "[id][text]\n");
		buf_release(&res.out);
	}
	/* 1.5 MiB is fine under a 2 MiB limit */
	big_release(&b);
	big_init(&b);
	big_record(&b, "mid", CHUNK + CHUNK / 2);
	for (int src = SRC_PIPE; src <= SRC_FILE; src++) {
		CHECK_INT(run((enum source)src, b.csv.data, b.csv.len, &res,
			      2 * CHUNK),
			  0);
		CHECK_INT(res.ret, 0);
		CHECK(res.out.len == b.want.len &&
		      memcmp(res.out.data, b.want.data, b.want.len) == 0);
		buf_release(&res.out);
	}
	big_release(&b);
}

/* ---- the writer --------------------------------------------------------- */

static void put_at(int line, const char *in, size_t n, const char *want)
{
	struct buf b = BUF_INIT(1 << 20);

	csv_put_field(&b, in, n);
	check_int(__FILE__, line, "b.err", b.err, 0);
	check_mem(__FILE__, line, "csv_put_field", b.data, b.len, want,
		  strlen(want));
	check_int(__FILE__, line, "csv_needs_quote", csv_needs_quote(in, n),
		  strcmp(b.data, in) != 0);
	buf_release(&b);
}

#define PUT(in, want) put_at(__LINE__, LIT(in), (want))

static void test_put_field(void)
{
	struct buf b = BUF_INIT(5);

	PUT("", "");
	PUT("abc", "abc");
	PUT(" a b ", " a b ");
	PUT("\t", "\t");
	PUT("a,b", "\"a,b\"");
	PUT(",", "\",\"");
	PUT("\"", "\"\"\"\"");
	PUT("a\"b\"", "\"a\"\"b\"\"\"");
	PUT("\"\"", "\"\"\"\"\"\"");
	PUT("a\r\nb", "\"a\r\nb\"");
	PUT("\r", "\"\r\"");
	PUT("\n", "\"\n\"");
	PUT("\xc3\xa9", "\xc3\xa9");
	/* errors are sticky and the limit holds */
	csv_put_field(&b, "abcdef", 6);
	CHECK_INT(b.err, -EFBIG);
	buf_release(&b);
	buf_init(&b, 5);
	csv_put_field(&b, "a,b\"c", 5);
	CHECK_INT(b.err, -EFBIG);
	buf_release(&b);
}

/* n random records written with csv_put_field into csv, and their
 * rendering into want. */
static void make_records(unsigned seed, int n, struct buf *csv,
			 struct buf *want)
{
	static const char alpha[] = { 'a', 'b',	 ',',	 '"',	 '\r', '\n',
				      ' ', '\t', '\xc3', '\xa9', 'z',  '"' };

	for (int rec = 0; rec < n; rec++) {
		int nf;

		seed = seed * 1103515245u + 12345u;
		nf = 1 + (int)(seed >> 16) % 6;
		for (int f = 0; f < nf; f++) {
			char field[12];
			size_t len;

			seed = seed * 1103515245u + 12345u;
			len = (seed >> 16) % 10;
			for (size_t i = 0; i < len; i++) {
				seed = seed * 1103515245u + 12345u;
				field[i] = alpha[(seed >> 16) % sizeof(alpha)];
			}
			if (f)
				buf_addch(csv, ',');
			csv_put_field(csv, field, len);
			buf_addch(want, '[');
			buf_add(want, field, len);
			buf_addch(want, ']');
		}
		buf_addstr(csv, rec % 3 ? "\r\n" : "\n");
		buf_addch(want, '\n');
	}
}

/* Random records written with csv_put_field read back equal, through every
 * source and with either line end. */
static void test_round_trip(void)
{
	struct buf csv = BUF_INIT((size_t)1 << 26);
	struct buf want = BUF_INIT((size_t)1 << 26);
	struct result res;

	make_records(12345, 3000, &csv, &want);
	CHECK(csv.err == 0 && want.err == 0);
	for (int src = SRC_MEM; src <= SRC_FILE; src++) {
		if (src == SRC_DRIP)
			continue;
		CHECK_INT(run((enum source)src, csv.data, csv.len, &res, 0), 0);
		CHECK_INT(res.ret, 0);
		CHECK_INT(res.nrec, 3000);
		CHECK_BYTES(res.out.data, res.out.len, want.data, want.len);
		buf_release(&res.out);
	}
	/* fewer, byte by byte through a pipe */
	buf_reset(&csv);
	buf_reset(&want);
	make_records(777, 80, &csv, &want);
	CHECK_INT(run(SRC_DRIP, csv.data, csv.len, &res, 0), 0);
	CHECK_INT(res.ret, 0);
	CHECK_INT(res.nrec, 80);
	CHECK_BYTES(res.out.data, res.out.len, want.data, want.len);
	buf_release(&res.out);
	buf_release(&csv);
	buf_release(&want);
}

int main(void)
{
	signal(SIGPIPE, SIG_IGN);
	test_basic();
	test_errors();
	test_lines();
	test_quoted_flag();
	test_quoted_nul();
	test_chunk_boundary();
	test_huge_field();
	test_too_large();
	test_put_field();
	test_round_trip();
	return check_report();
}
