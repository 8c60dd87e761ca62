/*
 * crc32c.c - CRC-32C (Castagnoli) for model-file checksums; a small table
 * implementation is plenty: model files are kilobytes.
 */
#include "internal.h"

uint32_t mm_crc32c(uint32_t crc, const void *data, size_t n)
{
    /* Built per call: 2 K operations, nothing shared between threads. */
    uint32_t table[256];
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        for (int k = 0; k < 8; k++) {
            c = (c & 1) ? (c >> 1) ^ 0x82f63b78u : c >> 1;
        }
        table[i] = c;
    }
    const uint8_t *p = data;
    crc = ~crc;
    for (size_t i = 0; i < n; i++) {
        crc = table[(crc ^ p[i]) & 0xff] ^ (crc >> 8);
    }
    return ~crc;
}
