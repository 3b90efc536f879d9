/* idset.c - a set of byte strings.  See idset.h. */
#include "idset.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define IDSET_FIRST 256

/* 8 bytes, so that a lookup in a set larger than the caches touches one
 * line of slots, and a miss (an empty slot, another hash) nothing else. */
struct idslot {
	uint32_t hash; /* the key's hash */
	uint32_t id;   /* its index + 1; 0: an empty slot */
};

#define MIX1 0xbf58476d1ce4e5b9ULL /* splitmix64's multipliers */
#define MIX2 0x94d049bb133111ebULL

/* Eight bytes at a time (ids are 10 to 40 bytes), then a full mix, so
 * that the low bits (the slot) depend on every byte. */
static uint32_t hash_of(const char *p, size_t n)
{
	uint64_t h = 0x9e3779b97f4a7c15ULL ^ n, w;

	for (; n >= 8; p += 8, n -= 8) {
		memcpy(&w, p, 8);
		h = (h ^ w) * MIX1;
		h ^= h >> 31;
	}
	if (n) {
		w = 0;
		for (size_t i = 0; i < n; i++)
			w |= (uint64_t)(unsigned char)p[i] << (8 * i);
		h = (h ^ w) * MIX1;
	}
	h = (h ^ (h >> 30)) * MIX2;
	h ^= h >> 27;
	return (uint32_t)(h ^ (h >> 32));
}

void idset_init(struct idset *s)
{
	s->slots = NULL;
	s->ends = NULL;
	s->cap = s->n = s->ends_cap = 0;
	buf_init(&s->keys, SIZE_MAX / 2);
}

const char *idset_key(const struct idset *s, size_t i, size_t *n)
{
	size_t start = i ? s->ends[i - 1] : 0;

	*n = s->ends[i] - start;
	return s->keys.data + start;
}

static int key_is(const struct idset *s, size_t i, const char *p, size_t n)
{
	size_t kn;
	const char *k = idset_key(s, i, &kn);

	return kn == n && (!n || memcmp(k, p, n) == 0);
}

/* The slot of p[0..n): the one holding it, or the empty one to fill. */
static struct idslot *find(const struct idset *s, const char *p, size_t n,
			   uint32_t h)
{
	size_t j = h & (s->cap - 1);

	for (;; j = (j + 1) & (s->cap - 1)) {
		struct idslot *sl = &s->slots[j];

		if (!sl->id || (sl->hash == h && key_is(s, sl->id - 1, p, n)))
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

		if (!s->slots[i].id)
			continue;
		for (j = s->slots[i].hash & (cap - 1); ns[j].id;
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
	uint32_t h;
	struct idslot *sl;

	/* keys often come in runs (a parent's children are stored
	 * together): the last key added needs no hash */
	if (s->n && key_is(s, s->n - 1, p, n))
		return 0;
	if (s->n >= UINT32_MAX - 1)
		return -ENOMEM;
	h = hash_of(p, n);
	if ((s->n + 1) * 2 > s->cap && grow(s))
		return -ENOMEM;
	sl = find(s, p, n, h);
	if (sl->id)
		return 0;
	if (array_room(&s->ends, &s->ends_cap, s->n, sizeof(*s->ends),
		       IDSET_FIRST))
		return -ENOMEM;
	buf_add(&s->keys, p, n);
	if (s->keys.err)
		return -ENOMEM;
	s->ends[s->n] = s->keys.len;
	sl->hash = h;
	sl->id = (uint32_t)++s->n;
	return 0;
}

ptrdiff_t idset_index(const struct idset *s, const char *p, size_t n)
{
	const struct idslot *sl;

	if (!s->cap)
		return -1;
	sl = find(s, p, n, hash_of(p, n));
	return (ptrdiff_t)sl->id - 1;
}

int idset_has(const struct idset *s, const char *p, size_t n)
{
	return idset_index(s, p, n) >= 0;
}

void idset_release(struct idset *s)
{
	free(s->slots);
	free(s->ends);
	buf_release(&s->keys);
	idset_init(s);
}
