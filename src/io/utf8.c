/*
 * utf8.c - strict UTF-8 decoding and encoding (RFC 3629): no overlong forms,
 * no surrogates, nothing beyond U+10FFFF.  The corpus reader names the exact
 * problem, so the decoder says why it refused.
 */
#include "corpus.h"
#include "internal.h"

size_t mm_utf8_decode(const uint8_t *p, size_t avail, uint32_t *cp, const char **why)
{
    uint8_t b0 = p[0];
    if (b0 < 0x80) {
        *cp = b0;
        return 1;
    }
    size_t len;
    uint32_t v, min;
    if (b0 < 0xc0) {
        *why = "unexpected continuation byte";
        return 0;
    } else if (b0 < 0xe0) {
        len = 2;
        v = b0 & 0x1f;
        min = 0x80;
    } else if (b0 < 0xf0) {
        len = 3;
        v = b0 & 0x0f;
        min = 0x800;
    } else if (b0 < 0xf8) {
        len = 4;
        v = b0 & 0x07;
        min = 0x10000;
    } else {
        *why = "invalid lead byte";
        return 0;
    }
    for (size_t i = 1; i < len; i++) {
        if (i >= avail) {
            *why = "truncated sequence at end of file";
            return 0;
        }
        if ((p[i] & 0xc0) != 0x80) {
            *why = "truncated sequence";
            return 0;
        }
        v = (v << 6) | (p[i] & 0x3f);
    }
    if (v < min) {
        *why = "overlong encoding";
        return 0;
    }
    if (v >= 0xd800 && v <= 0xdfff) {
        *why = "encoded surrogate";
        return 0;
    }
    if (v > 0x10ffff) {
        *why = "code point beyond U+10FFFF";
        return 0;
    }
    *cp = v;
    return len;
}

size_t mm_utf8_encode(uint32_t cp, char *buf)
{
    if (cp < 0x80) {
        buf[0] = (char)cp;
        return 1;
    } else if (cp < 0x800) {
        buf[0] = (char)(0xc0 | (cp >> 6));
        buf[1] = (char)(0x80 | (cp & 0x3f));
        return 2;
    } else if (cp < 0x10000) {
        buf[0] = (char)(0xe0 | (cp >> 12));
        buf[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
        buf[2] = (char)(0x80 | (cp & 0x3f));
        return 3;
    }
    buf[0] = (char)(0xf0 | (cp >> 18));
    buf[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
    buf[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
    buf[3] = (char)(0x80 | (cp & 0x3f));
    return 4;
}
