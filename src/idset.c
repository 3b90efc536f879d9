/* idset.c - a set of byte strings.  See idset.h. */
#include "idset.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define IDSET_FIRST 256

struct idslot {
	uint64_t hash;
	size_t off;   /* the key, in s->keys */
	uint32_t len; /* its length + 1; 0: an empty slot */
};

static uint64_t hash_of(const char *p, size_t n)
{
	uint64_t h = 1469598103934665603ULL; /* FNV-1a */

	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)p[i]) * 1099511628211ULL;
	return h ^ (h >> 29);
}

void idset_init(struct idset *s)
{
	s->slots = NULL;
	s->cap = s->n = 0;
	buf_init(&s->keys, SIZE_MAX / 2);
}

/* The slot of p[0..n): the one holding it, or the empty one to fill. */
static struct idslot *find(const struct idset *s, const char *p, size_t n,
			   uint64_t h)
{
	size_t j = h & (s->cap - 1);

	for (;; j = (j + 1) & (s->cap - 1)) {
		struct idslot *sl = &s->slots[j];

		if (!sl->len || (sl->hash == h && sl->len == n + 1 &&
				 memcmp(s->keys.data + sl->off, p, n) == 0))
			return sl;
	}
}

static int grow(struct idset *s)
{
	size_t cap = s->cap ? s->cap * 2 : IDSET_FIRST;
	struct idslot *ns = calloc(cap, sizeof(*ns));

	if (!ns)
		return -ENOMEM;
	for (size_t i = 0; i < s->cap; i++) {
		size_t j;

		if (!s->slots[i].len)
			continue;
		for (j = s->slots[i].hash & (cap - 1); ns[j].len;
		     j = (j + 1) & (cap - 1))
			;
		ns[j] = s->slots[i];
	}
	free(s->slots);
	s->slots = ns;
	s->cap = cap;
	return 0;
}

int idset_add(struct idset *s, const char *p, size_t n)
{
	uint64_t h = hash_of(p, n);
	struct idslot *sl;

	if (n >= UINT32_MAX)
		return -EINVAL;
	if ((s->n + 1) * 2 > s->cap && grow(s))
		return -ENOMEM;
	sl = find(s, p, n, h);
	if (sl->len)
		return 0;
	sl->hash = h;
	sl->off = s->keys.len;
	sl->len = (uint32_t)n + 1;
	buf_add(&s->keys, p, n);
	if (s->keys.err) {
		sl->len = 0;
		return -ENOMEM;
	}
	s->n++;
	return 0;
}

int idset_has(const struct idset *s, const char *p, size_t n)
{
	return s->cap && find(s, p, n, hash_of(p, n))->len != 0;
}

void idset_release(struct idset *s)
{
	free(s->slots);
	buf_release(&s->keys);
	idset_init(s);
}
