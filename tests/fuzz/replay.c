/*
 * replay.c - runs a libFuzzer target's entry point on files, without
 * libFuzzer: ctest replays the committed seeds and every past finding
 * (tests/fuzz/regressions/) through each target with the normal compiler.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int main(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        FILE *fp = fopen(argv[i], "rb");
        if (fp == NULL) {
            perror(argv[i]);
            return 1;
        }
        size_t cap = 1 << 16, n = 0;
        uint8_t *buf = malloc(cap);
        size_t r;
        while (buf && (r = fread(buf + n, 1, cap - n, fp)) > 0) {
            n += r;
            if (n == cap) {
                buf = realloc(buf, cap *= 2);
            }
        }
        fclose(fp);
        if (buf == NULL) {
            return 1;
        }
        LLVMFuzzerTestOneInput(buf, n);
        free(buf);
        printf("ok %s\n", argv[i]);
    }
    return 0;
}
