// SPDX-License-Identifier: GPL-2.0
/*
 * jmod test pattern: the deterministic fill of /dev/jmod's FILL/CHECK
 * ioctls and of the in-kernel cases.
 *
 * Owns no state: byte i of an object filled with seed s is a hash of
 * (s, i / 8), so any range can be checked without a copy of what was
 * written.  Callers hold whatever keeps the object alive (the device's
 * per-fd mutex; a case's own allocation).
 */

#include <linux/types.h>

#include "test.h"

static u64 pattern_word(u64 seed, u64 word)
{
	u64 x = seed ^ (word * 0x9e3779b97f4a7c15ULL);

	x ^= x >> 31;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 29;
	x *= 0x94d049bb133111ebULL;
	return x ^ (x >> 32);
}

static u8 pattern_byte(u64 seed, u64 i)
{
	return seed ? pattern_word(seed, i >> 3) >> ((i & 7) * 8) : 0;
}

/**
 * jmod_pattern_fill() - write the pattern of @seed into a range
 * @p: the object
 * @offset: first byte to write, an offset into the object
 * @len: bytes to write
 * @seed: pattern seed; 0 writes zeroes
 *
 * Byte i of an object is a function of (@seed, i) alone, so a range can
 * be checked later without remembering what was written.
 */
void jmod_pattern_fill(void *p, u64 offset, u64 len, u64 seed)
{
	u8 *b = p;
	u64 i;

	for (i = offset; i < offset + len; i++)
		b[i] = pattern_byte(seed, i);
}

/**
 * jmod_pattern_check() - compare a range with the pattern of @seed
 * @p: the object
 * @offset: first byte to check
 * @len: bytes to check
 * @seed: pattern seed, as given to jmod_pattern_fill()
 *
 * Return: the first mismatching offset, or -1 when the range matches.
 */
s64 jmod_pattern_check(const void *p, u64 offset, u64 len, u64 seed)
{
	const u8 *b = p;
	u64 i;

	for (i = offset; i < offset + len; i++)
		if (b[i] != pattern_byte(seed, i))
			return i;
	return -1;
}
